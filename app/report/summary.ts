/**
 * `summary.csv`: the rows of `results.csv` grouped by everything but the
 * seeds (varied values, policy, kind, metric, episode), with the mean over
 * seeds, its 95 % confidence interval and the number of seeds `n`.
 *
 * The interval is a percentile bootstrap: {@linkcode RESAMPLES} resamples
 * of the group's values with replacement, the 2.5th and 97.5th percentiles
 * (linear interpolation, numpy's default) of their means. The resampling is
 * seeded by the group's own key, so a group's interval does not depend on
 * which other groups exist or in which order they were read, and the same
 * cells give the same file byte for byte. With few seeds the interval says
 * little: n = 1 gives the degenerate interval [value, value], and for n = 2
 * and n = 3 the interval is the smallest and the largest value (a resample
 * of all-equal draws has probability 1/4 or 1/27, more than 2.5 %); from
 * n = 4 on it narrows as seeds are added. Read it as uncertainty only with
 * 5 seeds or more.
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";
import { compareGroups, formatValue, opt, pointCsv, type ResultRow } from "./tidy.ts";

/** Bootstrap resamples per interval. */
export const RESAMPLES = 4000;

/** One row of `summary.csv`. */
export interface SummaryRow {
  point: Record<string, unknown>;
  policy: string;
  kind: ResultRow["kind"];
  episode: number | null;
  metric: string;
  /** Seeds with a finite value. */
  n: number;
  /** Null when n = 0. */
  mean: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** The q-quantile of sorted values, linearly interpolated (numpy's default, type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The mean of `values` (0 for none). */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : 0;
}

/**
 * Means of `resamples` bootstrap resamples of `values`, sorted; the
 * generator is the stream `key` (so equal keys give equal resamples).
 */
export function bootstrapMeans(
  values: readonly number[],
  key: string,
  resamples: number = RESAMPLES,
): Float64Array {
  const rng = Rng.stream(0, `bootstrap:${key}`);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[b] = s / n;
  }
  return means.sort();
}

/**
 * The 95 % percentile-bootstrap interval of the mean of `values`: `[v, v]`
 * for one value, `null` for none.
 *
 * @example
 * ```ts
 * import { bootstrapCi } from "./summary.ts";
 * const [lo, hi] = bootstrapCi([1, 2, 3, 4, 5], "example")!;
 * console.assert(1 < lo && lo < 3 && 3 < hi && hi < 5);
 * console.assert(bootstrapCi([7], "one")!.join() === "7,7");
 * ```
 */
export function bootstrapCi(
  values: readonly number[],
  key: string,
  resamples: number = RESAMPLES,
): [number, number] | null {
  if (values.length === 0) return null;
  if (values.length === 1) return [values[0], values[0]];
  const means = bootstrapMeans(values, key, resamples);
  return [quantile(means, 0.025), quantile(means, 0.975)];
}

/** A group's key: everything but the seeds, as text. */
export function groupKey(r: Omit<ResultRow, "trainSeed" | "evalSeed" | "value" | "cell">): string {
  return JSON.stringify([
    Object.keys(r.point).sort().map((k) => [k, formatValue(r.point[k])]),
    r.policy,
    r.kind,
    r.metric,
    r.episode,
  ]);
}

/** Groups the rows over seeds; the groups in `results.csv` order. */
export function summarize(vary: readonly string[], rows: readonly ResultRow[]): SummaryRow[] {
  const groups = new Map<string, { row: ResultRow; values: number[] }>();
  for (const r of rows) {
    const key = groupKey(r);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { row: r, values: [] });
    if (r.value !== null) g.values.push(r.value);
  }
  const out: SummaryRow[] = [];
  for (const [key, { row, values }] of groups) {
    const ci = bootstrapCi(values, key);
    out.push({
      point: row.point,
      policy: row.policy,
      kind: row.kind,
      episode: row.episode,
      metric: row.metric,
      n: values.length,
      mean: values.length ? mean(values) : null,
      ciLow: ci?.[0] ?? null,
      ciHigh: ci?.[1] ?? null,
    });
  }
  return out.sort((a, b) => compareGroups(vary, a, b));
}

/** The text of `summary.csv`. */
export function summaryCsv(vary: readonly string[], rows: readonly SummaryRow[]): string {
  const columns = ["policy", "kind", "episode", "metric", "n", "mean", "ci95_low", "ci95_high"];
  return pointCsv(vary, columns, rows, (r) => [
    r.policy,
    r.kind,
    opt(r.episode),
    r.metric,
    r.n,
    opt(r.mean),
    opt(r.ciLow),
    opt(r.ciHigh),
  ]);
}
