/**
 * One Vega-Lite specification per figure of the experiment, from the rows of
 * `summary.csv`: a line (with a 95 % confidence band) or grouped bars (with
 * error bars) of the mean over seeds, one colour per series, one panel per
 * facet value, or per group of `panels` (each on its own y axis, so that an
 * outlier does not flatten the others), on a linear or log y axis. A policy
 * has the same colour in every figure ({@linkcode POLICY_COLOURS}). A varied
 * key the figure does not place (not its x, series or facet) but that takes
 * several values is added to the series' name, so no two points are drawn
 * on top of each other.
 *
 * @module
 */
import type { Figure } from "./contract.ts";
import type { SummaryRow } from "./summary.ts";
import { compareValues, formatValue } from "./tidy.ts";

/** A Vega-Lite specification (plain JSON). */
export type VegaLiteSpec = Record<string, unknown>;

/** One drawn point: the mean and interval of a group. */
export interface ChartDatum {
  x: number | string;
  mean: number;
  lo: number;
  hi: number;
  series: string;
  facet?: string;
}

/** Panel size in pixels. */
const WIDTH = 360;
const HEIGHT = 240;

/** Tableau's 20 colours, in pairs of a dark and a light shade. */
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
  "#1f77b4",
  "#aec7e8",
  "#ff7f0e",
  "#ffbb78",
  "#2ca02c",
  "#98df8a",
  "#d62728",
  "#ff9896",
  "#9467bd",
  "#c5b0d5",
];

/**
 * The colours of the built-in policies and of the labels the shipped
 * experiments give them: the same in every figure of every report. Other
 * series take the palette's remaining colours in the order they appear.
 */
export const POLICY_COLOURS: Readonly<Record<string, string>> = {
  greedy: PALETTE[2],
  genetic: PALETTE[1],
  "genetic-converged": PALETTE[8],
  "genetic-20x10": PALETTE[5],
  "local-search": PALETTE[6],
  pqmix: PALETTE[0],
  mad2rl: PALETTE[4],
  "pqmix-paper": PALETTE[3],
  "mad2rl-paper": PALETTE[7],
  local: PALETTE[9],
  rsu: PALETTE[10],
  random: PALETTE[11],
  exhaustive: PALETTE[12],
};

/** One colour per series: a policy's own (by the label before any ", "), then the unused ones. */
export function seriesColours(series: readonly string[]): string[] {
  const fixed = series.map((s) => POLICY_COLOURS[s.split(", ")[0]]);
  const taken = new Set(fixed.filter(Boolean));
  const free = PALETTE.filter((c) => !taken.has(c));
  let k = 0;
  return fixed.map((c) => c ?? free[k++ % free.length]);
}

/** The value of column `name` of a summary row (a varied key, or one of its own columns). */
export function column(r: SummaryRow, name: string): unknown {
  switch (name) {
    case "policy":
      return r.policy;
    case "metric":
      return r.metric;
    case "kind":
      return r.kind;
    case "episode":
      return r.episode;
    default:
      return r.point[name];
  }
}

/** The metrics a figure draws. */
export function figureMetrics(f: Figure): string[] {
  return typeof f.y === "string" ? [f.y] : f.y;
}

/** The summary rows a figure draws (eval metrics, or the curve points), with a mean. */
export function figureRows(f: Figure, rows: readonly SummaryRow[]): SummaryRow[] {
  const metrics = new Set(figureMetrics(f));
  return rows.filter((r) =>
    metrics.has(r.metric) && r.mean !== null &&
    (f.source === "eval" ? r.kind === "eval" && r.episode === null : r.episode !== null)
  );
}

/**
 * Columns that vary among `rows` where the figure's placed columns (x,
 * series, facet) do not: without them two points would be drawn on top of
 * each other. A key varied together with a placed one (a `zip:` partner)
 * takes one value per point and is left out.
 */
function unplaced(f: Figure, vary: readonly string[], rows: readonly SummaryRow[]): string[] {
  const placedKeys = [f.x, f.series ?? "policy", f.facet].filter((k): k is string => !!k);
  const placed = new Set(placedKeys);
  const candidates = [...vary, "metric", "kind"].filter((k) => !placed.has(k));
  const at = (r: SummaryRow) => placedKeys.map((k) => formatValue(column(r, k))).join("\u0000");
  return candidates.filter((k) => {
    const seen = new Map<string, string>();
    return rows.some((r) => {
      const v = formatValue(column(r, k));
      const p = at(r);
      if (!seen.has(p)) seen.set(p, v);
      return seen.get(p) !== v;
    });
  });
}

/** The points of a figure, and the order of its series. */
export function chartData(
  f: Figure,
  vary: readonly string[],
  rows: readonly SummaryRow[],
  policyOrder: readonly string[] = [],
): { data: ChartDatum[]; series: string[] } {
  const drawn = figureRows(f, rows);
  const extra = unplaced(f, vary, drawn);
  const seriesKey = f.series ?? "policy";
  const data: ChartDatum[] = drawn.map((r) => {
    const x = column(r, f.x);
    const named = extra.map((k) => `${k}=${formatValue(column(r, k))}`);
    const d: ChartDatum = {
      x: typeof x === "number" ? x : formatValue(x),
      mean: r.mean!,
      lo: r.ciLow!,
      hi: r.ciHigh!,
      series: [formatValue(column(r, seriesKey)), ...named].join(", "),
    };
    if (f.facet) d.facet = formatValue(column(r, f.facet));
    return d;
  });
  const rank = (s: string) => {
    const i = policyOrder.indexOf(s.split(", ")[0]);
    return i < 0 ? policyOrder.length : i;
  };
  const series = [...new Set(data.map((d) => d.series))].sort((a, b) =>
    seriesKey === "policy" && rank(a) !== rank(b) ? rank(a) - rank(b) : compareValues(a, b)
  );
  return { data, series };
}

/** The Vega-Lite specification of a figure. */
export function figureSpec(
  f: Figure,
  vary: readonly string[],
  rows: readonly SummaryRow[],
  policyOrder: readonly string[] = [],
): VegaLiteSpec {
  const { data, series } = chartData(f, vary, rows, policyOrder);
  const numericX = data.length > 0 && data.every((d) => typeof d.x === "number");
  const metrics = figureMetrics(f);
  const yTitle = metrics.join(", ") + (f.band === "ci95" ? " (mean, 95 % CI)" : " (mean)");
  const seriesTitle = f.series ?? "policy";
  const byPolicy = seriesTitle === "policy";
  const color = {
    field: "series",
    type: "nominal",
    title: seriesTitle,
    scale: { domain: series, ...(byPolicy ? { range: seriesColours(series) } : {}) },
  };
  const log = f.scale === "log";
  const yScale = log ? { scale: { type: "log" } } : {};
  const y = {
    field: "mean",
    type: "quantitative",
    title: yTitle + (log ? ", log scale" : ""),
    ...yScale,
  };
  const wholeX = numericX && data.every((d) => Number.isInteger(d.x));
  const x = f.mark === "bar" || !numericX
    ? { field: "x", type: "ordinal", title: f.x, axis: { labelAngle: 0 } }
    : { field: "x", type: "quantitative", title: f.x, ...(wholeX ? { axis: WHOLE } : {}) };
  const layers = f.mark === "bar" ? barLayers(f, x, color, y, series) : lineLayers(f, x, color, y);
  const inner = { width: WIDTH, height: HEIGHT, layer: layers };
  // A log axis cannot place a value <= 0: such points (and bands reaching 0) are left out.
  const values = log
    ? data.filter((d) => d.mean > 0).map((d) => ({ ...d, lo: d.lo > 0 ? d.lo : d.mean }))
    : data;
  const panel = (group: readonly string[]) => {
    const members = series.filter((s) => group.includes(s.split(", ")[0]));
    return { ...inner, transform: [{ filter: { field: "series", oneOf: members } }] };
  };
  const body = f.panels
    ? { hconcat: f.panels.map(panel), resolve: { scale: { y: "independent", color: "shared" } } }
    : f.facet
    ? {
      facet: { field: "facet", type: "ordinal", title: f.facet },
      columns: 3,
      spec: inner,
      resolve: { scale: { y: "shared" } },
    }
    : inner;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: f.title || f.id,
    data: { values },
    ...body,
    // Legend symbols at full opacity (the band's would be faded).
    config: { font: "sans-serif", view: { stroke: null }, legend: { symbolOpacity: 1 } },
  };
}

type Channel = Record<string, unknown>;

/** An axis of whole numbers (no 2.5 CVs). */
const WHOLE = { tickMinStep: 1, format: "d" };

function lineLayers(f: Figure, x: Channel, color: Channel, y: Channel): Channel[] {
  const layers: Channel[] = [];
  if (f.band === "ci95") {
    layers.push({
      mark: { type: "area", opacity: 0.2 },
      encoding: {
        x,
        y: {
          field: "lo",
          type: "quantitative",
          title: y.title,
          ...(y.scale ? { scale: y.scale } : {}),
        },
        y2: { field: "hi" },
        color,
      },
    });
  }
  layers.push({
    mark: { type: "line", point: f.source === "eval" },
    encoding: { x, y, color },
  });
  return layers;
}

function barLayers(
  f: Figure,
  x: Channel,
  color: Channel,
  y: Channel,
  series: readonly string[],
): Channel[] {
  const xOffset = { field: "series", type: "nominal", scale: { domain: series } };
  const layers: Channel[] = [{ mark: "bar", encoding: { x, xOffset, y, color } }];
  if (f.band === "ci95") {
    layers.push({
      mark: { type: "rule", color: "black" },
      encoding: {
        x,
        xOffset,
        y: {
          field: "lo",
          type: "quantitative",
          title: y.title,
          ...(y.scale ? { scale: y.scale } : {}),
        },
        y2: { field: "hi" },
      },
    });
  }
  return layers;
}
