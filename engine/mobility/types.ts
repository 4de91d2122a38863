/**
 * The mobility contract: a source of vehicle positions per slot. The
 * built-in highway (MODEL.md A17) and SUMO traces implement it.
 *
 * @module
 */
import type { Rng } from "../rng.ts";

/** Position arrays the engine owns; a mobility source fills them. */
export interface PositionBuffers {
  cvX: Float64Array;
  cvY: Float64Array;
  /** Scalar road coordinate po of eq. (54) (m). */
  cvRoadM: Float64Array;
  svX: Float64Array;
  svY: Float64Array;
  svRoadM: Float64Array;
  /** Speed of each vehicle at the slot's start (m/s). */
  cvSpeedMps: Float64Array;
  svSpeedMps: Float64Array;
  /**
   * 1 while a vehicle is in the system: present in the trace and inside RSU
   * coverage. An absent CV generates no task; an absent SV cannot be chosen.
   */
  cvActive: Uint8Array;
  svActive: Uint8Array;
}

/** One episode's trajectories. */
export interface EpisodeMobility {
  /**
   * Trace vehicle ids of the chosen vehicles, clients first then services
   * (absent for synthetic mobility such as the highway).
   */
  readonly vehicleIds?: readonly string[];
  /** Start of the episode's window in trace time (s); absent for synthetic mobility. */
  readonly startS?: number;
  /** Fills the positions at the start of 0-based slot `slot` (time slot * tau). */
  positions(slot: number, out: PositionBuffers): void;
  /**
   * The CVs' positions at the starts of slots 0..`slots`-1 (slot n, CV i at
   * n I + i), for the predicted tracks of MODEL.md A33 (several RSUs); a
   * CV the trace has lost keeps its last position.
   */
  track(slots: number, x: Float64Array, y: Float64Array): void;
}

/** A mobility model bound to a scenario. */
export interface MobilitySource {
  /** RSU coordinates (m); with several RSUs, the first's. */
  readonly rsuX: number;
  readonly rsuY: number;
  /** Every RSU where the source placed it, when it places them (SUMO networks). */
  readonly rsus?: readonly { x: number; y: number; coverageM: number; name?: string }[];
  /** Extent of the scalar road coordinate (m), for normalising states. */
  readonly roadFromM: number;
  readonly roadToM: number;
  /** Trajectories of 0-based episode `episode`, drawn from the mobility stream `rng`. */
  episode(episode: number, rng: Rng): EpisodeMobility;
}
