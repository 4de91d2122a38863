/**
 * Running an experiment: expand the file into its manifest, write
 * `experiment.json` and `manifest.json`, take this shard's slice, skip the
 * cells whose result file says done, and run the others in a pool of
 * worker processes, with a progress bar. Rerunning the same command resumes:
 * no finished cell is computed again, failed ones are retried.
 *
 * Output folder:
 * - `experiment.json`: the resolved experiment (after its profile);
 * - `manifest.json`: every cell, in run order;
 * - `cells/<hash>.json`: one per finished cell (done or failed);
 * - `timings/<hash>.json`: its wall time (kept apart: cell files are deterministic);
 * - `logs/<hash>.log`: what its worker printed, one header line per attempt;
 * - `checkpoints/<hash>/`, `experts/<hash>/`: train and expert cells' folders.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { quote, UserError } from "../../../engine/errors.ts";
import { writeFileAtomic } from "../../../engine/output/atomic.ts";
import { sealJson } from "../../../engine/output/integrity.ts";
import { VERSION } from "../../../engine/version.ts";
import { defaultRegistry, type PolicyRegistry } from "../../../host/registry.ts";
import { readSealed, runCell } from "./cell.ts";
import { type Cell, entryOf, expand, type Expansion } from "../plan/expand.ts";
import { type LoadedExperiment, loadExperiment } from "../plan/load.ts";
import { pythonRef } from "../../../host/python/policy.ts";
import { cellStatus, describeCell, runPool } from "./pool.ts";
import { cellsBar, type Counts, duration } from "../../util/progress.ts";
import { assignShards, type Shard } from "./shard.ts";
import { writing } from "../../util/lock.ts";

/** Options of {@linkcode runExperiment} (the flags of `experiment`). */
export interface ExperimentOptions {
  profile?: string;
  /** Output folder (default `out/experiments/<name>[-<profile>]`). */
  out?: string;
  jobs?: number;
  shard?: Shard;
  /** No progress bar. */
  quiet?: boolean;
  registry?: PolicyRegistry;
  /** Stops the run: running workers are ended, their cells left to the next run. */
  signal?: AbortSignal;
  /** `--trust-plugins`: trust plugins (a Python policy needs it, or the scenario's key). */
  trustPlugins?: boolean;
  /** `--python-policy`: Python modules added to the experiment's policies (absolute paths). */
  pythonPolicies?: string[];
}

/** A cell of the manifest and where this run stands with it. */
export interface PlannedCell {
  cell: Cell;
  shard: number;
  status: "done" | "failed" | "todo";
}

/** An expanded experiment, its output folder, and its cells' status. */
export interface Plan {
  x: Expansion;
  out: string;
  shard: Shard;
  cells: PlannedCell[];
}

/** The default output folder of an experiment. */
export function defaultOut(name: string, profile?: string): string {
  return join("out", "experiments", profile ? `${name}-${profile}` : name);
}

/**
 * Loads `file` with the `--python-policy` modules added to its policies
 * (which have no place in the file: their problems are not located there).
 */
async function load(file: string, o: ExperimentOptions): Promise<LoadedExperiment> {
  const loaded = await loadExperiment(file, o.profile);
  const extra = (o.pythonPolicies ?? []).map((p) => pythonRef(resolve(p)));
  if (extra.length === 0) return loaded;
  const e = loaded.experiment;
  const n = e.policies.length;
  return {
    ...loaded,
    experiment: { ...e, policies: [...e.policies, ...extra] },
    locate: (path, atKey) =>
      path[0] === "policies" && Number(path[1]) >= n ? { message: "" } : loaded.locate(path, atKey),
  };
}

/** Loads and expands `file`, and reads which of its cells are done. */
export async function plan(file: string, o: ExperimentOptions = {}): Promise<Plan> {
  const loaded = await load(file, o);
  const x = await expand(loaded, o.registry ?? defaultRegistry(), undefined, o.trustPlugins);
  const out = o.out ?? defaultOut(loaded.experiment.name, o.profile);
  const shard = o.shard ?? { index: 1, count: 1 };
  const shards = assignShards(x.cells, shard.count);
  const cells: PlannedCell[] = [];
  for (const cell of x.cells) {
    const status = (await cellStatus(out, cell.hash)) ?? "todo";
    cells.push({ cell, shard: shards.get(cell.hash)!, status });
  }
  return { x, out, shard, cells };
}

/** `experiment.json`: the resolved experiment. */
export function experimentJson(x: Expansion): Record<string, unknown> {
  const e = x.loaded.experiment;
  const values: Record<string, unknown[]> = {};
  for (const p of x.grid.points) {
    for (const a of p.assignments) {
      const list = values[a.key] ??= [];
      if (!list.some((v) => JSON.stringify(v) === JSON.stringify(a.value))) list.push(a.value);
    }
  }
  return {
    format: "vecscene-experiment/1",
    name: e.name,
    profile: x.loaded.profile ?? null,
    description: e.description,
    base: e.base,
    vary: x.grid.keys,
    values,
    set: e.set,
    exclude: e.exclude,
    policies: x.policies.map((p) => ({
      label: p.label,
      id: p.def.id,
      params: p.params,
      train: p.train && {
        ...p.train,
        pretrain: p.train.pretrain && {
          policy: p.train.pretrain.def.id,
          params: p.train.pretrain.params,
          episodes: p.train.pretrain.episodes,
        },
      },
      checkpoint: (e.policies[p.index] as { checkpoint?: string }).checkpoint,
    })),
    seeds: e.seeds,
    evaluate: e.evaluate,
    cells: x.cells.length,
    figures: e.figures,
    reference: e.reference,
    version: VERSION,
  };
}

/** Refuses an output folder that holds something else than this experiment's results. */
async function checkOut(out: string, x: Expansion): Promise<void> {
  let entries: string[];
  try {
    entries = [];
    for await (const e of Deno.readDir(out)) entries.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (entries.length === 0) return;
  let before: { name?: string; profile?: string | null };
  try {
    before = await readSealed(join(out, "experiment.json"));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `--out ${out}: the folder holds files that are not an experiment's results ` +
        `(${entries.slice(0, 3).map((n) => quote(n)).join(", ")}); choose another folder`,
    );
  }
  const profile = x.loaded.profile ?? null;
  if (before.name !== x.loaded.experiment.name || (before.profile ?? null) !== profile) {
    throw new UserError(
      `--out ${out} holds the results of experiment ${quote(String(before.name))} ` +
        `(profile ${before.profile ?? "none"}), not of ${quote(x.loaded.experiment.name)} ` +
        `(profile ${profile ?? "none"}); choose another folder`,
    );
  }
}

/** How a worker process runs one cell: this program, with the CLI's permissions and flags. */
export function workerCommand(
  file: string,
  out: string,
  profile?: string,
  o: Pick<ExperimentOptions, "trustPlugins" | "pythonPolicies"> = {},
) {
  const rest = [
    "experiment",
    file,
    "--out",
    out,
    ...(profile ? ["--profile", profile] : []),
    ...(o.trustPlugins ? ["--trust-plugins"] : []),
    ...(o.pythonPolicies ?? []).flatMap((p) => ["--python-policy", resolve(p)]),
  ];
  const exe = Deno.execPath();
  return (hash: string) => {
    const args = [...rest, "--cell", hash];
    // A compiled vecscene is its own CLI; under deno, run cli.ts with the task's permissions.
    if (!/^deno(\.exe)?$/.test(basename(exe))) return { cmd: exe, args };
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const perms = ["--allow-read", "--allow-write", "--allow-env", "--allow-run"];
    const config = ["--config", join(root, "deno.json")];
    return { cmd: exe, args: ["run", ...perms, ...config, join(root, "cli.ts"), ...args] };
  };
}

/** The outcome of a run. */
export interface RunSummary extends Counts {
  out: string;
  seconds: number;
  interrupted: boolean;
  /** Failed cells of this shard, with their errors. */
  failures: { cell: Cell; error: string }[];
}

/** Runs this shard's cells that are not done; see the module doc. */
export async function runExperiment(file: string, o: ExperimentOptions = {}): Promise<RunSummary> {
  const p = await plan(file, o);
  return await writing(
    p.out,
    `the finished cells of ${p.out} are kept: free the space or fix the folder, then run the ` +
      "same command to resume",
    () => runPlan(file, p, o),
    shardLock(p.shard),
  );
}

/**
 * The lock of a shard: shards of one array (same count) run side by side in
 * one folder, their cells being disjoint; the same shard twice, or shards
 * of different counts (whose cells overlap), are refused.
 */
export function shardLock(shard: Shard) {
  return {
    name: `shard-${shard.index}-of-${shard.count}`,
    conflicts: (other: string) => {
      const m = /^shard-(\d+)-of-(\d+)$/.exec(other);
      return !m || Number(m[2]) !== shard.count || Number(m[1]) === shard.index;
    },
  };
}

async function runPlan(file: string, p: Plan, o: ExperimentOptions): Promise<RunSummary> {
  await checkOut(p.out, p.x);
  await writeFileAtomic(join(p.out, "experiment.json"), sealJson(experimentJson(p.x)));
  await writeFileAtomic(join(p.out, "manifest.json"), sealJson({ cells: p.x.cells.map(entryOf) }));
  const mine = p.cells.filter((c) => c.shard === p.shard.index);
  const done = new Set(p.cells.filter((c) => c.status === "done").map((c) => c.cell.hash));
  const todo = mine.filter((c) => c.status !== "done").map((c) => c.cell);
  const jobs = o.jobs ?? 1;
  const counts: Counts = {
    total: mine.length,
    skipped: mine.length - todo.length,
    done: 0,
    failed: 0,
    running: 0,
  };
  const bar = cellsBar(jobs, o.quiet);
  const t0 = performance.now();
  bar.draw(counts);
  await runPool(todo, done, {
    jobs,
    out: p.out,
    worker: workerCommand(file, resolve(p.out), o.profile, o),
    signal: o.signal,
    onStart: () => {
      counts.running++;
      bar.draw(counts);
    },
    onFinish: (f) => {
      if (f.ran) counts.running--;
      counts[f.ok ? "done" : "failed"]++;
      const what = f.ok ? "done  " : "FAILED";
      bar.draw(counts, `${what} ${describeCell(f.cell)} in ${duration(f.seconds)}`);
    },
  });
  bar.end();
  const failures: RunSummary["failures"] = [];
  for (const cell of todo) {
    if ((await cellStatus(p.out, cell.hash)) !== "failed") continue;
    const failed = await readSealed(join(p.out, "cells", `${cell.hash}.json`));
    failures.push({ cell, error: String(failed.error ?? "") });
  }
  return {
    ...counts,
    running: 0,
    out: p.out,
    seconds: (performance.now() - t0) / 1000,
    interrupted: o.signal?.aborted ?? false,
    failures,
  };
}

/** Runs the cell `hash` of `file` in this process (a worker's job); returns whether it succeeded. */
export async function runOneCell(
  file: string,
  hash: string,
  o: ExperimentOptions & { out: string },
): Promise<boolean> {
  const loaded = await load(file, o);
  const registry = o.registry ?? defaultRegistry();
  const x = await expand(loaded, registry, undefined, o.trustPlugins);
  const cell = x.cells.find((c) => c.hash === hash);
  if (!cell) {
    throw new UserError(
      `${file}: no cell ${quote(hash)} in this experiment (profile ${o.profile ?? "none"}); ` +
        "was the file changed since the run started?",
    );
  }
  console.error(describeCell(cell));
  return await runCell(x, cell, o.out, registry, o.trustPlugins);
}
