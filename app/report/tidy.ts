/**
 * `results.csv`: the merged cells in tidy form, one row per cell and metric
 * and one per point of a training curve, with every varied key as a column,
 * so that `pandas.read_csv("results.csv")` needs no reshaping.
 *
 * Columns: the varied keys (dotted, in the experiment's order), `policy`
 * (its label), `train_seed`, `eval_seed`, `kind` (`expert`, `train` or
 * `eval`), `episode` (the training episode of a curve point, empty for a
 * cell's metrics), `metric`, `value` (empty where the cell recorded no
 * finite value) and `cell` (the cell's hash, its file `cells/<hash>.json`).
 * Rows are sorted by the varied values, policy, kind, seeds, metric and
 * episode, so the same cells give the same file byte for byte, however they
 * were sharded.
 *
 * @module
 */
import { csvLine } from "../../engine/output/csv.ts";
import type { Cell, CellKind } from "./contract.ts";

/** One row of `results.csv`. */
export interface ResultRow {
  point: Record<string, unknown>;
  policy: string;
  trainSeed: number | null;
  evalSeed: number | null;
  kind: CellKind;
  /** The training episode of a curve point; null for a cell's metrics. */
  episode: number | null;
  metric: string;
  value: number | null;
  cell: string;
}

const KIND_ORDER: Record<CellKind, number> = { expert: 0, train: 1, eval: 2 };

/** A varied key's value as a CSV field: numbers and strings as they are, anything else as JSON. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** Orders varied values: missing first, then numbers by value, then the rest by their text. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === undefined || v === null ? 0 : typeof v === "number" ? 1 : 2);
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  if (ra === 1) return (a as number) - (b as number);
  return compareText(formatValue(a), formatValue(b));
}

/** Code-unit order (not the locale's, which differs between machines). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Null (no seed, no episode) first, then by value. */
function compareNullable(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a - b;
}

type Group = Omit<ResultRow, "trainSeed" | "evalSeed" | "value" | "cell">;

/** Varied values in the experiment's order, then policy, then kind. */
function compareCells(vary: readonly string[], a: Group, b: Group): number {
  for (const key of vary) {
    const c = compareValues(a.point[key], b.point[key]);
    if (c) return c;
  }
  return compareText(a.policy, b.policy) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
}

/** Compares the group part of two rows (all but seeds): varied values, policy, kind, metric, episode. */
export function compareGroups(vary: readonly string[], a: Group, b: Group): number {
  return compareCells(vary, a, b) || compareText(a.metric, b.metric) ||
    compareNullable(a.episode, b.episode);
}

function compareRows(vary: readonly string[], a: ResultRow, b: ResultRow): number {
  return compareCells(vary, a, b) || compareNullable(a.trainSeed, b.trainSeed) ||
    compareNullable(a.evalSeed, b.evalSeed) || compareText(a.metric, b.metric) ||
    compareNullable(a.episode, b.episode) || compareText(a.cell, b.cell);
}

const finite = (v: number | null | undefined): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

/**
 * The rows of finished cells: their metrics, then their curves point by point
 * (a train cell's validation curve as `validation_<metric>`); sorted.
 */
export function tidyRows(vary: readonly string[], cells: readonly Cell[]): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const c of cells) {
    const base = {
      point: c.point,
      policy: c.policy.label,
      trainSeed: c.seeds.train,
      evalSeed: c.seeds.eval,
      kind: c.kind,
      cell: c.hash,
    };
    for (const [metric, value] of Object.entries(c.metrics)) {
      rows.push({ ...base, episode: null, metric, value: finite(value) });
    }
    const curves = c.curves ?? {};
    const episodes = curves.episode;
    for (const [metric, values] of Object.entries(curves)) {
      if (metric === "episode") continue;
      values.forEach((value, i) => {
        const episode = episodes ? finite(episodes[i]) : i + 1;
        rows.push({ ...base, episode, metric, value: finite(value) });
      });
    }
    // The validation curve (greedy play on held-out episodes; episode 0 is the pre-trained policy).
    const validation = c.validation ?? {};
    for (const [metric, values] of Object.entries(validation)) {
      if (metric === "episode") continue;
      values.forEach((value, i) => {
        const episode = finite(validation.episode?.[i]);
        rows.push({ ...base, episode, metric: `validation_${metric}`, value: finite(value) });
      });
    }
  }
  return rows.sort((a, b) => compareRows(vary, a, b));
}

/** A CSV table whose first columns are the varied keys of each row's point. */
export function pointCsv<R extends { point: Record<string, unknown> }>(
  vary: readonly string[],
  columns: readonly string[],
  rows: readonly R[],
  fields: (r: R) => (string | number)[],
): string {
  const out = [csvLine([...vary, ...columns])];
  for (const r of rows) {
    out.push(csvLine([...vary.map((k) => formatValue(r.point[k])), ...fields(r)]));
  }
  return out.join("");
}

/** A nullable number as a CSV field (empty for null). */
export const opt = (v: number | null): string | number => (v === null ? "" : v);

/** The text of `results.csv`. */
export function resultsCsv(vary: readonly string[], rows: readonly ResultRow[]): string {
  const columns = ["policy", "train_seed", "eval_seed", "kind", "episode", "metric", "value"];
  return pointCsv(vary, [...columns, "cell"], rows, (r) => [
    r.policy,
    opt(r.trainSeed),
    opt(r.evalSeed),
    r.kind,
    opt(r.episode),
    r.metric,
    opt(r.value),
    r.cell,
  ]);
}
