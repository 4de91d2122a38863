/**
 * The per-slot system model: delays (MODEL.md eqs. (4)-(19)), the RSU
 * allocation (44)-(53), the drift-plus-penalty objective (34) and the
 * queue arrivals of (8), (10), (16); with several RSUs, MODEL.md section
 * 6.3 (E1-E12): an allocation per RSU and the handover of results over the
 * backhaul. Pure arithmetic over plain arrays.
 *
 * Nodes are numbered 0..R-1 for the RSUs and R..R+S-1 for the SVs; with one
 * RSU, node 0 is the RSU and node s is SV s, as in the paper.
 *
 * @module
 */
import type { DnnTable } from "../dnn/layers.ts";
import { counterUniform } from "../rng.ts";
import { allocateByWork, allocateRsu, gamma, type GammaForm } from "./allocation.ts";
import { withinM } from "../coverage.ts";
import { ExactMemo } from "./memo.ts";
import { LinkTable } from "./links.ts";
import { type LinkBudget, type PathLoss, rateBps, rayleighPower } from "./channel.ts";

/** Waiting-time masking of eqs. (11), (17) (MODEL.md A6). */
export type WaitingMode = "masked" | "literal";

/** How the RSUs are wired (MODEL.md E9): the hop count of a forwarded result. */
export type BackhaulTopology = "chain" | "star" | "mesh";

/** The RSUs' backhaul (MODEL.md E9); it carries nothing with one RSU. */
export interface Backhaul {
  /** R^bh (bit/s). */
  rateBps: number;
  /** lambda^bh, the latency per hop (s). */
  hopLatencyS: number;
  topology: BackhaulTopology;
}

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
  backhaul: Backhaul;
  /** D_k^out: the bytes of each DNN type's result, the last layer's output (E9). */
  resultBytes: readonly number[];
}

/** Hops between RSUs `a` and `b` (0-based) on the backhaul (E9). */
export function backhaulHops(topology: BackhaulTopology, a: number, b: number): number {
  return topology === "chain" ? Math.abs(a - b) : topology === "star" ? 2 : 1;
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
  /** RSU positions (m), coverage radii c_r (m) and CPUs f_r^rsu,max (GFLOP/s), R of each. */
  rsuX: Float64Array;
  rsuY: Float64Array;
  rsuCoverageM: Float64Array;
  rsuCpuGflops: Float64Array;
  /** Q_{r,k}^rsu per RSU and DNN type, RSU-major: index r K + k. */
  rsuQueueGflop: Float64Array;
  /**
   * Predicted CV positions (MODEL.md A33) with several RSUs: CV i at the
   * episode's 0-based slot boundary n is (trackX[n I + i], trackY[n I + i]).
   * Empty with one RSU.
   */
  trackX: Float64Array;
  trackY: Float64Array;
}

/**
 * A joint decision: partition point phi (1..L+1) and node per CV (0..R-1 an
 * RSU, R + s - 1 SV s; with one RSU, 0 = the RSU and s = SV s).
 */
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
  /** d_i^bh (E9): 0 without a handover. */
  readonly tBackhaulS: Float64Array;
  /** The RSU (0-based) a handed-over result is forwarded to (E8), else -1. */
  readonly handoverTo: Int32Array;
  readonly delayS: Float64Array;
  objective = 0;
  sumDelayS = 0;
  /** Handovers in the slot (E8). */
  handovers = 0;

  /** Shapes: CVs, SVs, DNN types, RSUs (the RSU arrays are RSU-major, r K + k). */
  constructor(cvs: number, svs: number, types: number, rsus = 1) {
    this.rsuShareGflops = new Float64Array(rsus * types);
    this.rsuArrivalGflop = new Float64Array(rsus * types);
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
    this.tBackhaulS = perCv();
    this.handoverTo = new Int32Array(cvs).fill(-1);
    this.delayS = perCv();
  }
}

/** Evaluates joint decisions against a slot state; allocation-free after construction. */
export class SlotModel {
  readonly #p: ModelParams;
  readonly #tables: readonly DnnTable[];
  /** R, the number of RSUs: nodes 0..R-1. */
  readonly rsus: number;
  readonly #rsuArr: Float64Array;
  readonly #rsuCount: Int32Array;
  readonly #gammas: Float64Array;
  readonly #work: Float64Array;
  readonly #shares: Float64Array;
  /** One RSU's arrivals, queues and shares while it allocates (K each). */
  readonly #arrK: Float64Array;
  readonly #queueK: Float64Array;
  readonly #shareK: Float64Array;
  readonly #svArr: Float64Array;
  /** One RSU's shares by the bits of (capacity, Q_k, |I_k|, A_k): the allocation is pure. */
  readonly allocations: ExactMemo;
  /** The slot's link distances and rates, computed once per slot. */
  readonly #links = new LinkTable();
  /** Scratch of the handover's predicted position (E8). */
  readonly #at = new Float64Array(2);

  constructor(params: ModelParams, tables: readonly DnnTable[], svs: number, rsus = 1) {
    this.#p = params;
    this.#tables = tables;
    this.rsus = rsus;
    const K = tables.length;
    this.#rsuArr = new Float64Array(rsus * K);
    this.#rsuCount = new Int32Array(rsus * K);
    this.#gammas = new Float64Array(K);
    this.#work = new Float64Array(K);
    this.#arrK = new Float64Array(K);
    this.#queueK = new Float64Array(K);
    this.#shareK = new Float64Array(K);
    this.#shares = new Float64Array(rsus * K);
    this.#svArr = new Float64Array(svs);
    this.allocations = new ExactMemo(1 + 3 * K, K);
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
    const K = this.#tables.length;
    const [arr, queues, out] = [this.#arrK, this.#queueK, this.#shareK];
    const memo = this.allocations;
    const key = memo.key;
    // E6: one problem (44)-(53) per RSU, independent of the others.
    for (let r = 0; r < this.rsus; r++) {
      const c0 = r * K;
      key[0] = s.rsuCpuGflops[r];
      for (let k = 0; k < K; k++) {
        key[1 + k] = s.rsuQueueGflop[c0 + k];
        key[1 + K + k] = this.#rsuCount[c0 + k];
        key[1 + 2 * K + k] = rsuArr[c0 + k];
      }
      let at = memo.find();
      if (at < 0) {
        for (let k = 0; k < K; k++) [arr[k], queues[k]] = [rsuArr[c0 + k], s.rsuQueueGflop[c0 + k]];
        this.#allocateAt(key[0], c0, arr, queues, out);
        at = memo.store(at, out);
      }
      const v = memo.values;
      for (let k = 0; k < K; k++) shares[c0 + k] = v[at * K + k];
    }
  }

  /** One RSU's shares from its arrivals, queues and CPU (K entries; its counts from `c0`). */
  #allocateAt(
    capacity: number,
    c0: number,
    rsuArr: Float64Array,
    queues: Float64Array,
    shares: Float64Array,
  ) {
    const p = this.#p;
    const K = this.#tables.length;
    const count = this.#rsuCount;
    if (p.V > 0) {
      for (let k = 0; k < K; k++) {
        this.#gammas[k] = gamma(p.gamma, p.V, count[c0 + k], rsuArr[k], queues[k]);
      }
      allocateRsu(this.#gammas, queues, capacity, p.tauS, shares);
      let usable = true;
      for (let k = 0; k < K; k++) {
        usable &&= Number.isFinite(shares[k]) &&
          (count[c0 + k] > 0 ? shares[k] > 0 : shares[k] >= 0);
      }
      if (usable) return;
    }
    // MODEL.md A24: W_k = Q_k^rsu + A_k (the arrivals of (10)).
    const work = this.#work;
    for (let k = 0; k < K; k++) work[k] = queues[k] + rsuArr[k];
    allocateByWork(work, capacity, shares);
  }

  /** Distance (m) from CV `i` to node `node` (RSUs first, then SVs). */
  distanceM(s: SlotState, i: number, node: number): number {
    const R = this.rsus;
    const dx = node < R ? s.cvX[i] - s.rsuX[node] : s.cvX[i] - s.svX[node - R];
    const dy = node < R ? s.cvY[i] - s.rsuY[node] : s.cvY[i] - s.svY[node - R];
    return Math.sqrt(dx * dx + dy * dy);
  }

  /**
   * Whether CV `i` may offload to `node`: an SV within V2V range ([TMC 25]);
   * the RSU when there is one (A11), one that covers the CV when there are
   * several (E2).
   */
  feasible(s: SlotState, i: number, node: number): boolean {
    const R = this.rsus;
    if (node < R) return R === 1 || covers(s, node, s.cvX[i], s.cvY[i]);
    if (!s.svActive[node - R]) return false;
    const dx = s.cvX[i] - s.svX[node - R];
    const dy = s.cvY[i] - s.svY[node - R];
    return dx * dx + dy * dy <= this.#p.v2vRangeM * this.#p.v2vRangeM;
  }

  /** Rate (bit/s) of link (i, node) in this slot, eq. (1) or (2) (E3), with per-slot fading. */
  linkRateBps(s: SlotState, i: number, node: number, distanceM: number): number {
    const p = this.#p;
    const fade = p.fading === "none"
      ? 1
      : rayleighPower(counterUniform(p.fadingKey, s.episode, s.slot, i, node));
    return rateBps(p.budget, node < this.rsus ? p.v2i : p.v2v, s.cvTxPowerW[i], distanceM, fade);
  }

  /**
   * Where the result of CV `i` that RSU `r` finishes `delayS` after the
   * slot's start is delivered (E8): another RSU (0-based), or -1 when it
   * stays at `r`.
   */
  #handoverTarget(s: SlotState, i: number, r: number, delayS: number): number {
    const I = s.cvType.length;
    const samples = s.trackX.length / I;
    if (samples === 0) return -1;
    // A33: linear between slot boundaries, the last sample after the track's end.
    const u = s.slot + delayS / this.#p.tauS;
    const n = Math.floor(u);
    const at = this.#at;
    if (n + 1 >= samples) {
      at[0] = s.trackX[(samples - 1) * I + i];
      at[1] = s.trackY[(samples - 1) * I + i];
    } else {
      const w = u - n;
      const a = n * I + i;
      const b = a + I;
      at[0] = s.trackX[a] + w * (s.trackX[b] - s.trackX[a]);
      at[1] = s.trackY[a] + w * (s.trackY[b] - s.trackY[a]);
    }
    if (covers(s, r, at[0], at[1])) return -1;
    let best = -1;
    let bestD = Infinity;
    for (let q = 0; q < this.rsus; q++) {
      const dx = at[0] - s.rsuX[q], dy = at[1] - s.rsuY[q];
      const d = dx * dx + dy * dy; // squared, as withinM
      if (withinM(dx, dy, s.rsuCoverageM[q]) && d < bestD) {
        best = q;
        bestD = d;
      }
    }
    return best; // A34: no RSU covers the CV then: the result stays
  }

  /**
   * The per-slot objective of P2(t), eq. (34); the reward (58) is its negative.
   * Fills `detail` (allocation, arrivals, per-CV delays) when given.
   */
  evaluate(s: SlotState, d: Decision, detail?: SlotDetail): number {
    const p = this.#p;
    const tables = this.#tables;
    const K = tables.length;
    const R = this.rsus;
    const I = s.cvType.length;
    const S = s.svX.length;
    const rsuArr = detail ? detail.rsuArrivalGflop : this.#rsuArr;
    const svArr = detail ? detail.svArrivalGflop : this.#svArr;
    const shares = detail ? detail.rsuShareGflops : this.#shares;
    const count = this.#rsuCount;
    // Loops, not fill(): a builtin call costs more than these few entries.
    for (let c = 0; c < R * K; c++) rsuArr[c] = count[c] = 0;
    for (let j = 0; j < S; j++) svArr[j] = 0;
    // Arrivals: the sums inside (10) and (16) (E5 per RSU).
    for (let i = 0; i < I; i++) {
      const t = tables[s.cvType[i]];
      const phi = d.partition[i];
      if (phi > t.L || !s.cvActive[i]) continue;
      const node = d.target[i];
      if (node < R) {
        rsuArr[node * K + s.cvType[i]] += t.edgeGflop[phi];
        count[node * K + s.cvType[i]]++;
      } else svArr[node - R] += t.edgeGflop[phi];
    }
    this.#allocate(s, rsuArr, shares);

    const links = this.#links;
    links.sync(s);
    const J = R + S;
    const literal = p.waiting === "literal";
    const tauS = p.tauS;
    // Literal (unmasked) waiting charges every CV the other offloaders' wait (A6).
    let svWaitAll = 0;
    if (literal) {
      for (let j = 0; j < S; j++) svWaitAll += svArr[j] / (2 * s.svCpuGflops[j]);
    }
    let sumDelay = 0;
    let drift = 0;
    let handovers = 0;
    for (let i = 0; i < I; i++) {
      if (!s.cvActive[i]) {
        // An absent CV generates no task; its local queue keeps draining (8).
        drift -= s.cvQueueGflop[i] * s.cvCpuGflops[i] * tauS;
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
      drift += s.cvQueueGflop[i] * (local - s.cvCpuGflops[i] * tauS);
      let tTx = 0, tProc = 0, tWait = 0, dist = 0, rate = 0, data = 0;
      const edge = phi > t.L ? 0 : t.edgeGflop[phi];
      if (phi <= t.L) {
        const at = i * J + node;
        if (!links.has(at)) {
          const m = this.distanceM(s, i, node);
          links.set(at, m, this.linkRateBps(s, i, node, m));
        }
        rate = links.rateBps(at);
        dist = links.distanceM(at);
        data = t.dBytes[phi];
        tTx = (8 * data) / rate; // (4)/(5) with A2, E3
        if (node < R) {
          const c = node * K + k;
          tProc = (s.rsuQueueGflop[c] + edge) / shares[c]; // (9), E4
          tWait = (rsuArr[c] - edge) / (2 * shares[c]); // (11), masked (A6), E4
        } else {
          const f = s.svCpuGflops[node - R];
          tProc = (s.svQueueGflop[node - R] + edge) / f; // (15)
          tWait = (svArr[node - R] - edge) / (2 * f); // (17), masked (A6)
        }
      }
      if (literal) {
        // Unmasked (11) and (17), summed over all nodes as in (19): every CV
        // waits for the other offloaders of its type at every RSU and of every SV.
        const offloaded = phi <= t.L;
        const ownSv = offloaded && node >= R ? edge / (2 * s.svCpuGflops[node - R]) : 0;
        let rsuWait = 0;
        for (let r = 0; r < R; r++) {
          const c = r * K + k;
          const others = rsuArr[c] - (offloaded && node === r ? edge : 0);
          rsuWait += others > 0 ? others / (2 * shares[c]) : 0;
        }
        tWait = rsuWait + svWaitAll - ownSv;
      }
      let delay = tLocal + tTx + tProc + tWait; // (12), (18), (19); E7
      let tBackhaul = 0;
      let to = -1;
      if (R > 1 && phi <= t.L && node < R) {
        to = this.#handoverTarget(s, i, node, delay);
        if (to >= 0) {
          // E9: hops x latency + the result's bytes over the backhaul.
          const b = p.backhaul;
          tBackhaul = backhaulHops(b.topology, node, to) * b.hopLatencyS +
            (8 * p.resultBytes[k]) / b.rateBps;
          delay += tBackhaul; // E10
          handovers++;
        }
      }
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
        detail.tBackhaulS[i] = tBackhaul;
        detail.handoverTo[i] = to;
        detail.delayS[i] = delay;
      }
    }
    for (let c = 0; c < R * K; c++) {
      drift += s.rsuQueueGflop[c] * (rsuArr[c] - shares[c] * tauS); // E11
    }
    for (let j = 0; j < S; j++) {
      drift += s.svQueueGflop[j] * (svArr[j] - s.svCpuGflops[j] * tauS);
    }
    const objective = p.V * sumDelay + drift; // (34), E11
    if (detail) {
      detail.objective = objective;
      detail.sumDelayS = sumDelay;
      detail.handovers = handovers;
    }
    return objective;
  }
}

/** Whether RSU `r` covers the point (x, y) (E1). */
export function covers(s: Readonly<SlotState>, r: number, x: number, y: number): boolean {
  return withinM(x - s.rsuX[r], y - s.rsuY[r], s.rsuCoverageM[r]);
}

function clearRow(detail: SlotDetail, i: number) {
  detail.distanceM[i] = detail.rateBps[i] = detail.dataBytes[i] = 0;
  detail.localGflop[i] = detail.edgeGflop[i] = 0;
  detail.tLocalS[i] =
    detail.tTxS[i] =
    detail.tProcS[i] =
    detail.tWaitS[i] =
    detail.tBackhaulS[i] =
    detail.delayS[i] =
      0;
  detail.handoverTo[i] = -1;
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
