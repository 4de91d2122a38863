/**
 * The shared policy suite, run against every built-in policy and the
 * example plugins. The learning policies refuse to evaluate untrained
 * weights, so each first trains a small checkpoint here.
 */
import { loadPlugin } from "../../host/plugin.ts";
import { HEURISTIC_POLICIES, LEARNING_POLICIES } from "../../host/registry.ts";
import type { PolicyDefinition } from "../../engine/sim/policy.ts";
import bandit from "../../plugins/bandit.ts";
import leastDelay from "../../plugins/least_delay.ts";
import { tf } from "../../policies/learning/tensor/backend.ts";
import { runPolicyConformance } from "../_helpers/conformance.ts";
import { SMALL_PARAMS, smallPolicy, smallWorld } from "../_helpers/learning.ts";
import { simulate } from "../_helpers/mod.ts";

const TINY = "name: tiny\nseed: 3\ntime: { slots: 6 }\n" +
  "vehicles: { clients: { count: 2 }, services: { count: 1 } }\n";

for (const def of HEURISTIC_POLICIES) {
  runPolicyConformance({ def, scenario: def.id === "exhaustive" ? TINY : undefined });
}
for (const plugin of [leastDelay, bandit]) {
  runPolicyConformance({ def: plugin as unknown as PolicyDefinition });
}
// The same plugins as a user loads them: in their sandboxes.
for (const path of ["plugins/least_delay.ts", "plugins/bandit.ts"]) {
  const def = await loadPlugin(path, Deno.cwd());
  runPolicyConformance({ def, name: `${def.id}, sandboxed` });
}

for (const id of ["pqmix", "mad2rl"] as const) {
  const world = smallWorld();
  const inst = await smallPolicy(id, world);
  const sim = simulate(world, inst, { label: id });
  for (let e = 0; e < 4; e++) sim.runEpisode(1000 + e, true);
  const dir = await Deno.makeTempDir({ prefix: `vecscene-conf-${id}-` });
  await inst.save(dir, { weightsOnly: true });
  inst.dispose();
  const def = await LEARNING_POLICIES[id]();
  const withCheckpoint: PolicyDefinition = {
    ...def,
    create: (p, ctx) => def.create(p, { ...ctx, checkpoint: dir }),
  };
  runPolicyConformance({
    def: withCheckpoint,
    params: SMALL_PARAMS[id],
    tensors: () => tf.memory().numTensors,
  });
}
