/**
 * `summary.csv`: the rows of `results.csv` grouped by everything but the
 * seeds (varied values, policy, kind, metric, episode), with the mean over
 * seeds, its 95 % confidence interval and the number of seeds `n`.
 *
 * The interval is a percentile bootstrap (`app/util/stats.ts`): 4,000 resamples
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
import { bootstrapCi, mean } from "../util/stats.ts";
import { compareGroups, formatValue, opt, pointCsv, type ResultRow } from "./tidy.ts";

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
