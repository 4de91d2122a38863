/**
 * Several RSUs (MODEL.md section 6.3) on a tiny hand-made world: per-RSU
 * rates, containers and allocations (E3-E6), the handover of a result over
 * the backhaul (E7-E10) with the predicted position of A33, A34's CV that
 * leaves every coverage, the objective (E11) and the queue updates (E5).
 * Every expected value is computed by hand below. The world is the one of
 * slot_test.ts, with a second RSU:
 *
 *   tau = 1 s, V = 10, fading "none"; B = 1 MHz, noise 0.01 W.
 *   V2I: gain d^-2; V2V: gain 0.1 at any distance.
 *   RSU0 (0, 0):   coverage 50 m,  F = 20, Q = [4].
 *   RSU1 (200, 0): coverage 100 m, F = 10, Q = [1].
 *   CV0 (6, 8):    p = 3 W, f = 1.5, Q_loc = 1: 10 m from RSU0 -> SNR 3 -> 2e6 bit/s.
 *   CV1 (200, 10): p = 3 W, f = 4,   Q_loc = 2: 10 m from RSU1 -> 2e6 bit/s.
 *   CV2 (120, 0):  p = 0.7 W, f = 2.5, Q_loc = 5: SV0 5 m away -> SNR 7 -> 3e6 bit/s.
 *   SV0 (123, 4): f = 4, Q = 5; SV1 (500, 0): f = 8, Q = 3.
 *   Model A: L = 3, local = [0, 2, 5, 10], edge = [10, 8, 5, 0], D = [1e6, 5e5, 2.5e5].
 *   Backhaul: chain, 1e9 bit/s, 1 ms per hop; a result is 4000 B.
 *   Nodes: 0 = RSU0, 1 = RSU1, 2 = SV0, 3 = SV1.
 */
import assert from "node:assert/strict";
import type { DnnTable } from "../../../engine/dnn/layers.ts";
import {
  backhaulHops,
  type Decision,
  type ModelParams,
  SlotDetail,
  SlotModel,
  type SlotState,
  updateQueues,
} from "../../../engine/model/slot.ts";
import { close, closeAll, f64 } from "./_close.ts";

const MODEL_A: DnnTable = {
  name: "A",
  layers: [],
  L: 3,
  Lcon: 2,
  dBytes: f64([0, 1e6, 5e5, 2.5e5, 0]),
  localGflop: f64([0, 0, 2, 5, 10]),
  edgeGflop: f64([0, 10, 8, 5, 0]),
  totalGflop: 10,
};

function params(over: Partial<ModelParams> = {}): ModelParams {
  return {
    V: 10,
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
    resultBytes: [4000],
    ...over,
  };
}

/** CV i's track: `samples` slot boundaries from its position, `vx` m per slot along x. */
function track(xs: number[], ys: number[], vx: number[], samples: number) {
  const I = xs.length;
  const tx = new Float64Array(samples * I);
  const ty = new Float64Array(samples * I);
  for (let n = 0; n < samples; n++) {
    for (let i = 0; i < I; i++) {
      tx[n * I + i] = xs[i] + vx[i] * n;
      ty[n * I + i] = ys[i];
    }
  }
  return { trackX: tx, trackY: ty };
}

function world(vx = [25, 0, 0], samples = 10): SlotState {
  const cvX = [6, 200, 120];
  const cvY = [8, 10, 0];
  return {
    episode: 0,
    slot: 0,
    cvType: Int32Array.from([0, 0, 0]),
    cvActive: Uint8Array.from([1, 1, 1]),
    cvX: f64(cvX),
    cvY: f64(cvY),
    cvRoadM: f64(cvX),
    cvSpeedMps: f64(vx),
    cvCpuGflops: f64([1.5, 4, 2.5]),
    cvTxPowerW: f64([3, 3, 0.7]),
    cvQueueGflop: f64([1, 2, 5]),
    svX: f64([123, 500]),
    svY: f64([4, 0]),
    svRoadM: f64([123, 500]),
    svSpeedMps: f64([25, 25]),
    svActive: Uint8Array.from([1, 1]),
    svCpuGflops: f64([4, 8]),
    svQueueGflop: f64([5, 3]),
    rsuX: f64([0, 200]),
    rsuY: f64([0, 0]),
    rsuCoverageM: f64([50, 100]),
    rsuCpuGflops: f64([20, 10]),
    rsuQueueGflop: f64([4, 1]),
    ...track(cvX, cvY, vx, samples),
  };
}

function run(p: ModelParams, s: SlotState, d: Decision) {
  const model = new SlotModel(p, [MODEL_A], s.svX.length, s.rsuX.length);
  const detail = new SlotDetail(s.cvType.length, s.svX.length, 1, s.rsuX.length);
  const objective = model.evaluate(s, d, detail);
  return { model, detail, objective };
}

// CV0 cuts before layer 2 -> RSU0; CV1 sends its raw input -> RSU1; CV2 cuts before 3 -> SV0.
const D: Decision = { partition: [2, 1, 3], target: [0, 1, 2] };

Deno.test("several RSUs: feasibility is coverage (E2), SVs come after the RSUs", () => {
  const s = world();
  const { model } = run(params(), s, D);
  const feasible = (i: number) => [0, 1, 2, 3].map((n) => model.feasible(s, i, n) ? 1 : 0);
  assert.deepEqual(feasible(0), [1, 0, 1, 0]); // RSU0 10 m; RSU1 194 m; SV0 117 m
  assert.deepEqual(feasible(1), [0, 1, 1, 0]); // RSU1 10 m; SV0 77.1 m
  assert.deepEqual(feasible(2), [0, 1, 1, 0]); // RSU1 80 m; SV0 5 m; SV1 380 m
  close(model.distanceM(s, 2, 1), 80, "CV2 to RSU1");
  close(model.distanceM(s, 2, 2), 5, "CV2 to SV0");
});

Deno.test("several RSUs: each RSU allocates alone, delays by E3-E4, a handover by E8-E9", () => {
  const { detail, objective } = run(params(), world(), D);
  // Arrivals (E5): RSU0 8 (CV0), RSU1 10 (CV1); one type each: the whole CPU (E6).
  closeAll(detail.rsuArrivalGflop, [8, 10], "rsu arrivals");
  closeAll(detail.rsuShareGflops, [20, 10], "rsu shares");
  closeAll(detail.rateBps, [2e6, 2e6, 3e6], "rates (E3)");
  // CV0: local (1 + 2)/1.5 = 2, tx 8 * 5e5 / 2e6 = 2, proc (4 + 8)/20 = 0.6, alone: wait 0.
  // CV1: local 0, tx 8e6 / 2e6 = 4, proc (1 + 10)/10 = 1.1, wait 0.
  // CV2: local (5 + 5)/2.5 = 4, tx 8 * 2.5e5 / 3e6 = 2/3, proc (5 + 5)/4 = 2.5, wait 0.
  closeAll(detail.tLocalS, [2, 0, 4], "local");
  closeAll(detail.tTxS, [2, 4, 2 / 3], "tx");
  closeAll(detail.tProcS, [0.6, 1.1, 2.5], "proc");
  closeAll(detail.tWaitS, [0, 0, 0], "wait");
  // E7-E8: CV0's result is ready 4.6 s into the slot; CV0 drives 25 m/s from x = 6: at
  // x = 121, y = 8, 121.3 m from RSU0 (coverage 50) and 79.4 m from RSU1 (coverage 100):
  // forwarded RSU0 -> RSU1, one hop on the chain: 0.001 + 8 * 4000 / 1e9 = 0.001032 s.
  // CV1 stays 10 m from RSU1: no handover. CV2 offloads to an SV: no handover (A32).
  closeAll(detail.tBackhaulS, [0.001032, 0, 0], "backhaul (E9)");
  assert.deepEqual([...detail.handoverTo], [1, -1, -1]);
  assert.equal(detail.handovers, 1);
  closeAll(detail.delayS, [4.601032, 5.1, 4 + 2 / 3 + 2.5], "delay (E10)");
  // E11: local 1 (2 - 1.5) + 2 (0 - 4) + 5 (5 - 2.5) = 5; RSU0 4 (8 - 20) = -48;
  // RSU1 1 (10 - 10) = 0; SVs 5 (5 - 4) + 3 (0 - 8) = -19: drift -62.
  const sum = 4.601032 + 5.1 + 4 + 2 / 3 + 2.5;
  close(detail.sumDelayS, sum, "sum of delays");
  close(objective, 10 * sum - 62, "objective (E11)");
});

Deno.test("several RSUs: queues update per RSU and type (E5)", () => {
  const s = world();
  const { detail } = run(params(), s, D);
  updateQueues(s, [MODEL_A], D, detail, 1);
  // RSU0 max(4 - 20 + 8, 0) = 0; RSU1 max(1 - 10 + 10, 0) = 1.
  closeAll(s.rsuQueueGflop, [0, 1], "rsu queues");
  closeAll(s.svQueueGflop, [6, 0], "sv queues");
});

Deno.test("handover: the predicted position interpolates the track, after its end the last (A33)", () => {
  // 15 m per slot: at 4.6 s CV0 is at x = 6 + 69 = 75, y = 8: 75.4 m from RSU0, 125.3 m from
  // RSU1: no RSU covers it then, so the result stays at RSU0 at no cost (A34).
  let r = run(params(), world([15, 0, 0]), D).detail;
  assert.deepEqual([...r.handoverTo], [-1, -1, -1]);
  closeAll(r.tBackhaulS, [0, 0, 0], "no handover");
  close(r.delayS[0], 4.6, "delay without backhaul");
  // A track of 3 samples ends at t = 2 s, x = 6 + 2 * 25 = 56, y = 8: 56.6 m from RSU0 and
  // 144.2 m from RSU1: the result stays (it would be handed over with a longer track).
  r = run(params(), world([25, 0, 0], 3), D).detail;
  assert.deepEqual([...r.handoverTo], [-1, -1, -1]);
  // At slot 4 of a 10-sample track, ready 4.6 s later: u = 8.6, x = 6 + 215 = 221: RSU1.
  const s = world([25, 0, 0]);
  s.slot = 4;
  r = run(params(), s, D).detail;
  assert.deepEqual([...r.handoverTo], [1, -1, -1]);
});

Deno.test("backhaul: hops of each topology, latency and rate (E9)", () => {
  assert.deepEqual(
    [backhaulHops("chain", 0, 3), backhaulHops("star", 0, 3), backhaulHops("mesh", 0, 3)],
    [3, 2, 1],
  );
  const p = params({ backhaul: { rateBps: 8e6, hopLatencyS: 0.25, topology: "star" } });
  const { detail } = run(p, world(), D);
  // star: 2 hops x 0.25 s + 8 * 4000 / 8e6 = 0.5 + 0.004 s.
  closeAll(detail.tBackhaulS, [0.504, 0, 0], "star backhaul");
});

Deno.test("literal waiting (A6) sums the other offloaders' wait over every RSU and SV (E4)", () => {
  // CV0 -> RSU0; CV1 and CV2 -> RSU1.
  const d: Decision = { partition: [2, 1, 3], target: [0, 1, 1] };
  const { detail } = run(params({ waiting: "literal" }), world([0, 0, 0]), d);
  // RSU1 serves CV1 (10) and CV2 (5): its one container gets all 10. RSU0 serves CV0 (8).
  // CV0 waits for the others at RSU1: 15 / (2 * 10) = 0.75 (and 0 at RSU0, 0 at the SVs).
  // CV1: RSU0's CV0 8 / (2 * 20) = 0.2, plus RSU1's other offloader 5 / 20 = 0.25: 0.45.
  // CV2: 0.2 at RSU0, plus 10 / 20 = 0.5 at RSU1: 0.7.
  closeAll(detail.tWaitS, [0.75, 0.45, 0.7], "literal waiting");
});

Deno.test("the other RSUs' coverage set to 0 gives the single-RSU model exactly (A31)", () => {
  const one = world([25, 0, 0]);
  // The single-RSU world: RSU0 alone, the same vehicles (nodes: 0 = RSU0, 1 = SV0, 2 = SV1).
  const single: SlotState = {
    ...one,
    rsuX: f64([0]),
    rsuY: f64([0]),
    rsuCoverageM: f64([1000]),
    rsuCpuGflops: f64([20]),
    rsuQueueGflop: f64([4]),
    trackX: f64([]),
    trackY: f64([]),
  };
  const two: SlotState = {
    ...one,
    rsuCoverageM: f64([1000, 0]),
    rsuQueueGflop: f64([4, 0]),
  };
  for (const waiting of ["masked", "literal"] as const) {
    const p = params({ waiting });
    const a = run(p, single, { partition: [2, 1, 3], target: [0, 0, 1] });
    const b = run(p, two, { partition: [2, 1, 3], target: [0, 0, 2] });
    assert.equal(b.objective, a.objective, waiting);
    assert.deepEqual([...b.detail.delayS], [...a.detail.delayS], waiting);
    assert.deepEqual([...b.detail.handoverTo], [-1, -1, -1], waiting);
  }
});
