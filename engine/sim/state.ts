/**
 * The one layout of a slot state ({@linkcode SlotState}): the engine's own
 * state, the copy its policies see, and a sandboxed plugin's copy are all
 * made here.
 *
 * @module
 */
import type { SlotState } from "../model/slot.ts";
import type { ScenarioInfo } from "../world.ts";

/** The sizes of a slot state. */
export interface StateShape {
  /** Client vehicles I, service vehicles S, DNN types K, RSUs R. */
  cvs: number;
  svs: number;
  types: number;
  rsus: number;
  /** Slot boundaries of the predicted track (MODEL.md A33); 0 with one RSU. */
  track: number;
}

/** The RSUs of a state: positions, coverage radii (m) and CPUs (GFLOP/s). */
export interface RsuArrays {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  coverageM: ArrayLike<number>;
  cpuGflops: ArrayLike<number>;
}

/**
 * A slot state whose arrays are views of three buffers (float64, int32,
 * uint8), so that the policies' copy is refreshed with three copies per
 * slot, whatever the number of vehicles.
 */
export class StateBlock {
  readonly state: SlotState;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;

  constructor(shape: StateShape, fixed: { rsus: RsuArrays; cvTxPowerW: number }) {
    const { cvs: I, svs: S, types: K, rsus: R, track: N } = shape;
    this.#f64 = new Float64Array(7 * I + 6 * S + R * K + 4 * R + 2 * N * I);
    this.#i32 = new Int32Array(I);
    this.#u8 = new Uint8Array(I + S);
    let off = 0;
    const f64 = (n: number) => this.#f64.subarray(off, off += n);
    this.state = {
      episode: 0,
      slot: 0,
      cvType: this.#i32,
      cvActive: this.#u8.subarray(0, I),
      cvX: f64(I),
      cvY: f64(I),
      cvRoadM: f64(I),
      cvSpeedMps: f64(I),
      cvCpuGflops: f64(I),
      cvTxPowerW: f64(I).fill(fixed.cvTxPowerW),
      cvQueueGflop: f64(I),
      svX: f64(S),
      svY: f64(S),
      svRoadM: f64(S),
      svSpeedMps: f64(S),
      svActive: this.#u8.subarray(I),
      svCpuGflops: f64(S),
      svQueueGflop: f64(S),
      rsuQueueGflop: f64(R * K),
      rsuX: f64(R),
      rsuY: f64(R),
      rsuCoverageM: f64(R),
      rsuCpuGflops: f64(R),
      trackX: f64(N * I),
      trackY: f64(N * I),
    };
    this.state.rsuX.set(fixed.rsus.x);
    this.state.rsuY.set(fixed.rsus.y);
    this.state.rsuCoverageM.set(fixed.rsus.coverageM);
    this.state.rsuCpuGflops.set(fixed.rsus.cpuGflops);
  }

  /** Overwrites this state with `other`'s values (same shapes). */
  copyFrom(other: StateBlock): void {
    this.#f64.set(other.#f64);
    this.#i32.set(other.#i32);
    this.#u8.set(other.#u8);
    this.state.episode = other.state.episode;
    this.state.slot = other.state.slot;
  }
}

/** The shape of a slot state. */
export function shapeOf(s: Readonly<SlotState>): StateShape {
  const I = s.cvType.length;
  const R = s.rsuX.length;
  return {
    cvs: I,
    svs: s.svX.length,
    types: s.rsuQueueGflop.length / R,
    rsus: R,
    track: I === 0 ? 0 : s.trackX.length / I,
  };
}

/** The shape of a scenario's slot states. */
export function stateShape(info: ScenarioInfo): StateShape {
  return {
    cvs: info.cvCount,
    svs: info.svCount,
    types: info.tables.length,
    rsus: info.rsuCount,
    track: info.trackSlots,
  };
}
