/**
 * The agent encoding: how a client vehicle's situation and choice become
 * numbers for a learner, a dataset, a plugin or another language. It is
 * defined here once; the observation, both learners, pre-training, expert
 * datasets and plugins call it, and a dataset records
 * {@linkcode ENCODING_VERSION} so that one written under another encoding
 * is refused instead of being read wrongly.
 *
 * - Action (MODEL.md A10): a = (phi - 1) J + node, with the partition
 *   phi in 1..L_k + 1 and the node in 0..J - 1 (0 = the RSU, s = SV s);
 *   CV i of DNN type k has (L_k + 1) J actions, and action a is feasible
 *   when its node a mod J is (the RSU always, an SV within V2V range).
 * - Local state s_i(t) (54), 2J + 1 values: the CV's queue, the RSU queue
 *   of its DNN type, the S SV queues (GFLOP), then the CV's and the S SVs'
 *   road coordinates (m).
 * - Joint state S(t) (55): the I local states concatenated.
 * - Normalisation (A13): queues divided by a scale (GFLOP), road
 *   coordinates mapped linearly from the road's extent to [-1, 1].
 *
 * @module
 */
import type { SlotState } from "../model/slot.ts";
import type { ScenarioInfo } from "../world.ts";

/** The version of this encoding; bump it when any rule above changes. */
export const ENCODING_VERSION = 1;

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

/** The width 2J + 1 of a local state (54). */
export function localStateDim(nodes: number): number {
  return 2 * nodes + 1;
}

/** The shapes a learner or a dataset of a scenario is built for. */
export interface EncodingShape {
  /** Client vehicles I. */
  agents: number;
  /** Edge nodes J (the RSU and the SVs). */
  nodes: number;
  /** Local state width 2J + 1 (54). */
  stateDim: number;
  /** Action count (L_k + 1) J per DNN type k (A10). */
  actionCounts: number[];
}

/** The encoding's shapes for a scenario. */
export function encodingShape(info: ScenarioInfo): EncodingShape {
  return {
    agents: info.cvCount,
    nodes: info.nodeCount,
    stateDim: localStateDim(info.nodeCount),
    actionCounts: info.tables.map((t) => actionCount(t.L, info.nodeCount)),
  };
}

/**
 * Writes the local state s_i(t) of CV `i` (54) into `out` at `offset`
 * (2J + 1 values; float32 for a Python client, float64 for the learners).
 */
export function writeLocalState<T extends Float64Array | Float32Array>(
  s: Readonly<SlotState>,
  i: number,
  out: T,
  offset = 0,
): T {
  const S = s.svX.length;
  const o = offset;
  out[o] = s.cvQueueGflop[i];
  out[o + 1] = s.rsuQueueGflop[s.cvType[i]];
  for (let j = 0; j < S; j++) out[o + 2 + j] = s.svQueueGflop[j];
  out[o + 2 + S] = s.cvRoadM[i];
  for (let j = 0; j < S; j++) out[o + 3 + S + j] = s.svRoadM[j];
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
): Float32Array {
  const D = localStateDim(nodes);
  const S = nodes - 1;
  const span = road.roadToM - road.roadFromM || 1;
  for (let r = 0; r < raw.length; r++) {
    const k = r % D;
    out[r] = k >= 2 + S ? (2 * (raw[r] - road.roadFromM)) / span - 1 : raw[r] / queueScaleGflop;
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
