/**
 * The `sumo` mobility kind: vehicles move along an FCD trace written by
 * SUMO (`--fcd-output`), or along one the engine builds with SUMO from an
 * OpenStreetMap extract or a network plus routes/flows. Paths are relative
 * to the scenario file's directory.
 *
 * Numbers have finite ranges as in the scenario schema: network coordinates
 * within 10,000 km, times within 10^7 s (about 116 days), offsets up to
 * 100 km; strings have length limits.
 *
 * @module
 */
import { z } from "zod";
import { pathCheck } from "../../config/path.ts";
import { quote } from "../../errors.ts";

/** A file path: no NUL byte, control character or invalid UTF-8 (`config/path.ts`). */
const path = () => z.string().min(1).max(4096).check(pathCheck());
/** A SUMO id (vehicle, type, edge). */
const id = () => z.string().min(1).max(1000);
/** Network coordinates and road positions (m). */
const coordinate = () => z.number().min(-1e7).max(1e7);
/** Times (s). */
const timeS = () => z.number().min(0).max(1e7);
/** A command-line option passed on to SUMO's tools. */
const arg = () => z.string().max(1000);

/** Which trace vehicles play a role. */
const RoleSchema = z.union([
  z.literal("random").describe("a seeded choice among the eligible vehicles (any type)"),
  z.strictObject({
    ids: z.array(id()).min(1)
      .describe("explicit vehicle ids; as many as the role's count in `vehicles`"),
  }),
  z.strictObject({
    vType: z.union([id(), z.array(id()).min(1)])
      .describe("a seeded choice among the eligible vehicles of these types (FCD `type`)"),
  }),
]);

/** Building the network and trace with SUMO. */
export const SumoBuildSchema = z.strictObject({
  osm: path().optional().describe("OpenStreetMap extract (.osm) to convert with netconvert"),
  routes: z.array(path()).default([])
    .describe("routes/flows files (.rou.xml) for sumo; with `osm`, or with the top-level `net`"),
  randomTrips: z.strictObject({
    vehicles: z.int().min(1).max(1_000_000).describe("trips to write (SUMO drops unroutable ones)"),
    departS: z.tuple([timeS(), timeS()]).describe("departures evenly spread over [lo, hi] (s)"),
    seed: z.int().min(0).max(2 ** 31 - 1).default(1).describe("seed of the trips' edges"),
  }).optional().describe(
    "random trips between edges of the network, routed by sumo (as SUMO's randomTrips.py, without Python)",
  ),
  beginS: timeS().default(0).describe("sumo --begin (s)"),
  endS: z.number().positive().max(1e7).default(900).describe("sumo --end (s)"),
  stepS: z.number().min(1e-3).max(1e7).default(1).describe(
    "sumo --step-length (s): the trace step; SUMO's smallest is 1 ms",
  ),
  recordFromS: timeS().default(0)
    .describe(
      "first time written to the trace (s), after the road has filled (--device.fcd.begin)",
    ),
  seed: z.int().min(0).max(2 ** 31 - 1).default(42).describe("sumo --seed (a 32-bit integer)"),
  precision: z.int().min(0).max(6).default(2).describe("decimals of positions (sumo --precision)"),
  netconvertArgs: z.array(arg()).default(["--geometry.remove", "--ramps.guess"])
    .describe("extra netconvert options"),
  sumoArgs: z.array(arg()).default([]).describe("extra sumo options"),
  prefer: z.enum(["shipped", "sumo"]).default("shipped").describe(
    "shipped: use `trace` when it is given and build only when it is not; sumo: build whenever " +
      "sumo and netconvert are installed, falling back to `trace` when they are not",
  ),
  cacheDir: path().optional()
    .describe(
      "where built networks and traces are cached by content hash (default .vecscene-cache)",
    ),
});

/** Where the RSU stands. */
const RsuSchema = z.union([
  z.strictObject({
    x: coordinate().describe("SUMO network x (m)"),
    y: coordinate().describe("SUMO network y (m)"),
  }),
  z.strictObject({
    edge: id().describe("edge id of the network (`net`)"),
    positionM: z.number().min(0).max(1e7).describe(
      "distance from the edge's start along its lane 0 (m)",
    ),
    offsetM: z.number().min(0).max(1e5).default(10).describe(
      "distance to the right of the road (m)",
    ),
  }),
]);

/** The `sumo` mobility kind. */
export const SumoMobilitySchema = z.strictObject({
  kind: z.literal("sumo"),
  net: path().optional().describe(
    "SUMO network (.net.xml) of `trace`; needed for `rsu.edge` and `road.edges`; a build from " +
      "routes alone routes on it; a build from `build.osm` replaces it with its own",
  ),
  trace: path().optional().describe(
    "FCD trace (sumo --fcd-output, projected x/y, not --fcd-output.geo)",
  ),
  build: SumoBuildSchema.optional(),
  rsu: RsuSchema.optional().describe("where the one RSU stands; with `rsus:`, absent"),
  road: z.union([
    z.literal("auto").describe(
      "projection on the straight line fitted through all trace positions",
    ),
    z.strictObject({
      edges: z.array(id()).min(1).describe("edge chain in driving order: arc length"),
    }),
  ]).default("auto").describe("the scalar road coordinate po of eq. (54), 0 at the RSU (m)"),
  roles: z.strictObject({
    clients: RoleSchema.default("random"),
    services: RoleSchema.default("random"),
    eligible: z.enum(["present", "staying"]).default("present").describe(
      "present: in the trace and in coverage at the window start; staying: for the whole window",
    ),
    startRoadM: z.tuple([coordinate(), coordinate()]).optional().describe(
      "only vehicles whose road coordinate at the window start lies in [lo, hi] (m, 0 at the RSU)",
    ),
  }).prefault({}),
  interpolation: z.enum(["linear", "previous"]).default("linear")
    .describe("positions between trace steps: linear, or the last step's"),
  episodes: z.union([
    z.strictObject({
      starts: z.array(timeS()).min(1)
        .describe("window start times (s, trace time); episode e uses starts[e mod n]"),
    }),
    z.strictObject({
      startS: z.tuple([timeS(), timeS()]).optional()
        .describe("draw window starts among the trace steps in [lo, hi] (s)"),
    }),
  ]).prefault({}).describe("episode windows of slots x tau seconds; default: seeded random starts"),
}).superRefine((m, ctx) => {
  if (m.trace === undefined && m.build === undefined) {
    ctx.addIssue({ code: "custom", message: "give a `trace`, or a `build` to make one with SUMO" });
  }
  if (m.build !== undefined && m.build.osm === undefined && m.net === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["build"],
      message: "a build needs `build.osm` or a top-level `net` to route on",
    });
  }
  if (m.build !== undefined && m.build.routes.length === 0 && m.build.randomTrips === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["build"],
      message: "a build needs `routes` or `randomTrips` to drive on the network",
    });
  }
  if (m.rsu !== undefined && "edge" in m.rsu && m.net === undefined && m.build?.osm === undefined) {
    ctx.addIssue({ code: "custom", path: ["rsu", "edge"], message: "`rsu.edge` needs a `net`" });
  }
  if (m.road !== "auto" && m.net === undefined && m.build?.osm === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["road", "edges"],
      message: "`road.edges` needs a `net`",
    });
  }
  const startRoad = m.roles.startRoadM;
  if (startRoad !== undefined && startRoad[0] > startRoad[1]) {
    ctx.addIssue({
      code: "custom",
      path: ["roles", "startRoadM"],
      message: "the range's lower bound must not exceed its upper bound",
    });
  }
  if ("startS" in m.episodes && m.episodes.startS && m.episodes.startS[0] > m.episodes.startS[1]) {
    ctx.addIssue({
      code: "custom",
      path: ["episodes", "startS"],
      message: "the range's lower bound must not exceed its upper bound",
    });
  }
});

/** The `sumo` mobility as written. */
export type SumoMobilityInput = z.input<typeof SumoMobilitySchema>;
/** The `sumo` mobility with defaults filled in. */
export type SumoMobility = z.output<typeof SumoMobilitySchema>;
/** The `build` block with defaults. */
export type SumoBuild = z.output<typeof SumoBuildSchema>;
/** One role with defaults. */
export type SumoRole = SumoMobility["roles"]["clients"];

/**
 * Cross-field checks against the scenario's vehicle counts, for the scenario
 * schema's `superRefine`: explicit id lists must have as many ids as the role
 * has vehicles, and no id may play both roles.
 */
export function sumoRoleIssues(
  m: SumoMobility,
  cvCount: number,
  svCount: number,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const check = (role: SumoRole, count: number, name: "clients" | "services") => {
    if (typeof role === "object" && "ids" in role && role.ids.length !== count) {
      issues.push({
        path: ["roles", name, "ids"],
        message: `lists ${role.ids.length} ids but vehicles.${name}.count is ${count}`,
      });
    }
  };
  check(m.roles.clients, cvCount, "clients");
  if (svCount > 0) check(m.roles.services, svCount, "services");
  const c = m.roles.clients, s = m.roles.services;
  if (typeof c === "object" && "ids" in c && typeof s === "object" && "ids" in s && svCount > 0) {
    const both = c.ids.filter((id) => s.ids.includes(id));
    if (both.length > 0) {
      issues.push({
        path: ["roles", "services", "ids"],
        message: `vehicle ${quote(both[0])} cannot be both a client and a service vehicle`,
      });
    }
  }
  return issues;
}
