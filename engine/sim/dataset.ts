/**
 * What an expert dataset holds, as the policy contract hands it to
 * `pretrain()`: every slot an expert policy played, in the agent encoding
 * (`encoding.ts`). Its file format is `engine/output/expert.ts`.
 *
 * @module
 */
// deno-lint-ignore no-unused-vars -- named by the JSDoc link of `encoding`
import type { ENCODING_VERSION } from "./encoding.ts";

/** What the dataset was recorded from and the shapes of its arrays. */
export interface ExpertHeader {
  format: "vecscene-expert/1";
  /**
   * The agent encoding the states, masks and actions are in
   * ({@linkcode ENCODING_VERSION}); absent in datasets recorded before it
   * was versioned, which are read as version 1.
   */
  encoding?: number;
  /** Scenario name and content hash (engine/scenario/hash.ts). */
  scenario: string;
  scenarioHash: string;
  /** Scenario seed and the first episode number recorded. */
  seed: number;
  episodeOffset: number;
  /** The expert: policy id, label and resolved params. */
  expert: { id: string; label: string; params: Record<string, unknown> };
  episodes: number;
  slotsPerEpisode: number;
  agents: number;
  nodes: number;
  /** Local state width 2J + 1 (54). */
  stateDim: number;
  /** Actions (L_k + 1) J per DNN type. */
  actionCounts: number[];
  /**
   * Present when the dataset holds graded per-slot targets (`expert
   * --graded`, engine/sim/counterfactual.ts): `width` actions per agent row.
   */
  graded?: { width: number };
  /**
   * Present when another policy stepped the environment and the expert only
   * labelled the states it visited (DAgger, `expert --actor`, `train
   * --dagger`): its label and checkpoint. The rows' actions, rewards and
   * objectives are then the expert's decision on each visited state and its
   * (58) and (34); the next states are the actor's.
   */
  actor?: { label: string; checkpoint?: string };
  /** Mean task completion time over the recorded episodes (s): the actor's when there is one. */
  meanDelayS: number;
  version: string;
}

/** The recorded slots: `rows` = episodes x slots; per-agent arrays are row-major. */
export interface ExpertArrays {
  /** [rows * agents * stateDim] raw local states (GFLOP queues, metre positions). */
  state: Float32Array;
  /** [rows * agents * nodes] 1 where the node is reachable (node 0: the RSU, always). */
  feasible: Uint8Array;
  /** [rows * agents] DNN type index. */
  types: Int32Array;
  /** [rows * agents] the expert's action (A10). */
  actions: Int32Array;
  /** [rows] reward (58) and objective (34). */
  reward: Float64Array;
  objective: Float64Array;
  /** [rows] 1 at an episode's last slot. */
  terminal: Uint8Array;
  /**
   * With `header.graded`: [rows * agents * width], for each agent and action
   * a, the objective (34) of the expert's joint decision with the agent's
   * action replaced by a, less the objective of the expert's own; Infinity
   * where a is infeasible or past the agent's action count.
   */
  cost?: Float32Array;
}

/** A dataset: its header and arrays. */
export interface ExpertData {
  header: ExpertHeader;
  arrays: ExpertArrays;
  /** Read from a file whose SHA-256 was recorded and checked (false: one of before the digests). */
  verified?: boolean;
}
