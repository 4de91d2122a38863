/**
 * What a cell measures. An evaluation cell: the aggregates of the run
 * table (A20) and each episode's mean completion time and objective. A
 * train cell: its training curve, one value per episode (reward, mean
 * completion time, loss, exploration rate, backlogs per queue kind and,
 * where the training log has them, per queue: `backlog_cv1_gflop`,
 * `backlog_rsu_alexnet_gflop`, with several RSUs `backlog_rsu2_alexnet_gflop`,
 * `backlog_sv1_gflop`, ...), the held-out
 * validation curve, and the means over the last tenth of its episodes.
 *
 * A cell's wall time goes to `timings/<hash>.json`, out of its cell file,
 * so that the same cell gives the same file anywhere. The one exception is
 * `decide_ms_per_slot` of evaluation cells (Table II): a wall-clock
 * measurement, it differs between two runs of a cell, and whatever compares
 * cells (the report's merge, the tests) leaves it out.
 *
 * @module
 */
import type { Aggregates, EpisodeFigures } from "../../../engine/output/recorder.ts";
import type { TrainProgress } from "../../train.ts";

/** Metrics of evaluation cells. */
export const EVAL_METRICS = [
  "mean_delay_s",
  "p95_delay_s",
  "mean_objective",
  "mean_reward",
  "backlog_local_gflop",
  "backlog_rsu_gflop",
  "backlog_sv_gflop",
  "tasks",
  "decide_ms_per_slot",
] as const;

/** The wall-clock metrics of cell files (left out where cells are compared). */
export const WALL_CLOCK_METRICS: readonly string[] = ["decide_ms_per_slot"];

/** Curves of train cells, besides the per-queue backlogs. */
export const CURVE_METRICS = [
  "reward",
  "mean_delay_s",
  "loss",
  "epsilon",
  "backlog_local_gflop",
  "backlog_rsu_gflop",
  "backlog_sv_gflop",
  // The validation curve: greedy play on held-out episodes every `validation.every` episodes, from
  // episode 0 (the weights before the first training episode: the pre-trained ones, if any).
  "validation_reward",
  "validation_mean_delay_s",
] as const;

/** A per-queue backlog curve's name. */
export const QUEUE_CURVE = /^backlog_(cv\d+|sv\d+|rsu\d*_[A-Za-z0-9._-]+)_gflop$/;

/** The metrics of an evaluation cell, its policy having decided in `decideMs` per slot. */
export function evalMetrics(a: Aggregates, decideMs: number): Record<string, number> {
  return {
    mean_delay_s: a.meanDelayS,
    p95_delay_s: a.p95DelayS,
    mean_objective: a.meanObjective,
    mean_reward: a.meanReward,
    backlog_local_gflop: a.meanBacklogGflop.local,
    backlog_rsu_gflop: a.meanBacklogGflop.rsu,
    backlog_sv_gflop: a.meanBacklogGflop.sv,
    tasks: a.tasks,
    decide_ms_per_slot: decideMs,
  };
}

/** Each episode's mean completion time and objective. */
export function perEpisode(episodes: EpisodeFigures[]): Record<string, number[]> {
  return {
    episode: episodes.map((e) => e.episode),
    mean_delay_s: episodes.map((e) => e.meanDelayS),
    mean_objective: episodes.map((e) => e.meanObjective),
  };
}

/** A line of a training log (`train.jsonl`). */
export type LogLine = Omit<TrainProgress, "seconds" | "episodes">;

/** Columns of curves: one value (or null) per episode. */
export type Curves = Record<string, (number | null)[]>;

/**
 * The training and validation curves of a log; `models` names the RSU's
 * containers (the scenario's `dnn.models`) for the per-queue curves.
 */
export function trainCurves(lines: LogLine[], models: readonly string[]) {
  const eps = lines.filter((l) => l.type === "episode");
  const val = lines.filter((l) => l.type === "eval");
  const num = (v: number | undefined) => (v === undefined ? null : v);
  const curves: Curves = {
    episode: eps.map((l) => l.episode),
    reward: eps.map((l) => l.meanReward),
    mean_delay_s: eps.map((l) => l.meanDelayS),
    loss: eps.map((l) => num(l.loss)),
    epsilon: eps.map((l) => num(l.epsilon)),
    backlog_local_gflop: eps.map((l) => num(l.backlogGflop?.local)),
    backlog_rsu_gflop: eps.map((l) => num(l.backlogGflop?.rsu)),
    backlog_sv_gflop: eps.map((l) => num(l.backlogGflop?.sv)),
  };
  const queues = eps[0]?.queuesGflop;
  if (queues) {
    const kinds = [
      ["local", (i: number) => `cv${i + 1}`],
      // One RSU: rsu_<dnn>; several (MODEL.md 6.3): rsu<r>_<dnn>, RSU-major as the state.
      [
        "rsu",
        (c: number) =>
          queues.rsu.length > models.length && models.length > 0
            ? `rsu${Math.floor(c / models.length) + 1}_${models[c % models.length]}`
            : `rsu_${models[c] ?? c + 1}`,
      ],
      ["sv", (j: number) => `sv${j + 1}`],
    ] as const;
    for (const [kind, name] of kinds) {
      queues[kind].forEach((_, i) => {
        curves[`backlog_${name(i)}_gflop`] = eps.map((l) => num(l.queuesGflop?.[kind][i]));
      });
    }
  }
  const validation: Curves = {
    episode: val.map((l) => l.episode),
    reward: val.map((l) => l.meanReward),
    mean_delay_s: val.map((l) => l.meanDelayS),
  };
  return { curves, validation, metrics: tailMeans(curves) };
}

/** Means over the last tenth (at least one) of the episodes of the main curves. */
function tailMeans(curves: Curves): Record<string, number> {
  const n = curves.episode.length;
  const k = Math.max(1, Math.ceil(n / 10));
  const mean = (col: (number | null)[]) => {
    const tail = col.slice(n - k).filter((v): v is number => v !== null);
    return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : null;
  };
  const out: Record<string, number> = {};
  const pairs: [string, string][] = [
    ["mean_reward", "reward"],
    ["mean_delay_s", "mean_delay_s"],
    ["backlog_local_gflop", "backlog_local_gflop"],
    ["backlog_rsu_gflop", "backlog_rsu_gflop"],
    ["backlog_sv_gflop", "backlog_sv_gflop"],
  ];
  for (const [metric, col] of pairs) {
    const m = n > 0 ? mean(curves[col]) : null;
    if (m !== null) out[metric] = m;
  }
  out.episodes = n;
  return out;
}
