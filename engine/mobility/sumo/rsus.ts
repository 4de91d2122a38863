/**
 * Where the RSUs of a SUMO scenario stand (MODEL.md section 6.3): the one
 * RSU of `mobility.rsu`, or `rsus:` as a list (an edge and a position on it,
 * network coordinates, or a position along `road.edges`) or as a rule
 * (every N metres along `road.edges`; at the N busiest junctions). The
 * checks of A37 that need the network are made here and reported at the
 * scenario's key ({@linkcode RsuPlacementError}).
 *
 * @module
 */
import { containingRsu, spacedPositions } from "../../coverage.ts";
import {
  chainPolyline,
  distanceToNetM,
  type Net,
  pointAlong,
  pointOnEdge,
  polylineLengthM,
} from "./net.ts";
import type { SumoMobility } from "./schema.ts";
import { TraceError } from "./trace_error.ts";

/** One RSU of `rsus:` on a SUMO network. */
export type SumoRsuEntry =
  & { name?: string; coverageM: number }
  & (
    | { edge: string; positionM: number; offsetM: number }
    | { x: number; y: number }
    | { positionM: number; offsetM: number }
  );

/** The RSUs a SUMO scenario asks for. */
export type RsuRequest =
  | { kind: "one"; coverageM: number }
  | { kind: "list"; entries: SumoRsuEntry[] }
  | {
    kind: "every";
    every: number;
    fromM?: number;
    toM?: number;
    count?: number;
    offsetM: number;
    coverageM: number;
  }
  | { kind: "junctions"; count: number; minSpacingM: number; coverageM: number };

/** An RSU where it stands. */
export interface RsuSpot {
  x: number;
  y: number;
  coverageM: number;
  /** Its name in outputs (absent: `rsu1`, `rsu2`, ...; `rsu` for the one RSU). */
  name?: string;
}

/** An RSU that cannot stand where the scenario puts it: a problem at `path` of the scenario. */
export class RsuPlacementError extends Error {
  constructor(readonly path: (string | number)[], message: string) {
    super(message);
    this.name = "RsuPlacementError";
  }
}

/** Whether placing `request` reads the network. */
export function placementNeedsNet(config: SumoMobility, request: RsuRequest): boolean {
  if (request.kind === "one") return config.rsu !== undefined && "edge" in config.rsu;
  return true; // several RSUs: each is checked against the road (A37)
}

/** The RSUs of `request` (the first is the origin of the road coordinate). */
export function placeRsus(
  config: SumoMobility,
  request: RsuRequest,
  net: Net | undefined,
): RsuSpot[] {
  if (request.kind === "one") {
    const rsu = config.rsu;
    if (rsu === undefined) throw new TypeError("mobility.rsu is checked by the scenario checks");
    const [x, y] = "edge" in rsu ? pointOnEdge(net!, rsu.edge, rsu.positionM, rsu.offsetM) : [
      rsu.x,
      rsu.y,
    ];
    return [{ x, y, coverageM: request.coverageM }];
  }
  const spots = request.kind === "list"
    ? request.entries.map((e, i) => listed(config, e, i, net!))
    : request.kind === "every"
    ? alongRoad(config, request, net!)
    : atJunctions(request, net!);
  check(spots, request, net!);
  return spots;
}

/** The polyline of `road.edges`, or a problem at `at` when the road is `auto`. */
function road(config: SumoMobility, net: Net, at: (string | number)[]): number[] {
  if (config.road === "auto") {
    throw new RsuPlacementError(
      at,
      "a position along the road needs `mobility.road.edges` (the road is `auto`)",
    );
  }
  return chainPolyline(net, config.road.edges);
}

function listed(config: SumoMobility, e: SumoRsuEntry, i: number, net: Net): RsuSpot {
  const named = { coverageM: e.coverageM, ...(e.name ? { name: e.name } : {}) };
  if ("x" in e) return { x: e.x, y: e.y, ...named };
  if ("edge" in e) {
    try {
      const [x, y] = pointOnEdge(net, e.edge, e.positionM, e.offsetM, `rsus[${i}]`);
      return { x, y, ...named };
    } catch (err) {
      if (!(err instanceof TraceError)) throw err;
      throw new RsuPlacementError(["rsus", i, "edge"], err.message.replace(/^rsus\[\d+\]\./, ""));
    }
  }
  const at = pointAlong(road(config, net, ["rsus", i, "positionM"]), e.positionM, e.offsetM);
  if (at === undefined) {
    throw new RsuPlacementError(
      ["rsus", i, "positionM"],
      `RSU ${i + 1} stands off the road: ${e.positionM} m is past the end of road.edges`,
    );
  }
  return { x: at[0], y: at[1], ...named };
}

function alongRoad(
  config: SumoMobility,
  rule: Extract<RsuRequest, { kind: "every" }>,
  net: Net,
): RsuSpot[] {
  const line = road(config, net, ["rsus", "every"]);
  const length = polylineLengthM(line);
  const start = rule.fromM ?? rule.every / 2;
  const end = Math.min(rule.toM ?? length, length);
  const { positions, fit, asked: n } = spacedPositions(start, end, rule.every, rule.count);
  if (positions.length === 0) {
    throw new RsuPlacementError(
      ["rsus", rule.count !== undefined ? "count" : "every"],
      `${n === 0 ? "no RSU" : `${n} RSUs`} every ${rule.every} m from ${start} m do not fit ` +
        `before ${end.toFixed(0)} m of road.edges (${fit} fit)`,
    );
  }
  return positions.map((p) => {
    const [x, y] = pointAlong(line, p, rule.offsetM)!;
    return { x, y, coverageM: rule.coverageM };
  });
}

/**
 * The `count` busiest junctions (most incoming lanes; ties by id), none
 * closer than `minSpacingM` to one chosen before it.
 */
function atJunctions(rule: Extract<RsuRequest, { kind: "junctions" }>, net: Net): RsuSpot[] {
  const ranked = [...net.junctions].sort((a, b) =>
    b.incomingLanes - a.incomingLanes || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
  const chosen: RsuSpot[] = [];
  for (const j of ranked) {
    if (chosen.length === rule.count) break;
    if (chosen.some((c) => Math.hypot(c.x - j.x, c.y - j.y) < rule.minSpacingM)) continue;
    chosen.push({ x: j.x, y: j.y, coverageM: rule.coverageM });
  }
  if (chosen.length < rule.count) {
    throw new RsuPlacementError(
      ["rsus", "junctions"],
      `only ${chosen.length} of the network's ${net.junctions.length} junctions are at least ` +
        `${rule.minSpacingM} m apart; ask for fewer RSUs or a smaller minSpacingM`,
    );
  }
  return chosen;
}

/** A37: every RSU reaches the road, and none lies inside another's coverage. */
function check(spots: RsuSpot[], request: RsuRequest, net: Net): void {
  const at = (i: number): (string | number)[] =>
    request.kind === "list"
      ? ["rsus", i]
      : ["rsus", request.kind === "every" ? "every" : "junctions"];
  spots.forEach((s, i) => {
    const d = distanceToNetM(net, s.x, s.y);
    if (d > s.coverageM) {
      throw new RsuPlacementError(
        at(i),
        `RSU ${i + 1} stands off the road: the nearest lane is ${d.toFixed(1)} m away, beyond ` +
          `its coverage (${s.coverageM} m)`,
      );
    }
  });
  spots.forEach((_, i) => {
    const by = containingRsu(spots, i);
    if (by >= 0) {
      throw new RsuPlacementError(
        at(i),
        `RSU ${i + 1}'s coverage lies inside RSU ${by + 1}'s: it covers no vehicle the other ` +
          "does not; move it or remove it",
      );
    }
  });
}
