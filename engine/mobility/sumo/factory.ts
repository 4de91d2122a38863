/**
 * Turns a validated `sumo` mobility block into a `MobilitySource`: decides
 * between the shipped trace and a SUMO build, reads the network and the
 * trace, places the RSU and the road axis.
 *
 * @module
 */
import type { MobilitySource } from "../types.ts";
import { FittedAxis, PolylineAxis, type RoadAxis } from "./axis.ts";
import { buildWithSumo, findSumo, INSTALL_HINT } from "./build.ts";
import { readFcd, readFcdSync } from "./fcd.ts";
import { chainPolyline, type Net, readNet, readNetSync } from "./net.ts";
import { placementNeedsNet, placeRsus, type RsuRequest } from "./rsus.ts";
import type { SumoMobility } from "./schema.ts";
import { SumoSource } from "./source.ts";
import type { Trace } from "./trace.ts";
import { TraceError } from "./trace_error.ts";

/** What the scenario tells the factory besides the `mobility` block. */
export interface SumoContext {
  /** Directory of the scenario file: relative paths start there. */
  baseDir: string;
  cvCount: number;
  svCount: number;
  slots: number;
  tauS: number;
  episodes: number;
  /** The RSUs the scenario asks for (`rsu:` with `mobility.rsu`, or `rsus:`). */
  rsus: RsuRequest;
  seed: number;
  /** Receives the lines of what was run or chosen (also kept in `log`). */
  log?: (line: string) => void;
}

/** A SUMO mobility source plus what the factory did. */
export interface SumoMobilitySource extends MobilitySource {
  /** Commands run, cache hits and fallbacks, one per line. */
  readonly log: readonly string[];
  /** The network and trace actually used. */
  readonly files: { net?: string; trace: string };
}

interface Resolved {
  netPath?: string;
  tracePath: string;
  needNet: boolean;
  log: string[];
}

/** Decides which files to read, building them with SUMO where asked (and possible). */
function resolveFiles(config: SumoMobility, ctx: SumoContext): Resolved {
  const log: string[] = [];
  const say = (line: string) => {
    log.push(line);
    ctx.log?.(line);
  };
  const join = (p: string) => (p.startsWith("/") || ctx.baseDir === "" ? p : `${ctx.baseDir}/${p}`);
  let netPath = config.net !== undefined ? join(config.net) : undefined;
  let tracePath = config.trace !== undefined ? join(config.trace) : undefined;
  const build = config.build;
  if (build !== undefined && !(build.prefer === "shipped" && tracePath !== undefined)) {
    const tools = findSumo();
    if (typeof tools !== "string") {
      const built = buildWithSumo(build, { baseDir: ctx.baseDir, netPath }, tools);
      for (const line of built.log) say(line);
      netPath = built.net;
      tracePath = built.trace;
    } else if (tracePath !== undefined) {
      say(
        `sumo: cannot build (${tools}); using the shipped trace ${tracePath}. To rebuild: ${INSTALL_HINT}`,
      );
    } else {
      throw new TraceError(
        join(build.osm ?? build.routes[0]),
        0,
        `building the trace needs SUMO, but ${tools}: ${INSTALL_HINT}, or give a shipped \`trace\``,
      );
    }
  } else if (build !== undefined) {
    say(`sumo: using the shipped trace ${tracePath} (build.prefer: shipped)`);
  }
  const needNet = placementNeedsNet(config, ctx.rsus) || config.road !== "auto";
  if (needNet && netPath === undefined) {
    throw new TraceError(tracePath!, 0, "mobility.rsu.edge and mobility.road.edges need a `net`");
  }
  return { netPath, tracePath: tracePath!, needNet, log };
}

/** Places the RSU and the road axis and builds the source. */
function assemble(
  config: SumoMobility,
  ctx: SumoContext,
  r: Resolved,
  trace: Trace,
  net: Net | undefined,
): SumoMobilitySource {
  const rsus = placeRsus(config, ctx.rsus, net);
  // The road coordinate is 0 at the (first) RSU.
  const [rsuX, rsuY] = [rsus[0].x, rsus[0].y];
  const axis: RoadAxis = config.road === "auto"
    ? new FittedAxis(trace, rsuX, rsuY)
    : new PolylineAxis(chainPolyline(net!, config.road.edges), rsuX, rsuY);
  const source = new SumoSource({
    trace,
    rsuX,
    rsuY,
    rsus,
    trackSlots: rsus.length > 1 ? ctx.slots : 0,
    axis,
    cvCount: ctx.cvCount,
    svCount: ctx.svCount,
    slots: ctx.slots,
    tauS: ctx.tauS,
    roles: config.roles,
    interpolation: config.interpolation,
    episodes: config.episodes,
  });
  return Object.assign(source, { log: r.log, files: { net: r.netPath, trace: r.tracePath } });
}

/** Reads (and, where asked, builds with SUMO) the network and trace of `config`. */
export async function createSumoMobility(
  config: SumoMobility,
  ctx: SumoContext,
): Promise<SumoMobilitySource> {
  const r = resolveFiles(config, ctx);
  const trace = await readFcd(r.tracePath);
  const net = r.needNet ? await readNet(r.netPath!) : undefined;
  return assemble(config, ctx, r, trace, net);
}

/** `createSumoMobility` for synchronous callers (the scenario compiler). */
export function createSumoMobilitySync(config: SumoMobility, ctx: SumoContext): SumoMobilitySource {
  const r = resolveFiles(config, ctx);
  const trace = readFcdSync(r.tracePath);
  const net = r.needNet ? readNetSync(r.netPath!) : undefined;
  return assemble(config, ctx, r, trace, net);
}
