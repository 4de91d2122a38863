/**
 * Running one cell in this process, as a worker of the runner does:
 *
 * - an evaluation cell plays episodes 1..N of its eval seed with its
 *   policy (the weights of its train cell's `best/`, or a fixed
 *   checkpoint) and records the run table's aggregates; the policy's
 *   `decide` is timed around each call, for `decide_ms_per_slot` (Table II);
 * - a train cell trains into `OUT/checkpoints/<hash>/` (resuming where an
 *   interrupted attempt left off) and keeps its training curve;
 * - an expert cell records an expert dataset into `OUT/experts/<hash>/`.
 *
 * The result is `OUT/cells/<hash>.json`, written atomically, whether the cell
 * succeeded or failed (with its error); wall times go to
 * `OUT/timings/<hash>.json`.
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../../../engine/errors.ts";
import { writeFileAtomic } from "../../../engine/output/atomic.ts";
import { openSealed, sealJson } from "../../../engine/output/integrity.ts";
import type { LoadedScenario } from "../../../engine/scenario/load.ts";
import { VERSION } from "../../../engine/version.ts";
import { compileWorld } from "../../../engine/world.ts";
import { evaluate } from "../../../host/evaluate.ts";
import { recordExpert } from "../../expert.ts";
import { pluginOptions } from "../../../host/plugin.ts";
import { preflight } from "../../../host/preflight.ts";
import { progressBar } from "../../util/progress.ts";
import type { PolicyRegistry } from "../../../host/registry.ts";
import { resolvePolicies } from "../../../host/resolve.ts";
import { parseLogLine, readLatest, train } from "../../train.ts";
import { type Cell, CELL_FORMAT, type Expansion } from "../plan/expand.ts";
import { evalMetrics, type LogLine, perEpisode, trainCurves } from "../plan/metrics.ts";
import { cellScenario } from "../plan/scenario.ts";

/** Where a cell's files lie in the output folder. */
export const cellPaths = (out: string, hash: string) => ({
  cell: join(out, "cells", `${hash}.json`),
  timing: join(out, "timings", `${hash}.json`),
  log: join(out, "logs", `${hash}.log`),
  checkpoints: join(out, "checkpoints", hash),
  expert: join(out, "experts", hash),
});

/** What a cell measured, besides its identity. */
interface Measured {
  metrics: Record<string, number>;
  curves?: Record<string, (number | null)[]>;
  validation?: Record<string, (number | null)[]>;
  per_episode?: Record<string, number[]>;
  pretrain?: Record<string, number>;
}

/** The JSON of a cell file (keys in a fixed order, so equal results give equal bytes). */
export function cellJson(
  cell: Cell,
  status: "done" | "failed",
  m: Measured | { error: string },
  version = VERSION,
): string {
  const { hash, kind, point, policy, seeds, deps } = cell;
  const head = { format: CELL_FORMAT, hash, kind, status };
  const id = { point, policy, seeds, deps };
  const file = "error" in m
    ? { ...head, error: m.error, ...id, metrics: {} }
    : { ...head, ...id, ...m };
  return sealJson({ ...file, version });
}

/**
 * Runs `cell` and writes its result file; returns whether it succeeded.
 * `trust` (`--trust-plugins`) trusts plugins as the scenario's
 * `sandbox.trustPlugins` does (a Python policy needs one of them).
 */
export async function runCell(
  x: Expansion,
  cell: Cell,
  out: string,
  registry: PolicyRegistry,
  trust = false,
): Promise<boolean> {
  const paths = cellPaths(out, cell.hash);
  const t0 = performance.now();
  const timing: Record<string, unknown> = {};
  let text: string;
  let ok = true;
  try {
    const loaded = cellScenario(x.base, cell.scenario, () => x.loaded.locate(cell.at));
    const m = cell.kind === "eval"
      ? await evalCell(cell, loaded, out, registry, timing, trust)
      : cell.kind === "train"
      ? await trainCell(cell, loaded, out, registry, trust)
      : await expertCell(cell, loaded, out, registry, trust);
    text = cellJson(cell, "done", m);
  } catch (e) {
    ok = false;
    const message = e instanceof UserError
      ? e.message
      : `${(e as Error)?.name}: ${(e as Error)?.message}`;
    console.error(e instanceof UserError ? e.message : (e as Error)?.stack ?? String(e));
    text = cellJson(cell, "failed", { error: message });
  }
  const wall = (performance.now() - t0) / 1000;
  const timings = { format: "vecscene-timing/1", hash: cell.hash, wall_s: wall, ...timing };
  await writeFileAtomic(paths.timing, JSON.stringify(timings, null, 2) + "\n");
  await writeFileAtomic(paths.cell, text);
  return ok;
}

/** The weights a train cell left: its best validation checkpoint, else its last. */
async function trainedWeights(out: string, hash: string): Promise<string> {
  const dir = cellPaths(out, hash).checkpoints;
  const best = join(dir, "best");
  try {
    if ((await Deno.stat(best)).isDirectory) return best;
  } catch { /* no validation: the last checkpoint */ }
  try {
    const latest = await readLatest(dir);
    if (latest) return join(dir, latest.dir);
    throw new Deno.errors.NotFound(join(dir, "latest.json"));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `the train cell ${hash} left no weights in ${dir}; delete ${
        cellPaths(out, hash).cell
      } to train it again`,
    );
  }
}

async function evalCell(
  cell: Cell,
  loaded: LoadedScenario,
  out: string,
  registry: PolicyRegistry,
  timing: Record<string, unknown>,
  trust: boolean,
): Promise<Measured> {
  const [p] = await resolvePolicies(loaded, registry, undefined, trust);
  const checkpoint = cell.checkpoint ??
    (cell.deps.length ? await trainedWeights(out, cell.deps[0]) : undefined);
  const world = compileWorld(loaded, loaded.scenario.seed);
  await preflight([p], world, { checkpoint });
  const ev = await evaluate(world, p, {
    episodes: cell.episodes!,
    checkpoint,
    plugins: pluginOptions(loaded.scenario, trust),
    timeDecisions: true,
    onEpisode: (f, e) => console.error(`episode ${e}/${cell.episodes}: mean TCT ${f.meanDelayS} s`),
  });
  timing.decide_ms_per_slot = ev.decideMs / ev.slots;
  timing.slots = ev.slots;
  return {
    metrics: evalMetrics(ev.aggregates, ev.decideMs / ev.slots),
    per_episode: perEpisode(ev.episodes),
  };
}

async function trainCell(
  cell: Cell,
  loaded: LoadedScenario,
  out: string,
  registry: PolicyRegistry,
  trust: boolean,
): Promise<Measured> {
  const t = cell.train!;
  const dir = cellPaths(out, cell.hash).checkpoints;
  await train(loaded, {
    policy: cell.policy.label,
    registry,
    trustPlugins: trust,
    episodes: t.episodes,
    out: dir,
    resume: true,
    evalEvery: t.validation.every,
    evalSeeds: t.validation.seeds,
    evalEpisodes: t.validation.episodes,
    checkpointEvery: t.checkpointEvery,
    keep: 1,
    seed: loaded.scenario.seed,
    params: t.params,
    pretrain: t.pretrain ? cellPaths(out, cell.deps[0]).expert : undefined,
    onProgress: progressBar(),
  });
  // The weights evaluation uses are in best/: the full checkpoints (replay buffer and all) go.
  if (t.validation.every > 0) {
    await Deno.remove(join(dir, "latest.json")).catch(() => {});
    await Deno.remove(join(dir, "checkpoints"), { recursive: true }).catch(() => {});
  }
  const text = await Deno.readTextFile(join(dir, "train.jsonl"));
  const lines: LogLine[] = text.split("\n").filter((l) => l).map((l) => parseLogLine(l, dir));
  const { curves, validation, metrics } = trainCurves(lines, loaded.scenario.dnn.models);
  const pre =
    (lines.find((l) => (l.type as string) === "pretrain") as { pretrain?: Record<string, number> })
      ?.pretrain;
  const m: Measured = { metrics, curves, validation };
  if (pre) m.pretrain = pre;
  return m;
}

async function expertCell(
  cell: Cell,
  loaded: LoadedScenario,
  out: string,
  registry: PolicyRegistry,
  trust: boolean,
): Promise<Measured> {
  const data = await recordExpert(loaded, {
    policy: cell.policy.label,
    episodes: cell.episodes!,
    out: cellPaths(out, cell.hash).expert,
    seed: loaded.scenario.seed,
    registry,
    trustPlugins: trust,
    onProgress: (done, episodes, meanDelayS) =>
      console.error(`expert episode ${done}/${episodes}: mean TCT ${meanDelayS} s`),
  });
  return { metrics: { mean_delay_s: data.header.meanDelayS, episodes: data.header.episodes } };
}

/** What to do about a damaged file of an experiment folder. */
export const CELL_REMEDY = "delete it and run the experiment again to recompute it";

/** Reads a sealed file of an experiment folder (cell, manifest, experiment.json); checks its seal. */
export async function readSealed<T extends Record<string, unknown>>(file: string): Promise<T> {
  return openSealed<T>(await Deno.readTextFile(file), file, CELL_REMEDY).value;
}
