import assert from "node:assert/strict";
import { simulate } from "../_helpers/mod.ts";
import { instantiate } from "../../host/player.ts";
import { Rng } from "../../engine/rng.ts";
import { greedy } from "../../policies/heuristics.ts";
import type { PolicyDefinition } from "../../engine/sim/policy.ts";
import { worldOf } from "../_helpers/mod.ts";

async function sim(text: string) {
  const world = worldOf(text);
  const def = greedy as unknown as PolicyDefinition;
  const inst =
    (await instantiate({ label: "greedy", def, params: {}, plugin: false }, world)).instance;
  return simulate(world, inst, { label: "greedy" });
}

Deno.test("highway (A17): uniform starts, clipped normal speeds, constant within an episode", async () => {
  const s = await sim("name: h\ntime: { slots: 5 }\nmobility: { kind: highway, lanes: 3 }\n");
  const xs: number[][] = [];
  s.on("slot", (e) => xs.push([...e.state.cvX, ...e.state.svX]));
  let lanesSeen = new Set<number>();
  s.on("slot", (e) => (lanesSeen = new Set([...lanesSeen, ...e.state.cvY, ...e.state.svY])));
  for (let e = 0; e < 20; e++) s.runEpisode(e);
  for (let ep = 0; ep < 20; ep++) {
    const rows = xs.slice(ep * 5, ep * 5 + 5);
    for (let v = 0; v < 12; v++) {
      assert.ok(rows[0][v] >= -500 && rows[0][v] <= -250, "start in [-500, -250]");
      const speed = rows[1][v] - rows[0][v];
      assert.ok(speed >= 20 && speed <= 30, `speed ${speed} in [20, 30]`);
      for (let t = 2; t < 5; t++) assert.ok(Math.abs(rows[t][v] - rows[t - 1][v] - speed) < 1e-9);
    }
  }
  assert.deepEqual([...lanesSeen].sort((a, b) => a - b), [0, 3.5, 7]);
});

Deno.test("the RSU sits offsetM beside the road and distances are Euclidean", async () => {
  const s = await sim("name: h\ntime: { slots: 1 }\nrsu: { offsetM: 10, positionM: 0 }\n");
  s.on("slot", (e) => {
    const st = e.state;
    assert.equal(st.rsuY[0], -10);
    assert.equal(s.observation.distanceM(0, 0), Math.hypot(st.cvX[0], 10));
    assert.equal(s.observation.distanceM(0, 2), Math.abs(st.cvX[0] - st.svX[1]));
  });
  s.runEpisode(0);
});

Deno.test("hardware: round-robin types (A18), uniform CPUs, redrawn per episode", () => {
  const w = worldOf("name: h\nvehicles: { clients: { count: 7 }, services: { count: 5 } }\n");
  const a = w.drawHardware(Rng.stream(1, "hardware", 0));
  const b = w.drawHardware(Rng.stream(1, "hardware", 1));
  assert.deepEqual([...a.cvType], [0, 1, 2, 0, 1, 2, 0]);
  for (const f of a.cvCpuGflops) assert.ok(f >= 4 && f <= 6);
  for (const f of a.svCpuGflops) assert.ok(f >= 6 && f <= 8);
  assert.notDeepEqual([...a.cvCpuGflops], [...b.cvCpuGflops]);
});

Deno.test("hardware: explicit lists and weights", () => {
  const list = worldOf(
    "name: h\nvehicles: { clients: { count: 3, dnn: { list: [vgg16, vgg16, alexnet] } } }\n",
  );
  assert.deepEqual([...list.drawHardware(Rng.stream(1, "h")).cvType], [2, 2, 0]);
  const weighted = worldOf(
    "name: h\nvehicles: { clients: { count: 3000, dnn: { weights: { alexnet: 3, vgg16: 1 } } } }\n",
  );
  const types = weighted.drawHardware(Rng.stream(1, "h")).cvType;
  const share = types.filter((t) => t === 0).length / types.length;
  assert.ok(Math.abs(share - 0.75) < 0.03, `alexnet share ${share}`);
  assert.ok(!types.includes(1), "resnet18 has weight 0 (absent)");
});

Deno.test("local state (54) and joint state (55) layout", async () => {
  const s = await sim(
    "name: h\ntime: { slots: 3 }\nvehicles: { clients: { count: 2 }, services: { count: 2 } }\n",
  );
  s.on("slot", (e) => {
    const o = s.observation;
    const st = e.state;
    const l = o.localState(1);
    assert.equal(l.length, 2 * 3 + 1);
    assert.deepEqual([...l], [
      st.cvQueueGflop[1],
      st.rsuQueueGflop[st.cvType[1]],
      st.svQueueGflop[0],
      st.svQueueGflop[1],
      st.cvRoadM[1],
      st.svRoadM[0],
      st.svRoadM[1],
    ]);
    assert.deepEqual([...o.jointState()], [...o.localState(0), ...l]);
    const mask = o.actionMask(0);
    assert.equal(mask.length, (11 + 1) * 3); // alexnet: (L+1) J
    for (let a = 0; a < mask.length; a++) assert.equal(mask[a], o.feasible(0, a % 3) ? 1 : 0);
  });
  s.runEpisode(0);
});
