/**
 * A ring replay buffer of joint transitions (S, A, r, S', terminal) with
 * the V2V feasibility of every (agent, node) pair in S and S' (the action
 * mask of agent i is feasibility[a mod J] for a < (L_k + 1) J, MODEL.md A10).
 *
 * @module
 */
import { concatBytes } from "./tensor/bytes.ts";
import type { Rng } from "../../engine/rng.ts";

/** Shapes of one transition. */
export interface ReplayDims {
  agents: number;
  nodes: number;
  /** Local state width 2J + 1. */
  stateDim: number;
}

/** One transition, as plain arrays (copied in on `push`). */
export interface Transition {
  /** Normalised local states, agents x stateDim. */
  state: Float32Array;
  /** Node feasibility, agents x nodes (1 = reachable). */
  feasible: Uint8Array;
  /** DNN type of each agent. */
  types: Int32Array;
  /** Chosen action a of each agent (A10 encoding). */
  actions: Int32Array;
  reward: number;
  nextState: Float32Array;
  nextFeasible: Uint8Array;
  terminal: boolean;
}

/** A sampled mini-batch as plain arrays (rows = size x agents). */
export interface Batch {
  size: number;
  state: Float32Array;
  nextState: Float32Array;
  feasible: Uint8Array;
  nextFeasible: Uint8Array;
  types: Int32Array;
  actions: Int32Array;
  reward: Float32Array;
  /** 0 for a transition out of the last slot (no bootstrap, MODEL.md A16), else 1. */
  notDone: Float32Array;
}

const FIELDS = [
  "state",
  "feasible",
  "types",
  "actions",
  "reward",
  "nextState",
  "nextFeasible",
  "terminal",
] as const;
type Field = typeof FIELDS[number];
type Store = {
  state: Float32Array;
  feasible: Uint8Array;
  types: Int32Array;
  actions: Int32Array;
  reward: Float32Array;
  nextState: Float32Array;
  nextFeasible: Uint8Array;
  terminal: Uint8Array;
};

/** A fixed-capacity FIFO of transitions. */
export class ReplayBuffer {
  readonly capacity: number;
  readonly dims: ReplayDims;
  /** Number of stored transitions. */
  size = 0;
  /** Next write position. */
  head = 0;
  readonly #s: Store;
  readonly #width: Record<Field, number>;

  constructor(capacity: number, dims: ReplayDims) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create a replay buffer as capacity must be a positive integer: current value is ${capacity}`,
      );
    }
    this.capacity = capacity;
    this.dims = dims;
    const { agents: I, nodes: J, stateDim: D } = dims;
    this.#width = {
      state: I * D,
      feasible: I * J,
      types: I,
      actions: I,
      reward: 1,
      nextState: I * D,
      nextFeasible: I * J,
      terminal: 1,
    };
    const w = this.#width;
    this.#s = {
      state: new Float32Array(capacity * w.state),
      feasible: new Uint8Array(capacity * w.feasible),
      types: new Int32Array(capacity * I),
      actions: new Int32Array(capacity * I),
      reward: new Float32Array(capacity),
      nextState: new Float32Array(capacity * w.nextState),
      nextFeasible: new Uint8Array(capacity * w.nextFeasible),
      terminal: new Uint8Array(capacity),
    };
  }

  /** Appends a transition, overwriting the oldest when full. */
  push(t: Transition): void {
    const k = this.head;
    const s = this.#s;
    const w = this.#width;
    s.state.set(t.state, k * w.state);
    s.feasible.set(t.feasible, k * w.feasible);
    s.types.set(t.types, k * w.types);
    s.actions.set(t.actions, k * w.actions);
    s.reward[k] = t.reward;
    s.nextState.set(t.nextState, k * w.nextState);
    s.nextFeasible.set(t.nextFeasible, k * w.nextFeasible);
    s.terminal[k] = t.terminal ? 1 : 0;
    this.head = (k + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Transition `k` (0 <= k < size) as views into the store. */
  get(k: number): Transition {
    const s = this.#s;
    const w = this.#width;
    const view = <T extends Float32Array | Uint8Array | Int32Array>(a: T, width: number): T =>
      a.subarray(k * width, (k + 1) * width) as T;
    return {
      state: view(s.state, w.state),
      feasible: view(s.feasible, w.feasible),
      types: view(s.types, w.types),
      actions: view(s.actions, w.actions),
      reward: s.reward[k],
      nextState: view(s.nextState, w.nextState),
      nextFeasible: view(s.nextFeasible, w.nextFeasible),
      terminal: s.terminal[k] === 1,
    };
  }

  /** `count` indices drawn uniformly with replacement from `rng`. */
  sampleIndices(count: number, rng: Rng): Int32Array {
    if (this.size === 0) throw new RangeError("Cannot sample as the replay buffer is empty");
    const out = new Int32Array(count);
    for (let b = 0; b < count; b++) out[b] = rng.int(this.size);
    return out;
  }

  /** `size` transitions drawn uniformly with replacement from `rng`, copied into a batch. */
  sample(size: number, rng: Rng): Batch {
    const { agents: I, stateDim: D, nodes: J } = this.dims;
    const rows = size * I;
    const idx = this.sampleIndices(size, rng);
    const b: Batch = {
      size,
      state: new Float32Array(rows * D),
      nextState: new Float32Array(rows * D),
      feasible: new Uint8Array(rows * J),
      nextFeasible: new Uint8Array(rows * J),
      types: new Int32Array(rows),
      actions: new Int32Array(rows),
      reward: new Float32Array(size),
      notDone: new Float32Array(size),
    };
    for (let k = 0; k < size; k++) {
      const t = this.get(idx[k]);
      b.state.set(t.state, k * I * D);
      b.nextState.set(t.nextState, k * I * D);
      b.feasible.set(t.feasible, k * I * J);
      b.nextFeasible.set(t.nextFeasible, k * I * J);
      b.types.set(t.types, k * I);
      b.actions.set(t.actions, k * I);
      b.reward[k] = t.reward;
      b.notDone[k] = t.terminal ? 0 : 1;
    }
    return b;
  }

  /** The stored part as bytes: a JSON header line then each field's filled rows. */
  toBytes(): Uint8Array {
    const header = new TextEncoder().encode(
      JSON.stringify({
        format: "vecscene-replay/1",
        capacity: this.capacity,
        dims: this.dims,
        size: this.size,
        head: this.head,
        fields: FIELDS,
      }) + "\n",
    );
    const parts: Uint8Array[] = [header];
    for (const f of FIELDS) {
      const a = this.#s[f];
      const part = a.subarray(0, this.size * this.#width[f]);
      parts.push(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    }
    return concatBytes(parts);
  }

  /** Rebuilds a buffer written by `toBytes`. */
  static fromBytes(bytes: Uint8Array): ReplayBuffer {
    const nl = bytes.indexOf(10);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl)));
    if (header.format !== "vecscene-replay/1") {
      throw new TypeError(
        `Cannot read the replay buffer as its format is unknown: current value is ${header.format}`,
      );
    }
    const buf = new ReplayBuffer(header.capacity, header.dims);
    buf.size = header.size;
    buf.head = header.head;
    let off = nl + 1;
    for (const f of FIELDS) {
      const a = buf.#s[f];
      const n = buf.size * buf.#width[f] * a.BYTES_PER_ELEMENT;
      new Uint8Array(a.buffer, a.byteOffset, n).set(bytes.subarray(off, off + n));
      off += n;
    }
    if (off !== bytes.byteLength) {
      throw new RangeError(
        `Cannot read the replay buffer as its length is wrong: current value is ${bytes.byteLength}, expected ${off}`,
      );
    }
    return buf;
  }
}
