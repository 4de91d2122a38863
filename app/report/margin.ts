/**
 * Our margins beside the paper's. A reference states that `policy`'s
 * `metric` is `margin` (a fraction: 0.44 = 44 % lower) below `versus`'s in a
 * figure; ours is `1 - ours / versus`, with the means taken over seeds and
 * summed over the figure's grid points where both policies have results
 * (the points of `at` only, where it is given), i.e. a ratio of the
 * averages. For a training-curve figure the value of a cell is its curve's
 * last point. The 95 % interval is a percentile bootstrap that resamples
 * each policy's seeds at each point independently (the policies need not
 * share seeds: a heuristic has no training seed), seeded by the reference's
 * id. The paper agrees with us when its margin lies inside our interval and
 * the interval excludes no difference (0); an interval holding both is
 * inconclusive.
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";
import type { Figure, Reference } from "./contract.ts";
import { mean, quantile, RESAMPLES } from "../util/stats.ts";
import { formatValue, type ResultRow } from "./tidy.ts";

/** Our side of a reference. */
export interface Margin {
  reference: Reference;
  /** Null when a policy has no result at any common point. */
  ours: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Grid points compared, and the fewest seeds either policy has at one of them. */
  points: number;
  minSeeds: number;
  agrees: boolean | null;
  /** One plain sentence: whether and how we agree. */
  verdict: string;
}

function matches(point: Record<string, unknown>, at: Record<string, unknown> | undefined) {
  if (!at) return true;
  return Object.entries(at).every(([k, v]) => formatValue(point[k]) === formatValue(v));
}

/** Per grid point, a policy's per-cell values of the reference's metric. */
function valuesByPoint(ref: Reference, figure: Figure | undefined, rows: readonly ResultRow[]) {
  const curve = figure?.source === "curve";
  const at = ref.at;
  const last = new Map<string, ResultRow>();
  for (const r of rows) {
    if (r.metric !== ref.metric || r.value === null || !matches(r.point, at)) continue;
    if (r.policy !== ref.policy && r.policy !== ref.versus) continue;
    if (curve ? r.episode === null : r.kind !== "eval" || r.episode !== null) continue;
    const prev = last.get(r.cell);
    if (!prev || (r.episode ?? 0) > (prev.episode ?? 0)) last.set(r.cell, r);
  }
  const byPoint = new Map<string, { ours: number[]; versus: number[] }>();
  for (const r of last.values()) {
    const key = JSON.stringify(Object.keys(r.point).sort().map((k) => formatValue(r.point[k])));
    let p = byPoint.get(key);
    if (!p) byPoint.set(key, p = { ours: [], versus: [] });
    (r.policy === ref.policy ? p.ours : p.versus).push(r.value!);
  }
  return [...byPoint.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => v).filter((p) => p.ours.length > 0 && p.versus.length > 0);
}

function ratioMargin(points: { ours: ArrayLike<number>; versus: ArrayLike<number> }[]): number {
  let ours = 0;
  let versus = 0;
  for (const p of points) {
    ours += mean(p.ours);
    versus += mean(p.versus);
  }
  return 1 - ours / versus;
}

function resample(values: readonly number[], rng: Rng): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[rng.int(values.length)];
  return out;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

function verdict(ref: Reference, m: Omit<Margin, "verdict" | "agrees">): [boolean | null, string] {
  if (m.ours === null || m.ciLow === null || m.ciHigh === null) {
    return [null, `no result: ${ref.policy} and ${ref.versus} share no grid point with a result`];
  }
  const few = m.minSeeds < 3 ? ` (${m.minSeeds} seed(s): the interval is not meaningful)` : "";
  const ours = `we measure ${pct(m.ours)} (95 % CI ${pct(m.ciLow)} to ${pct(m.ciHigh)})`;
  if (ref.margin >= m.ciLow && ref.margin <= m.ciHigh) {
    // An interval that holds "no difference" too cannot confirm the paper's margin.
    if (m.ciLow <= 0 && m.ciHigh >= 0 && ref.margin !== 0) {
      return [
        null,
        `inconclusive: ${ours}; that interval holds both the paper's ${
          pct(ref.margin)
        } and no difference${few}`,
      ];
    }
    return [true, `agrees: ${ours}, the paper states ${pct(ref.margin)}${few}`];
  }
  const sameSign = Math.sign(ref.margin) === Math.sign(m.ours) && m.ours !== 0;
  const how = !sameSign
    ? "the opposite direction"
    : Math.abs(m.ours) < Math.abs(ref.margin)
    ? "the same direction, a smaller margin"
    : "the same direction, a larger margin";
  return [false, `disagrees: ${ours}, the paper states ${pct(ref.margin)}: ${how}${few}`];
}

/** Our margin for one reference. */
export function computeMargin(
  ref: Reference,
  figure: Figure | undefined,
  rows: readonly ResultRow[],
  resamples: number = RESAMPLES,
): Margin {
  const points = valuesByPoint(ref, figure, rows);
  const base = {
    reference: ref,
    points: points.length,
    minSeeds: points.length
      ? Math.min(...points.map((p) => Math.min(p.ours.length, p.versus.length)))
      : 0,
  };
  if (points.length === 0 || points.every((p) => mean(p.versus) === 0)) {
    const m = { ...base, ours: null, ciLow: null, ciHigh: null };
    const [agrees, v] = verdict(ref, m);
    return { ...m, agrees, verdict: v };
  }
  const rng = Rng.stream(0, `margin:${ref.id}`);
  const draws = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    draws[b] = ratioMargin(
      points.map((p) => ({ ours: resample(p.ours, rng), versus: resample(p.versus, rng) })),
    );
  }
  draws.sort();
  const m = {
    ...base,
    ours: ratioMargin(points),
    ciLow: quantile(draws, 0.025),
    ciHigh: quantile(draws, 0.975),
  };
  const [agrees, v] = verdict(ref, m);
  return { ...m, agrees, verdict: v };
}
