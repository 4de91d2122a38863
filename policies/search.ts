/**
 * `local-search`: coordinate descent on the per-slot objective (34) over
 * every feasible action of every client vehicle (MODEL.md section 6.1 with
 * 𝒞_i = all of CV i's actions, A27), from the greedy baseline's decision.
 * The baseline that shows what a learning policy's proposals buy when it
 * refines its own decision over its K best actions only.
 *
 * @module
 */
import { actionCount, encodeAction } from "../engine/sim/encoding.ts";
import { definePolicy, type Observation, outside } from "../engine/sim/policy.ts";
import { refineDecision } from "../engine/sim/refine.ts";
import { greedyDecision, smallestCut } from "./heuristics.ts";

export const localSearch = definePolicy({
  id: "local-search",
  description:
    "Coordinate descent on the per-slot objective (34) over every feasible action, from greedy's decision.",
  defaults: { passes: 3 },
  check: (p) => ({ passes: outside(p.passes, 1, 1000, true) }),
  create(p, { info }) {
    const I = info.cvCount;
    const J = info.nodeCount;
    const cut = info.tables.map(smallestCut);
    const width = Math.max(...info.tables.map((t) => actionCount(t.L, J)));
    const candidates = new Int32Array(I * width);
    const mask = new Uint8Array(J);
    const d = { partition: new Int32Array(I), target: new Int32Array(I) };
    return {
      decide(obs: Observation) {
        greedyDecision(obs, cut, d);
        candidates.fill(-1);
        for (let i = 0; i < I; i++) {
          obs.nodeMask(i, mask);
          const L = obs.table(i).L;
          let k = 0;
          for (let phi = 1; phi <= L + 1; phi++) {
            for (let node = 0; node < J; node++) {
              // A fully local task's node does not matter (A7): one of them, node 0, which
              // the model takes for any (with several RSUs it need not cover the CV).
              if (phi <= L ? mask[node] : node === 0) {
                candidates[i * width + k++] = encodeAction(phi, node, J);
              }
            }
          }
        }
        refineDecision(obs, d, candidates, width, p.passes);
        return d;
      },
    };
  },
});
