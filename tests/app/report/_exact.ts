/**
 * The exact bootstrap distribution of a mean, for checking the report's
 * Monte Carlo intervals against an independent computation.
 *
 * @module
 */

/** The mean of every one of the n^n resamples of `values` (each equally likely), sorted. */
export function exactBootstrapMeans(values: readonly number[]): number[] {
  const n = values.length;
  const means: number[] = [];
  for (let i = 0; i < n ** n; i++) {
    let s = 0;
    for (let j = 0, k = i; j < n; j++, k = Math.floor(k / n)) s += values[k % n];
    means.push(s / n);
  }
  return means.sort((a, b) => a - b);
}
