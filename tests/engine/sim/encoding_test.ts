import assert from "node:assert/strict";
import {
  actionCount,
  argmaxFeasible,
  encodeAction,
  ENCODING_VERSION,
  encodingShape,
  expandNodeMask,
  localStateDim,
  nodeOf,
  normaliseLocalStates,
  partitionOf,
} from "../../../engine/sim/encoding.ts";
import { decodeExpert, encodeExpert, type ExpertData } from "../../../engine/output/expert.ts";
import { Env } from "../../../engine/sim/env.ts";
import { worldOf } from "../../_helpers/mod.ts";

Deno.test("encoding: a = (phi - 1) J + node, and back, for every action of a DNN (A10)", () => {
  const J = 6;
  const L = 8;
  assert.equal(actionCount(L, J), 54);
  const seen = new Set<number>();
  for (let phi = 1; phi <= L + 1; phi++) {
    for (let node = 0; node < J; node++) {
      const a = encodeAction(phi, node, J);
      assert.equal(partitionOf(a, J), phi);
      assert.equal(nodeOf(a, J), node);
      seen.add(a);
    }
  }
  assert.deepEqual([...seen].sort((x, y) => x - y), [...Array(54).keys()]);
  assert.equal(encodeAction(3, 4, 6), 16); // by hand: (3 - 1) * 6 + 4
});

Deno.test("encoding: the local state (54) is queue, RSU queue of the type, SV queues, positions", () => {
  const world = worldOf("vehicles: { clients: { count: 2 }, services: { count: 2 } }");
  const env = new Env(world);
  const obs = env.reset({ episode: 1 });
  const s = obs.state;
  assert.equal(localStateDim(obs.nodeCount), 7);
  for (let i = 0; i < 2; i++) {
    const got = Array.from(obs.localState(i));
    const want = [
      s.cvQueueGflop[i],
      s.rsuQueueGflop[s.cvType[i]],
      s.svQueueGflop[0],
      s.svQueueGflop[1],
      s.cvRoadM[i],
      s.svRoadM[0],
      s.svRoadM[1],
    ];
    assert.deepEqual(got, want);
  }
  const joint = obs.jointState();
  assert.deepEqual(Array.from(joint.subarray(7, 14)), Array.from(obs.localState(1)));
  const shape = encodingShape(world.info);
  assert.deepEqual(shape, {
    agents: 2,
    nodes: 3,
    stateDim: 7,
    actionCounts: world.info.tables.map((t) => (t.L + 1) * 3),
  });
});

Deno.test("encoding: the action mask is the node mask repeated per partition; the observation uses it", () => {
  const out = new Float32Array(2 + 9);
  expandNodeMask(Uint8Array.of(1, 0, 1), 9, out, 2);
  assert.deepEqual(Array.from(out), [0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1]);
  const env = new Env(worldOf("vehicles: { clients: { count: 4 } }"));
  const obs = env.reset({ episode: 2 });
  for (let i = 0; i < obs.cvCount; i++) {
    const nodes = obs.nodeMask(i);
    assert.equal(nodes[0], 1, "the RSU is always feasible");
    for (let n = 1; n < obs.nodeCount; n++) assert.equal(nodes[n] === 1, obs.feasible(i, n));
    const mask = obs.actionMask(i);
    assert.equal(mask.length, obs.actionCount(i));
    for (let a = 0; a < mask.length; a++) assert.equal(mask[a], nodes[nodeOf(a, obs.nodeCount)]);
  }
});

Deno.test("encoding: A13 normalisation by hand; the masked argmax skips infeasible actions", () => {
  // J = 2 (one SV): [cv queue, rsu queue, sv queue, cv road, sv road]
  const raw = [10, 20, 30, -1000, 1000];
  const out = normaliseLocalStates(
    raw,
    new Float32Array(5),
    2,
    { roadFromM: -1000, roadToM: 1000 },
    10,
  );
  assert.deepEqual(Array.from(out), [1, 2, 3, -1, 1]);
  const values = [5, 9, 1, /* row 1 */ 0, 0, 7];
  const mask = [1, 0, 1, /* row 1 */ 0, 0, 0];
  assert.equal(argmaxFeasible(values, mask, 0, 3), 0);
  assert.equal(argmaxFeasible(values, mask, 1, 3), -1);
});

function tinyDataset(encoding?: number): ExpertData {
  const header = {
    format: "vecscene-expert/1" as const,
    ...(encoding === undefined ? {} : { encoding }),
    scenario: "t",
    scenarioHash: "0",
    seed: 1,
    episodeOffset: 0,
    expert: { id: "greedy", label: "greedy", params: {} },
    episodes: 1,
    slotsPerEpisode: 1,
    agents: 1,
    nodes: 1,
    stateDim: 3,
    actionCounts: [2],
    meanDelayS: 1,
    version: "test",
  };
  return {
    header,
    arrays: {
      state: new Float32Array(3),
      feasible: Uint8Array.of(1),
      types: new Int32Array(1),
      actions: new Int32Array(1),
      reward: new Float64Array(1),
      objective: new Float64Array(1),
      terminal: Uint8Array.of(1),
    },
  };
}

Deno.test("encoding: a dataset records its version; another version is refused, none reads as 1", () => {
  const now = decodeExpert(encodeExpert(tinyDataset(ENCODING_VERSION)), "now.bin");
  assert.equal(now.header.encoding, ENCODING_VERSION);
  const legacy = decodeExpert(encodeExpert(tinyDataset()), "old.bin");
  assert.equal(legacy.header.encoding, 1);
  assert.throws(
    () => decodeExpert(encodeExpert(tinyDataset(ENCODING_VERSION + 1)), "next.bin"),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.includes(`next.bin: not a vecscene expert dataset: it was recorded under agent `) &&
      e.message.includes(`encoding ${ENCODING_VERSION + 1}`),
  );
});
