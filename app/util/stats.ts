/**
 * The project's two 95 % intervals of a mean over independent repetitions,
 * and where each is used:
 *
 * - **Student's t** ({@linkcode meanCi95}): `train --seeds` (`seeds.json`,
 *   the figures in docs/RESULTS.md): the mean task completion time of a
 *   few training seeds, each already a mean over 100 held-out episodes and
 *   so close to normal; the t interval is the textbook one there and
 *   widens correctly for n = 2 or 3, where a bootstrap cannot.
 * - **Percentile bootstrap** ({@linkcode bootstrapCi}): experiment reports
 *   (`summary.csv`, and the margins beside the paper's in `report.html`,
 *   which resample each policy's seeds): any metric, including ratios of
 *   means whose distribution is not normal; each resampling is seeded by
 *   its group's key, so a report is byte-reproducible.
 *
 * @example
 * ```ts
 * import { meanCi95 } from "./stats.ts";
 * const s = meanCi95([3.1, 3.3, 3.2]);
 * console.log(s.mean.toFixed(2), s.halfWidth.toFixed(3)); // "3.20 0.248"
 * ```
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, then bounds). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new RangeError(
      `Cannot take a t quantile as the degrees of freedom must be a whole number >= 1: current value is ${df}`,
    );
  }
  if (df <= 30) return T975[df - 1];
  if (df <= 40) return 2.021;
  if (df <= 60) return 2.0;
  if (df <= 120) return 1.98;
  return 1.96;
}

/** Mean, sample standard deviation and 95 % t-interval of `xs`. */
export interface MeanCi {
  n: number;
  mean: number;
  sd: number;
  halfWidth: number;
  low: number;
  high: number;
}

/** The mean of `xs` with its 95 % confidence interval (NaN width for a single value). */
export function meanCi95(xs: readonly number[]): MeanCi {
  const n = xs.length;
  if (n === 0) throw new RangeError("Cannot summarise as there are no values: current value is []");
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: NaN, halfWidth: NaN, low: NaN, high: NaN };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const halfWidth = tQuantile975(n - 1) * sd / Math.sqrt(n);
  return { n, mean, sd, halfWidth, low: mean - halfWidth, high: mean + halfWidth };
}

/** Bootstrap resamples per interval. */
export const RESAMPLES = 4000;

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
 * import { bootstrapCi } from "./stats.ts";
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
