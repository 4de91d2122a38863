/**
 * The shapes `deno task experiment` writes into an output folder, as the
 * report reads them: `experiment.json` (the resolved experiment),
 * `manifest.json` (every cell) and `cells/<hash>.json` (one finished cell).
 * Unknown keys are kept, so a newer runner's extra fields do not break the
 * report.
 *
 * @module
 */
import { z } from "zod";

/** A point's value of a varied key (a number, a string, or anything JSON). */
export type PointValue = unknown;

const seeds = z.object({ train: z.number().nullable(), eval: z.number().nullable() });
const policy = z.looseObject({
  label: z.string(),
  id: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
});
const kind = z.enum(["expert", "train", "eval"]);

/** One figure of the experiment file, resolved. */
export const figureSchema = z.looseObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a figure id is a file name"),
  title: z.string().default(""),
  source: z.enum(["eval", "curve"]),
  x: z.string(),
  y: z.union([z.string(), z.array(z.string()).min(1)]),
  series: z.string().optional(),
  facet: z.string().optional(),
  mark: z.enum(["line", "bar"]).default("line"),
  band: z.enum(["ci95", "none"]).default("ci95"),
  scale: z.enum(["linear", "log"]).optional(),
  panels: z.array(z.array(z.string())).optional(),
  caption: z.string().optional(),
});

/** A margin the paper states: `policy`'s `metric` is `margin` (a fraction) below `versus`'s. */
export const referenceSchema = z.looseObject({
  id: z.string(),
  claim: z.string().default(""),
  figure: z.string(),
  metric: z.string(),
  policy: z.string(),
  versus: z.string(),
  margin: z.number(),
  /** The grid point the claim is made at (varied key -> value); absent: every point. */
  at: z.record(z.string(), z.unknown()).optional(),
  source: z.string().default(""),
});

/** `experiment.json`. */
export const experimentSchema = z.looseObject({
  name: z.string(),
  profile: z.string().nullable().default(null),
  base: z.string(),
  vary: z.array(z.string()),
  figures: z.array(figureSchema).default([]),
  reference: z.array(referenceSchema).default([]),
  version: z.string(),
});

/** One entry of `manifest.json`. */
export const manifestCellSchema = z.looseObject({
  hash: z.string().regex(/^[A-Za-z0-9_-]+$/, "a cell hash is a file name"),
  kind,
  point: z.record(z.string(), z.unknown()),
  policy,
  seeds,
  deps: z.array(z.string()).default([]),
});

/** `manifest.json`. */
export const manifestSchema = z.looseObject({ cells: z.array(manifestCellSchema) });

const value = z.number().nullable();

/** `cells/<hash>.json`. */
export const cellSchema = z.looseObject({
  format: z.literal("vecscene-cell/1"),
  hash: z.string(),
  kind,
  status: z.enum(["done", "failed"]),
  error: z.string().optional(),
  point: z.record(z.string(), z.unknown()),
  policy,
  seeds,
  metrics: z.record(z.string(), value).default({}),
  curves: z.record(z.string(), z.array(value)).optional(),
  /** A train cell's validations: `episode` (0: before fine-tuning) and the figures of each. */
  validation: z.record(z.string(), z.array(value)).optional(),
  version: z.string(),
});

/**
 * Whether a metric is measured on the wall clock (`decide_ms_per_slot`): it differs between
 * two computations of the same cell, so merging compares cells without it and tests that
 * compare runs leave it out.
 */
export function isWallClockMetric(name: string): boolean {
  return /(^|_)(ms|wall)(_|$)/.test(name);
}

/** A figure of `experiment.json`. */
export type Figure = z.infer<typeof figureSchema>;
/** A stated margin of `experiment.json`. */
export type Reference = z.infer<typeof referenceSchema>;
/** `experiment.json`. */
export type Experiment = z.infer<typeof experimentSchema>;
/** An entry of `manifest.json`. */
export type ManifestCell = z.infer<typeof manifestCellSchema>;
/** A cell result file. */
export type Cell = z.infer<typeof cellSchema>;
/** A cell's kind. */
export type CellKind = z.infer<typeof kind>;
