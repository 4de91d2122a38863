/**
 * Data-parallel training updates on two cores. The wasm backend runs one
 * thread (its multi-threaded build needs classic workers, which Deno does
 * not have), so a second tfjs instance lives in a module Worker holding a
 * replica of the learner (online and target networks, Adam moments).
 *
 * Each update splits the mini-batch in two halves. Both threads compute the
 * gradients of their half (of the loss summed over the half and divided by
 * the whole batch's size, so the halves add up), exchange them through a
 * SharedArrayBuffer, add them in the same order (main's + worker's), and
 * apply the same clip, Adam step and soft updates, so the replicas stay
 * bit-identical without copying weights. The main thread blocks on `Atomics.wait` (allowed in Deno), which
 * keeps `update()` synchronous as the policy contract requires. The replica
 * is re-synchronised (weights, targets, moments, step) before the first
 * update and after every `markDirty()` (e.g. a checkpoint load).
 *
 * Results are deterministic for a given thread count; they differ from the
 * single-thread update in the last bits (another summation order).
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";
import type { Batch, ReplayBuffer } from "./replay.ts";
import { tf } from "./tensor/backend.ts";

/** What the split needs of a learner (`QmixLearner` in `qmix.ts`). */
export interface SplitLearner {
  /** The learner's options and shapes: posted to the worker, which builds its replica from them. */
  readonly opts: object;
  readonly shape: { agents: number; stateDim: number; nodes: number };
  readonly optimizer: { steps: number };
  updates: number;
  trainable(): tf.Variable[];
  stateVariables(): tf.Variable[];
  /** Loss and gradients of `b`, with noise drawn from `rng`, over a batch of `totalBatch`. */
  gradients(b: Batch, rng: Rng, totalBatch: number): { loss: number; grads: tf.Tensor[] };
  /** Clip, Adam and the soft updates on `grads` plus `extra`. */
  step(grads: tf.Tensor[], extra?: tf.Tensor[]): void;
}

/** Control words of the shared block. */
export const C = {
  /** Request sequence number (main -> worker). */
  REQ: 0,
  /** Worker finished computing its gradients for request REQ. */
  DONE: 1,
  /** Main's gradients for request REQ are in place. */
  MAIN_GRADS: 2,
  /** Worker has read main's gradients (and applied the update). */
  APPLIED: 3,
  OP: 4,
  READY: 5,
  ERROR: 6,
  HALF: 7,
  /** Four words of the worker's noise Rng state. */
  SEED: 8,
  ADAM_STEP: 12,
  UPDATES: 13,
  /** Transitions in the main thread's half. */
  MAIN_HALF: 14,
  WORDS: 16,
} as const;

/** Operations the worker performs. */
export const OP = { UPDATE: 1, SYNC: 2, EXIT: 3 } as const;

/** Sizes that fix the shared layout. */
export interface SharedLayout {
  /** Scalars per trainable set (online agent + mixer). */
  params: number;
  /** Scalars of every state variable (`Learner.stateVariables()`). */
  state: number;
  /** Max transitions of the worker's half batch. */
  half: number;
  agents: number;
  stateDim: number;
  nodes: number;
}

/** Views over the shared buffer, identical on both sides. */
export function views(sab: SharedArrayBuffer, L: SharedLayout) {
  const rows = L.half * L.agents;
  const sizes = {
    state: rows * L.stateDim,
    nextState: rows * L.stateDim,
    feasible: rows * L.nodes,
    nextFeasible: rows * L.nodes,
    types: rows,
    actions: rows,
    reward: L.half,
    notDone: L.half,
    gradsMain: L.params,
    gradsWorker: L.params,
    losses: 2,
    sync: L.state,
  };
  let off = C.WORDS * 4;
  const f32: Record<string, Float32Array> = {};
  for (const [k, n] of Object.entries(sizes)) {
    f32[k] = new Float32Array(sab, off, n);
    off += n * 4;
  }
  return { ctrl: new Int32Array(sab, 0, C.WORDS), f32, bytes: off };
}

/** Copies variables into `dst` in order. */
export function readVars(vars: tf.Variable[], dst: Float32Array): void {
  let off = 0;
  for (const v of vars) {
    dst.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
}

/** Assigns variables from `src` in order. */
export function writeVars(vars: tf.Variable[], src: Float32Array): void {
  let off = 0;
  tf.tidy(() => {
    for (const v of vars) {
      v.assign(tf.tensor(src.slice(off, off + v.size), v.shape));
      off += v.size;
    }
  });
}

/** Tensors shaped like `vars` from the flat `src` (caller disposes). */
export function tensorsLike(vars: tf.Variable[], src: Float32Array): tf.Tensor[] {
  let off = 0;
  return vars.map((v) => {
    const t = tf.tensor(src.slice(off, off + v.size), v.shape);
    off += v.size;
    return t;
  });
}

/** The worker's half of a batch, as views of `b` (transitions `from`..`to`). */
export function sliceBatch(b: Batch, from: number, to: number): Batch {
  const per = (a: Float32Array | Uint8Array | Int32Array) => a.length / b.size;
  const cut = <T extends Float32Array | Uint8Array | Int32Array>(a: T): T =>
    a.subarray(from * per(a), to * per(a)) as T;
  return {
    size: to - from,
    state: cut(b.state),
    nextState: cut(b.nextState),
    feasible: cut(b.feasible),
    nextFeasible: cut(b.nextFeasible),
    types: cut(b.types),
    actions: cut(b.actions),
    reward: cut(b.reward),
    notDone: cut(b.notDone),
  };
}

function waitFor(ctrl: Int32Array, index: number, value: number, worker: () => string | undefined) {
  while (Atomics.load(ctrl, index) !== value) {
    Atomics.wait(ctrl, index, Atomics.load(ctrl, index), 50);
    if (Atomics.load(ctrl, C.ERROR) !== 0) {
      throw new Error(
        `Cannot finish the parallel update as the worker failed: ${worker() ?? "unknown error"}`,
      );
    }
  }
}

/** Main-thread side: owns the worker and the shared buffer. */
export class TwoThreadUpdate {
  readonly #worker: Worker;
  readonly #ctrl: Int32Array;
  readonly #f32: Record<string, Float32Array>;
  readonly #layout: SharedLayout;
  #seq = 0;
  #dirty = true;
  #error: string | undefined;

  constructor(learner: SplitLearner, initSeed: number, batch: number) {
    const { opts, shape } = learner;
    const trainable = learner.trainable();
    this.#layout = {
      params: trainable.reduce((n, v) => n + v.size, 0),
      state: learner.stateVariables().reduce((n, v) => n + v.size, 0),
      half: Math.floor(batch / 2),
      agents: shape.agents,
      stateDim: shape.stateDim,
      nodes: shape.nodes,
    };
    const sab = new SharedArrayBuffer(this.#bytes());
    const v = views(sab, this.#layout);
    this.#ctrl = v.ctrl;
    this.#f32 = v.f32;
    this.#worker = new Worker(new URL("./grad_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (e: MessageEvent) => (this.#error = String(e.data?.error ?? e.data));
    this.#worker.onerror = (e: ErrorEvent) => {
      this.#error = e.message;
      Atomics.store(this.#ctrl, C.ERROR, 1);
      e.preventDefault();
    };
    this.#worker.postMessage({ sab, layout: this.#layout, opts, shape, initSeed });
  }

  #bytes(): number {
    const L = this.#layout;
    const rows = L.half * L.agents;
    const floats = rows * (2 * L.stateDim + 2 * L.nodes + 2) + 2 * L.half + 2 * L.params + 2 +
      L.state;
    return C.WORDS * 4 + floats * 4;
  }

  /** Call after changing the main learner's state other than by `update`. */
  markDirty(): void {
    this.#dirty = true;
  }

  #request(op: number): number {
    const seq = ++this.#seq;
    Atomics.store(this.#ctrl, C.OP, op);
    Atomics.store(this.#ctrl, C.REQ, seq);
    Atomics.notify(this.#ctrl, C.REQ);
    return seq;
  }

  #sync(learner: SplitLearner): void {
    waitFor(this.#ctrl, C.READY, 1, () => this.#error);
    readVars(learner.stateVariables(), this.#f32.sync);
    Atomics.store(this.#ctrl, C.ADAM_STEP, learner.optimizer.steps);
    Atomics.store(this.#ctrl, C.UPDATES, learner.updates);
    const seq = this.#request(OP.SYNC);
    waitFor(this.#ctrl, C.DONE, seq, () => this.#error);
    this.#dirty = false;
  }

  /** One update of `batch` transitions of `buffer`, half on each thread; returns the loss. */
  update(learner: SplitLearner, buffer: ReplayBuffer, batch: number, rng: Rng): number {
    if (this.#dirty) this.#sync(learner);
    const b = buffer.sample(batch, rng);
    const n1 = batch - Math.floor(batch / 2);
    const n2 = batch - n1;
    const mine = sliceBatch(b, 0, n1);
    const theirs = sliceBatch(b, n1, batch);
    const myNoise = new Rng([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()]);
    const seedWords = [rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()];
    const f = this.#f32;
    for (const k of ["state", "nextState", "reward", "notDone"] as const) f[k].set(theirs[k]);
    for (const k of ["feasible", "nextFeasible", "types", "actions"] as const) f[k].set(theirs[k]);
    Atomics.store(this.#ctrl, C.HALF, n2);
    Atomics.store(this.#ctrl, C.MAIN_HALF, n1);
    seedWords.forEach((w, k) => Atomics.store(this.#ctrl, C.SEED + k, w | 0));
    const seq = this.#request(OP.UPDATE);
    const { loss, grads } = learner.gradients(mine, myNoise, batch);
    readVarsFromTensors(grads, f.gradsMain);
    f.losses[0] = loss;
    Atomics.store(this.#ctrl, C.MAIN_GRADS, seq);
    Atomics.notify(this.#ctrl, C.MAIN_GRADS);
    waitFor(this.#ctrl, C.DONE, seq, () => this.#error);
    const other = tensorsLike(learner.trainable(), f.gradsWorker);
    learner.step(grads, other);
    const lossAll = loss + f.losses[1];
    tf.dispose([grads, other]);
    waitFor(this.#ctrl, C.APPLIED, seq, () => this.#error);
    return lossAll;
  }

  dispose(): void {
    try {
      this.#request(OP.EXIT);
    } finally {
      this.#worker.terminate();
    }
  }
}

/** Copies tensors' values into `dst` in order. */
export function readVarsFromTensors(ts: tf.Tensor[], dst: Float32Array): void {
  let off = 0;
  for (const t of ts) {
    dst.set(t.dataSync() as Float32Array, off);
    off += t.size;
  }
}
