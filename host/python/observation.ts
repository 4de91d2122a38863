/**
 * An observation as a Python policy receives it: the observation block of
 * `protocol.ts`, written into a byte area with the engine's one agent
 * encoding (`engine/sim/encoding.ts`: local states, action masks), and the
 * OBSERVE request's head.
 *
 * @module
 */
import { expandNodeMask, writeLocalState } from "../../engine/sim/encoding.ts";
import type { Observation, StepResult } from "../../engine/sim/policy.ts";
import { obsBytes, observeHeadBytes, type ObsShape } from "./protocol.ts";

/** Writes observation blocks at one place of a buffer. */
export class ObservationWriter {
  readonly #s: ObsShape;
  readonly #head: Int32Array;
  readonly #local: Float64Array;
  readonly #dnn: Int32Array;
  readonly #active: Uint8Array;
  readonly #actionMask: Uint8Array;
  readonly #nodeMask: Uint8Array;
  readonly #row: Uint8Array;
  /** Bytes of the block. */
  readonly bytes: number;

  /** A writer at byte `offset` (a multiple of 8) of `buffer`. */
  constructor(shape: ObsShape, buffer: ArrayBufferLike, offset: number) {
    if (offset % 8 !== 0) {
      throw new RangeError(
        `Cannot place an observation block as its offset is not a multiple of 8: current value is ${offset}`,
      );
    }
    const { cvs: I, nodes: J, stateDim: D, actions: n } = shape;
    this.#s = shape;
    this.bytes = obsBytes(shape);
    let o = offset;
    this.#head = new Int32Array(buffer, o, 2);
    o += 8;
    this.#local = new Float64Array(buffer, o, I * D);
    o += 8 * I * D;
    this.#dnn = new Int32Array(buffer, o, I);
    o += 4 * I;
    this.#active = new Uint8Array(buffer, o, I);
    o += I;
    this.#actionMask = new Uint8Array(buffer, o, I * n);
    o += I * n;
    this.#nodeMask = new Uint8Array(buffer, o, I * J);
    this.#row = new Uint8Array(J);
  }

  /** Writes `obs` (its episode and slot, the CVs' states and masks). */
  write(obs: Observation): void {
    const { cvs: I, nodes: J, stateDim: D, actions: n } = this.#s;
    const s = obs.state;
    this.#head[0] = obs.episode;
    this.#head[1] = obs.slot;
    for (let i = 0; i < I; i++) {
      writeLocalState(s, i, this.#local, i * D);
      this.#dnn[i] = s.cvType[i];
      this.#active[i] = s.cvActive[i] ? 1 : 0;
      const row = obs.nodeMask(i, this.#row);
      this.#nodeMask.set(row, i * J);
      const count = obs.actionCount(i);
      expandNodeMask(row, count, this.#actionMask, i * n);
      this.#actionMask.fill(0, i * n + count, (i + 1) * n);
    }
  }
}

/** Writes OBSERVE's body (head, then the next observation) into a byte area. */
export class StepWriter {
  readonly #head: Float64Array;
  readonly #obs: ObservationWriter;
  /** Bytes of the body. */
  readonly bytes: number;

  /** A writer at byte `offset` (a multiple of 8) of `buffer`. */
  constructor(shape: ObsShape, buffer: ArrayBufferLike, offset: number) {
    const head = observeHeadBytes(shape);
    this.#head = new Float64Array(buffer, offset, head / 8);
    this.#obs = new ObservationWriter(shape, buffer, offset + head);
    this.bytes = head + this.#obs.bytes;
  }

  /** Writes `step`. */
  write(step: StepResult): void {
    const h = this.#head;
    h[0] = step.reward;
    h[1] = step.objective;
    h[2] = step.terminated ? 1 : 0;
    h[3] = step.truncated ? 1 : 0;
    h.set(step.delayS, 4);
    this.#obs.write(step.observation);
  }
}
