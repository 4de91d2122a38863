/**
 * Synthetic experiment output folders in the format `deno task experiment`
 * writes (`experiment.json`, `manifest.json`, `cells/<hash>.json`), for the
 * report's tests. Every value is a formula of the cell's point, policy and
 * seeds, so a test can compute what the report must say.
 *
 * @module
 */
import { join } from "node:path";
import type { Cell, Experiment, ManifestCell } from "../../../app/report/contract.ts";

/** The fixture's grid: CV counts, policies and seeds. */
export const CVS = [3, 5];
export const POLICIES = ["mad2rl", "greedy"];
export const EVAL_SEEDS = [11, 12, 13];
export const TRAIN_SEEDS = [1, 2];
export const EPISODES = [1, 2, 3, 4];

/** The fixture's mean delay of one evaluation cell. */
export function delayOf(cvs: number, policy: string, evalSeed: number, trainSeed: number | null) {
  const base = policy === "greedy" ? 10 * cvs : 4 * cvs;
  return base + (evalSeed - 12) * 0.5 + (trainSeed ?? 0) * 0.25;
}

/** A training curve's reward at an episode. */
export function rewardOf(cvs: number, episode: number, trainSeed: number) {
  return -100 / episode - cvs + trainSeed;
}

/** The resolved experiment of the fixture. */
export function fixtureExperiment(): Experiment {
  return {
    name: "fixture",
    profile: "quick",
    base: "scenarios/highway.yaml",
    vary: ["vehicles.clients.count"],
    version: "0.1.0",
    figures: [
      {
        id: "delay",
        title: "Mean delay vs number of CVs",
        source: "eval",
        x: "vehicles.clients.count",
        y: "mean_delay_s",
        mark: "line",
        band: "ci95",
      },
      {
        id: "delay-bars",
        title: "Mean delay (bars)",
        source: "eval",
        x: "vehicles.clients.count",
        y: "mean_delay_s",
        mark: "bar",
        band: "ci95",
      },
      {
        id: "delay-panels",
        title: "Mean delay, log scale, greedy apart",
        source: "eval",
        x: "vehicles.clients.count",
        y: "mean_delay_s",
        mark: "line",
        band: "ci95",
        scale: "log",
        panels: [["greedy", "mad2rl"], ["mad2rl"]],
      },
      {
        id: "reward",
        title: "Training reward",
        source: "curve",
        x: "episode",
        y: "reward",
        facet: "vehicles.clients.count",
        mark: "line",
        band: "ci95",
      },
    ],
    reference: [{
      id: "tct-vs-greedy",
      claim: "MAD2RL lowers the mean TCT by 60 % against greedy",
      figure: "delay",
      metric: "mean_delay_s",
      policy: "mad2rl",
      versus: "greedy",
      margin: 0.6,
      source: "Sec. VIII-B",
    }],
  };
}

/** The manifest and finished cells of the fixture (train cells, then eval cells). */
export function fixtureCells(): { manifest: ManifestCell[]; cells: Cell[] } {
  const manifest: ManifestCell[] = [];
  const cells: Cell[] = [];
  const policy = (label: string) => ({ label, id: label, params: {} });
  let n = 0;
  const hash = () => `c${String(n++).padStart(4, "0")}`;
  const add = (m: ManifestCell, metrics: Cell["metrics"], curves?: Cell["curves"]) => {
    manifest.push(m);
    cells.push({
      format: "vecscene-cell/1",
      hash: m.hash,
      kind: m.kind,
      status: "done",
      point: m.point,
      policy: m.policy,
      seeds: m.seeds,
      metrics,
      ...(curves ? { curves } : {}),
      version: "0.1.0",
    });
  };
  const trainHash = new Map<string, string>();
  for (const cvs of CVS) {
    for (const train of TRAIN_SEEDS) {
      const h = hash();
      trainHash.set(`${cvs}/${train}`, h);
      const point = { "vehicles.clients.count": cvs };
      add(
        {
          hash: h,
          kind: "train",
          point,
          policy: policy("mad2rl"),
          seeds: { train, eval: null },
          deps: [],
        },
        {},
        { episode: EPISODES, reward: EPISODES.map((e) => rewardOf(cvs, e, train)) },
      );
    }
  }
  for (const cvs of CVS) {
    for (const label of POLICIES) {
      const trains = label === "mad2rl" ? TRAIN_SEEDS : [null];
      for (const train of trains) {
        for (const ev of EVAL_SEEDS) {
          const point = { "vehicles.clients.count": cvs };
          add({
            hash: hash(),
            kind: "eval",
            point,
            policy: policy(label),
            seeds: { train, eval: ev },
            deps: train === null ? [] : [trainHash.get(`${cvs}/${train}`)!],
          }, {
            mean_delay_s: delayOf(cvs, label, ev, train),
            p95_delay_s: 2 * delayOf(cvs, label, ev, train),
            decide_ms_per_slot: 0.1,
          });
        }
      }
    }
  }
  return { manifest, cells };
}

/**
 * Writes the fixture as `shards` folders (shard i holds the cells i, i + shards, ...; every
 * folder holds the whole manifest, as the runner writes it); returns their paths.
 */
export async function writeFixture(
  shards = 1,
  o: { cells?: Cell[]; experiment?: Experiment } = {},
): Promise<string[]> {
  const { manifest, cells } = fixtureCells();
  const experiment = o.experiment ?? fixtureExperiment();
  const root = await Deno.makeTempDir({ prefix: "vecscene-report-" });
  const dirs: string[] = [];
  for (let s = 0; s < shards; s++) {
    const dir = join(root, `shard-${s}`);
    await Deno.mkdir(join(dir, "cells"), { recursive: true });
    await Deno.writeTextFile(join(dir, "experiment.json"), JSON.stringify(experiment));
    await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify({ cells: manifest }));
    const mine = (o.cells ?? cells).filter((_, i) => i % shards === s);
    for (const c of mine) {
      await Deno.writeTextFile(join(dir, "cells", `${c.hash}.json`), JSON.stringify(c));
    }
    dirs.push(dir);
  }
  return dirs;
}
