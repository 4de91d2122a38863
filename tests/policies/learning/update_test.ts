import assert from "node:assert/strict";
import { Rng } from "../../../engine/rng.ts";
import { initBackend, tf } from "../../../policies/learning/tensor/backend.ts";
import { dense } from "../../../policies/learning/tensor/dense.ts";
import { mad2rlDefaults, QmixLearner } from "../../../policies/learning/qmix.ts";
import { sliceBatch, TwoThreadUpdate } from "../../../policies/learning/parallel.ts";
import { ReplayBuffer } from "../../../policies/learning/replay.ts";

await initBackend();

const rand = (rng: Rng, shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
    shape,
  );

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** [rows, in, out]: SIMD tails only; full 6 x 8 tiles with row and column remainders. */
const DENSE_SHAPES = [[5, 4, 3], [13, 23, 132], [7, 256, 64]];

for (const relu of [true, false]) {
  for (const rowBias of [false, true]) {
    Deno.test(`dense (relu ${relu}, per-row bias ${rowBias}): value and gradients match tf's own ops`, () => {
      for (const [n, k, m] of DENSE_SHAPES) {
        const rng = Rng.stream(1, "dense");
        const x = rand(rng, [n, k]);
        const w = rand(rng, [k, m]);
        const b = rowBias ? rand(rng, [n, m]) : rand(rng, [m]);
        const up = rand(rng, [n, m]);
        const ours = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(dense(x, w, b, relu), up));
        const ref = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
          const z = tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
          return tf.sum(tf.mul(relu ? tf.relu(z) : z, up));
        };
        const g1 = tf.grads(ours)([x, w, b]);
        const g2 = tf.grads(ref)([x, w, b]);
        const scale = Math.sqrt(k) * Math.sqrt(n);
        assert.ok(maxAbsDiff(ours(x, w, b), ref(x, w, b)) < 1e-4 * scale * m);
        for (let q = 0; q < 3; q++) {
          assert.deepEqual(g1[q].shape, g2[q].shape);
          assert.ok(maxAbsDiff(g1[q], g2[q]) < 1e-4 * scale, `gradient ${q} at ${n}x${k}x${m}`);
        }
        tf.dispose([x, w, b, up, ...g1, ...g2]);
      }
    });
  }
}

const AGENTS = 3;
const NODES = 3;
const STATE = 2 * NODES + 1;
const ACTIONS = [4 * NODES, 6 * NODES];

/** A small learner: 3 agents, 3 nodes, two DNN types. */
function smallLearner(agent: "mlp" | "diffusion"): QmixLearner {
  const opts = {
    ...mad2rlDefaults,
    hidden: [32, 32],
    steps: 3,
    embedDim: 4,
    mixEmbed: 8,
    hyperHidden: 16,
    lr: 1e-3,
    tau: 0.01,
  };
  const shape = { agent, agents: AGENTS, nodes: NODES, stateDim: STATE, actionCounts: ACTIONS };
  return new QmixLearner(opts, shape, 3);
}

function buffer(n: number): ReplayBuffer {
  const rng = Rng.stream(2, "buffer");
  const buf = new ReplayBuffer(n, { agents: AGENTS, nodes: NODES, stateDim: STATE });
  const types = Int32Array.from({ length: AGENTS }, (_, i) => i % 2);
  for (let k = 0; k < n; k++) {
    const feasible = Uint8Array.from(
      { length: AGENTS * NODES },
      (_, j) => (j % NODES === 0 || rng.next() < 0.5 ? 1 : 0),
    );
    buf.push({
      state: Float32Array.from({ length: AGENTS * STATE }, () => rng.normal()),
      feasible,
      types,
      actions: Int32Array.from(types, (t) => NODES * rng.int(ACTIONS[t] / NODES)),
      reward: rng.uniform(-2, 0),
      nextState: Float32Array.from({ length: AGENTS * STATE }, () => rng.normal()),
      nextFeasible: feasible,
      terminal: k % 6 === 5,
    });
  }
  return buf;
}

for (const agent of ["mlp", "diffusion"] as const) {
  Deno.test(`learner (${agent}): the TD loss falls on a fixed batch`, () => {
    const learner = smallLearner(agent);
    const buf = buffer(16);
    const fixed = Rng.stream(4, "fixed").state;
    const losses: number[] = [];
    for (let k = 0; k < 40; k++) losses.push(learner.update(buf, 16, Rng.fromState(fixed)));
    learner.dispose();
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[39] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[39]}`);
  });

  Deno.test(`learner (${agent}): an update leaves the tensor count unchanged`, () => {
    const learner = smallLearner(agent);
    const buf = buffer(16);
    const rng = Rng.stream(5, "u");
    learner.update(buf, 8, rng);
    const before = tf.memory().numTensors;
    learner.update(buf, 8, rng);
    learner.update(buf, 8, rng);
    assert.equal(tf.memory().numTensors, before);
    learner.dispose();
  });

  Deno.test(`learner (${agent}): targets follow eqs. (62)-(63) after an update`, () => {
    const learner = smallLearner(agent);
    const buf = buffer(16);
    const name = "w2";
    const before = learner.targetAgent.params.get(name).dataSync().slice();
    assert.deepEqual(before, learner.agent.params.get(name).dataSync(), "targets start as copies");
    const mixBefore = learner.targetMixer.params.get("h1w").dataSync().slice();
    learner.update(buf, 8, Rng.stream(6, "u"));
    const online = learner.agent.params.get(name).dataSync();
    const target = learner.targetAgent.params.get(name).dataSync();
    const onlineMix = learner.mixer.params.get("h1w").dataSync();
    const targetMix = learner.targetMixer.params.get("h1w").dataSync();
    const tau = 0.01;
    let moved = 0;
    for (let k = 0; k < online.length; k++) {
      assert.ok(Math.abs(target[k] - (tau * online[k] + (1 - tau) * before[k])) < 1e-6);
      if (online[k] !== before[k]) moved++;
    }
    for (let k = 0; k < onlineMix.length; k++) {
      assert.ok(Math.abs(targetMix[k] - (tau * onlineMix[k] + (1 - tau) * mixBefore[k])) < 1e-6);
    }
    assert.ok(moved > 0, "Adam moved the online weights");
    learner.dispose();
  });
}

Deno.test("learner: masked actions get -1e9 logits, so no argmax or target max can pick them", () => {
  const learner = smallLearner("diffusion");
  const types = new Int32Array([0, 1, 0]);
  const feasible = new Uint8Array([1, 0, 1, 1, 1, 0, 1, 0, 0]);
  const mask = learner.masks(feasible, types, AGENTS);
  const A = learner.maxActions;
  const state = Float32Array.from({ length: AGENTS * STATE }, (_, k) => k / 10);
  const logits = learner.act(
    learner.inputs(state, types, AGENTS),
    mask,
    AGENTS,
    Rng.stream(1, "a"),
  );
  for (let i = 0; i < AGENTS; i++) {
    for (let a = 0; a < A; a++) {
      const ok = a < ACTIONS[types[i]] && feasible[i * NODES + (a % NODES)] === 1;
      assert.equal(mask[i * A + a], ok ? 1 : 0);
      assert.equal(logits[i * A + a] < -1e8, !ok, `agent ${i} action ${a}`);
    }
  }
  learner.dispose();
});

Deno.test("replay buffer: bytes round trip, ring overwrite", () => {
  const buf = buffer(10);
  const copy = ReplayBuffer.fromBytes(buf.toBytes());
  assert.equal(copy.size, 10);
  for (let k = 0; k < 10; k++) assert.deepEqual(copy.get(k), buf.get(k));
  const small = new ReplayBuffer(4, buf.dims);
  for (let k = 0; k < 6; k++) small.push(buf.get(k));
  assert.equal(small.size, 4);
  assert.deepEqual(small.get(0), buf.get(4));
  assert.deepEqual(small.get(1), buf.get(5));
  assert.deepEqual(small.get(2), buf.get(2));
});

Deno.test("two-thread update: equals the same two half-batch gradients combined on one thread", () => {
  const buf = buffer(32);
  const par = smallLearner("diffusion");
  par.parallel = new TwoThreadUpdate(par, 3, 9);
  const ref = smallLearner("diffusion");
  const rngPar = Rng.stream(8, "p");
  const rngRef = Rng.stream(8, "p");
  try {
    for (let k = 0; k < 3; k++) {
      const lossPar = par.update(buf, 9, rngPar);
      // What TwoThreadUpdate does, written out on one thread.
      const b = buf.sample(9, rngRef);
      const words = () => [rngRef.nextU32(), rngRef.nextU32(), rngRef.nextU32(), rngRef.nextU32()];
      const mine = new Rng(words() as [number, number, number, number]);
      const theirs = new Rng(words() as [number, number, number, number]);
      const halves = [[sliceBatch(b, 0, 5), mine], [sliceBatch(b, 5, 9), theirs]] as const;
      const parts = halves.map(([h, r]) => ref.gradients(h, r, 9));
      ref.step(parts[0].grads, parts[1].grads);
      tf.dispose([parts[0].grads, parts[1].grads]);
      assert.equal(lossPar, parts[0].loss + parts[1].loss);
    }
    const vars = ref.stateVariables();
    par.stateVariables().forEach((v, k) =>
      assert.deepEqual(v.dataSync(), vars[k].dataSync(), v.name)
    );
  } finally {
    par.dispose();
    ref.dispose();
  }
});

for (const kind of ["diffusion", "mlp"] as const) {
  Deno.test(`frozen-agent gradients (${kind}): the full pass's loss and mixer bits, zero agent, no leak`, () => {
    const buf = buffer(32);
    const learner = smallLearner(kind);
    try {
      const b = buf.sample(9, Rng.stream(3, "b"));
      const full = learner.gradients(b, Rng.stream(3, "g"));
      const before = tf.memory().numTensors;
      const frozen = learner.gradients(b, Rng.stream(3, "g"), b.size, true);
      assert.equal(frozen.loss, full.loss);
      assert.deepEqual(frozen.grads[1].dataSync(), full.grads[1].dataSync());
      assert.deepEqual(frozen.grads[0].shape, full.grads[0].shape);
      assert.ok(frozen.grads[0].dataSync().every((g) => g === 0));
      assert.ok(full.grads[0].dataSync().some((g) => g !== 0), "the full pass trains the agent");
      tf.dispose(frozen.grads);
      assert.equal(tf.memory().numTensors, before, "tensors left behind");
      tf.dispose(full.grads);
    } finally {
      learner.dispose();
    }
  });
}

Deno.test("backend: wasm unless VECSCENE_TF_BACKEND=cpu, with a Slice that matches plain indexing", async () => {
  const name = await initBackend();
  assert.equal(name, Deno.env.get("VECSCENE_TF_BACKEND") === "cpu" ? "cpu" : "wasm");
  assert.equal(tf.getBackend(), name);
  const values = Float32Array.from({ length: 60 }, (_, k) => k * 0.5 - 3);
  const m = tf.tensor2d(values, [6, 10]);
  const flat = tf.tensor1d(values);
  const rows = tf.slice(m, [2, 0], [3, 10]); // contiguous
  const block = tf.slice(m, [1, 3], [4, 5]); // strided
  const piece = tf.slice(flat, 17, 9);
  assert.deepEqual(rows.dataSync(), values.slice(20, 50));
  assert.deepEqual(
    Array.from(block.dataSync()),
    [1, 2, 3, 4].flatMap((r) => Array.from(values.slice(r * 10 + 3, r * 10 + 8))),
  );
  assert.deepEqual(piece.dataSync(), values.slice(17, 26));
  tf.dispose([m, flat, rows, block, piece]);
});
