/**
 * What a policy sees in a slot (MODEL.md eqs. (54)-(55) plus the
 * feasibility mask and the node queues). Plain objects and typed arrays
 * only: no tensors cross the policy interface.
 *
 * An observation is valid during the `decide` call it is passed to; copy
 * whatever you keep (e.g. `localState(i, new Float64Array(n))`).
 *
 * @module
 */
import type { DnnTable } from "../dnn/layers.ts";
import type { Decision, SlotModel, SlotState } from "../model/slot.ts";
import { actionCount, expandNodeMask, localStateDim, writeLocalState } from "./encoding.ts";
import type { NeighbourIndex } from "./neighbours.ts";

/**
 * A slot's observation. Nodes 0..R-1 are the RSUs and R..R+S-1 the service
 * vehicles; with one RSU (the paper's model), node 0 is the RSU and node s
 * (1..S) is service vehicle s.
 */
export class Observation {
  /** 1-based episode and slot numbers. */
  episode = 1;
  slot = 1;
  readonly #model: SlotModel;
  readonly #index: NeighbourIndex;
  readonly #nodes: number[] = [];

  constructor(
    /** The raw state: positions, CPU, backlogs Q(t) in GFLOP. Read-only for policies. */
    readonly state: Readonly<SlotState>,
    /** Partition tables of the DNN types (index = state.cvType[i]). */
    readonly tables: readonly DnnTable[],
    model: SlotModel,
    index: NeighbourIndex,
  ) {
    this.#model = model;
    this.#index = index;
  }

  /** Number of client vehicles I. */
  get cvCount(): number {
    return this.state.cvType.length;
  }

  /** Number of edge nodes J = R (RSUs) + number of SVs. */
  get nodeCount(): number {
    return this.state.svX.length + this.state.rsuX.length;
  }

  /** Number of RSUs R: nodes 0..R-1. */
  get rsuCount(): number {
    return this.state.rsuX.length;
  }

  /** The slot length tau (s). */
  get tauS(): number {
    return this.#model.params.tauS;
  }

  /** The DNN table of CV `i`. */
  table(i: number): DnnTable {
    return this.tables[this.state.cvType[i]];
  }

  /** Whether CV `i` may offload to `node` (an RSU that covers it, E2; V2V range, [TMC 25]). */
  feasible(i: number, node: number): boolean {
    return this.#model.feasible(this.state, i, node);
  }

  /** Distance (m) from CV `i` to `node`. */
  distanceM(i: number, node: number): number {
    return this.#model.distanceM(this.state, i, node);
  }

  /** SV nodes within V2V range of CV `i`, ascending; reused by the next call. */
  neighbours(i: number): readonly number[] {
    return this.#index.query(this.state.cvX[i], this.state.cvY[i]);
  }

  /**
   * Every node CV `i` may offload to, ascending: the RSUs that may serve it
   * (the one RSU always; of several, those that cover it, E2), then the SVs
   * in V2V range. Reused by the next call.
   */
  nodes(i: number): readonly number[] {
    const out = this.#nodes;
    out.length = 0;
    const R = this.state.rsuX.length;
    for (let r = 0; r < R; r++) if (this.feasible(i, r)) out.push(r);
    for (const sv of this.neighbours(i)) out.push(sv);
    return out;
  }

  /** Number of actions (L_k + 1) J of CV `i` (A10 encoding, `encoding.ts`). */
  actionCount(i: number): number {
    return actionCount(this.table(i).L, this.nodeCount);
  }

  /**
   * Feasible nodes of CV `i`: 1 for each RSU that may serve it (the one RSU
   * always; of several, those that cover it, E2) and each SV in V2V range,
   * else 0.
   */
  nodeMask(i: number, out: Uint8Array = new Uint8Array(this.nodeCount)): Uint8Array {
    const R = this.state.rsuX.length;
    for (let r = 0; r < R; r++) out[r] = this.#model.feasible(this.state, i, r) ? 1 : 0;
    // A CV outside every coverage is out of the system: its decision is ignored, and node 0
    // keeps one action feasible, as the one RSU always is (masks never empty a row).
    if (!this.state.cvActive[i]) out[0] = 1;
    for (let j = R; j < out.length; j++) out[j] = 0;
    this.#index.mark(this.state.cvX[i], this.state.cvY[i], out);
    return out;
  }

  /** Feasibility mask over CV `i`'s actions: a = (phi - 1) J + node (A10). */
  actionMask(i: number, out: Uint8Array = new Uint8Array(this.actionCount(i))): Uint8Array {
    expandNodeMask(this.nodeMask(i), out.length, out);
    return out;
  }

  /** Local state s_i(t) of eq. (54), E12: R + 2S + 2 values (2J + 1 with one RSU). */
  localState(
    i: number,
    out: Float64Array = new Float64Array(localStateDim(this.nodeCount, this.rsuCount)),
  ): Float64Array {
    return writeLocalState(this.state, i, out);
  }

  /** Joint state S(t) of eq. (55): the local states concatenated. */
  jointState(
    out: Float64Array = new Float64Array(
      this.cvCount * localStateDim(this.nodeCount, this.rsuCount),
    ),
  ): Float64Array {
    const n = localStateDim(this.nodeCount, this.rsuCount);
    for (let i = 0; i < this.cvCount; i++) this.localState(i, out.subarray(i * n, (i + 1) * n));
    return out;
  }

  /** The per-slot objective (34) a joint decision would score in this slot (lower is better). */
  evaluate(decision: Decision): number {
    return this.#model.evaluate(this.state, decision);
  }
}
