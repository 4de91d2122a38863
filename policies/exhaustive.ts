/**
 * The exact per-slot minimiser of P2(t), eq. (34): full enumeration of the
 * joint (phi, node) action with the optimal RSU allocation (51)-(53) for
 * each. The fully-local action is enumerated once, since its node does not
 * matter (A7). Refuses when the joint space exceeds `maxJointActions`.
 *
 * @module
 */
import { UserError } from "../engine/errors.ts";
import { definePolicy, type Observation, outside } from "../engine/sim/policy.ts";

export const exhaustive = definePolicy({
  id: "exhaustive",
  description: "Exact minimiser of the per-slot objective (34) by enumerating every joint action.",
  defaults: { maxJointActions: 1_000_000 },
  check: (p) => ({ maxJointActions: outside(p.maxJointActions, 1, 1e12, true) }),
  create(p, { info, label }) {
    const I = info.cvCount;
    const cur = { partition: new Int32Array(I), target: new Int32Array(I) };
    const best = { partition: new Int32Array(I), target: new Int32Array(I) };
    return {
      decide(obs: Observation) {
        // Per-CV feasible actions as (phi, node) pairs.
        const options: Int32Array[] = [];
        let size = 1;
        for (let i = 0; i < I; i++) {
          const L = obs.table(i).L;
          const nodes = [...obs.nodes(i)];
          const list = new Int32Array(2 * (L * nodes.length + 1));
          let n = 0;
          for (let phi = 1; phi <= L; phi++) {
            for (const node of nodes) {
              list[n++] = phi;
              list[n++] = node;
            }
          }
          list[n++] = L + 1;
          list[n++] = 0;
          options.push(list);
          size *= list.length / 2;
        }
        if (size > p.maxJointActions) {
          throw new UserError(
            `policy "${label}" (exhaustive): episode ${obs.episode} slot ${obs.slot} has ` +
              `${
                size.toExponential(3)
              } joint actions, above maxJointActions = ${p.maxJointActions}; ` +
              `raise params.maxJointActions or use fewer client vehicles / service vehicles`,
          );
        }
        const digit = new Int32Array(I);
        for (let i = 0; i < I; i++) {
          cur.partition[i] = options[i][0];
          cur.target[i] = options[i][1];
        }
        let bestValue = Infinity;
        for (;;) {
          const v = obs.evaluate(cur);
          if (v < bestValue) {
            bestValue = v;
            best.partition.set(cur.partition);
            best.target.set(cur.target);
          }
          // Odometer increment.
          let i = 0;
          while (i < I) {
            digit[i]++;
            if (2 * digit[i] < options[i].length) break;
            digit[i] = 0;
            i++;
          }
          if (i === I) break;
          for (let k = 0; k <= i && k < I; k++) {
            cur.partition[k] = options[k][2 * digit[k]];
            cur.target[k] = options[k][2 * digit[k] + 1];
          }
        }
        return best;
      },
    };
  },
});
