import assert from "node:assert/strict";
import { Rng } from "../../../engine/rng.ts";
import {
  counterfactualObjectives,
  CounterfactualScratch,
} from "../../../engine/sim/counterfactual.ts";
import { actionCount, nodeOf, partitionOf } from "../../../engine/sim/encoding.ts";
import { Env } from "../../../engine/sim/env.ts";
import { worldOf } from "../../_helpers/mod.ts";

const HIGHWAY = "name: cf\nseed: 5\ntime: { slots: 6 }\n";

/** A random feasible joint decision of the slot (A10). */
function randomDecision(env: Env, rng: Rng) {
  const obs = env.observation;
  const partition = new Int32Array(obs.cvCount);
  const target = new Int32Array(obs.cvCount);
  for (let i = 0; i < obs.cvCount; i++) {
    const mask = obs.actionMask(i);
    const feasible = [...mask.keys()].filter((a) => mask[a]);
    const a = feasible[rng.int(feasible.length)];
    partition[i] = partitionOf(a, obs.nodeCount);
    target[i] = nodeOf(a, obs.nodeCount);
  }
  return { partition, target };
}

for (const waiting of ["masked", "literal"]) {
  Deno.test(`counterfactual objectives equal obs.evaluate of the modified decision (${waiting} waiting)`, () => {
    const world = worldOf(`${HIGHWAY}lyapunov: { waiting: ${waiting} }\n`);
    const env = new Env(world);
    const rng = Rng.stream(1, "test");
    const J = world.info.nodeCount;
    const width = Math.max(...world.info.tables.map((t) => actionCount(t.L, J)));
    const out = new Float64Array(world.info.cvCount * width);
    const scratch = new CounterfactualScratch(world.info.cvCount, J);
    let obs = env.reset({ episode: 2 });
    for (let slot = 0; slot < 6; slot++) {
      const base = randomDecision(env, rng);
      const before = obs.evaluate(base);
      const n = counterfactualObjectives(obs, base, out, width, scratch);
      let feasible = 0;
      for (let i = 0; i < obs.cvCount; i++) {
        const mask = obs.actionMask(i);
        for (let a = 0; a < width; a++) {
          const got = out[i * width + a];
          if (a >= mask.length || !mask[a]) {
            assert.equal(got, Infinity, `cv${i + 1} action ${a} is infeasible`);
            continue;
          }
          feasible++;
          const d = { partition: base.partition.slice(), target: base.target.slice() };
          d.partition[i] = partitionOf(a, J);
          d.target[i] = nodeOf(a, J);
          assert.equal(got, obs.evaluate(d), `cv${i + 1} action ${a}`);
        }
        // The base's own action scores the base's objective.
        const own = (base.partition[i] - 1) * J + base.target[i];
        assert.equal(out[i * width + own], before);
      }
      assert.ok(n <= feasible && n > 0, `${n} evaluations for ${feasible} feasible actions`);
      assert.equal(obs.evaluate(base), before, "the base decision is left as it was");
      obs = env.step(base).observation;
    }
  });
}

Deno.test("counterfactual objectives: a too narrow output is refused", () => {
  const world = worldOf(HIGHWAY);
  const env = new Env(world);
  const obs = env.reset({ episode: 1 });
  const base = randomDecision(env, Rng.stream(2, "test"));
  assert.throws(() => counterfactualObjectives(obs, base, new Float64Array(10), 10), RangeError);
  assert.throws(
    () => counterfactualObjectives(obs, base, new Float64Array(7 * 12), 12),
    /has \d+ actions: current width is 12/,
  );
});
