import assert from "node:assert/strict";
import { join } from "node:path";
import { recordExpert } from "../../../app/expert.ts";
import { EXPERT_FILE, type ExpertData, readExpert } from "../../../engine/output/expert.ts";
import { parseScenario } from "../../../engine/scenario/load.ts";
import { Rng } from "../../../engine/rng.ts";
import { cloneGradient, encodeExpert } from "../../../policies/learning/pretrain.ts";
import { ReplayBuffer } from "../../../policies/learning/replay.ts";
import { SMALL_SCENARIO, smallPolicy, smallWorld } from "../../_helpers/learning.ts";

/** A tiny expert dataset of `policy` on the small scenario (3 CVs, 2 SVs, 6 slots). */
async function tinyExpert(policy: string, episodes: number): Promise<ExpertData> {
  const out = await Deno.makeTempDir({ prefix: "vecscene-expert-" });
  const loaded = parseScenario(SMALL_SCENARIO, join(out, "small.yaml"));
  await recordExpert(loaded, { policy, episodes, out });
  return await readExpert(join(out, EXPERT_FILE));
}

for (const id of ["pqmix", "mad2rl"] as const) {
  Deno.test(`pretrain (${id}): the cloning loss falls on a fixed batch`, async () => {
    const data = await tinyExpert("genetic", 2);
    const world = smallWorld();
    const policy = await smallPolicy(id, world, { pretrainCe: 1, pretrainSteps: 300 });
    try {
      const L = policy.learner;
      const enc = encodeExpert(L, data, world.info, policy.opts.queueScaleGflop);
      const idx = Int32Array.from({ length: 24 }, (_, k) => k);
      // The same forward-process draws for the before and after losses.
      const lossAt = () => {
        const { loss, grad } = cloneGradient(L, enc, idx, new Rng([1, 2, 3, 4]), 1);
        grad.dispose();
        return loss;
      };
      const before = lossAt();
      policy.pretrain(data);
      const after = lossAt();
      assert.ok(after < 0.7 * before, `loss ${before} -> ${after}`);
    } finally {
      policy.dispose();
    }
  });
}

for (const id of ["pqmix", "mad2rl"] as const) {
  Deno.test(`pretrain (${id}): a clone of a tiny expert makes the expert's decisions`, async () => {
    // `rsu` sends every CV's whole DNN to the RSU: its action depends on the DNN type
    // alone (an input one-hot), so a network that learned at all reproduces it on every
    // state; 0.95 leaves room for nothing but a failure to learn.
    const data = await tinyExpert("rsu", 3);
    const world = smallWorld();
    const policy = await smallPolicy(id, world, {
      pretrainSteps: 400,
      pretrainBatch: 32,
      pretrainLr: 3e-3,
      pretrainCe: 1,
      mixerWarmup: 20,
      qNoise: "zero",
    });
    try {
      const figures = policy.pretrain(data);
      assert.ok(figures.accuracy >= 0.95, `accuracy ${figures.accuracy}`);
      assert.ok(figures.lastLoss < figures.firstLoss);
      // The expert's transitions are in the replay buffer (one per slot).
      assert.equal(policy.buffer.size, 3 * 6);
      assert.ok(Number.isFinite(figures.mixerLoss));
    } finally {
      policy.dispose();
    }
  });
}

Deno.test("pretrain: a dataset of another shape is refused", async () => {
  const data = await tinyExpert("rsu", 1);
  const world = smallWorld(SMALL_SCENARIO.replace("count: 3", "count: 4"));
  const policy = await smallPolicy("pqmix", world);
  try {
    assert.throws(() => policy.pretrain(data), /do not match the scenario's/);
  } finally {
    policy.dispose();
  }
});

Deno.test("per-slot target: with discount 0 the TD target is the reward", async () => {
  const world = smallWorld();
  const policy = await smallPolicy("mad2rl", world, { discount: 0, qNoise: "sample" });
  try {
    const L = policy.learner;
    const buf = new ReplayBuffer(10, { agents: 3, nodes: 3, stateDim: 7 });
    const rng = new Rng([5, 6, 7, 8]);
    for (let t = 0; t < 4; t++) {
      buf.push({
        state: Float32Array.from({ length: 21 }, () => rng.next()),
        feasible: new Uint8Array(9).fill(1),
        types: Int32Array.from([0, 1, 2]),
        actions: Int32Array.from([0, 1, 2]),
        reward: -0.5 * (t + 1),
        nextState: Float32Array.from({ length: 21 }, () => rng.next()),
        nextFeasible: new Uint8Array(9).fill(1),
        terminal: t === 3,
      });
    }
    const b = buf.sample(4, rng);
    const y = L.targets(b, rng);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(b.reward));
    y.dispose();
    // With a discount, the target bootstraps: it differs from the reward where not done.
    const policy2 = await smallPolicy("mad2rl", world, { discount: 0.99, qNoise: "sample" });
    try {
      const y2 = policy2.learner.targets(b, rng);
      const diff = Array.from(y2.dataSync()).map((v, k) => v - b.reward[k]);
      y2.dispose();
      diff.forEach((d, k) => (b.notDone[k] ? assert.notEqual(d, 0) : assert.equal(d, 0)));
    } finally {
      policy2.dispose();
    }
  } finally {
    policy.dispose();
  }
});

Deno.test("diffusion Q estimate: deterministic under the seed, and 'zero' without it", async () => {
  const world = smallWorld();
  const estimate = async (qNoise: string, seed: number) => {
    const policy = await smallPolicy("mad2rl", world, { qNoise, qDraws: 3 });
    try {
      const L = policy.learner;
      const rows = 3;
      const input = Float32Array.from({ length: rows * L.inputDim }, (_, k) => (k % 7) / 7);
      const mask = new Float32Array(rows * L.maxActions).fill(1);
      return Array.from(L.act(input, mask, rows, new Rng([seed, 0, 0, 1])));
    } finally {
      policy.dispose();
    }
  };
  for (const mode of ["sample", "mean", "zero"]) {
    assert.deepEqual(await estimate(mode, 1), await estimate(mode, 1), mode);
  }
  assert.notDeepEqual(await estimate("sample", 1), await estimate("sample", 2));
  assert.notDeepEqual(await estimate("mean", 1), await estimate("mean", 2));
  assert.deepEqual(await estimate("zero", 1), await estimate("zero", 2));
});
