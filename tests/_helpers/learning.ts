/**
 * Test helpers of the learning policies: small scenarios and network sizes
 * that train in milliseconds. Not part of the public API.
 *
 * @module
 */
import { join } from "node:path";
import { parseScenario } from "../../engine/scenario/load.ts";
import { compileWorld, type World } from "../../engine/world.ts";
import type { Params, PolicyDefinition } from "../../engine/sim/policy.ts";
import { resolveParams } from "../../host/params.ts";
import { mad2rl, pqmix, type QmixPolicy } from "../../policies/learning/qmix.ts";

/** 3 CVs, 2 SVs, 6 slots: the conformance suite's default scenario. */
export const SMALL_SCENARIO = "name: conformance\nseed: 11\ntime: { slots: 6 }\n" +
  "vehicles: { clients: { count: 3 }, services: { count: 2 } }\n";

/** Network and buffer sizes small enough for unit tests. */
export const SMALL_PARAMS: Record<"pqmix" | "mad2rl", Params> = {
  pqmix: { hidden: [32, 32], mixEmbed: 8, hyperHidden: 16, batch: 8, buffer: 500, epsSteps: 30 },
  mad2rl: {
    hidden: [32, 32],
    mixEmbed: 8,
    hyperHidden: 16,
    batch: 8,
    buffer: 500,
    epsSteps: 30,
    steps: 3,
    embedDim: 4,
  },
};

/** The definition of a learning policy by id. */
export function definition(id: "pqmix" | "mad2rl"): PolicyDefinition {
  return (id === "pqmix" ? pqmix : mad2rl) as unknown as PolicyDefinition;
}

/** A small world (from {@linkcode SMALL_SCENARIO} unless `text` is given). */
export function smallWorld(text = SMALL_SCENARIO, seed?: number): World {
  const loaded = parseScenario(text, "<learning-test>");
  return compileWorld(loaded, seed ?? loaded.scenario.seed);
}

/** A policy instance with the small parameters (plus `extra`). */
export async function smallPolicy(
  id: "pqmix" | "mad2rl",
  world: World,
  extra: Params = {},
  checkpoint?: string,
): Promise<QmixPolicy> {
  const def = definition(id);
  const { params, problems } = resolveParams(def, { ...SMALL_PARAMS[id], ...extra });
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join("; "));
  return (await def.create(params, { info: world.info, label: id, checkpoint })) as QmixPolicy;
}

/** Writes the small scenario into a fresh temporary directory; returns its path. */
export async function smallScenarioFile(text = SMALL_SCENARIO): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-learning-" });
  const path = join(dir, "small.yaml");
  await Deno.writeTextFile(path, text);
  return path;
}
