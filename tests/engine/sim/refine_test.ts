/**
 * Decision-time refinement (MODEL.md section 6.1): coordinate descent on
 * (34) over candidate actions, the `local-search` heuristic built on it,
 * and the learners' refined greedy decisions.
 */
import assert from "node:assert/strict";
import { Env } from "../../../engine/sim/env.ts";
import { actionCount, encodeAction } from "../../../engine/sim/encoding.ts";
import type { Observation } from "../../../engine/sim/policy.ts";
import { refineDecision, topFeasible } from "../../../engine/sim/refine.ts";
import { Rng } from "../../../engine/rng.ts";
import { greedy } from "../../../policies/heuristics.ts";
import { localSearch } from "../../../policies/search.ts";
import { worldOf } from "../../_helpers/mod.ts";
import { smallPolicy, smallWorld } from "../../_helpers/learning.ts";

const SCENARIO = "name: refine\nseed: 5\ntime: { slots: 8 }\n" +
  "vehicles: { clients: { count: 5 }, services: { count: 3 } }\n";

/** Every feasible action of every CV, -1 padded to `width`. */
function allActions(obs: Observation, width: number): Int32Array {
  const J = obs.nodeCount;
  const out = new Int32Array(obs.cvCount * width).fill(-1);
  const mask = new Uint8Array(J);
  for (let i = 0; i < obs.cvCount; i++) {
    obs.nodeMask(i, mask);
    let k = 0;
    for (let phi = 1; phi <= obs.table(i).L + 1; phi++) {
      for (let node = 0; node < J; node++) {
        if (mask[node]) out[i * width + k++] = encodeAction(phi, node, J);
      }
    }
  }
  return out;
}

Deno.test("refinement: (34) never rises, and the result is a local optimum of the candidates", () => {
  const world = worldOf(SCENARIO);
  const env = new Env(world);
  const J = world.info.nodeCount;
  const width = Math.max(...world.info.tables.map((t) => actionCount(t.L, J)));
  const rng = Rng.stream(1, "refine-test");
  let obs = env.reset({ episode: 1 });
  for (let slot = 0; slot < 8; slot++) {
    const I = obs.cvCount;
    const d = { partition: new Int32Array(I), target: new Int32Array(I) };
    for (let i = 0; i < I; i++) d.partition[i] = 1 + rng.int(obs.table(i).L + 1);
    const before = obs.evaluate(d);
    const candidates = allActions(obs, width);
    const r = refineDecision(obs, d, candidates, width, 100);
    assert.ok(r.objective <= before, `slot ${slot + 1}: ${r.objective} > ${before}`);
    assert.equal(r.objective, obs.evaluate(d));
    assert.ok(r.evaluations > 1);
    // No single CV's move to any candidate lowers (34) any more.
    for (let i = 0; i < I; i++) {
      const [p0, t0] = [d.partition[i], d.target[i]];
      for (let k = 0; k < width && candidates[i * width + k] >= 0; k++) {
        const a = candidates[i * width + k];
        d.partition[i] = Math.floor(a / J) + 1;
        d.target[i] = a % J;
        assert.ok(obs.evaluate(d) >= r.objective, `cv ${i} action ${a} improves`);
      }
      [d.partition[i], d.target[i]] = [p0, t0];
    }
    obs = env.step(d).observation;
  }
});

Deno.test("refinement: the current action alone as candidate changes nothing, in one evaluation", () => {
  const world = worldOf(SCENARIO);
  const obs = new Env(world).reset({ episode: 2 });
  const I = obs.cvCount;
  const J = obs.nodeCount;
  const d = { partition: new Int32Array(I).fill(1), target: new Int32Array(I) };
  const candidates = Int32Array.from({ length: I }, () => encodeAction(1, 0, J));
  const r = refineDecision(obs, d, candidates, 1, 3);
  assert.deepEqual([r.evaluations, r.moves], [1, 0]);
  assert.deepEqual([...d.partition], new Array(I).fill(1));
});

Deno.test("topFeasible: the k best feasible actions, best first, ties to the smaller, -1 after", () => {
  const values = [0.5, 0.9, 0.9, 0.1, 2.0, 0.7, /* row 1 */ 1, 1, 1, 1, 1, 1];
  const mask = [1, 1, 1, 1, 0, 1, /* row 1 */ 0, 1, 0, 1, 0, 0];
  const out = new Int32Array(8);
  topFeasible(values, mask, 0, 6, 3, out, 4);
  assert.deepEqual([...out.subarray(0, 4)], [1, 2, 5, -1]);
  topFeasible(values, mask, 1, 6, 3, out, 4);
  assert.deepEqual([...out.subarray(4, 8)], [1, 3, -1, -1]);
});

Deno.test("local-search: every slot no worse on (34) than greedy's decision from the same state", async () => {
  const world = worldOf(SCENARIO);
  const ctx = { info: world.info, label: "t" };
  const ls = await localSearch.create({ passes: 3 }, ctx);
  const g = await greedy.create({}, ctx);
  const env = new Env(world);
  let obs = env.reset({ episode: 3 });
  for (let slot = 0; slot < 8; slot++) {
    const base = obs.evaluate(g.decide(obs));
    const d = ls.decide(obs);
    assert.ok(obs.evaluate(d) <= base);
    obs = env.step(d).observation;
  }
});

for (const id of ["pqmix", "mad2rl"] as const) {
  Deno.test(`${id}: the refined greedy decision is no worse on (34) than (56) from the same weights`, async () => {
    const world = smallWorld();
    const plain = await smallPolicy(id, world, { refineTopK: 0, qNoise: "zero" });
    const refined = await smallPolicy(id, world, { refineTopK: 4, qNoise: "zero" });
    // The same (untrained, seeded) weights in both, marked ready to act greedily.
    refined.learner.agent.params.copyFrom(plain.learner.agent.params);
    plain.ready = refined.ready = true;
    const env = new Env(world);
    let obs = env.reset({ episode: 1 });
    const ctx = { episode: 1, training: false };
    plain.reset({ ...ctx, rng: Rng.stream(1, "a") });
    refined.reset({ ...ctx, rng: Rng.stream(1, "a") });
    let lower = 0;
    for (let slot = 0; slot < 6; slot++) {
      const a = plain.decide(obs);
      const b = refined.decide(obs);
      const [va, vb] = [obs.evaluate(a), obs.evaluate(b)];
      assert.ok(vb <= va, `slot ${slot + 1}: refined ${vb} > ${va}`);
      if (vb < va) lower++;
      obs = env.step(a).observation;
    }
    assert.ok(lower > 0, "refinement never improved an untrained network's decision");
    plain.dispose();
    refined.dispose();
  });
}
