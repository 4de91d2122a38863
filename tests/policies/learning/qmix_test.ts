import assert from "node:assert/strict";
import { join } from "node:path";
import { UserError } from "../../../engine/errors.ts";
import { simulate } from "../../_helpers/mod.ts";
import type { World } from "../../../engine/world.ts";
import { smallPolicy, smallWorld } from "../../_helpers/learning.ts";
import { tf } from "../../../policies/learning/tensor/backend.ts";
import type { QmixPolicy } from "../../../policies/learning/qmix.ts";

const IDS = ["pqmix", "mad2rl"] as const;

/** Runs episodes and returns one line per slot with the decisions. */
function play(world: World, inst: QmixPolicy, episodes: number[], training: boolean): string[] {
  const sim = simulate(world, inst, { label: inst.policyId });
  const out: string[] = [];
  sim.on("slot", (e) => {
    out.push(
      `${e.episode}/${e.slot}: ${Array.from(e.decision.partition)} -> ${
        Array.from(e.decision.target)
      }`,
    );
  });
  for (const e of episodes) sim.runEpisode(e, training);
  return out;
}

for (const id of IDS) {
  Deno.test(`${id}: evaluating without trained weights says how to train`, async () => {
    const world = smallWorld();
    const inst = await smallPolicy(id, world);
    try {
      assert.throws(() => play(world, inst, [0], false), (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, new RegExp(`deno task train FILE --policy ${id}`));
        return true;
      });
    } finally {
      inst.dispose();
    }
  });

  Deno.test(`${id}: every decision (exploring or greedy) picks a feasible node`, async () => {
    // A wide road and a short V2V range make many SVs infeasible.
    const world = smallWorld(
      "name: masks\nseed: 5\ntime: { slots: 10 }\nchannel: { v2vRangeM: 60 }\n" +
        "vehicles: { clients: { count: 4 }, services: { count: 3 } }\n",
    );
    const inst = await smallPolicy(id, world, { epsSteps: 20 });
    const sim = simulate(world, inst, { label: id });
    let offloads = 0, infeasibleSeen = 0;
    sim.on("slot", (e) => {
      for (let i = 0; i < world.info.cvCount; i++) {
        for (let n = 1; n < world.info.nodeCount; n++) {
          if (!sim.observation.feasible(i, n)) infeasibleSeen++;
        }
        const node = e.decision.target[i];
        assert.ok(sim.observation.feasible(i, node), `cv${i + 1} -> node ${node}`);
        if (e.decision.partition[i] <= world.tables[e.state.cvType[i]].L) offloads++;
      }
    });
    try {
      for (let e = 0; e < 8; e++) sim.runEpisode(e, true);
      for (let e = 0; e < 3; e++) sim.runEpisode(e, false);
    } finally {
      inst.dispose();
    }
    assert.ok(infeasibleSeen > 0, "the scenario must have infeasible SVs to mask");
    assert.ok(offloads > 0);
  });

  Deno.test(`${id}: tensor count is unchanged across an episode of decisions and an update`, async () => {
    const world = smallWorld();
    const inst = await smallPolicy(id, world);
    try {
      play(world, inst, [0, 1, 2], true);
      let before = tf.memory().numTensors;
      play(world, inst, [3], false);
      assert.equal(tf.memory().numTensors, before, "greedy episode");
      play(world, inst, [4], true);
      before = tf.memory().numTensors;
      const stats = inst.update();
      assert.ok(stats && Number.isFinite(stats.loss));
      assert.equal(tf.memory().numTensors, before, "training update");
    } finally {
      inst.dispose();
    }
  });

  Deno.test(`${id}: save then load in a new instance gives identical decisions`, async () => {
    const world = smallWorld();
    const dir = await Deno.makeTempDir({ prefix: "vecscene-ckpt-" });
    const a = await smallPolicy(id, world);
    let expected: string[];
    try {
      play(world, a, [0, 1, 2, 3], true);
      await a.save(dir);
      expected = play(world, a, [7, 8], false);
    } finally {
      a.dispose();
    }
    const b = await smallPolicy(id, world, {}, dir);
    try {
      assert.deepEqual(play(world, b, [7, 8], false), expected);
      assert.ok(b.buffer.size > 0, "the replay buffer came back");
    } finally {
      b.dispose();
    }
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    assert.equal(manifest.weightsManifest[0].paths[0], "model.bin");
    assert.ok(
      manifest.weightsManifest[0].weights.some((w: { name: string }) => w.name === "agent/w2"),
    );
  });

  Deno.test(`${id}: a checkpoint of another network shape is refused with a clear message`, async () => {
    const world = smallWorld();
    const dir = await Deno.makeTempDir({ prefix: "vecscene-ckpt-" });
    const a = await smallPolicy(id, world);
    await a.save(dir, { weightsOnly: true });
    a.dispose();
    await assert.rejects(() => smallPolicy(id, world, { hidden: [16] }, dir), UserError);
  });

  Deno.test(`${id}: weights trained with other training-only params load and act alike`, async () => {
    const world = smallWorld();
    const dir = await Deno.makeTempDir({ prefix: "vecscene-ckpt-" });
    const a = await smallPolicy(id, world, { lr: 1e-3, batch: 4, qHead: "logits", threads: 1 });
    let expected: string[];
    try {
      play(world, a, [0, 1, 2], true);
      await a.save(dir, { weightsOnly: true });
      expected = play(world, a, [5], false);
    } finally {
      a.dispose();
    }
    const b = await smallPolicy(id, world, {}, dir);
    try {
      assert.deepEqual(play(world, b, [5], false), expected);
    } finally {
      b.dispose();
    }
    await assert.rejects(
      () => smallPolicy(id, world, { queueScaleGflop: 7 }, dir),
      /queueScaleGflop/,
    );
  });

  Deno.test(`${id}: the same seed trains to byte-identical weights`, async () => {
    const world = smallWorld();
    const bytes: Uint8Array[] = [];
    for (let k = 0; k < 2; k++) {
      const dir = await Deno.makeTempDir({ prefix: "vecscene-det-" });
      const inst = await smallPolicy(id, world);
      try {
        play(world, inst, [0, 1, 2, 3], true);
        await inst.save(dir, { weightsOnly: true });
      } finally {
        inst.dispose();
      }
      bytes.push(await Deno.readFile(join(dir, "model.bin")));
    }
    assert.deepEqual(bytes[0], bytes[1]);
  });
}
