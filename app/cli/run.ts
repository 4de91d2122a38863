/**
 * `run`: evaluate a scenario's policies and print the comparison table.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { loadScenario } from "../../engine/scenario/load.ts";
import { comparisonTable, runScenario } from "../run.ts";
import { pluginOptions } from "../../host/plugin.ts";
import { POLICY_REF } from "../../engine/config/path.ts";
import {
  checkPathFlag,
  collect,
  integer,
  MAX_EPISODES,
  PYTHON_POLICY_HELP,
  pythonRefs,
  registryWith,
} from "./flags.ts";

/** The `run` command and its flags, declared once. */
function declare() {
  return new Command("run")
    .description(
      "Run a scenario's policies over its episodes; print a comparison table, write results",
    )
    .argument("<file>", "scenario YAML file")
    .option(
      "-o, --out <dir>",
      "output directory (default: the scenario's output.dir, else out/<name>)",
    )
    .option("-e, --episodes <n>", "number of episodes", integer(1, MAX_EPISODES))
    .option("-s, --seed <n>", "scenario seed", integer(0))
    .option("-p, --policy <id>", "run this policy instead of the scenario's (repeatable)", collect)
    .option("--python-policy <file>", PYTHON_POLICY_HELP, collect)
    .option(
      "--plugin <path>",
      "register a policy module so its id can be used (repeatable)",
      collect,
    )
    .option("--checkpoint <dir>", "checkpoint directory for a learning policy")
    .option("--trust-plugins", "run plugins in-process with the CLI's permissions (no sandbox)")
    .option("--no-csv", "write only summary.json and comparison.csv")
    .option("-q, --quiet", "print nothing but errors");
}

/** Flags of `run`, as commander parses them. */
export type RunFlags = ReturnType<ReturnType<typeof declare>["opts"]>;

/** `run`, ready to add to the program. */
export const runCli = () => declare().action(runCommand);

export async function runCommand(file: string, f: RunFlags): Promise<void> {
  checkPathFlag("file", file);
  checkPathFlag("--out", f.out);
  checkPathFlag("--plugin", f.plugin);
  checkPathFlag("--checkpoint", f.checkpoint);
  checkPathFlag("--policy", f.policy, POLICY_REF);
  checkPathFlag("--python-policy", f.pythonPolicy);
  const policies = [...(f.policy ?? []), ...pythonRefs(f.pythonPolicy)];
  const registry = await registryWith(f.plugin, f.trustPlugins);
  const loaded = await loadScenario(file);
  const outDir = f.out ?? loaded.scenario.output.dir ?? `out/${loaded.scenario.name}`;
  const tty = !f.quiet && Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const started = performance.now();
  const report = await runScenario(loaded, {
    outDir,
    episodes: f.episodes,
    seed: f.seed,
    policies: policies.length > 0 ? policies : undefined,
    checkpoint: f.checkpoint,
    registry,
    writeCsv: f.csv !== false,
    plugins: pluginOptions(loaded.scenario, f.trustPlugins),
    onEpisode: tty
      ? (label, e, n) => Deno.stderr.writeSync(enc.encode(`\r${label}: episode ${e}/${n}   `))
      : undefined,
  });
  if (tty) Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
  if (f.quiet) return;
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${loaded.scenario.name}: ${report.episodes} episode(s) x ${loaded.scenario.time.slots} slots, ` +
      `seed ${report.seed} (${secs} s)\n`,
  );
  console.log(comparisonTable(report.results));
  console.log(`\nresults: ${outDir}/`);
}
