/**
 * Graded pre-training (issue 19): on a dataset whose local state is
 * ambiguous (the same state, the expert choosing A in 60 % of the rows and
 * B in 40 %), cloning picks the most frequent action, A; regressing on the
 * graded targets picks the action of least expected cost, B.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { recordExpert } from "../../../app/expert.ts";
import type { ExpertData } from "../../../engine/output/expert.ts";
import { parseScenario } from "../../../engine/scenario/load.ts";
import { argmaxFeasible } from "../../../engine/sim/encoding.ts";
import { encodeExpert } from "../../../policies/learning/pretrain.ts";
import { Rng } from "../../../engine/rng.ts";
import { SMALL_SCENARIO, smallPolicy, smallWorld } from "../../_helpers/learning.ts";

const A = 0; // partition 1 at the RSU
const B = 3; // partition 2 at the RSU (J = 3)

/** The ambiguous dataset: one local state, A in 3 rows of 5, B in the others. */
async function ambiguous(graded: boolean): Promise<ExpertData> {
  const out = await Deno.makeTempDir({ prefix: "vecscene-graded-" });
  const loaded = parseScenario(SMALL_SCENARIO, join(out, "small.yaml"));
  const real = await recordExpert(loaded, { policy: "rsu", episodes: 5, out, graded: true });
  const a = real.arrays;
  const width = real.header.graded!.width;
  a.state.fill(0);
  a.types.fill(0);
  a.feasible.fill(1);
  const cost = a.cost!;
  for (let r = 0; r < a.actions.length; r++) {
    const expertA = r % 5 < 3;
    a.actions[r] = expertA ? A : B;
    // The cost of each action with the others at the expert's decision, less the expert's own.
    cost.fill(5, r * width, (r + 1) * width);
    cost[r * width + A] = expertA ? 0 : 10;
    cost[r * width + B] = expertA ? 1 : 0;
  }
  // Expected costs: A 0.6 x 0 + 0.4 x 10 = 4, B 0.6 x 1 + 0.4 x 0 = 0.6, the rest 5.
  if (graded) return real;
  const { cost: _, ...plain } = a;
  const { graded: __, ...header } = real.header;
  return { header, arrays: plain };
}

for (const id of ["pqmix", "mad2rl"] as const) {
  Deno.test(`graded pre-training (${id}): least expected cost where cloning takes the most frequent`, async () => {
    const world = smallWorld();
    const picks: number[] = [];
    for (const graded of [false, true]) {
      const data = await ambiguous(graded);
      const policy = await smallPolicy(id, world, {
        pretrainSteps: 300,
        pretrainBatch: 32,
        pretrainLr: 3e-3,
        pretrainChain: 200,
        mixerWarmup: 0,
        rewardScale: 0.1,
        qNoise: "zero",
        qHead: "logits",
      });
      try {
        policy.pretrain(data);
        const L = policy.learner;
        // The dataset's first slot as the network sees it (every row has the same state).
        const enc = encodeExpert(L, data, world.info, policy.opts.queueScaleGflop);
        const n = 3;
        const input = enc.inputs.subarray(0, n * L.inputDim);
        const mask = enc.masks.subarray(0, n * L.maxActions);
        const q = L.act(input, mask, n, new Rng([1, 2, 3, 4]));
        picks.push(argmaxFeasible(q, mask, 0, L.maxActions));
      } finally {
        policy.dispose();
      }
    }
    assert.deepEqual(picks, [A, B], "cloning takes A (most frequent), graded takes B (least cost)");
  });
}
