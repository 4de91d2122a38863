/**
 * The scenario schema: every key, its unit, its range and its default (the
 * paper's values, MODEL.md section 3). Exported as JSON Schema by
 * `deno task schema` into `scenarios/scenario.schema.json`.
 *
 * @module
 */
import { z } from "zod";
import { SumoMobilitySchema } from "../mobility/sumo/schema.ts";

const positive = () => z.number().positive();
const nonNegative = () => z.number().min(0);

/** `[lo, hi]` with lo <= hi, or a single value meaning `[v, v]`. */
const range = (lo: z.ZodNumber) =>
  z.union([lo, z.tuple([lo, lo])])
    .transform((v): [number, number] => (typeof v === "number" ? [v, v] : v))
    .refine((v) => v[0] <= v[1], "the range's lower bound must not exceed its upper bound");

const SpeedSchema = z.strictObject({
  mean: positive().default(25).describe("mean speed (m/s), MODEL.md A17"),
  std: nonNegative().default(2).describe("standard deviation (m/s)"),
  min: nonNegative().default(20).describe("speeds are clipped to [min, max] (m/s)"),
  max: positive().default(30),
}).refine((s) => s.min <= s.max, { message: "speed min must not exceed max", path: ["min"] });

/** The built-in unidirectional highway (MODEL.md A17). */
export const HighwaySchema = z.strictObject({
  kind: z.literal("highway"),
  fromM: z.number().default(-1000).describe(
    "road start coordinate (m); the RSU is at rsu.positionM",
  ),
  toM: z.number().default(1000).describe("road end coordinate (m); traffic flows towards it"),
  lanes: z.int().min(1).max(16).default(1),
  laneWidthM: positive().default(3.5),
  startM: range(z.number()).default([-500, -250]).describe("initial positions, uniform (m)"),
  speedMps: SpeedSchema.prefault({}),
}).refine((h) => h.fromM < h.toM, { message: "fromM must be less than toM", path: ["toM"] });

const ConvSchema = z.strictObject({
  type: z.literal("conv"),
  name: z.string().optional(),
  out: z.int().min(1),
  kernel: z.int().min(1),
  stride: z.int().min(1).default(1),
  pad: z.int().min(0).default(0),
  in: z.int().min(1).optional(),
});

const LayerSchema = z.discriminatedUnion("type", [
  ConvSchema,
  z.strictObject({
    type: z.enum(["maxpool", "avgpool"]),
    name: z.string().optional(),
    kernel: z.int().min(1),
    stride: z.int().min(1).optional(),
    pad: z.int().min(0).default(0),
  }),
  z.strictObject({
    type: z.literal("fc"),
    name: z.string().optional(),
    out: z.int().min(1),
    in: z.int().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal("block"),
    name: z.string().optional(),
    convs: z.array(ConvSchema).min(1),
    downsample: ConvSchema.optional(),
  }),
]);

const ShapeSchema = z.tuple([z.int().min(1), z.int().min(1), z.int().min(1)]);

const CustomModelSchema = z.strictObject({
  inputShape: ShapeSchema.optional().describe("defaults to dnn.inputShape"),
  layers: z.array(LayerSchema).min(1),
});

const MixSchema = z.union([
  z.literal("round-robin"),
  z.strictObject({ list: z.array(z.string()).min(1) }),
  z.strictObject({ weights: z.record(z.string(), nonNegative()) }),
]);

const PolicyRefSchema = z.union([
  z.string().min(1),
  z.strictObject({
    use: z.string().min(1).describe("a registered policy id or a module path (.ts/.js)"),
    label: z.string().regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' or '-'")
      .optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    checkpoint: z.string().optional(),
  }),
]);

const PathLossSchema = z.strictObject({ interceptDb: z.number(), slopeDb: nonNegative() });

/** The full scenario. */
export const ScenarioSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' or '-'")
    .default("scenario"),
  description: z.string().optional(),
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  time: z.strictObject({
    slots: z.int().min(1).default(30).describe("slots per episode, T"),
    slotS: positive().default(1).describe("slot length tau (s)"),
    episodes: z.int().min(1).default(10),
  }).prefault({}),
  mobility: z.discriminatedUnion("kind", [HighwaySchema, SumoMobilitySchema]).prefault({
    kind: "highway",
  }),
  rsu: z.strictObject({
    positionM: z.number().default(0).describe("position along the road (m)"),
    offsetM: nonNegative().default(10).describe("lateral offset from the road (m)"),
    coverageM: positive().default(700).describe("coverage radius (m)"),
    cpuGflops: positive().default(30).describe("f^rsu,max (GFLOP/s = GHz, A3)"),
  }).prefault({}),
  vehicles: z.strictObject({
    clients: z.strictObject({
      count: z.int().min(1).max(100_000).default(7),
      cpuGflops: range(positive()).default([4, 6]).describe("f^loc, uniform per episode"),
      txPowerDbm: z.number().default(23),
      dnn: MixSchema.default("round-robin"),
    }).prefault({}),
    services: z.strictObject({
      count: z.int().min(0).max(100_000).default(5),
      cpuGflops: range(positive()).default([6, 8]).describe("f^veh, uniform per episode"),
    }).prefault({}),
  }).prefault({}),
  channel: z.strictObject({
    bandwidthHz: positive().default(10e6),
    noiseDbm: z.number().default(-114),
    v2vRangeM: positive().default(150),
    fading: z.enum(["rayleigh", "none"]).default("rayleigh"),
    pathLoss: z.strictObject({
      v2i: PathLossSchema.default({ interceptDb: 38.4, slopeDb: 21.0 }),
      v2v: PathLossSchema.default({ interceptDb: 44.23, slopeDb: 16.7 }),
    }).prefault({}),
  }).prefault({}),
  dnn: z.strictObject({
    models: z.array(z.string()).min(1).default(["alexnet", "resnet18", "vgg16"])
      .describe("the DNN types (one RSU container each); round-robin follows this order"),
    inputShape: ShapeSchema.default([224, 224, 3]),
    bytesPerElement: positive().default(4),
    flops: z.enum(["literal", "exact"]).default("literal").describe("eq. (6) convention, A4"),
    custom: z.record(z.string(), CustomModelSchema).default({}),
  }).prefault({}),
  lyapunov: z.strictObject({
    V: nonNegative().default(10),
    gamma: z.enum(["corrected", "printed"]).default("corrected").describe("eq. (48), A8"),
    waiting: z.enum(["masked", "literal"]).default("masked").describe("eqs. (11)/(17), A6"),
  }).prefault({}),
  policy: z.union([PolicyRefSchema, z.array(PolicyRefSchema).min(1)]).default("greedy"),
  sandbox: z.strictObject({
    trustPlugins: z.boolean().default(false).describe(
      "run plugins in-process with the CLI's permissions instead of sandboxed (like --trust-plugins)",
    ),
    callTimeoutMs: z.int().min(1).max(86_400_000).default(10_000).describe(
      "time limit of one call of a plugin (decide, observe, update, ...), in milliseconds",
    ),
  }).prefault({}),
  output: z.strictObject({
    dir: z.string().optional().describe(
      "defaults to out/<name>, relative to the working directory",
    ),
  }).prefault({}),
});

/** A scenario with every default filled in. */
export type Scenario = z.output<typeof ScenarioSchema>;

/** The scenario's JSON Schema (draft 2020-12), for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ScenarioSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}
