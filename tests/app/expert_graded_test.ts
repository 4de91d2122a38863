/**
 * Graded expert datasets (`expert --graded`, issue 19): every action's cost
 * beside the expert's, recorded slot by slot, and datasets without them
 * unchanged byte for byte.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { recordExpert } from "../../app/expert.ts";
import { decodeExpert, encodeExpert, EXPERT_FILE, readExpert } from "../../engine/output/expert.ts";
import { loadScenario } from "../../engine/scenario/load.ts";
import { counterfactualObjectives } from "../../engine/sim/counterfactual.ts";
import { actionCount, encodeAction } from "../../engine/sim/encoding.ts";
import { Env } from "../../engine/sim/env.ts";
import { compileWorld } from "../../engine/world.ts";
import { greedy } from "../../policies/heuristics.ts";
import { Rng } from "../../engine/rng.ts";
import { smallScenarioFile } from "../_helpers/learning.ts";
import { cli } from "../_helpers/mod.ts";

Deno.test("graded dataset: each row's costs are the counterfactual objectives less the expert's", async () => {
  const file = await smallScenarioFile();
  const loaded = await loadScenario(file);
  const out = join(file, "..", "graded");
  const data = await recordExpert(loaded, { policy: "greedy", episodes: 2, out, graded: true });
  const back = await readExpert(join(out, EXPERT_FILE));
  assert.deepEqual(back, { ...data, verified: true });
  const h = back.header;
  const world = compileWorld(loaded);
  const J = world.info.nodeCount;
  const W = Math.max(...world.info.tables.map((t) => actionCount(t.L, J)));
  assert.deepEqual(h.graded, { width: W });
  const cost = back.arrays.cost!;
  assert.equal(cost.length, 2 * 6 * 3 * W);
  // Replay the same episodes with the same (deterministic) expert.
  const env = new Env(world);
  const policy = await greedy.create({}, { info: world.info, label: "greedy" });
  const objectives = new Float64Array(3 * W);
  let row = 0;
  for (let e = 1; e <= 2; e++) {
    let obs = env.reset({ episode: h.episodeOffset + e });
    policy.reset?.({ episode: h.episodeOffset + e, rng: Rng.stream(1, "p"), training: false });
    for (let t = 0; t < 6; t++, row++) {
      const d = policy.decide(obs);
      counterfactualObjectives(obs, d, objectives, W);
      const own = obs.evaluate(d);
      for (let i = 0; i < 3; i++) {
        const r = row * 3 + i;
        assert.equal(back.arrays.actions[r], encodeAction(d.partition[i], d.target[i], J));
        for (let a = 0; a < W; a++) {
          assert.equal(
            cost[r * W + a],
            Math.fround(objectives[i * W + a] - own),
            `row ${r} a ${a}`,
          );
        }
        assert.equal(cost[r * W + back.arrays.actions[r]], 0, "the expert's own action costs 0");
      }
      obs = env.step(d).observation;
    }
  }
  // Byte-stable, and graded and plain recordings do not mix in one folder.
  const bytes = encodeExpert(back);
  assert.deepEqual(encodeExpert(decodeExpert(bytes, "x")), bytes);
  await assert.rejects(
    () => recordExpert(loaded, { policy: "greedy", episodes: 3, out }),
    /with graded targets \(pass --graded\)/,
  );
});

Deno.test("graded dataset: a plain recording is what it was (no cost array, the same header)", async () => {
  const file = await smallScenarioFile();
  const loaded = await loadScenario(file);
  const plain = await recordExpert(loaded, {
    policy: "greedy",
    episodes: 1,
    out: join(file, "..", "p"),
  });
  assert.equal(plain.header.graded, undefined);
  assert.equal(plain.arrays.cost, undefined);
  assert.ok(!JSON.stringify(plain.header).includes("graded"));
  const graded = await recordExpert(loaded, {
    policy: "greedy",
    episodes: 1,
    out: join(file, "..", "g"),
    graded: true,
  });
  // The same slots: every array but the costs is equal.
  for (
    const k of ["state", "feasible", "types", "actions", "reward", "objective", "terminal"] as const
  ) {
    assert.deepEqual(graded.arrays[k], plain.arrays[k], k);
  }
});

Deno.test("CLI: expert --graded records graded targets", async () => {
  const file = await smallScenarioFile();
  const out = join(file, "..", "cli");
  const r = await cli(["expert", file, "-p", "greedy", "-e", "1", "-o", out, "--graded", "-q"]);
  assert.equal(r.code, 0, r.err);
  const data = await readExpert(join(out, EXPERT_FILE));
  assert.ok(data.header.graded && data.arrays.cost!.length > 0);
});
