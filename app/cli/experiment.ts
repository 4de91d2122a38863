/**
 * `experiment FILE [--profile P] [--out DIR] [--jobs N] [--shard I/N]
 * [--dry-run]`: run an experiment's cells (app/experiment/run/runner.ts), or
 * list them and what is done. Ctrl-C (or SIGTERM, as Slurm sends at a time
 * limit) ends the running workers; rerunning the command resumes.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { UserError } from "../../engine/errors.ts";
import { checkPathFlag, collect, integer, PYTHON_POLICY_HELP } from "./flags.ts";
import { describeCell } from "../experiment/run/pool.ts";
import { duration } from "../util/progress.ts";
import {
  type ExperimentOptions,
  type Plan,
  plan,
  runExperiment,
  runOneCell,
} from "../experiment/run/runner.ts";
import { parseShard, type Shard, shardFromEnv } from "../experiment/run/shard.ts";

/** The `experiment` command and its flags, declared once. */
function declare() {
  return new Command("experiment")
    .description(
      "Run an experiment's cells (grid point x policy x seed), resuming finished ones; " +
        "--dry-run lists them",
    )
    .argument("<file>", "experiment YAML file (experiments/*.yaml)")
    .option("--profile <name>", "apply the file's profile (quick, paper, ...)")
    .option("-o, --out <dir>", "output folder (default out/experiments/<name>[-<profile>])")
    .option("-j, --jobs <n>", "cells run at once, each in a worker process", integer(1, 1024), 1)
    .option(
      "--shard <i/n>",
      "run the i-th of n deterministic slices (default: SLURM_ARRAY_TASK_ID/COUNT when set)",
    )
    .option("--dry-run", "list the cells and what is done; run nothing")
    .option("--python-policy <file>", `${PYTHON_POLICY_HELP} to the policies`, collect)
    .option("--trust-plugins", "trust plugins (run Python policies) in every cell")
    // Run this one cell in this process (what a worker does).
    .addOption(new Option("--cell <hash>", "run this one cell here (a worker's job)").hideHelp())
    .option("-q, --quiet", "no progress bar, no summary");
}

/** Flags of `experiment`, as commander parses them. */
export type ExperimentFlags = ReturnType<ReturnType<typeof declare>["opts"]>;

/** `experiment`, ready to add to the program. */
export const experimentCli = () => declare().action(experimentCommand);

/** The shard of `--shard`, else of a Slurm job array's environment, else all of it. */
export function shardOf(flag: string | undefined): Shard | undefined {
  if (flag !== undefined) return parseShard(flag);
  return shardFromEnv((name) => Deno.env.get(name));
}

export async function experimentCommand(file: string, f: ExperimentFlags): Promise<void> {
  checkPathFlag("file", file);
  checkPathFlag("--out", f.out);
  checkPathFlag("--python-policy", f.pythonPolicy);
  const o: ExperimentOptions = {
    profile: f.profile,
    out: f.out,
    jobs: f.jobs,
    quiet: f.quiet,
    trustPlugins: f.trustPlugins,
    pythonPolicies: f.pythonPolicy,
  };
  o.shard = shardOf(f.shard);
  if (f.cell !== undefined) {
    if (!f.out) throw new UserError("--cell needs --out (the experiment's output folder)");
    await runOneCell(file, f.cell, { ...o, out: f.out });
    return;
  }
  if (f.dryRun) {
    console.log(dryRunText(await plan(file, o)));
    return;
  }
  const stop = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) console.error("\nstopping: ending the running cells");
    stop.abort();
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  let r;
  try {
    r = await runExperiment(file, { ...o, signal: stop.signal });
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  const what = `${r.total} cell(s): ${r.skipped} done before, ${r.done} done now, ` +
    `${r.failed} failed (${duration(r.seconds)})`;
  if (r.interrupted) {
    throw new UserError(
      `interrupted: ${what}; rerun the same command to resume (finished cells are kept)`,
    );
  }
  if (!f.quiet) console.log(`${what}\nresults: ${r.out}/`);
  if (r.failures.length > 0) {
    throw new UserError([
      ...r.failures.slice(0, 10).map((x) => ({
        message: `cell ${describeCell(x.cell)} failed: ${x.error.split("\n")[0]}`,
      })),
      {
        message: `${r.failures.length} cell(s) failed; logs in ${r.out}/logs/; ` +
          "rerun the same command to retry them",
      },
    ]);
  }
}

/** The manifest as a table, with each cell's status. */
export function dryRunText(p: Plan): string {
  const { shard } = p;
  const sharded = shard.count > 1;
  const head = [
    "status",
    "kind",
    "policy",
    "seeds",
    ...(sharded ? ["shard"] : []),
    "hash",
    "point",
  ];
  const rows = p.cells.map(({ cell, status, shard: s }) => [
    sharded && s !== shard.index ? `(${status})` : status,
    cell.kind,
    cell.policy.label,
    `${cell.seeds.train ?? "-"}/${cell.seeds.eval ?? "-"}`,
    ...(sharded ? [`${s}/${shard.count}`] : []),
    cell.hash,
    Object.entries(cell.point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" "),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => x.padEnd(widths[c])).join("  ").trimEnd();
  const mine = p.cells.filter((c) => c.shard === shard.index);
  const n = (s: string) => mine.filter((c) => c.status === s).length;
  const e = p.x.loaded;
  const title = `${e.experiment.name}${e.profile ? ` (profile ${e.profile})` : ""}: ` +
    `${p.cells.length} cell(s)` +
    (sharded ? `, ${mine.length} in shard ${shard.index}/${shard.count}` : "") +
    `: ${n("done")} done, ${n("failed")} failed, ${n("todo")} to run; output ${p.out}/`;
  const note = sharded ? "(status in parentheses: another shard's cell)" : "";
  return [title, line(head), ...rows.map(line), ...(note ? [note] : [])].join("\n");
}
