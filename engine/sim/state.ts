/**
 * The one layout of a slot state ({@linkcode SlotState}): the engine's own
 * state, the copy its policies see, and a sandboxed plugin's copy are all
 * made here.
 *
 * @module
 */
import type { SlotState } from "../model/slot.ts";

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

  constructor(
    I: number,
    S: number,
    K: number,
    fixed: { rsuX: number; rsuY: number; rsuCpuGflops: number; cvTxPowerW: number },
  ) {
    this.#f64 = new Float64Array(7 * I + 6 * S + K);
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
      rsuX: fixed.rsuX,
      rsuY: fixed.rsuY,
      rsuCpuGflops: fixed.rsuCpuGflops,
      rsuQueueGflop: f64(K),
    };
  }

  /** Overwrites this state with `other`'s values (same shapes). */
  copyFrom(other: StateBlock): void {
    this.#f64.set(other.#f64);
    this.#i32.set(other.#i32);
    this.#u8.set(other.#u8);
    const s = this.state;
    const o = other.state;
    s.episode = o.episode;
    s.slot = o.slot;
    s.rsuX = o.rsuX;
    s.rsuY = o.rsuY;
    s.rsuCpuGflops = o.rsuCpuGflops;
  }
}
