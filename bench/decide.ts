/**
 * Decision time per slot on held-out highway episodes (seed 3, episodes
 * 1..3; the shipped checkpoints for the learners), the time in `decide()`
 * alone, with the mean task completion time over the same episodes:
 * `decide.<policy>_ms_per_slot` and `decide.<policy>_tct_s` for the
 * heuristics that solve (34) (genetic at the paper's and the converged
 * settings, local-search), and for P-QMIX and MAD2RL with and without the
 * decision-time refinement of MODEL.md section 6.1;
 * `decide.<learner>_x_faster_than_converged_ga` is the converged GA's time
 * over the learner's (refined).
 *
 * @module
 */
import { loadScenario } from "../engine/scenario/load.ts";
import { compileWorld } from "../engine/world.ts";
import { evaluate } from "../host/evaluate.ts";
import { defaultRegistry } from "../host/registry.ts";
import { resolveOne } from "../host/resolve.ts";

const POLICIES: [key: string, ref: string, params?: Record<string, unknown>][] = [
  ["genetic", "genetic"],
  ["genetic_converged", "genetic-converged"],
  ["local_search", "local-search"],
  ["pqmix", "pqmix"],
  ["pqmix_unrefined", "pqmix", { refineTopK: 0 }],
  ["mad2rl", "mad2rl"],
  ["mad2rl_unrefined", "mad2rl", { refineTopK: 0 }],
];

export async function benchDecide(): Promise<Record<string, number>> {
  const loaded = await loadScenario(new URL("../scenarios/highway.yaml", import.meta.url).pathname);
  const world = compileWorld(loaded, 3);
  const registry = defaultRegistry();
  const out: Record<string, number> = {};
  for (const [key, ref, params] of POLICIES) {
    const resolved = await resolveOne(loaded, registry, ref, params);
    await evaluate(world, resolved, { episodes: 1 }); // warm-up
    const ev = await evaluate(world, resolved, { episodes: 3, timeDecisions: true });
    out[`decide.${key}_ms_per_slot`] = ev.decideMs / ev.slots;
    out[`decide.${key}_tct_s`] = ev.aggregates.meanDelayS;
  }
  for (const learner of ["pqmix", "mad2rl"]) {
    out[`decide.${learner}_x_faster_than_converged_ga`] =
      out["decide.genetic_converged_ms_per_slot"] / out[`decide.${learner}_ms_per_slot`];
  }
  return out;
}
