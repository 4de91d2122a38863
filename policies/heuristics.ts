/**
 * Fixed-rule baselines: `local` (all on board), `rsu` (raw input to the
 * RSU), `random` (uniform feasible action) and `greedy` (the paper's:
 * smallest transmitted data, then shortest queue; MODEL.md A21).
 *
 * @module
 */
import type { DnnTable } from "../engine/dnn/layers.ts";
import type { Rng } from "../engine/rng.ts";
import { definePolicy, type Observation } from "../engine/sim/policy.ts";

/** Decision buffers of the right length, reused slot after slot. */
function buffers(n: number) {
  return { partition: new Int32Array(n), target: new Int32Array(n) };
}

/** Every CV runs its whole DNN on board (phi = L + 1). */
export const local = definePolicy({
  id: "local",
  description: "Every client vehicle runs its whole DNN on board (phi = L+1).",
  defaults: {},
  create(_params, { info }) {
    const d = buffers(info.cvCount);
    return {
      decide(obs: Observation) {
        for (let i = 0; i < obs.cvCount; i++) d.partition[i] = obs.table(i).L + 1;
        return d;
      },
    };
  },
});

/** Every CV sends its raw input to the RSU (phi = 1); of several, the nearest that covers it. */
export const rsu = definePolicy({
  id: "rsu",
  description:
    "Every client vehicle offloads its raw input to the RSU (phi = 1); of several, the nearest that covers it.",
  defaults: {},
  create(_params, { info }) {
    const d = buffers(info.cvCount);
    d.partition.fill(1);
    return {
      decide(obs: Observation) {
        for (let i = 0; i < obs.cvCount; i++) d.target[i] = nearestRsu(obs, i);
        return d;
      },
    };
  },
});

/** The nearest RSU that may serve CV `i` (0 if none does: an inactive CV's value is free). */
export function nearestRsu(obs: Observation, i: number): number {
  let best = 0;
  let bestM = Infinity;
  for (let r = 0; r < obs.rsuCount; r++) {
    const m = obs.distanceM(i, r);
    if (obs.feasible(i, r) && m < bestM) [best, bestM] = [r, m];
  }
  return best;
}

/** A uniformly random feasible (phi, node) per CV, from the policy stream. */
export const random = definePolicy({
  id: "random",
  description: "A uniformly random feasible partition point and node per client vehicle.",
  defaults: {},
  create(_params, { info }) {
    const d = buffers(info.cvCount);
    let rng: Rng | undefined;
    return {
      reset(ctx) {
        rng = ctx.rng;
      },
      decide(obs: Observation) {
        if (!rng) throw new Error("random: reset() must be called before decide()");
        for (let i = 0; i < obs.cvCount; i++) {
          d.partition[i] = 1 + rng.int(obs.table(i).L + 1);
          const nodes = obs.nodes(i);
          d.target[i] = nodes.length > 0 ? nodes[rng.int(nodes.length)] : 0;
        }
        return d;
      },
    };
  },
});

/** The partition point with the smallest D_phi over phi in 1..L; ties to the smaller phi (A21). */
export function smallestCut(t: DnnTable): number {
  let best = 1;
  for (let phi = 2; phi <= t.L; phi++) if (t.dBytes[phi] < t.dBytes[best]) best = phi;
  return best;
}

/**
 * The paper's greedy baseline: each CV cuts where the transmitted data is
 * smallest, then offloads to the node with the shortest queue among the RSU
 * (its type's container) and the SVs in V2V range; ties go to the RSU (A21).
 * With several RSUs, among the covering RSUs' containers of its type and the
 * SVs; ties go to the lowest node (an RSU before an SV).
 */
export const greedy = definePolicy({
  id: "greedy",
  description: "Cut at the smallest transmitted data, then offload to the shortest queue (A21).",
  defaults: {},
  create(_params, { info }) {
    const d = buffers(info.cvCount);
    const cut = info.tables.map(smallestCut);
    return { decide: (obs: Observation) => greedyDecision(obs, cut, d) };
  },
});

/** Writes the greedy decision into `d`; `cut[k]` is type k's {@linkcode smallestCut}. */
export function greedyDecision(
  obs: Observation,
  cut: readonly number[],
  d: { partition: Int32Array; target: Int32Array },
): { partition: Int32Array; target: Int32Array } {
  const s = obs.state;
  const R = obs.rsuCount;
  const K = s.rsuQueueGflop.length / R;
  for (let i = 0; i < obs.cvCount; i++) {
    d.partition[i] = cut[s.cvType[i]];
    let node = 0;
    let shortest = Infinity;
    for (let r = 0; r < R; r++) {
      const q = s.rsuQueueGflop[r * K + s.cvType[i]];
      if (obs.feasible(i, r) && q < shortest) [shortest, node] = [q, r];
    }
    for (const sv of obs.neighbours(i)) {
      if (s.svQueueGflop[sv - R] < shortest) {
        shortest = s.svQueueGflop[sv - R];
        node = sv;
      }
    }
    d.target[i] = node;
  }
  return d;
}
