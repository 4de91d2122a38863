/**
 * Running a scenario: every policy over the same episodes, results written
 * atomically into the output folder.
 *
 * @module
 */
import { join, relative } from "node:path";
import { cannotWrite, UserError } from "../engine/errors.ts";
import { writeFileAtomic } from "../engine/output/atomic.ts";
import { csvLine } from "../engine/output/csv.ts";
import type { Aggregates, EpisodeFigures } from "../engine/output/recorder.ts";
import type { LoadedScenario } from "../engine/scenario/load.ts";
import { VERSION } from "../engine/version.ts";
import { compileWorld, type World } from "../engine/world.ts";
import { evaluate } from "../host/evaluate.ts";
import { defaultRegistry, type PolicyRegistry } from "../host/registry.ts";
import type { PluginOptions } from "../host/plugin.ts";
import { preflight } from "../host/preflight.ts";
import { type ResolvedPolicy, resolvePolicies } from "../host/resolve.ts";
import { lockFolder } from "./util/lock.ts";
import { type Stage, stage } from "./util/staging.ts";

/** Options of `runScenario` (the CLI flags of `run`). */
export interface RunOptions {
  outDir?: string;
  episodes?: number;
  seed?: number;
  /** Policy ids (or labels) to run instead of the scenario's. */
  policies?: string[];
  /** A checkpoint directory for the (single) learning policy. */
  checkpoint?: string;
  registry?: PolicyRegistry;
  /** Whether to write CSV files (summary.json is always written when outDir is set). */
  writeCsv?: boolean;
  /** Called after each episode of each policy. */
  onEpisode?: (label: string, episode: number, episodes: number) => void;
  /** How plugins run (default: sandboxed, 10 s per call). */
  plugins?: PluginOptions;
}

/** One policy's results. */
export interface PolicyResult {
  label: string;
  id: string;
  params: Record<string, unknown>;
  aggregates: Aggregates;
  episodes: EpisodeFigures[];
  dir?: string;
}

/** The results of a run. */
export interface RunReport {
  outDir?: string;
  seed: number;
  episodes: number;
  results: PolicyResult[];
}

/**
 * Runs every policy of the scenario over the same episodes. With `outDir`,
 * the results appear there only when every policy has finished (see
 * `staging.ts`); a failed run leaves the folder as it was.
 */
export async function runScenario(loaded: LoadedScenario, o: RunOptions = {}): Promise<RunReport> {
  const registry = o.registry ?? defaultRegistry();
  const policies = await resolvePolicies(loaded, registry, o.policies, o.plugins?.trust);
  const seed = o.seed ?? loaded.scenario.seed;
  const episodes = o.episodes ?? loaded.scenario.time.episodes;
  const world = compileWorld(loaded, seed);
  await preflight(policies, world, { checkpoint: o.checkpoint });
  const lock = o.outDir ? await lockFolder(o.outDir) : undefined;
  let results: PolicyResult[];
  let staged;
  try {
    staged = o.outDir ? await stage(o.outDir) : undefined;
    try {
      results = await runAll(policies, world, seed, episodes, o, staged?.dir);
    } catch (e) {
      if (!staged) throw e;
      throw await failed(e, o.outDir!, staged);
    }
    await staged?.publish();
  } catch (e) {
    const disk = cannotWrite(e);
    throw disk ? new UserError(`${disk}; ${o.outDir} is unchanged`) : e;
  } finally {
    await lock?.release();
  }
  const dirOf = (r: PolicyResult) =>
    r.dir && o.outDir ? join(o.outDir, relative(staged!.dir, r.dir)) : undefined;
  for (const r of results) r.dir = dirOf(r);
  return { outDir: o.outDir, seed, episodes, results };
}

/** The error of a failed run, saying where its partial results are (the folder is unchanged). */
async function failed(e: unknown, outDir: string, staged: Stage): Promise<unknown> {
  const kept = await staged.keepFailed().catch(() => undefined);
  const note = `${outDir} ${staged.existed ? "is unchanged" : "was not created"}` +
    (kept ? `; the failed run's partial results are in ${kept}` : "");
  if (e instanceof UserError) return new UserError([...e.problems, { message: note }]);
  const disk = cannotWrite(e);
  if (disk) return new UserError(`${disk}; ${note}`);
  console.error(note);
  return e;
}

/** Every policy over the same episodes, results written into `outDir` when given. */
async function runAll(
  policies: ResolvedPolicy[],
  world: World,
  seed: number,
  episodes: number,
  o: RunOptions,
  outDir: string | undefined,
): Promise<PolicyResult[]> {
  const results: PolicyResult[] = [];
  const several = policies.length > 1;
  for (const p of policies) {
    const dir = outDir ? (several ? join(outDir, p.label) : outDir) : undefined;
    const ev = await evaluate(world, p, {
      episodes,
      checkpoint: policies.length === 1 ? o.checkpoint : undefined,
      plugins: o.plugins,
      csvDir: o.writeCsv === false ? undefined : dir,
      onEpisode: (_, e) => o.onEpisode?.(p.label, e, episodes),
    });
    const result: PolicyResult = {
      label: p.label,
      id: p.def.id,
      params: p.params,
      aggregates: ev.aggregates,
      episodes: ev.episodes,
      dir,
    };
    if (dir) await writeSummary(join(dir, "summary.json"), world, seed, episodes, [result]);
    results.push(result);
  }
  if (outDir) {
    await writeFileAtomic(join(outDir, "comparison.csv"), comparisonCsv(results));
    if (several) await writeSummary(join(outDir, "summary.json"), world, seed, episodes, results);
  }
  return results;
}

async function writeSummary(
  path: string,
  world: World,
  seed: number,
  episodes: number,
  results: PolicyResult[],
): Promise<void> {
  const summary = {
    software: { name: "vecscene", version: VERSION },
    scenario: { ...world.scenario, time: { ...world.scenario.time, episodes } },
    seed,
    episodes,
    policies: results.map((r) => ({
      label: r.label,
      id: r.id,
      params: r.params,
      aggregates: r.aggregates,
      episodes: r.episodes,
    })),
  };
  await writeFileAtomic(path, JSON.stringify(summary, null, 2) + "\n");
}

/** Column names of `comparison.csv`. */
export const COMPARISON_COLUMNS = [
  "policy",
  "mean_delay_s",
  "p95_delay_s",
  "mean_objective",
  "mean_backlog_local_gflop",
  "mean_backlog_rsu_gflop",
  "mean_backlog_sv_gflop",
  "tasks",
];

function comparisonCsv(results: PolicyResult[]): string {
  return csvLine(COMPARISON_COLUMNS) + results.map((r) => {
    const a = r.aggregates;
    return csvLine([
      r.label,
      a.meanDelayS,
      a.p95DelayS,
      a.meanObjective,
      a.meanBacklogGflop.local,
      a.meanBacklogGflop.rsu,
      a.meanBacklogGflop.sv,
      a.tasks,
    ]);
  }).join("");
}

/** The comparison table as aligned text. */
export function comparisonTable(results: PolicyResult[]): string {
  const head = ["policy", "mean TCT (s)", "p95 (s)", "mean objective", "Q local", "Q rsu", "Q sv"];
  const fmt = (x: number) => (Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toFixed(3));
  const rows = results.map((r) => {
    const a = r.aggregates;
    return [
      r.label,
      fmt(a.meanDelayS),
      fmt(a.p95DelayS),
      fmt(a.meanObjective),
      fmt(a.meanBacklogGflop.local),
      fmt(a.meanBacklogGflop.rsu),
      fmt(a.meanBacklogGflop.sv),
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n") +
    "\n(backlogs Q: mean GFLOP per queue at slot start)";
}
