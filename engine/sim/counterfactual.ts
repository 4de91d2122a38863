/**
 * Graded per-slot targets (issue 19): for each client vehicle and each of
 * its actions (A10), the exact objective (34) of the slot's joint decision
 * with that CV's action replaced and every other CV's held at a base
 * decision (the expert's, or the current policy's). A learner that regresses
 * its Q-values on these learns the cost of every action given what it sees,
 * not only which action the expert took.
 *
 * The engine evaluates a joint decision in closed form (`obs.evaluate`, the
 * RSU allocation (51)-(53) included), so each target is one evaluation: at
 * most (L + 1) J per CV and slot. An action whose node is out of range, and
 * every entry past the CV's own action count, is `Infinity` (never the least
 * cost). All partitions L + 1 (the whole DNN on board) cost the same whatever
 * the node (the node is unused, (9)-(12)), so that objective is computed once
 * per CV.
 *
 * @module
 */
import type { Decision } from "../model/slot.ts";
import { actionCount, encodeAction } from "./encoding.ts";
import type { Observation } from "./observation.ts";

/** Reusable scratch for {@linkcode counterfactualObjectives} (one per number of CVs and nodes). */
export class CounterfactualScratch {
  readonly partition: Int32Array;
  readonly target: Int32Array;
  readonly nodeMask: Uint8Array;

  constructor(cvs: number, nodes: number) {
    this.partition = new Int32Array(cvs);
    this.target = new Int32Array(cvs);
    this.nodeMask = new Uint8Array(nodes);
  }
}

/**
 * Writes into `out` ([cvCount * width], width >= every CV's action count)
 * the objective (34) of `base` with CV i's action replaced by action a, at
 * `out[i * width + a]`; infeasible and padding entries are `Infinity`.
 * Returns the number of evaluations it made.
 */
export function counterfactualObjectives(
  obs: Observation,
  base: Decision,
  out: Float64Array,
  width: number,
  scratch: CounterfactualScratch = new CounterfactualScratch(obs.cvCount, obs.nodeCount),
): number {
  const I = obs.cvCount;
  const J = obs.nodeCount;
  if (out.length < I * width) {
    throw new RangeError(
      `Cannot write the counterfactual objectives as the output holds ${out.length} values: ` +
        `give ${I} x ${width}`,
    );
  }
  const d = { partition: scratch.partition, target: scratch.target };
  d.partition.set(base.partition);
  d.target.set(base.target);
  const mask = scratch.nodeMask;
  let evaluations = 0;
  for (let i = 0; i < I; i++) {
    const L = obs.table(i).L;
    const count = actionCount(L, J);
    if (count > width) {
      throw new RangeError(
        `Cannot write the counterfactual objectives of cv${i + 1} as it has ${count} actions: ` +
          `current width is ${width}`,
      );
    }
    const row = i * width;
    out.fill(Infinity, row, row + width);
    obs.nodeMask(i, mask);
    for (let phi = 1; phi <= L + 1; phi++) {
      let onBoard = NaN; // (9)-(12): with phi = L + 1 the node is unused
      for (let node = 0; node < J; node++) {
        if (!mask[node]) continue;
        const a = row + encodeAction(phi, node, J);
        if (phi === L + 1 && !Number.isNaN(onBoard)) {
          out[a] = onBoard;
          continue;
        }
        d.partition[i] = phi;
        d.target[i] = node;
        out[a] = obs.evaluate(d);
        evaluations++;
        if (phi === L + 1) onBoard = out[a];
      }
    }
    d.partition[i] = base.partition[i];
    d.target[i] = base.target[i];
  }
  return evaluations;
}
