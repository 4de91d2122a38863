/**
 * The RSU allocation at V = 0 (MODEL.md A24) in the slot model: shares in
 * proportion to each container's work W_k = Q_k^rsu + A_k, every delay
 * finite (the A8 split would give a container whose first tasks arrive this
 * slot no CPU), the same split where a tiny V > 0 underflows, and V > 0
 * unchanged: the KKT shares of (48), (51)-(53).
 *
 * World (tau = 1 s, fading "none", F = 30, Q_rsu = [4, 0]):
 *   Link budget: B = 1 MHz, noise 0.01 W; V2I gain d^-2, V2V gain 0.1.
 *   CV0 (6, 8) type A, f = 1.5, Q = 1; CV1 (0, 10) type B, f = 4, Q = 2;
 *   CV2 (100, 0) type A, f = 2.5, Q = 5. SV0 (103, 4): f = 4, Q = 5; SV1 (500, 0): f = 8, Q = 3.
 *   Model A: L = 3, local[phi] = [0, 2, 5, 10], edge[phi] = [10, 8, 5, 0] (phi = 1..4).
 *   Model B: L = 2, local = [0, 2, 4], edge = [4, 2, 0].
 */
import assert from "node:assert/strict";
import type { DnnTable } from "../../../engine/dnn/layers.ts";
import { allocateRsu, gamma } from "../../../engine/model/allocation.ts";
import {
  type Decision,
  type ModelParams,
  SlotDetail,
  SlotModel,
  type SlotState,
} from "../../../engine/model/slot.ts";
import { Rng } from "../../../engine/rng.ts";
import { Env } from "../../../engine/sim/env.ts";
import { worldOf } from "../../_helpers/mod.ts";
import { close as closeTo, closeAll as closeAllTo, f64 } from "./_close.ts";

const close = (a: number, e: number, what: string) => closeTo(a, e, what, 1e-12);
const closeAll = (a: ArrayLike<number>, e: number[], what: string) => closeAllTo(a, e, what, 1e-12);

function table(name: string, L: number, dBytes: number[], local: number[], edge: number[]) {
  return {
    name,
    layers: [],
    L,
    Lcon: L - 1,
    dBytes: f64(dBytes),
    localGflop: f64(local),
    edgeGflop: f64(edge),
    totalGflop: edge[1],
  } satisfies DnnTable;
}

const MODEL_A = table("A", 3, [0, 1e6, 5e5, 2.5e5, 0], [0, 0, 2, 5, 10], [0, 10, 8, 5, 0]);
const MODEL_B = table("B", 2, [0, 4e5, 1e5, 0], [0, 0, 2, 4], [0, 4, 2, 0]);
const TABLES = [MODEL_A, MODEL_B];

function params(V: number): ModelParams {
  return {
    V,
    tauS: 1,
    gamma: "corrected",
    waiting: "masked",
    budget: { bandwidthHz: 1e6, noiseW: 0.01 },
    v2i: { interceptDb: 0, slopeDb: 20 },
    v2v: { interceptDb: 10, slopeDb: 0 },
    fading: "none",
    fadingKey: 0,
    v2vRangeM: 150,
    backhaul: { rateBps: 1e9, hopLatencyS: 0.001, topology: "chain" },
    resultBytes: [4000, 4000],
  };
}

function world(): SlotState {
  return {
    episode: 0,
    slot: 0,
    cvType: Int32Array.from([0, 1, 0]),
    cvActive: Uint8Array.from([1, 1, 1]),
    cvX: f64([6, 0, 100]),
    cvY: f64([8, 10, 0]),
    cvRoadM: f64([6, 0, 100]),
    cvSpeedMps: f64([25, 25, 25]),
    cvCpuGflops: f64([1.5, 4, 2.5]),
    cvTxPowerW: f64([3, 3, 0.7]),
    cvQueueGflop: f64([1, 2, 5]),
    svX: f64([103, 500]),
    svY: f64([4, 0]),
    svRoadM: f64([103, 500]),
    svSpeedMps: f64([25, 25]),
    svActive: Uint8Array.from([1, 1]),
    svCpuGflops: f64([4, 8]),
    svQueueGflop: f64([5, 3]),
    rsuX: f64([0]),
    rsuY: f64([0]),
    rsuCoverageM: f64([1000]),
    rsuCpuGflops: f64([30]),
    trackX: f64([]),
    trackY: f64([]),
    rsuQueueGflop: f64([4, 0]),
  };
}

function run(V: number, s: SlotState, d: Decision) {
  const model = new SlotModel(params(V), TABLES, s.svX.length);
  const detail = new SlotDetail(s.cvType.length, s.svX.length, TABLES.length);
  const objective = model.evaluate(s, d, detail);
  return { detail, objective };
}

// CV0 (type A) cuts before layer 2 -> RSU (S = 8); CV1 (type B) cuts before layer 2 -> RSU
// (S = 2, its container has no backlog); CV2 (type A) cuts before layer 3 -> SV0 (S = 5).
const D: Decision = { partition: [2, 2, 3], target: [0, 0, 1] };

Deno.test("A24: at V = 0 the RSU splits by work W = Q + A, by hand", () => {
  const { detail, objective } = run(0, world(), D);
  // W = [4 + 8, 0 + 2] = [12, 2] of 14; F = 30 -> 30 * 12/14 = 180/7 and 30 * 2/14 = 30/7.
  // (A8 with every Gamma = 0 would give [30, 0]: CV1's (9) would divide by 0.)
  closeAll(detail.rsuArrivalGflop, [8, 2], "arrivals");
  closeAll(detail.rsuShareGflops, [180 / 7, 30 / 7], "shares");
  // (9): both containers drain in sum W / F = 14/30 = 7/15 s; (15) for CV2: (5 + 5) / 4 = 2.5.
  closeAll(detail.tProcS, [7 / 15, 7 / 15, 2.5], "processing");
  closeAll(detail.tWaitS, [0, 0, 0], "waiting");
  // (7): (1 + 2) / 1.5 = 2, (2 + 2) / 4 = 1, (5 + 5) / 2.5 = 4; (4)/(5): 2, 0.4, 2/3.
  closeAll(detail.delayS, [2 + 2 + 7 / 15, 1 + 0.4 + 7 / 15, 4 + 2 / 3 + 2.5], "delays");
  // (34) at V = 0 is the drift alone:
  //   local 1*(2 - 1.5) + 2*(2 - 4) + 5*(5 - 2.5) = 9; RSU 4*(8 - 180/7) + 0 = 32 - 720/7;
  //   SV 5*(5 - 4) + 3*(0 - 8) = -19. Total 22 - 720/7 = -566/7.
  close(objective, -566 / 7, "objective");
});

Deno.test("A24: at V = 0 with no work at the RSU the capacity is split equally", () => {
  const s = world();
  s.rsuQueueGflop.fill(0);
  const local: Decision = { partition: [4, 3, 4], target: [0, 0, 0] };
  const { detail } = run(0, s, local);
  closeAll(detail.rsuShareGflops, [15, 15], "shares");
  // Backlog alone counts as work: W = [6, 0] -> everything to type A.
  s.rsuQueueGflop[0] = 6;
  closeAll(run(0, s, local).detail.rsuShareGflops, [30, 0], "backlog only");
});

Deno.test("A24: a V > 0 so small that (53) underflows gets the same split as V = 0", () => {
  // V = 5e-324 (the smallest double): Gamma = V * [12, 2] and (sum sqrt Gamma)^2 / F^2 round
  // to subnormals and 0, so eta* cannot be told from eta_lo = 4 and (51) gives no usable share.
  const tiny = run(Number.MIN_VALUE, world(), D).detail;
  closeAll(tiny.rsuShareGflops, [180 / 7, 30 / 7], "shares");
  tiny.delayS.forEach((d, i) => assert.ok(Number.isFinite(d), `delay of CV${i}: ${d}`));
  // A V that is merely small keeps the KKT solution, nearly the starving limit of A24:
  // type B gets a share of order sqrt(V) and a finite, large delay.
  for (const V of [1e-6, 1e-300]) {
    const small = run(V, world(), D).detail;
    const [fA, fB] = small.rsuShareGflops;
    assert.ok(fB > 0 && fB < 1e-2 && Number.isFinite(small.delayS[1]), `V = ${V}: f_B = ${fB}`);
    close(fA + fB, 30, `V = ${V}: capacity`);
  }
});

Deno.test("A24: V > 0 keeps the KKT shares of (48), (51)-(53) on random slots", () => {
  const rng = Rng.stream(24, "a24-test");
  for (let it = 0; it < 200; it++) {
    const s = world();
    s.rsuQueueGflop[0] = rng.next() < 0.3 ? 0 : rng.uniform(0, 50);
    s.rsuQueueGflop[1] = rng.next() < 0.3 ? 0 : rng.uniform(0, 50);
    const d: Decision = {
      partition: [1 + rng.int(4), 1 + rng.int(3), 1 + rng.int(4)],
      target: [0, 0, 0],
    };
    const V = [0.1, 10, 150][rng.int(3)];
    const form = rng.next() < 0.5 ? "corrected" : "printed";
    const p = { ...params(V), gamma: form } as ModelParams;
    const model = new SlotModel(p, TABLES, 2);
    const detail = new SlotDetail(3, 2, 2);
    model.evaluate(s, d, detail);
    // The same shares straight from (48) and allocateRsu.
    const count = [0, 0];
    const arrivals = [0, 0];
    for (let i = 0; i < 3; i++) {
      const t = TABLES[s.cvType[i]];
      if (d.partition[i] > t.L) continue;
      count[s.cvType[i]]++;
      arrivals[s.cvType[i]] += t.edgeGflop[d.partition[i]];
    }
    const g = [0, 1].map((k) => gamma(form, V, count[k], arrivals[k], s.rsuQueueGflop[k]));
    const expected = allocateRsu(g, s.rsuQueueGflop, 30, 1, new Float64Array(2));
    assert.deepEqual([...detail.rsuShareGflops], [...expected], `instance ${it}`);
  }
});

Deno.test("A24: V = 0 with every CV sending its raw input to the RSU keeps every delay finite", () => {
  const world = worldOf(
    "name: v0\ntime: { slots: 30 }\nlyapunov: { V: 0 }\nvehicles: { clients: { count: 7 } }\n",
  );
  const env = new Env(world);
  let slots = 0;
  env.on("slot", ({ detail, decision }) => {
    slots++;
    const types = new Set<number>();
    for (let i = 0; i < decision.partition.length; i++) types.add(env.state.cvType[i]);
    for (const k of types) assert.ok(detail.rsuShareGflops[k] > 0, `type ${k} has no share`);
    for (const row of [detail.tProcS, detail.tWaitS, detail.delayS]) {
      row.forEach((v, i) => assert.ok(Number.isFinite(v), `CV${i}: ${v}`));
    }
    assert.ok(Number.isFinite(detail.objective));
  });
  for (let e = 1; e <= 3; e++) {
    const obs = env.reset({ episode: e });
    // The `rsu` policy's decision: phi = 1 (raw input) to node 0 for every CV.
    const d = {
      partition: new Int32Array(obs.cvCount).fill(1),
      target: new Int32Array(obs.cvCount),
    };
    for (let done = false; !done;) done = env.step(d).truncated;
  }
  assert.equal(slots, 90);
});
