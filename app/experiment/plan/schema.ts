/**
 * The experiment schema: a base scenario, the keys it varies (a cartesian
 * product of `vary:` lists, `zip:` groups varied together, `exclude:`d
 * combinations), the policies (each learning one with a `train:` block or a
 * fixed checkpoint), seeds for training and for evaluation, named profiles,
 * and the figures and reference claims of the report. Exported as JSON
 * Schema into `experiments/experiment.schema.json` by `deno task schema`.
 *
 * @module
 */
import { z } from "zod";
import { pathCheck, POLICY_REF } from "../../../engine/config/path.ts";

/** Names, labels and ids. */
const NAME = /^[A-Za-z0-9._-]+$/;
const name = () => z.string().min(1).max(200).regex(NAME, "use letters, digits, '.', '_' or '-'");
/** File paths: no NUL byte, control character or invalid UTF-8 (`engine/config/path.ts`). */
const path = () => z.string().min(1).max(4096).check(pathCheck());
/** A dotted key: `vehicles.clients.count`, or `policy.<label>.<param>` for a policy's parameter. */
const dotted = () =>
  z.string().max(500).regex(
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    "a dotted key such as vehicles.clients.count or policy.mad2rl.steps",
  );
const seed = () => z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The values one key takes. */
const values = () => z.array(z.unknown()).min(1).max(1000);
const count = (min: number, max: number) => z.int().min(min).max(max);

/** Training settings; every key optional (defaults: {@linkcode TRAIN_DEFAULTS}). */
export const TrainSchema = z.strictObject({
  episodes: count(1, 10_000_000).optional().describe("training episodes per train cell"),
  params: z.record(z.string().max(200), z.unknown()).optional().describe(
    "parameters for training only (batch, epsSteps, ...), over the policy's params",
  ),
  validation: z.strictObject({
    every: count(0, 10_000_000).optional().describe(
      "greedy evaluation every this many episodes, keeping the best weights (0: never)",
    ),
    episodes: count(1, 1_000_000).optional().describe("episodes per validation seed"),
    seeds: z.array(seed()).min(1).max(1000).optional().describe(
      "held-out seeds (default: the train seed, whose episodes 1.. training never plays)",
    ),
  }).optional(),
  checkpointEvery: count(1, 10_000_000).optional().describe(
    "full checkpoint every this many episodes (an interrupted train cell resumes from it)",
  ),
  pretrain: z.strictObject({
    policy: z.string().min(1).max(200).describe(
      "the expert: a registered policy id (genetic, ...)",
    ),
    params: z.record(z.string().max(200), z.unknown()).default({}),
    episodes: count(1, 1_000_000).default(100).describe("expert episodes recorded per train seed"),
  }).nullable().optional().describe(
    "record an expert's episodes (an expert cell per grid point and train seed) and pre-train " +
      "on them before training; null: no pre-training (a profile or a policy that trains from " +
      "scratch)",
  ),
});

/** What training uses where neither the experiment nor the policy says. */
export const TRAIN_DEFAULTS = {
  episodes: 1000,
  params: {} as Record<string, unknown>,
  validation: { every: 10, episodes: 3 },
  checkpointEvery: 25,
};

/** A registered policy id or a module path (relative to the experiment file). */
const policyUse = () => z.string().min(1).max(1000).check(pathCheck(POLICY_REF));

const PolicyObjectSchema = z.strictObject({
  use: policyUse().describe(
    "a registered policy id, a module path (.ts/.js) or python:FILE.py (a Python policy)",
  ),
  label: name().optional().describe("how the policy is named in results (default: its id)"),
  params: z.record(z.string().max(200), z.unknown()).default({}).describe(
    "the policy's parameters, for training and evaluation",
  ),
  checkpoint: path().optional().describe("a fixed trained checkpoint (relative to this file)"),
  train: TrainSchema.optional().describe(
    "train this policy at every grid point and train seed (over the top-level train block)",
  ),
});

/** A policy entry: an id, or `{use, label, params, checkpoint | train}`. */
export const PolicyEntrySchema = z.union([policyUse(), PolicyObjectSchema]);

/** A declarative chart of the report. */
export const FigureSchema = z.strictObject({
  id: name(),
  title: z.string().max(500),
  source: z.enum(["eval", "curve"]).describe(
    "eval: metrics of evaluation cells; curve: training curves of train cells",
  ),
  x: dotted().describe('a varied key (eval) or "episode" (curve)'),
  y: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(100)])
    .describe("a metric of the cells, or a list of metrics drawn as one series each"),
  series: z.string().min(1).max(500).default("policy").describe(
    'a column that makes the lines or bars: "policy" or a varied key',
  ),
  facet: z.string().min(1).max(500).optional().describe(
    "a column that makes one panel per value",
  ),
  mark: z.enum(["line", "bar"]).default("line"),
  band: z.enum(["ci95", "none"]).default("ci95").describe("95 % confidence band over seeds"),
  scale: z.enum(["linear", "log"]).optional().describe(
    "the y axis: linear (the default) or log, for series that lie decades apart",
  ),
  panels: z.array(z.array(z.string().min(1).max(500)).min(1).max(100)).min(2).max(10).optional()
    .describe(
      "panels side by side, each drawing these series (policy labels) on its own y axis: e.g. one with an outlier, one without",
    ),
  caption: z.string().min(1).max(2000).optional().describe(
    "a note printed under the figure in the report: what the reader should know to read it",
  ),
});

/** A number the paper states, compared with ours in the report. */
export const ReferenceSchema = z.strictObject({
  id: name(),
  claim: z.string().min(1).max(2000).describe("the paper's statement, quoted or summarised"),
  figure: name().describe("the id of the figure it belongs to"),
  metric: z.string().min(1).max(200),
  policy: name().describe("the label of the policy the claim is about"),
  versus: name().describe("the label of the policy it is compared with"),
  margin: z.number().min(-1000).max(1000).describe(
    "1 - policy / versus as the paper states it: 0.44 = 44 % lower",
  ),
  at: z.record(dotted(), z.unknown()).optional().describe(
    "the grid point the claim is made at (varied key -> value); absent: every point",
  ),
  source: z.string().min(1).max(500).describe('where the paper says it, e.g. "Sec. VIII-B"'),
});

/** The whole experiment file, after its profile is applied. */
export const ExperimentSchema = z.strictObject({
  name: name().describe("names the output folder and the report"),
  description: z.string().max(10_000).optional(),
  base: path().describe("the scenario file every cell starts from (relative to this file)"),
  set: z.record(dotted(), z.unknown()).default({}).describe(
    "fixed keys applied to the base scenario before the varied ones",
  ),
  vary: z.record(dotted(), values()).default({}).describe(
    "key -> values; the grid is the cartesian product of these and the zip groups",
  ),
  zip: z.array(
    z.record(dotted(), values()).refine((g) => Object.keys(g).length > 0, {
      message: "a zip group varies at least one key",
    }),
  ).max(100).default([]).describe(
    "groups of keys varied together (lists of one length); each group is one axis",
  ),
  exclude: z.array(z.record(z.string().max(500), z.unknown())).max(10_000).default([])
    .describe("combinations to drop: varied key -> value, and optionally policy: <label>"),
  policies: z.array(PolicyEntrySchema).min(1).max(100),
  seeds: z.strictObject({
    train: z.array(seed()).max(1000).default([]).describe("one train cell per seed"),
    eval: z.array(seed()).max(1000).default([]).describe("one evaluation cell per seed"),
  }).prefault({}),
  evaluate: z.strictObject({
    episodes: count(1, 1_000_000).default(10).describe("episodes per evaluation seed"),
  }).prefault({}),
  train: TrainSchema.prefault({}).describe("training settings of every learning policy"),
  profiles: z.record(name(), z.record(z.string().max(200), z.unknown())).default({}).describe(
    "named overrides (--profile): mappings merge key by key, lists replace; `policies` may be " +
      "a mapping label -> overrides of that policy",
  ),
  figures: z.array(FigureSchema).max(1000).default([]),
  reference: z.array(ReferenceSchema).max(1000).default([]),
});

/** An experiment with every default filled in. */
export type Experiment = z.output<typeof ExperimentSchema>;
/** One `train:` block as written. */
export type TrainBlock = z.output<typeof TrainSchema>;
/** A policy entry as written. */
export type PolicyEntry = z.output<typeof PolicyEntrySchema>;

/** The experiment's JSON Schema (draft 2020-12), for editors. */
export function experimentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ExperimentSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}
