/**
 * The scenario schema: every key, its unit, its range and its default (the
 * paper's values, MODEL.md section 3). Exported as JSON Schema by
 * `deno task schema` into `scenarios/scenario.schema.json`.
 *
 * Every number has a finite range with a physical meaning (a road within
 * 10,000 km of the origin, speeds up to 150 m/s, CPUs from 1 MFLOP/s to
 * 10 PFLOP/s, ...): wide enough for any study, narrow enough that the
 * model's sums and products stay finite. Every string has a length limit,
 * so that a message that echoes it stays short.
 *
 * @module
 */
import { z } from "zod";
import { pathCheck, POLICY_REF } from "../config/path.ts";
import { SumoMobilitySchema } from "../mobility/sumo/schema.ts";

/** A number in (0, max]. */
const positive = (max: number) => z.number().positive().max(max);
/** A number in [min, max]. */
const between = (min: number, max: number) => z.number().min(min).max(max);
/** An integer in [min, max]. */
const int = (min: number, max: number) => z.int().min(min).max(max);

/** Road coordinates and positions (m): within 10,000 km of the origin. */
const MAX_COORDINATE_M = 1e7;
const coordinate = () => between(-MAX_COORDINATE_M, MAX_COORDINATE_M);
/** Vehicle speeds (m/s): 150 m/s = 540 km/h. */
const MAX_SPEED_MPS = 150;
/** CPU capabilities (GFLOP/s, A3): 1 MFLOP/s to 10 PFLOP/s. */
const cpuGflops = () => between(1e-3, 1e7);
/** Layer sizes, kernels, strides, paddings and shape dimensions. */
const dim = (min: number) => int(min, 1e6);
/** Names and labels. */
const name = () => z.string().max(200);
/** File paths: no NUL byte, control character or invalid UTF-8 (`config/path.ts`). */
const path = () => z.string().max(4096).check(pathCheck());

/** `[lo, hi]` with lo <= hi, or a single value meaning `[v, v]`. */
const range = (lo: z.ZodNumber) =>
  z.union([lo, z.tuple([lo, lo])])
    .transform((v): [number, number] => (typeof v === "number" ? [v, v] : v))
    .refine((v) => v[0] <= v[1], "the range's lower bound must not exceed its upper bound");

const SpeedSchema = z.strictObject({
  mean: positive(MAX_SPEED_MPS).default(25).describe("mean speed (m/s), MODEL.md A17"),
  std: between(0, 50).default(2).describe("standard deviation (m/s)"),
  min: between(0, MAX_SPEED_MPS).default(20).describe("speeds are clipped to [min, max] (m/s)"),
  max: positive(MAX_SPEED_MPS).default(30),
}).refine((s) => s.min <= s.max, { message: "speed min must not exceed max", path: ["min"] });

/** The built-in unidirectional highway (MODEL.md A17). */
export const HighwaySchema = z.strictObject({
  kind: z.literal("highway"),
  fromM: coordinate().default(-1000).describe(
    "road start coordinate (m); the RSU is at rsu.positionM",
  ),
  toM: coordinate().default(1000).describe("road end coordinate (m); traffic flows towards it"),
  lanes: int(1, 16).default(1),
  laneWidthM: positive(100).default(3.5),
  startM: range(coordinate()).default([-500, -250]).describe("initial positions, uniform (m)"),
  speedMps: SpeedSchema.prefault({}),
}).refine((h) => h.fromM < h.toM, { message: "fromM must be less than toM", path: ["toM"] });

const ConvSchema = z.strictObject({
  type: z.literal("conv"),
  name: name().optional(),
  out: dim(1),
  kernel: dim(1),
  stride: dim(1).default(1),
  pad: dim(0).default(0),
  in: dim(1).optional(),
});

const LayerSchema = z.discriminatedUnion("type", [
  ConvSchema,
  z.strictObject({
    type: z.enum(["maxpool", "avgpool"]),
    name: name().optional(),
    kernel: dim(1),
    stride: dim(1).optional(),
    pad: dim(0).default(0),
  }),
  z.strictObject({
    type: z.literal("fc"),
    name: name().optional(),
    out: dim(1),
    in: dim(1).optional(),
  }),
  z.strictObject({
    type: z.literal("block"),
    name: name().optional(),
    convs: z.array(ConvSchema).min(1),
    downsample: ConvSchema.optional(),
  }),
]);

const ShapeSchema = z.tuple([dim(1), dim(1), dim(1)]);
/** A DNN model name: a built-in one or a key of dnn.custom. */
const modelName = () => name().min(1);

const CustomModelSchema = z.strictObject({
  inputShape: ShapeSchema.optional().describe("defaults to dnn.inputShape"),
  layers: z.array(LayerSchema).min(1),
});

const MixSchema = z.union([
  z.literal("round-robin"),
  z.strictObject({ list: z.array(modelName()).min(1) }),
  z.strictObject({ weights: z.record(modelName(), between(0, 1e9)) }),
]);

/** A registered policy id or a module path. */
const policyUse = () => z.string().min(1).max(1000).check(pathCheck(POLICY_REF));

const PolicyRefSchema = z.union([
  policyUse(),
  z.strictObject({
    use: policyUse().describe(
      "a registered policy id, a module path (.ts/.js) or python:FILE.py (a Python policy)",
    ),
    label: name().regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' or '-'")
      .optional(),
    params: z.record(name(), z.unknown()).default({}),
    checkpoint: path().optional(),
  }),
]);

/** A SUMO edge id (as in `mobility.rsu.edge`). */
const edgeId = () => z.string().min(1).max(500);
/** An RSU's name: letters, digits, '.', '_' or '-'. */
const rsuName = () =>
  name().min(1).regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' or '-'");
const rsuCoverageM = () => positive(MAX_COORDINATE_M).describe("coverage radius c_r (m)");
const rsuCpu = () => cpuGflops().default(30).describe("f_r^rsu,max (GFLOP/s = GHz, A3)");
const rsuOffsetM = () => between(0, 1e5).default(10).describe("distance beside the road (m)");

/** One RSU of `rsus:` (MODEL.md section 6.3): where it stands, its coverage and CPU. */
const RsuSiteSchema = z.union([
  z.strictObject({
    name: rsuName().optional(),
    positionM: coordinate().describe("position along the road (m): the highway's x"),
    offsetM: rsuOffsetM(),
    coverageM: rsuCoverageM(),
    cpuGflops: rsuCpu(),
  }),
  z.strictObject({
    name: rsuName().optional(),
    edge: edgeId().describe("SUMO: an edge id of the network (`mobility.net`)"),
    positionM: z.number().min(0).max(1e7).describe("distance from the edge's start (m)"),
    offsetM: rsuOffsetM(),
    coverageM: rsuCoverageM(),
    cpuGflops: rsuCpu(),
  }),
  z.strictObject({
    name: rsuName().optional(),
    x: coordinate().describe("SUMO network x (m)"),
    y: coordinate().describe("SUMO network y (m)"),
    coverageM: rsuCoverageM(),
    cpuGflops: rsuCpu(),
  }),
]);

/** RSUs placed by a rule (MODEL.md section 6.3). */
const RsuPlacementSchema = z.union([
  z.strictObject({
    every: positive(MAX_COORDINATE_M).describe("spacing along the road (m)"),
    fromM: coordinate().optional().describe("the first RSU's position (default: spacing / 2 in)"),
    toM: coordinate().optional().describe("no RSU beyond this position (default: the road's end)"),
    count: int(1, 10_000).optional().describe(
      "exactly this many RSUs (an error if they do not fit)",
    ),
    offsetM: rsuOffsetM(),
    coverageM: rsuCoverageM(),
    cpuGflops: rsuCpu(),
  }),
  z.strictObject({
    junctions: int(1, 10_000).describe("SUMO: this many RSUs at junctions of the network"),
    minSpacingM: between(0, MAX_COORDINATE_M).default(0).describe(
      "no two RSUs closer than this (m)",
    ),
    coverageM: rsuCoverageM(),
    cpuGflops: rsuCpu(),
  }),
]);

/** Log-distance path loss (dB): intercept and slope per decade of distance. */
const PathLossSchema = z.strictObject({
  interceptDb: between(-200, 300),
  slopeDb: between(0, 200),
});

/** The RSUs' backhaul (MODEL.md E9). */
const BackhaulSchema = z.strictObject({
  rateBps: positive(1e15).default(1e9).describe("R^bh, the backhaul's rate (bit/s), E9"),
  hopLatencyS: between(0, 3600).default(0.001).describe("lambda^bh, latency per hop (s), E9"),
  topology: z.enum(["chain", "star", "mesh"]).default("chain").describe(
    "chain: RSUs wired in list order, |r - r'| hops; star: 2 hops via a switch; mesh: 1 hop",
  ),
});

/** The backhaul of a scenario that gives none: every default. */
export const DEFAULT_BACKHAUL = BackhaulSchema.parse({});

/** The full scenario. */
export const ScenarioSchema = z.strictObject({
  name: name().regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' or '-'")
    .default("scenario"),
  description: z.string().max(10_000).optional(),
  seed: int(0, Number.MAX_SAFE_INTEGER).default(1),
  time: z.strictObject({
    slots: int(1, 1e6).default(30).describe("slots per episode, T"),
    slotS: positive(86_400).default(1).describe("slot length tau (s), at most a day"),
    episodes: int(1, 1e7).default(10),
  }).prefault({}),
  mobility: z.discriminatedUnion("kind", [HighwaySchema, SumoMobilitySchema]).prefault({
    kind: "highway",
  }),
  rsu: z.strictObject({
    positionM: coordinate().default(0).describe("position along the road (m)"),
    offsetM: between(0, 1e5).default(10).describe("lateral offset from the road (m)"),
    coverageM: positive(MAX_COORDINATE_M).default(700).describe("coverage radius (m)"),
    cpuGflops: cpuGflops().default(30).describe("f^rsu,max (GFLOP/s = GHz, A3)"),
  }).prefault({}).describe("the one RSU of the paper; `rsus:` for several (MODEL.md 6.3)"),
  rsus: z.union([z.array(RsuSiteSchema).min(1).max(10_000), RsuPlacementSchema]).optional()
    .describe("several RSUs (MODEL.md section 6.3): a list, or a placement rule"),
  backhaul: BackhaulSchema.optional().describe(
    "the RSUs' wired backhaul (MODEL.md E9); used with several RSUs",
  ),
  vehicles: z.strictObject({
    clients: z.strictObject({
      count: int(1, 100_000).default(7),
      cpuGflops: range(cpuGflops()).default([4, 6]).describe("f^loc, uniform per episode"),
      txPowerDbm: between(-100, 60).default(23).describe("transmit power p_i (dBm)"),
      dnn: MixSchema.default("round-robin"),
    }).prefault({}),
    services: z.strictObject({
      count: int(0, 100_000).default(5),
      cpuGflops: range(cpuGflops()).default([6, 8]).describe("f^veh, uniform per episode"),
    }).prefault({}),
  }).prefault({}),
  channel: z.strictObject({
    bandwidthHz: between(1, 1e12).default(10e6).describe("bandwidth B (Hz)"),
    noiseDbm: between(-250, 30).default(-114).describe("noise power sigma^2 (dBm)"),
    v2vRangeM: positive(1e6).default(150).describe("V2V range dis^v2v (m), [TMC 25]"),
    fading: z.enum(["rayleigh", "none"]).default("rayleigh"),
    pathLoss: z.strictObject({
      v2i: PathLossSchema.default({ interceptDb: 38.4, slopeDb: 21.0 }),
      v2v: PathLossSchema.default({ interceptDb: 44.23, slopeDb: 16.7 }),
    }).prefault({}),
  }).prefault({}),
  dnn: z.strictObject({
    models: z.array(modelName()).min(1).max(1000).default(["alexnet", "resnet18", "vgg16"])
      .describe("the DNN types (one RSU container each); round-robin follows this order"),
    inputShape: ShapeSchema.default([224, 224, 3]),
    bytesPerElement: positive(64).default(4).describe("rho (bytes per element), eq. (3)"),
    flops: z.enum(["literal", "exact"]).default("literal").describe("eq. (6) convention, A4"),
    inputBytes: positive(1e12).optional().describe(
      "D_1, the bytes sent when the raw input is offloaded (phi = 1), for every DNN; absent: eq. (3) (MODEL.md A29)",
    ),
    flopsPerCycle: positive(1e6).optional().describe(
      "FLOPs per CPU cycle: every CPU capacity is multiplied by it; absent: 1 (MODEL.md A3, A30)",
    ),
    custom: z.record(modelName(), CustomModelSchema).default({}),
  }).prefault({}),
  lyapunov: z.strictObject({
    V: between(0, 1e9).default(10).describe("Lyapunov weight V of eq. (32); V = 0: A24"),
    gamma: z.enum(["corrected", "printed"]).default("corrected").describe("eq. (48), A8"),
    waiting: z.enum(["masked", "literal"]).default("masked").describe("eqs. (11)/(17), A6"),
  }).prefault({}),
  policy: z.union([PolicyRefSchema, z.array(PolicyRefSchema).min(1).max(100)]).default("greedy"),
  sandbox: z.strictObject({
    trustPlugins: z.boolean().default(false).describe(
      "run plugins in-process with the CLI's permissions instead of sandboxed (like --trust-plugins)",
    ),
    callTimeoutMs: z.int().min(1).max(86_400_000).default(10_000).describe(
      "time limit of one call of a plugin (decide, observe, update, ...), in milliseconds",
    ),
    loadTimeoutMs: z.int().min(1).max(86_400_000).default(60_000).describe(
      "time limit of starting a Python policy (its import and create()), in milliseconds",
    ),
  }).prefault({}),
  output: z.strictObject({
    dir: path().optional().describe(
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
