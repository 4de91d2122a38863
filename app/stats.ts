/**
 * Summary statistics over independent repetitions (training seeds): the
 * mean and its two-sided 95 % confidence interval from Student's t
 * distribution with n - 1 degrees of freedom.
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
