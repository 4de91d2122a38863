/**
 * The shared policy suite for the learning policies, each with a small
 * checkpoint trained here first (they refuse to evaluate untrained weights).
 */
import type { PolicyDefinition } from "../policies/contract.ts";
import {
  definition,
  SMALL_PARAMS,
  smallPolicy,
  smallWorld,
} from "../policies/learning/_testing.ts";
import { Simulation } from "../engine/sim/engine.ts";
import { runPolicyConformance } from "./conformance.ts";

for (const id of ["pqmix", "mad2rl"] as const) {
  const world = smallWorld();
  const inst = await smallPolicy(id, world);
  const sim = new Simulation(world, inst, { label: id });
  for (let e = 0; e < 4; e++) sim.runEpisode(1000 + e, true);
  const dir = await Deno.makeTempDir({ prefix: `vecscene-conf-${id}-` });
  await inst.saveModel(dir);
  inst.dispose();
  const def = definition(id);
  const withCheckpoint: PolicyDefinition = {
    ...def,
    create: (p, ctx) => def.create(p, { ...ctx, checkpoint: dir }),
  };
  runPolicyConformance({ def: withCheckpoint, params: SMALL_PARAMS[id] });
}
