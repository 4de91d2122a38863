/**
 * `run`: evaluate a scenario's policies and print the comparison table.
 *
 * @module
 */
import { loadScenario } from "../../engine/scenario/load.ts";
import { comparisonTable, runScenario } from "../run.ts";
import { pluginOptions } from "../../host/plugin.ts";
import type { PolicyRegistry } from "../../host/registry.ts";

/** Flags of `run`. */
export interface RunFlags {
  out?: string;
  episodes?: number;
  seed?: number;
  policy?: string[];
  checkpoint?: string;
  csv?: boolean;
  quiet?: boolean;
  trustPlugins?: boolean;
  registry: PolicyRegistry;
}

export async function runCommand(file: string, f: RunFlags): Promise<void> {
  const loaded = await loadScenario(file);
  const outDir = f.out ?? loaded.scenario.output.dir ?? `out/${loaded.scenario.name}`;
  const tty = !f.quiet && Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const started = performance.now();
  const report = await runScenario(loaded, {
    outDir,
    episodes: f.episodes,
    seed: f.seed,
    policies: f.policy,
    checkpoint: f.checkpoint,
    registry: f.registry,
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
