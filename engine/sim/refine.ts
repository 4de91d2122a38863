/**
 * Decision-time refinement (MODEL.md section 6.1, R1-R2): coordinate
 * descent on the per-slot objective (34) over a few candidate actions per
 * client vehicle. Each pass visits the CVs in order and moves each to the
 * candidate that lowers (34) most with the others held; it stops after
 * `passes` passes or the first pass that changes nothing. The objective
 * never rises, so the result is no worse on (34) than the decision it
 * starts from.
 *
 * A learning policy proposes its K best actions per agent (`refineTopK`);
 * the `local-search` heuristic proposes every feasible action.
 *
 * @module
 */
import { nodeOf, partitionOf } from "./encoding.ts";
import type { Observation } from "./policy.ts";

/** What a refinement did. */
export interface Refined {
  /** The objective (34) of the refined decision. */
  objective: number;
  /** Evaluations of (34), the starting decision's included. */
  evaluations: number;
  /** Passes that changed the decision. */
  moves: number;
}

/**
 * Refines `decision` in place. `candidates` holds `width` actions (A10: a =
 * (phi - 1) J + node) per CV, row after row; -1 ends a row early. Every
 * candidate must be feasible for its CV.
 */
export function refineDecision(
  obs: Observation,
  decision: { partition: Int32Array; target: Int32Array },
  candidates: Int32Array,
  width: number,
  passes: number,
): Refined {
  const I = obs.cvCount;
  const J = obs.nodeCount;
  const { partition, target } = decision;
  let best = obs.evaluate(decision);
  let evaluations = 1;
  let moves = 0;
  for (let pass = 0; pass < passes; pass++) {
    let changed = false;
    for (let i = 0; i < I; i++) {
      const phi0 = partition[i];
      const node0 = target[i];
      let bestPhi = phi0;
      let bestNode = node0;
      for (let k = 0; k < width; k++) {
        const a = candidates[i * width + k];
        if (a < 0) break;
        const phi = partitionOf(a, J);
        const node = nodeOf(a, J);
        if (phi === phi0 && node === node0) continue;
        partition[i] = phi;
        target[i] = node;
        const v = obs.evaluate(decision);
        evaluations++;
        if (v < best) {
          best = v;
          bestPhi = phi;
          bestNode = node;
        }
      }
      partition[i] = bestPhi;
      target[i] = bestNode;
      if (bestPhi !== phi0 || bestNode !== node0) changed = true;
    }
    if (!changed) break;
    moves++;
  }
  return { objective: best, evaluations, moves };
}

/**
 * Writes into row `i` of `out` (`width` entries) the `k` feasible actions
 * with the largest `values` (row `i` of `values`, `actions` wide; `mask`
 * the same shape, 1 where feasible), best first; -1 fills the rest. Ties
 * keep the smaller action first.
 */
export function topFeasible(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  i: number,
  actions: number,
  k: number,
  out: Int32Array,
  width: number,
): void {
  const row = out.subarray(i * width, (i + 1) * width);
  row.fill(-1);
  let n = 0;
  for (let a = 0; a < actions; a++) {
    if (!mask[i * actions + a]) continue;
    const v = values[i * actions + a];
    // Insertion into the sorted prefix of at most k entries.
    let p = Math.min(n, k);
    if (p === k && !(v > values[i * actions + row[k - 1]])) continue;
    if (p === k) p--;
    while (p > 0 && v > values[i * actions + row[p - 1]]) {
      row[p] = row[p - 1];
      p--;
    }
    row[p] = a;
    if (n < k) n++;
  }
}
