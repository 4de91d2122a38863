/**
 * Decisions without tensors (`AgentNet.inferLogits`, `kernels/heap_run.ts`)
 * give the tensor path's bits: the MLP and the diffusion agent's reverse
 * chain, at a small and at the paper's sizes, fresh and after updates
 * (weights change, the cached step products with them), and `act` equal to
 * the masked logits of the tensor path on the same noise.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../engine/rng.ts";
import { initBackend, tf } from "../../../policies/learning/tensor/backend.ts";
import { maskedLogits } from "../../../policies/learning/networks.ts";
import { mad2rlDefaults, QmixLearner } from "../../../policies/learning/qmix.ts";
import { filledBuffer, paperLearner } from "../../../bench/learning.ts";

await initBackend();

/** The tensor path of `act`: agent logits with the weights bound, then the mask. */
function tensorAct(
  learner: QmixLearner,
  input: Float32Array,
  mask: Float32Array,
  rows: number,
  noise: Float32Array[],
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor2d(input, [rows, learner.inputDim]);
    const p = learner.agent.params;
    p.bind(p.cachedViews());
    try {
      const z = noise.map((v) => tf.tensor2d(v, [rows, learner.maxActions]));
      const logits = learner.agentLogits(learner.agent, x, z);
      return maskedLogits(logits, tf.tensor2d(mask, [rows, learner.maxActions]))
        .dataSync() as Float32Array;
    } finally {
      p.unbind();
    }
  });
}

function small(agent: "mlp" | "diffusion"): QmixLearner {
  const opts = { ...mad2rlDefaults, hidden: [24, 20], steps: 3, embedDim: 4 };
  const shape = { agent, agents: 3, nodes: 2, stateDim: 5, actionCounts: [6, 10] };
  return new QmixLearner(opts, shape, 5);
}

const CASES = [
  ["small mlp", () => small("mlp"), 3],
  ["small diffusion", () => small("diffusion"), 3],
  ["paper mlp", () => paperLearner("mlp", "perslot"), 7],
  ["paper diffusion", () => paperLearner("diffusion", "perslot"), 7],
] as const;

for (const [name, make, rows] of CASES) {
  Deno.test(`inferLogits (${name}): the tensor path's bits, before and after updates`, () => {
    const learner = make();
    const rng = new Rng([9, 8, 7, 6]);
    const buf = filledBuffer(rng, 64);
    try {
      for (let round = 0; round < 3; round++) {
        const input = Float32Array.from({ length: rows * learner.inputDim }, () => rng.normal());
        const mask = Float32Array.from(
          { length: rows * learner.maxActions },
          (_, k) => k % learner.maxActions === 0 || rng.next() < 0.6 ? 1 : 0,
        );
        const state = rng.state;
        const got = learner.act(input, mask, rows, Rng.fromState(state));
        const noise = learner.noiseValues(rows, Rng.fromState(state));
        // The path under test runs (on the wasm backend: the tests' default).
        assert.ok(learner.agent.inferLogits(input, rows, noise), "inferLogits ran");
        const want = tensorAct(learner, input, mask, rows, noise);
        assert.equal(got.length, want.length);
        let differ = 0;
        for (let k = 0; k < got.length; k++) if (!Object.is(got[k], want[k])) differ++;
        assert.equal(differ, 0, `round ${round}: ${differ} of ${got.length} logits differ`);
        // New weights: the next round must not reuse the old step products.
        if (learner.shape.agents === 7) learner.update(buf, 8, rng);
        else learner.agent.params.flat.assign(tf.mul(learner.agent.params.flat, 1.5));
      }
    } finally {
      learner.dispose();
    }
  });
}
