/**
 * The per-slot system model: delays (MODEL.md eqs. (4)-(19)), the RSU
 * allocation (44)-(53), the drift-plus-penalty objective (34) and the
 * queue arrivals of (8), (10), (16). Pure arithmetic over plain arrays.
 *
 * @module
 */
import type { DnnTable } from "../dnn/layers.ts";
import { counterUniform } from "../rng.ts";
import { allocateByWork, allocateRsu, gamma, type GammaForm } from "./allocation.ts";
import { type LinkBudget, type PathLoss, rateBps, rayleighPower } from "./channel.ts";

/** Waiting-time masking of eqs. (11), (17) (MODEL.md A6). */
export type WaitingMode = "masked" | "literal";

/** Constants of the per-slot model. */
export interface ModelParams {
  /** Lyapunov weight V of eq. (32). */
  V: number;
  tauS: number;
  gamma: GammaForm;
  waiting: WaitingMode;
  budget: LinkBudget;
  v2i: PathLoss;
  v2v: PathLoss;
  fading: "rayleigh" | "none";
  /** Stream key of the fading counter generator. */
  fadingKey: number;
  v2vRangeM: number;
}

/**
 * The world as seen at the start of a slot: positions, hardware and
 * backlogs Q(t) (before this slot's arrivals, A9). Queues in GFLOP, CPU in
 * GFLOP/s (A3), positions in metres.
 */
export interface SlotState {
  /** 0-based episode and slot: the fading counters. */
  episode: number;
  slot: number;
  /** Type (index into the model tables) of each client vehicle. */
  cvType: Int32Array;
  /** 1 while the CV is in the system (in the trace and in RSU coverage); an absent CV has no task. */
  cvActive: Uint8Array;
  cvX: Float64Array;
  cvY: Float64Array;
  /** Scalar road coordinate po of eq. (54) (m); on the highway it is x. */
  cvRoadM: Float64Array;
  /** Speed at the slot's start (m/s). */
  cvSpeedMps: Float64Array;
  cvCpuGflops: Float64Array;
  cvTxPowerW: Float64Array;
  cvQueueGflop: Float64Array;
  svX: Float64Array;
  svY: Float64Array;
  svRoadM: Float64Array;
  svSpeedMps: Float64Array;
  /** 1 while the SV is in the system; an absent SV cannot be chosen. */
  svActive: Uint8Array;
  svCpuGflops: Float64Array;
  svQueueGflop: Float64Array;
  rsuX: number;
  rsuY: number;
  rsuCpuGflops: number;
  /** Q_k^rsu per DNN type. */
  rsuQueueGflop: Float64Array;
}

/** A joint decision: partition point phi (1..L+1) and node (0 = RSU, s = SV s) per CV. */
export interface Decision {
  partition: ArrayLike<number>;
  target: ArrayLike<number>;
}

/** Everything the model derives from one joint decision. */
export class SlotDetail {
  readonly rsuShareGflops: Float64Array;
  readonly rsuArrivalGflop: Float64Array;
  readonly svArrivalGflop: Float64Array;
  readonly distanceM: Float64Array;
  readonly rateBps: Float64Array;
  readonly dataBytes: Float64Array;
  readonly localGflop: Float64Array;
  readonly edgeGflop: Float64Array;
  readonly tLocalS: Float64Array;
  readonly tTxS: Float64Array;
  readonly tProcS: Float64Array;
  readonly tWaitS: Float64Array;
  readonly delayS: Float64Array;
  objective = 0;
  sumDelayS = 0;

  constructor(cvs: number, svs: number, types: number) {
    this.rsuShareGflops = new Float64Array(types);
    this.rsuArrivalGflop = new Float64Array(types);
    this.svArrivalGflop = new Float64Array(svs);
    const perCv = () => new Float64Array(cvs);
    this.distanceM = perCv();
    this.rateBps = perCv();
    this.dataBytes = perCv();
    this.localGflop = perCv();
    this.edgeGflop = perCv();
    this.tLocalS = perCv();
    this.tTxS = perCv();
    this.tProcS = perCv();
    this.tWaitS = perCv();
    this.delayS = perCv();
  }
}

/** Evaluates joint decisions against a slot state; allocation-free after construction. */
export class SlotModel {
  readonly #p: ModelParams;
  readonly #tables: readonly DnnTable[];
  readonly #rsuArr: Float64Array;
  readonly #rsuCount: Int32Array;
  readonly #gammas: Float64Array;
  readonly #work: Float64Array;
  readonly #shares: Float64Array;
  readonly #svArr: Float64Array;

  constructor(params: ModelParams, tables: readonly DnnTable[], svs: number) {
    this.#p = params;
    this.#tables = tables;
    const K = tables.length;
    this.#rsuArr = new Float64Array(K);
    this.#rsuCount = new Int32Array(K);
    this.#gammas = new Float64Array(K);
    this.#work = new Float64Array(K);
    this.#shares = new Float64Array(K);
    this.#svArr = new Float64Array(svs);
  }

  get params(): ModelParams {
    return this.#p;
  }

  /**
   * F(t): the KKT shares of (48), (51)-(53); at V = 0 the split by work of
   * MODEL.md A24, also used in a slot where V > 0 is so small that floating
   * point cannot resolve (51) (Gamma_k underflows: a share comes out 0 for a
   * container with offloaders, or not finite), so every delay (9), (11) stays
   * finite.
   */
  #allocate(s: SlotState, rsuArr: Float64Array, shares: Float64Array) {
    const p = this.#p;
    const K = this.#tables.length;
    const count = this.#rsuCount;
    if (p.V > 0) {
      for (let k = 0; k < K; k++) {
        this.#gammas[k] = gamma(p.gamma, p.V, count[k], rsuArr[k], s.rsuQueueGflop[k]);
      }
      allocateRsu(this.#gammas, s.rsuQueueGflop, s.rsuCpuGflops, p.tauS, shares);
      let usable = true;
      for (let k = 0; k < K; k++) {
        usable &&= Number.isFinite(shares[k]) && (count[k] > 0 ? shares[k] > 0 : shares[k] >= 0);
      }
      if (usable) return;
    }
    // MODEL.md A24: W_k = Q_k^rsu + A_k (the arrivals of (10)).
    const work = this.#work;
    for (let k = 0; k < K; k++) work[k] = s.rsuQueueGflop[k] + rsuArr[k];
    allocateByWork(work, s.rsuCpuGflops, shares);
  }

  /** Distance (m) from CV `i` to node `node` (0 = RSU). */
  distanceM(s: SlotState, i: number, node: number): number {
    const dx = node === 0 ? s.cvX[i] - s.rsuX : s.cvX[i] - s.svX[node - 1];
    const dy = node === 0 ? s.cvY[i] - s.rsuY : s.cvY[i] - s.svY[node - 1];
    return Math.sqrt(dx * dx + dy * dy);
  }

  /** Whether CV `i` may offload to `node` ([TMC 25]; the RSU is always reachable, A11). */
  feasible(s: SlotState, i: number, node: number): boolean {
    if (node === 0) return true;
    if (!s.svActive[node - 1]) return false;
    const dx = s.cvX[i] - s.svX[node - 1];
    const dy = s.cvY[i] - s.svY[node - 1];
    return dx * dx + dy * dy <= this.#p.v2vRangeM * this.#p.v2vRangeM;
  }

  /** Rate (bit/s) of link (i, node) in this slot, eq. (1) or (2), with per-slot fading. */
  linkRateBps(s: SlotState, i: number, node: number, distanceM: number): number {
    const p = this.#p;
    const fade = p.fading === "none"
      ? 1
      : rayleighPower(counterUniform(p.fadingKey, s.episode, s.slot, i, node));
    return rateBps(p.budget, node === 0 ? p.v2i : p.v2v, s.cvTxPowerW[i], distanceM, fade);
  }

  /**
   * The per-slot objective of P2(t), eq. (34); the reward (58) is its negative.
   * Fills `detail` (allocation, arrivals, per-CV delays) when given.
   */
  evaluate(s: SlotState, d: Decision, detail?: SlotDetail): number {
    const p = this.#p;
    const tables = this.#tables;
    const K = tables.length;
    const I = s.cvType.length;
    const S = s.svX.length;
    const rsuArr = detail ? detail.rsuArrivalGflop : this.#rsuArr;
    const svArr = detail ? detail.svArrivalGflop : this.#svArr;
    const shares = detail ? detail.rsuShareGflops : this.#shares;
    const count = this.#rsuCount;
    rsuArr.fill(0);
    svArr.fill(0);
    count.fill(0);
    // Arrivals: the sums inside (10) and (16).
    for (let i = 0; i < I; i++) {
      const t = tables[s.cvType[i]];
      const phi = d.partition[i];
      if (phi > t.L || !s.cvActive[i]) continue;
      const node = d.target[i];
      if (node === 0) {
        rsuArr[s.cvType[i]] += t.edgeGflop[phi];
        count[s.cvType[i]]++;
      } else svArr[node - 1] += t.edgeGflop[phi];
    }
    this.#allocate(s, rsuArr, shares);

    // Literal (unmasked) waiting charges every CV the other offloaders' wait (A6).
    let svWaitAll = 0;
    if (p.waiting === "literal") {
      for (let j = 0; j < S; j++) svWaitAll += svArr[j] / (2 * s.svCpuGflops[j]);
    }
    let sumDelay = 0;
    let drift = 0;
    for (let i = 0; i < I; i++) {
      if (!s.cvActive[i]) {
        // An absent CV generates no task; its local queue keeps draining (8).
        drift -= s.cvQueueGflop[i] * s.cvCpuGflops[i] * p.tauS;
        if (detail) clearRow(detail, i);
        continue;
      }
      const k = s.cvType[i];
      const t = tables[k];
      const phi = d.partition[i];
      const node = d.target[i];
      const local = t.localGflop[phi];
      // (7): FIFO behind the local backlog; zero when nothing runs on board.
      const tLocal = phi === 1 ? 0 : (s.cvQueueGflop[i] + local) / s.cvCpuGflops[i];
      // (8)'s bracket: arrival minus service, weighted by Q_i^loc (34).
      drift += s.cvQueueGflop[i] * (local - s.cvCpuGflops[i] * p.tauS);
      let tTx = 0, tProc = 0, tWait = 0, dist = 0, rate = 0, data = 0;
      const edge = phi > t.L ? 0 : t.edgeGflop[phi];
      if (phi <= t.L) {
        dist = this.distanceM(s, i, node);
        rate = this.linkRateBps(s, i, node, dist);
        data = t.dBytes[phi];
        tTx = (8 * data) / rate; // (4)/(5) with A2
        if (node === 0) {
          tProc = (s.rsuQueueGflop[k] + edge) / shares[k]; // (9)
          tWait = (rsuArr[k] - edge) / (2 * shares[k]); // (11), masked (A6)
        } else {
          const f = s.svCpuGflops[node - 1];
          tProc = (s.svQueueGflop[node - 1] + edge) / f; // (15)
          tWait = (svArr[node - 1] - edge) / (2 * f); // (17), masked (A6)
        }
      }
      if (p.waiting === "literal") {
        // Unmasked (11) and (17), summed over all nodes as in (19): every CV
        // waits for the other offloaders of its type at the RSU and of every SV.
        const offloaded = phi <= t.L;
        const othersRsu = rsuArr[k] - (offloaded && node === 0 ? edge : 0);
        const ownSv = offloaded && node !== 0 ? edge / (2 * s.svCpuGflops[node - 1]) : 0;
        tWait = (othersRsu > 0 ? othersRsu / (2 * shares[k]) : 0) + svWaitAll - ownSv;
      }
      const delay = tLocal + tTx + tProc + tWait; // (12), (18), (19)
      sumDelay += delay;
      if (detail) {
        detail.distanceM[i] = dist;
        detail.rateBps[i] = rate;
        detail.dataBytes[i] = data;
        detail.localGflop[i] = local;
        detail.edgeGflop[i] = edge;
        detail.tLocalS[i] = tLocal;
        detail.tTxS[i] = tTx;
        detail.tProcS[i] = tProc;
        detail.tWaitS[i] = tWait;
        detail.delayS[i] = delay;
      }
    }
    for (let k = 0; k < K; k++) {
      drift += s.rsuQueueGflop[k] * (rsuArr[k] - shares[k] * p.tauS);
    }
    for (let j = 0; j < S; j++) {
      drift += s.svQueueGflop[j] * (svArr[j] - s.svCpuGflops[j] * p.tauS);
    }
    const objective = p.V * sumDelay + drift; // (34)
    if (detail) {
      detail.objective = objective;
      detail.sumDelayS = sumDelay;
    }
    return objective;
  }
}

function clearRow(detail: SlotDetail, i: number) {
  detail.distanceM[i] = detail.rateBps[i] = detail.dataBytes[i] = 0;
  detail.localGflop[i] = detail.edgeGflop[i] = 0;
  detail.tLocalS[i] =
    detail.tTxS[i] =
    detail.tProcS[i] =
    detail.tWaitS[i] =
    detail.delayS[i] =
      0;
}

/** Queue updates (8), (10), (16): Q(t+1) = max(Q(t) - f tau + A, 0), in place. */
export function updateQueues(
  s: SlotState,
  tables: readonly DnnTable[],
  d: Decision,
  detail: SlotDetail,
  tauS: number,
) {
  for (let i = 0; i < s.cvQueueGflop.length; i++) {
    const local = s.cvActive[i] ? tables[s.cvType[i]].localGflop[d.partition[i]] : 0;
    s.cvQueueGflop[i] = Math.max(s.cvQueueGflop[i] - s.cvCpuGflops[i] * tauS + local, 0);
  }
  for (let k = 0; k < s.rsuQueueGflop.length; k++) {
    s.rsuQueueGflop[k] = Math.max(
      s.rsuQueueGflop[k] - detail.rsuShareGflops[k] * tauS + detail.rsuArrivalGflop[k],
      0,
    );
  }
  for (let j = 0; j < s.svQueueGflop.length; j++) {
    s.svQueueGflop[j] = Math.max(
      s.svQueueGflop[j] - s.svCpuGflops[j] * tauS + detail.svArrivalGflop[j],
      0,
    );
  }
}
