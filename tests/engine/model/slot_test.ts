/**
 * The per-slot model on a tiny hand-made world: delays (4)-(19), the RSU
 * allocation (51)-(53), the objective (34) (reward (58) = -objective) and
 * the queue updates (8), (10), (16), with A6 masking and the literal
 * (unmasked) variant. Every expected value is computed by hand below.
 *
 * World (tau = 1 s, V = 10, fading "none"):
 *   Link budget: B = 1 MHz, noise 0.01 W.
 *   V2I loss: intercept 0, slope 20 -> gain d^-2; at d = 10 m gain 0.01.
 *   V2V loss: intercept 10, slope 0 -> gain 0.1 at any distance.
 *   CV0 (6, 8):   p = 3 W,   f = 1.5, Q_loc = 1  -> to RSU (d = 10): SNR 3 -> R = 2e6 bit/s
 *   CV1 (0, 10):  p = 3 W,   f = 4,   Q_loc = 2  -> to RSU (d = 10): SNR 3 -> R = 2e6 bit/s
 *   CV2 (100, 0): p = 0.7 W, f = 2.5, Q_loc = 5  -> to any SV: SNR 7 -> R = 3e6 bit/s
 *   SV0 (103, 4): f = 4, Q = 5 (5 m from CV2); SV1 (500, 0): f = 8, Q = 3 (out of range)
 *   RSU (0, 0): F = 20, Q_rsu = [4].
 *   Model A (type 0): L = 3, B = [2, 3, 5] GFLOP, D = [1e6, 5e5, 2.5e5] bytes:
 *     local[phi] = [0, 2, 5, 10], edge[phi] = [10, 8, 5, 0] for phi = 1..4.
 *   Model B (type 1): L = 2, B = [2, 2], D = [4e5, 1e5]: local = [0, 2, 4], edge = [4, 2, 0].
 */
import assert from "node:assert/strict";
import type { DnnTable } from "../../../engine/dnn/layers.ts";
import { counterUniform } from "../../../engine/rng.ts";
import {
  type Decision,
  type ModelParams,
  SlotDetail,
  SlotModel,
  type SlotState,
  updateQueues,
} from "../../../engine/model/slot.ts";
import { close, closeAll, f64 } from "./_close.ts";

/** A DnnTable written out by hand (rows are not used by the slot model). */
function table(
  name: string,
  L: number,
  dBytes: number[],
  localGflop: number[],
  edgeGflop: number[],
): DnnTable {
  return {
    name,
    layers: [],
    L,
    Lcon: L - 1,
    dBytes: f64(dBytes),
    localGflop: f64(localGflop),
    edgeGflop: f64(edgeGflop),
    totalGflop: edgeGflop[1],
  };
}

// Index 0 unused; index L+1 = fully local.
const MODEL_A = table("A", 3, [0, 1e6, 5e5, 2.5e5, 0], [0, 0, 2, 5, 10], [0, 10, 8, 5, 0]);
const MODEL_B = table("B", 2, [0, 4e5, 1e5, 0], [0, 0, 2, 4], [0, 4, 2, 0]);

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
    resultBytes: [4000, 4000],
    ...over,
  };
}

function world(): SlotState {
  return {
    episode: 0,
    slot: 0,
    cvType: Int32Array.from([0, 0, 0]),
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
    rsuCpuGflops: f64([20]),
    trackX: f64([]),
    trackY: f64([]),
    rsuQueueGflop: f64([4]),
  };
}

function run(p: ModelParams, tables: DnnTable[], s: SlotState, d: Decision) {
  const model = new SlotModel(p, tables, s.svX.length);
  const detail = new SlotDetail(s.cvType.length, s.svX.length, tables.length);
  const objective = model.evaluate(s, d, detail);
  return { model, detail, objective };
}

// D1: CV0 cuts before layer 2 -> RSU; CV1 sends the raw input -> RSU; CV2 cuts before layer 3 -> SV0.
const D1: Decision = { partition: [2, 1, 3], target: [0, 0, 1] };

Deno.test("slot D1: per-CV delays (4), (7), (9), (11), (15), (17), (19) by hand", () => {
  const { detail, objective } = run(params(), [MODEL_A], world(), D1);
  // RSU arrivals (10): 8 (CV0) + 10 (CV1) = 18; SV arrivals (16): SV0 5 (CV2), SV1 0.
  closeAll(detail.rsuArrivalGflop, [18], "rsu arrivals");
  closeAll(detail.svArrivalGflop, [5, 0], "sv arrivals");
  // A single DNN type: the RSU gives it all of F = 20.
  closeAll(detail.rsuShareGflops, [20], "rsu share");
  closeAll(detail.distanceM, [10, 10, 5], "distance");
  closeAll(detail.rateBps, [2e6, 2e6, 3e6], "rate");
  closeAll(detail.dataBytes, [5e5, 1e6, 2.5e5], "D_phi");
  closeAll(detail.localGflop, [2, 0, 5], "local work");
  closeAll(detail.edgeGflop, [8, 10, 5], "edge work");
  // (7): CV0 (1 + 2) / 1.5 = 2; CV1 phi = 1 -> 0 despite its backlog; CV2 (5 + 5) / 2.5 = 4.
  closeAll(detail.tLocalS, [2, 0, 4], "local delay");
  // (4)/(5) with A2: 8 * 5e5 / 2e6 = 2; 8 * 1e6 / 2e6 = 4; 8 * 2.5e5 / 3e6 = 2/3.
  closeAll(detail.tTxS, [2, 4, 2 / 3], "tx delay");
  // (9): (4 + 8) / 20 = 0.6; (4 + 10) / 20 = 0.7.  (15): (5 + 5) / 4 = 2.5.
  closeAll(detail.tProcS, [0.6, 0.7, 2.5], "processing delay");
  // (11): the other type-0 RSU offloader: 10 / (2*20) = 0.25; 8 / 40 = 0.2.
  // (17): CV2 is alone at SV0 -> 0.
  closeAll(detail.tWaitS, [0.25, 0.2, 0], "waiting delay");
  // (19): 2 + 2 + 0.6 + 0.25 = 4.85; 0 + 4 + 0.7 + 0.2 = 4.9; 4 + 2/3 + 2.5 + 0 = 7.1667.
  closeAll(detail.delayS, [4.85, 4.9, 4 + 2 / 3 + 2.5], "total delay");
  const sumDelay = 4.85 + 4.9 + (4 + 2 / 3 + 2.5);
  close(detail.sumDelayS, sumDelay, "sum delay");
  // (34) drift terms:
  //   local: 1*(2 - 1.5) + 2*(0 - 4) + 5*(5 - 2.5) = 0.5 - 8 + 12.5 = 5
  //   RSU:   4*(18 - 20) = -8
  //   SV:    5*(5 - 4) + 3*(0 - 8) = 5 - 24 = -19          total drift = -22
  // objective = 10 * 16.91667 - 22 = 147.16667 = 883/6; reward (58) = -883/6.
  close(objective, 883 / 6, "objective");
  close(10 * sumDelay - 22, 883 / 6, "hand arithmetic");
  close(detail.objective, 883 / 6, "detail objective");
  close(-detail.objective, -883 / 6, "reward");
});

Deno.test("slot D1: evaluate without a detail gives the same objective and is repeatable", () => {
  const s = world();
  const model = new SlotModel(params(), [MODEL_A], 2);
  close(model.evaluate(s, D1), 883 / 6, "no detail");
  close(model.evaluate(s, D1), 883 / 6, "second call");
  // evaluate does not touch the queues.
  closeAll(s.cvQueueGflop, [1, 2, 5], "cv queues");
  closeAll(s.rsuQueueGflop, [4], "rsu queues");
});

Deno.test("slot D1: queue updates (8), (10), (16) with the max{., 0} floor", () => {
  const s = world();
  const { detail } = run(params(), [MODEL_A], s, D1);
  updateQueues(s, [MODEL_A], D1, detail, 1);
  // (8):  CV0 max(1 - 1.5 + 2, 0) = 1.5; CV1 max(2 - 4 + 0, 0) = 0; CV2 max(5 - 2.5 + 5, 0) = 7.5
  closeAll(s.cvQueueGflop, [1.5, 0, 7.5], "local queues");
  // (10): max(4 - 20 + 18, 0) = 2
  closeAll(s.rsuQueueGflop, [2], "rsu queue");
  // (16): SV0 max(5 - 4 + 5, 0) = 6; SV1 max(3 - 8 + 0, 0) = 0
  closeAll(s.svQueueGflop, [6, 0], "sv queues");
});

Deno.test("slot D1 with tau = 0.5: drift and queues scale the service by tau", () => {
  const s = world();
  const { detail, objective } = run(params({ tauS: 0.5 }), [MODEL_A], s, D1);
  // Delays do not depend on tau: sum = 16.91667.
  // drift: 1*(2 - 0.75) + 2*(0 - 2) + 5*(5 - 1.25) + 4*(18 - 10) + 5*(5 - 2) + 3*(0 - 4)
  //      = 1.25 - 4 + 18.75 + 32 + 15 - 12 = 51
  close(objective, 10 * (4.85 + 4.9 + 4 + 2 / 3 + 2.5) + 51, "objective");
  updateQueues(s, [MODEL_A], D1, detail, 0.5);
  // CV: max(1 - .75 + 2) = 2.25, max(2 - 2 + 0) = 0, max(5 - 1.25 + 5) = 8.75
  closeAll(s.cvQueueGflop, [2.25, 0, 8.75], "local queues");
  // RSU: 4 - 10 + 18 = 12; SV0: 5 - 2 + 5 = 8; SV1: max(3 - 4, 0) = 0
  closeAll(s.rsuQueueGflop, [12], "rsu queue");
  closeAll(s.svQueueGflop, [8, 0], "sv queues");
});

// D2: CV0 -> SV0 (cut before layer 2), CV1 fully local (phi = L+1 = 4), CV2 raw input -> SV0.
const D2: Decision = { partition: [2, 4, 1], target: [1, 0, 1] };

Deno.test("slot D2: two tasks share SV0, a fully local CV, an idle RSU", () => {
  const s = world();
  const { detail, objective } = run(params(), [MODEL_A], s, D2);
  // SV0 arrivals: 8 (CV0) + 10 (CV2) = 18. No RSU offloader: Gamma = 0, Q_rsu = 4 > 0,
  // so A8 gives the whole F = 20 to the only (largest-backlog) type.
  closeAll(detail.svArrivalGflop, [18, 0], "sv arrivals");
  closeAll(detail.rsuArrivalGflop, [0], "rsu arrivals");
  closeAll(detail.rsuShareGflops, [20], "rsu share");
  // CV0 -> SV0 over V2V: SNR = 3 * 0.1 / 0.01 = 30 -> R = 1e6 * log2(31); tx = 4e6 / R.
  const r0 = 1e6 * Math.log2(31);
  closeAll(detail.rateBps, [r0, 0, 3e6], "rate");
  closeAll(detail.tTxS, [4e6 / r0, 0, 8e6 / 3e6], "tx delay");
  // (7): CV0 (1 + 2) / 1.5 = 2; CV1 (2 + 10) / 4 = 3; CV2 phi = 1 -> 0.
  closeAll(detail.tLocalS, [2, 3, 0], "local delay");
  // (15): (5 + 8) / 4 = 3.25, (5 + 10) / 4 = 3.75. (17) masked: 10 / 8 = 1.25, 8 / 8 = 1.
  closeAll(detail.tProcS, [3.25, 0, 3.75], "processing delay");
  closeAll(detail.tWaitS, [1.25, 0, 1], "waiting delay");
  closeAll(detail.dataBytes, [5e5, 0, 1e6], "D_phi");
  const d = [2 + 4e6 / r0 + 3.25 + 1.25, 3, 8 / 3 + 3.75 + 1];
  closeAll(detail.delayS, d, "total delay");
  // drift: 1*(2 - 1.5) + 2*(10 - 4) + 5*(0 - 2.5) + 4*(0 - 20) + 5*(18 - 4) + 3*(0 - 8)
  //      = 0.5 + 12 - 12.5 - 80 + 70 - 24 = -34
  close(objective, 10 * (d[0] + d[1] + d[2]) - 34, "objective");
  updateQueues(s, [MODEL_A], D2, detail, 1);
  // CV: max(1 - 1.5 + 2) = 1.5, max(2 - 4 + 10) = 8, max(5 - 2.5 + 0) = 2.5
  closeAll(s.cvQueueGflop, [1.5, 8, 2.5], "local queues");
  // RSU: max(4 - 20 + 0, 0) = 0; SV0: 5 - 4 + 18 = 19; SV1: max(3 - 8, 0) = 0
  closeAll(s.rsuQueueGflop, [0], "rsu queue");
  closeAll(s.svQueueGflop, [19, 0], "sv queues");
});

Deno.test("slot D1 with waiting 'literal': unmasked (11) and (17), summed over nodes (19)", () => {
  const { detail, objective } = run(params({ waiting: "literal" }), [MODEL_A], world(), D1);
  // Every CV waits for the other type-0 RSU offloaders and for the other offloaders of every SV:
  // CV0: RSU 10/40 = 0.25 + SV0 5/8 = 0.625 -> 0.875
  // CV1: RSU  8/40 = 0.2  + SV0 5/8 = 0.625 -> 0.825
  // CV2: RSU 18/40 = 0.45 + SV0 (5 - 5)/8 = 0 -> 0.45
  closeAll(detail.tWaitS, [0.875, 0.825, 0.45], "waiting delay");
  const d = [2 + 2 + 0.6 + 0.875, 4 + 0.7 + 0.825, 4 + 2 / 3 + 2.5 + 0.45];
  closeAll(detail.delayS, d, "total delay");
  // Same drift (-22) as the masked case.
  close(objective, 10 * (d[0] + d[1] + d[2]) - 22, "objective");
});

Deno.test("slot D2 with waiting 'literal': a fully local CV is charged SV0's waiting", () => {
  const { detail } = run(params({ waiting: "literal" }), [MODEL_A], world(), D2);
  // CV1 (phi = L+1) still pays (17) for SV0's 18 GFLOP: 18 / 8 = 2.25. No RSU arrivals.
  closeAll(detail.tWaitS, [1.25, 2.25, 1], "waiting delay");
  close(detail.delayS[1], 3 + 2.25, "CV1 delay");
});

Deno.test("slot: an inactive CV generates no task and only drains its queue", () => {
  const s = world();
  s.cvActive[1] = 0;
  s.cvQueueGflop[1] = 6;
  // CV1's decision (cut before layer 2, to the RSU) must be ignored.
  const d: Decision = { partition: [2, 2, 3], target: [0, 0, 1] };
  const { detail, objective } = run(params(), [MODEL_A], s, d);
  // RSU: only CV0's 8 GFLOP; alone -> wait 0, processing (4 + 8) / 20 = 0.6.
  closeAll(detail.rsuArrivalGflop, [8], "rsu arrivals");
  closeAll(detail.rsuShareGflops, [20], "rsu share");
  closeAll(detail.delayS, [2 + 2 + 0.6, 0, 4 + 2 / 3 + 2.5], "total delay");
  closeAll(detail.tWaitS, [0, 0, 0], "waiting");
  for (
    const row of [detail.tLocalS, detail.tTxS, detail.tProcS, detail.localGflop, detail.edgeGflop]
  ) {
    assert.equal(row[1], 0);
  }
  // drift: 0.5 + 6*(0 - 4) + 12.5 + 4*(8 - 20) + 5*(5 - 4) + 3*(0 - 8) = -78
  // objective = 10 * (4.6 + 7.16667) - 78 = 39.6667
  close(objective, 10 * (4.6 + 4 + 2 / 3 + 2.5) - 78, "objective");
  updateQueues(s, [MODEL_A], d, detail, 1);
  // CV1: max(6 - 4 + 0, 0) = 2 (no local arrival); RSU: max(4 - 20 + 8, 0) = 0.
  closeAll(s.cvQueueGflop, [1.5, 2, 7.5], "local queues");
  closeAll(s.rsuQueueGflop, [0], "rsu queue");
  closeAll(s.svQueueGflop, [6, 0], "sv queues");
});

function world2(): SlotState {
  const s = world();
  s.cvType = Int32Array.from([0, 1, 0]);
  s.rsuQueueGflop = f64([0, 0]);
  s.rsuCpuGflops = f64([30]);
  return s;
}

Deno.test("slot: two DNN types split the RSU by sqrt(Gamma) and wait only for their own type", () => {
  // CV0 type A phi 2 -> RSU (S = 8), CV1 type B phi 2 -> RSU (S = 2), CV2 type A phi 3 -> SV0.
  const d: Decision = { partition: [2, 2, 3], target: [0, 0, 1] };
  const { detail, objective } = run(params(), [MODEL_A, MODEL_B], world2(), d);
  // Gamma = 10 * 8 = 80 and 10 * 2 = 20; Q = 0 -> f ~ sqrt(Gamma): 2 : 1 of 30 -> 20, 10.
  closeAll(detail.rsuArrivalGflop, [8, 2], "rsu arrivals");
  closeAll(detail.rsuShareGflops, [20, 10], "rsu shares");
  // (9): 8 / 20 = 0.4 and 2 / 10 = 0.2; (11): no other offloader of the same type -> 0.
  closeAll(detail.tProcS, [0.4, 0.2, 2.5], "processing");
  closeAll(detail.tWaitS, [0, 0, 0], "waiting");
  // CV1 (model B): local (2 + 2) / 4 = 1, tx 8 * 1e5 / 2e6 = 0.4.
  closeAll(detail.tLocalS, [2, 1, 4], "local");
  closeAll(detail.tTxS, [2, 0.4, 2 / 3], "tx");
  const dl = [2 + 2 + 0.4, 1 + 0.4 + 0.2, 4 + 2 / 3 + 2.5];
  closeAll(detail.delayS, dl, "delay");
  // drift: 0.5 + 2*(2 - 4) + 12.5 + 0 (Q_rsu = 0) + 5 - 24 = -10
  close(objective, 10 * (dl[0] + dl[1] + dl[2]) - 10, "objective");
});

Deno.test("slot: the Gamma form (corrected / printed, A8) reaches the RSU split", () => {
  // Q_rsu = [1, 0]; type A: CV0 (S = 8) and CV2 (S = 5) at the RSU; type B: CV1 (S = 2).
  // corrected Gamma_A = 10 * (2*1 + 13 + 13/2) = 215; printed 10 * (1 + 13 + 6.5) = 205;
  // Gamma_B = 10 * 2 = 20. KKT (50)-(53): Gamma_A / f_A^2 + 1 = Gamma_B / f_B^2, f_A + f_B = 30.
  const d: Decision = { partition: [2, 2, 3], target: [0, 0, 0] };
  for (const [form, gA] of [["corrected", 215], ["printed", 205]] as const) {
    const s = world2();
    s.rsuQueueGflop[0] = 1;
    const { detail } = run(params({ gamma: form }), [MODEL_A, MODEL_B], s, d);
    const [fA, fB] = detail.rsuShareGflops;
    close(fA + fB, 30, `${form} capacity`);
    close(gA / (fA * fA) + 1, 20 / (fB * fB), `${form} stationarity`, 1e-7);
    // (9) and (11) for CV2 with its share: (1 + 5) / fA and 8 / (2 fA).
    close(detail.tProcS[2], 6 / fA, `${form} CV2 processing`);
    close(detail.tWaitS[2], 4 / fA, `${form} CV2 waiting`);
  }
});

Deno.test("slot: Rayleigh fading multiplies the SNR by -ln(u) of the link's counter", () => {
  const s = world();
  s.episode = 2;
  s.slot = 3;
  const p = params({ fading: "rayleigh", fadingKey: 12345 });
  const { detail } = run(p, [MODEL_A], s, D1);
  // CV1 -> RSU: SNR 3 |u|^2, u = counterUniform(key, episode, slot, cv 1, node 0).
  const fade1 = -Math.log(counterUniform(12345, 2, 3, 1, 0));
  close(detail.rateBps[1], 1e6 * Math.log2(1 + 3 * fade1), "CV1 rate");
  // CV2 -> SV0 (node 1): SNR 7 |u|^2.
  const fade2 = -Math.log(counterUniform(12345, 2, 3, 2, 1));
  close(detail.rateBps[2], 1e6 * Math.log2(1 + 7 * fade2), "CV2 rate");
  close(detail.tTxS[2], 2e6 / (1e6 * Math.log2(1 + 7 * fade2)), "CV2 tx");
});

Deno.test("SlotModel.feasible: RSU always, SVs within 150 m and active ([TMC 25], A11)", () => {
  const s = world();
  const model = new SlotModel(params(), [MODEL_A], 2);
  for (let i = 0; i < 3; i++) assert.equal(model.feasible(s, i, 0), true, `CV${i} -> RSU`);
  // CV2 (100, 0) -> SV0 (103, 4): 5 m. CV0 (6, 8) -> SV0: sqrt(97^2 + 4^2) = 97.08 m.
  assert.equal(model.feasible(s, 2, 1), true);
  assert.equal(model.feasible(s, 0, 1), true);
  close(model.distanceM(s, 2, 1), 5, "distance CV2-SV0");
  close(model.distanceM(s, 0, 0), 10, "distance CV0-RSU");
  // CV2 -> SV1 (500, 0): 400 m.
  assert.equal(model.feasible(s, 2, 2), false);
  close(model.distanceM(s, 2, 2), 400, "distance CV2-SV1");
  // Exactly 150 m (90-120-150 triangle) is allowed; a hair beyond is not.
  s.svX[1] = 190;
  s.svY[1] = 120;
  close(model.distanceM(s, 2, 2), 150, "boundary distance");
  assert.equal(model.feasible(s, 2, 2), true);
  s.svX[1] = 190.001;
  assert.equal(model.feasible(s, 2, 2), false);
  // An inactive SV cannot be chosen even when close.
  s.svActive[0] = 0;
  assert.equal(model.feasible(s, 2, 1), false);
  // A smaller radius.
  const near = new SlotModel(params({ v2vRangeM: 4 }), [MODEL_A], 2);
  s.svActive[0] = 1;
  assert.equal(near.feasible(s, 2, 1), false);
});
