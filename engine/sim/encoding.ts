/**
 * The agent encoding: how a client vehicle's situation and choice become
 * numbers for a learner, a dataset, a plugin or another language. It is
 * defined here once; the observation, both learners, pre-training, expert
 * datasets and plugins call it, and a dataset records
 * {@linkcode ENCODING_VERSION} so that one written under another encoding
 * is refused instead of being read wrongly.
 *
 * - Nodes: J = R + S, the R RSUs first (0..R-1), then the S SVs (R..R+S-1);
 *   with one RSU, 0 = the RSU and s = SV s (MODEL.md section 6.3).
 * - Action (MODEL.md A10): a = (phi - 1) J + node, with the partition
 *   phi in 1..L_k + 1 and the node in 0..J - 1; CV i of DNN type k has
 *   (L_k + 1) J actions, and action a is feasible when its node a mod J is
 *   (one RSU: always; several: an RSU that covers the CV, E2; an SV within
 *   V2V range).
 * - Local state s_i(t) (54), E12: R + 2S + 2 values (2J + 1 with one
 *   RSU): the CV's queue, the queue of its DNN type at each RSU, the S SV
 *   queues (GFLOP), then the CV's and the S SVs' road coordinates (m).
 * - Joint state S(t) (55): the I local states concatenated.
 * - Normalisation (A13): queues divided by a scale (GFLOP), road
 *   coordinates mapped linearly from the road's extent to [-1, 1].
 *
 * @module
 */
import type { SlotState } from "../model/slot.ts";
import type { ScenarioInfo } from "../world.ts";

/**
 * The version of this encoding; bump it when any rule above changes.
 * Version 2 added several RSUs; with one RSU its rules are version 1's, so a
 * file of a one-RSU scenario records 1 ({@linkcode encodingVersion}).
 */
export const ENCODING_VERSION = 2;

/** The oldest encoding whose rules describe a scenario of `rsus` RSUs: what a file records. */
export function encodingVersion(rsus: number): number {
  return rsus === 1 ? 1 : 2;
}

/** The number of actions (L + 1) J of a DNN with `layers` = L layers among `nodes` = J nodes (A10). */
export function actionCount(layers: number, nodes: number): number {
  return (layers + 1) * nodes;
}

/** The action index a = (phi - 1) J + node (A10). */
export function encodeAction(partition: number, node: number, nodes: number): number {
  return (partition - 1) * nodes + node;
}

/** The partition phi = floor(a / J) + 1 of action `a` (A10). */
export function partitionOf(action: number, nodes: number): number {
  return Math.floor(action / nodes) + 1;
}

/** The node a mod J of action `a` (A10). */
export function nodeOf(action: number, nodes: number): number {
  return action % nodes;
}

/** The width of a local state (54), E12: R + 2S + 2 for J = R + S nodes (2J + 1 for one RSU). */
export function localStateDim(nodes: number, rsus = 1): number {
  return 2 * nodes - rsus + 2;
}

/** The shapes a learner or a dataset of a scenario is built for. */
export interface EncodingShape {
  /** Client vehicles I. */
  agents: number;
  /** Edge nodes J (the RSUs and the SVs). */
  nodes: number;
  /** RSUs R (nodes 0..R-1) when there are several; absent: one (what one-RSU files record). */
  rsus?: number;
  /** Local state width R + 2S + 2 (54), E12. */
  stateDim: number;
  /** Action count (L_k + 1) J per DNN type k (A10). */
  actionCounts: number[];
}

/** The encoding's shapes for a scenario. */
export function encodingShape(info: ScenarioInfo): EncodingShape {
  return {
    agents: info.cvCount,
    nodes: info.nodeCount,
    ...(info.rsuCount > 1 ? { rsus: info.rsuCount } : {}),
    stateDim: localStateDim(info.nodeCount, info.rsuCount),
    actionCounts: info.tables.map((t) => actionCount(t.L, info.nodeCount)),
  };
}

/**
 * Writes the local state s_i(t) of CV `i` (54) into `out` at `offset`
 * (R + 2S + 2 values; float32 for a Python client, float64 for the learners).
 */
export function writeLocalState<T extends Float64Array | Float32Array>(
  s: Readonly<SlotState>,
  i: number,
  out: T,
  offset = 0,
): T {
  const S = s.svX.length;
  const R = s.rsuX.length;
  const K = s.rsuQueueGflop.length / R;
  let o = offset;
  out[o++] = s.cvQueueGflop[i];
  for (let r = 0; r < R; r++) out[o++] = s.rsuQueueGflop[r * K + s.cvType[i]];
  for (let j = 0; j < S; j++) out[o++] = s.svQueueGflop[j];
  out[o++] = s.cvRoadM[i];
  for (let j = 0; j < S; j++) out[o++] = s.svRoadM[j];
  return out;
}

/**
 * Writes the action mask of `count` actions from a node mask of J entries
 * (action a is feasible iff node a mod J is, A10) at `offset` of `out`.
 */
export function expandNodeMask(
  nodeMask: ArrayLike<number>,
  count: number,
  out: { [index: number]: number },
  offset = 0,
): void {
  const J = nodeMask.length;
  let a = 0; // partition by partition: node a mod J without a division per action
  while (a < count) {
    for (let j = 0; j < J && a < count; j++, a++) out[offset + a] = nodeMask[j];
  }
}

/**
 * Normalises raw local states (any number of them, back to back) as A13
 * says: queues divided by `queueScaleGflop`, road coordinates from
 * [roadFromM, roadToM] to [-1, 1].
 */
export function normaliseLocalStates(
  raw: ArrayLike<number>,
  out: Float32Array,
  nodes: number,
  road: { roadFromM: number; roadToM: number },
  queueScaleGflop: number,
  rsus = 1,
): Float32Array {
  const D = localStateDim(nodes, rsus);
  const S = nodes - rsus;
  const span = road.roadToM - road.roadFromM || 1;
  for (let r = 0; r < raw.length; r++) {
    const k = r % D;
    out[r] = k >= 1 + rsus + S
      ? (2 * (raw[r] - road.roadFromM)) / span - 1
      : raw[r] / queueScaleGflop;
  }
  return out;
}

/** The feasible action of row `row` with the largest value (-1 if none is feasible). */
export function argmaxFeasible(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  row: number,
  actions: number,
): number {
  const o = row * actions;
  let best = -1;
  for (let a = 0; a < actions; a++) {
    if (mask[o + a] && (best < 0 || values[o + a] > values[o + best])) best = a;
  }
  return best;
}
