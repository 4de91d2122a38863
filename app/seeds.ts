/**
 * Training over several seeds (`train --seeds 1,2,3`): each seed trains
 * into `OUT/seed-S/` (the scenario seed S: its training episodes,
 * exploration and initial weights), resumable like a single run; then
 * each seed's `best/` weights play the same held-out test episodes
 * (episodes 1..N of the test seed, exactly what
 * `deno task run FILE --seed T -e N --checkpoint OUT/seed-S` reports), and
 * `OUT/seeds.json` gives every seed's mean task completion time and their
 * mean with its 95 % t-interval over seeds. Policies named in `compare`
 * (e.g. genetic) are run on the same test episodes.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../engine/output/atomic.ts";
import { type LoadedScenario, loadScenario } from "../engine/scenario/load.ts";
import type { Aggregates } from "../engine/output/recorder.ts";
import { compileWorld } from "../engine/world.ts";
import { evaluate } from "../host/evaluate.ts";
import { pluginOptions } from "../host/plugin.ts";
import { defaultRegistry } from "../host/registry.ts";
import { resolveOne } from "../host/resolve.ts";
import { runScenario } from "./run.ts";
import { type MeanCi, meanCi95 } from "./util/stats.ts";
import { train, type TrainOptions } from "./train.ts";
import { writing } from "./util/lock.ts";

/** Options of {@linkcode trainSeeds}: those of `train` plus the seeds and the test. */
export interface SeedsOptions extends Omit<TrainOptions, "seed" | "out"> {
  seeds: number[];
  out: string;
  /** Held-out test episodes: seed and count (default: seed 3, 100 episodes). */
  testSeed?: number;
  testEpisodes?: number;
  /** Policies of the scenario to run on the same test episodes. */
  compare?: string[];
  /** Called when a seed starts training and when its test is done. */
  onSeed?: (seed: number, phase: "train" | "test", meanDelayS?: number) => void;
}

/** What `seeds.json` holds. */
export interface SeedsSummary {
  policy: string;
  seeds: number[];
  test: { seed: number; episodes: number };
  perSeed: { seed: number; dir: string; meanDelayS: number; p95DelayS: number }[];
  meanDelayS: MeanCi;
  compare: { label: string; meanDelayS: number }[];
}

/** Trains every seed (resuming what is done), tests them and writes `seeds.json`. */
export async function trainSeeds(
  scenario: string | LoadedScenario,
  o: SeedsOptions,
): Promise<SeedsSummary> {
  return await writing(
    o.out,
    `${o.out} keeps every seed's last complete checkpoint: free the space or fix the folder, then run the same command to continue`,
    () => seedsLocked(scenario, o),
  );
}

async function seedsLocked(
  scenario: string | LoadedScenario,
  o: SeedsOptions,
): Promise<SeedsSummary> {
  const loaded = typeof scenario === "string" ? await loadScenario(scenario) : scenario;
  const testSeed = o.testSeed ?? 3;
  const testEpisodes = o.testEpisodes ?? 100;
  const perSeed: SeedsSummary["perSeed"] = [];
  for (const seed of o.seeds) {
    if (o.signal?.aborted) break;
    const dir = join(o.out, `seed-${seed}`);
    o.onSeed?.(seed, "train");
    await train(loaded, { ...o, seed, out: dir, resume: o.resume ?? true });
    if (o.signal?.aborted) break;
    const a = await testPolicy(loaded, o, dir, testSeed, testEpisodes);
    perSeed.push({ seed, dir: `seed-${seed}`, meanDelayS: a.meanDelayS, p95DelayS: a.p95DelayS });
    o.onSeed?.(seed, "test", a.meanDelayS);
  }
  const compare: SeedsSummary["compare"] = [];
  if (o.compare && o.compare.length > 0 && !o.signal?.aborted) {
    const report = await runScenario(loaded, {
      policies: o.compare,
      seed: testSeed,
      episodes: testEpisodes,
      registry: o.registry,
      // Compared policies run as trusted as the trained one (a Python policy needs it).
      plugins: pluginOptions(loaded.scenario, o.trustPlugins),
    });
    for (const r of report.results) {
      compare.push({ label: r.label, meanDelayS: r.aggregates.meanDelayS });
    }
  }
  const summary: SeedsSummary = {
    policy: o.policy,
    seeds: perSeed.map((s) => s.seed),
    test: { seed: testSeed, episodes: testEpisodes },
    perSeed,
    meanDelayS: meanCi95(perSeed.map((s) => s.meanDelayS)),
    compare,
  };
  if (perSeed.length === o.seeds.length) {
    await writeFileAtomic(join(o.out, "seeds.json"), JSON.stringify(summary, null, 2) + "\n");
  }
  return summary;
}

/**
 * The policy with the training params, from the weights of `dir`, on
 * episodes 1..`episodes` of `seed`: the figures `run` reports for them.
 */
async function testPolicy(
  loaded: LoadedScenario,
  o: SeedsOptions,
  dir: string,
  seed: number,
  episodes: number,
): Promise<Aggregates> {
  const registry = o.registry ?? defaultRegistry();
  const resolved = await resolveOne(loaded, registry, o.policy, o.params, o.trustPlugins);
  const ev = await evaluate(compileWorld(loaded, seed), resolved, {
    episodes,
    checkpoint: dir,
    plugins: pluginOptions(loaded.scenario, o.trustPlugins),
  });
  return ev.aggregates;
}

/** The summary as lines of text (per seed, mean with its interval, comparisons). */
export function formatSeeds(s: SeedsSummary): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
  const m = s.meanDelayS;
  const lines = [
    `held-out test: seed ${s.test.seed}, episodes 1..${s.test.episodes}`,
    ...s.perSeed.map((p) => `  seed ${p.seed}: mean TCT ${f(p.meanDelayS)} s`),
    `${s.policy}: mean TCT ${f(m.mean)} s, 95 % CI [${f(m.low)}, ${f(m.high)}] over ${m.n} seed(s)`,
    ...s.compare.map((c) => {
      const lower = 100 * (1 - m.mean / c.meanDelayS);
      const how = lower >= 0 ? `${f(lower)} % lower` : `${f(-lower)} % higher`;
      return `  ${c.label}: ${f(c.meanDelayS)} s (${s.policy} ${how})`;
    }),
  ];
  return lines.join("\n");
}
