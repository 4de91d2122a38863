/**
 * Real mobility from SUMO: read a network (`.net.xml`) and an FCD trace
 * (`sumo --fcd-output`), or build both with SUMO from an OpenStreetMap
 * extract or a network plus routes/flows, and drive the client and service
 * vehicles along windows of the trace.
 *
 * @example Drive the New York scenario's vehicles for one episode
 * ```ts
 * import { createSumoMobility, SumoMobilitySchema } from "./mod.ts";
 * import { Rng } from "../../rng.ts";
 *
 * const config = SumoMobilitySchema.parse({
 *   kind: "sumo",
 *   net: "nyc/fdr.net.xml",
 *   trace: "nyc/fdr.fcd.xml",
 *   rsu: { edge: "32939514#0", positionM: 5 },
 *   road: {
 *     edges: ["960097006", "32939512#0", "32939512#1-AddedOnRampEdge", "32939512#1", "32939513"],
 *   },
 * });
 * const source = await createSumoMobility(config, {
 *   baseDir: "scenarios", // run from the repository root
 *   cvCount: 7, svCount: 5, slots: 30, tauS: 1, episodes: 10, rsus: { kind: "one", coverageM: 1000 }, seed: 1,
 * });
 * const episode = source.episode(0, Rng.stream(1, "mobility", 0));
 * const out = {
 *   cvX: new Float64Array(7), cvY: new Float64Array(7), cvRoadM: new Float64Array(7),
 *   svX: new Float64Array(5), svY: new Float64Array(5), svRoadM: new Float64Array(5),
 *   cvSpeedMps: new Float64Array(7), svSpeedMps: new Float64Array(5),
 *   cvActive: new Uint8Array(7), svActive: new Uint8Array(5),
 * };
 * episode.positions(0, out);
 * if (!out.cvActive.every((a) => a === 1)) throw new Error("all clients start in coverage");
 * console.log(episode.vehicleIds, out.cvSpeedMps); // trace ids and speeds (m/s)
 * ```
 *
 * @module
 */
export {
  createSumoMobility,
  createSumoMobilitySync,
  type SumoContext,
  type SumoMobilitySource,
} from "./factory.ts";
export {
  type SumoBuild,
  SumoBuildSchema,
  type SumoMobility,
  type SumoMobilityInput,
  SumoMobilitySchema,
  sumoRoleIssues,
} from "./schema.ts";
export { TraceError } from "./trace_error.ts";
export { RsuPlacementError, type RsuRequest, type RsuSpot, type SumoRsuEntry } from "./rsus.ts";
export { parseFcd, readFcd, readFcdSync } from "./fcd.ts";
export type { Trace } from "./trace.ts";
export { findSumo, INSTALL_HINT } from "./build.ts";
