/**
 * The worker side of {@linkcode TwoThreadUpdate}: a learner replica that
 * computes the gradients of its half batch and applies the same update as
 * the main thread. Blocks on `Atomics.wait` between requests.
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";
import { QmixLearner, type QmixOptions, type QmixShape } from "./qmix.ts";
import type { Batch } from "./replay.ts";
import { initBackend, tf } from "./tensor/backend.ts";
import {
  C,
  OP,
  readVarsFromTensors,
  type SharedLayout,
  tensorsLike,
  views,
  writeVars,
} from "./parallel.ts";

/** The worker global scope (typed here: the project compiles against the window types). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Init>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

interface Init {
  sab: SharedArrayBuffer;
  layout: SharedLayout;
  opts: QmixOptions;
  shape: QmixShape;
  initSeed: number;
}

function halfBatch(f: Record<string, Float32Array>, n: number, L: SharedLayout): Batch {
  const rows = n * L.agents;
  return {
    size: n,
    state: f.state.slice(0, rows * L.stateDim),
    nextState: f.nextState.slice(0, rows * L.stateDim),
    feasible: Uint8Array.from(f.feasible.subarray(0, rows * L.nodes)),
    nextFeasible: Uint8Array.from(f.nextFeasible.subarray(0, rows * L.nodes)),
    types: Int32Array.from(f.types.subarray(0, rows)),
    actions: Int32Array.from(f.actions.subarray(0, rows)),
    reward: f.reward.slice(0, n),
    notDone: f.notDone.slice(0, n),
  };
}

async function serve({ sab, layout, opts, shape, initSeed }: Init): Promise<void> {
  await initBackend();
  const learner = new QmixLearner(opts, shape, initSeed);
  const { ctrl, f32: f } = views(sab, layout);
  Atomics.store(ctrl, C.READY, 1);
  Atomics.notify(ctrl, C.READY);
  let seq = 0;
  for (;;) {
    Atomics.wait(ctrl, C.REQ, seq);
    seq = Atomics.load(ctrl, C.REQ);
    const op = Atomics.load(ctrl, C.OP);
    if (op === OP.EXIT) break;
    if (op === OP.SYNC) {
      writeVars(learner.stateVariables(), f.sync);
      learner.optimizer.steps = Atomics.load(ctrl, C.ADAM_STEP);
      learner.updates = Atomics.load(ctrl, C.UPDATES);
      Atomics.store(ctrl, C.DONE, seq);
      Atomics.notify(ctrl, C.DONE);
      continue;
    }
    const n2 = Atomics.load(ctrl, C.HALF);
    const b = halfBatch(f, n2, layout);
    const words = [0, 1, 2, 3].map((k) => Atomics.load(ctrl, C.SEED + k) >>> 0);
    const rng = new Rng(words as [number, number, number, number]);
    const total = Atomics.load(ctrl, C.MAIN_HALF) + n2;
    const { loss, grads } = learner.gradients(b, rng, total);
    readVarsFromTensors(grads, f.gradsWorker);
    f.losses[1] = loss;
    Atomics.store(ctrl, C.DONE, seq);
    Atomics.notify(ctrl, C.DONE);
    while (Atomics.load(ctrl, C.MAIN_GRADS) !== seq) {
      Atomics.wait(ctrl, C.MAIN_GRADS, Atomics.load(ctrl, C.MAIN_GRADS));
    }
    const first = tensorsLike(learner.trainable(), f.gradsMain);
    learner.step(first, grads);
    tf.dispose([grads, first]);
    Atomics.store(ctrl, C.APPLIED, seq);
    Atomics.notify(ctrl, C.APPLIED);
  }
  learner.dispose();
  scope.close();
}

scope.onmessage = (e: MessageEvent<Init>) => {
  serve(e.data).catch((err) => {
    const { ctrl } = views(e.data.sab, e.data.layout);
    Atomics.store(ctrl, C.ERROR, 1);
    scope.postMessage({ error: (err as Error)?.stack ?? String(err) });
  });
};
