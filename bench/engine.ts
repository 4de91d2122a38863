/**
 * Engine figures: slot throughput with greedy at the paper's size and at
 * 100 and 1000 client vehicles, and the genetic algorithm's time per slot
 * with the paper's settings and converged (`preset: converged`).
 *
 * @module
 */
import { parseScenario } from "../engine/scenario/load.ts";
import { Env } from "../engine/sim/env.ts";
import { compileWorld } from "../engine/world.ts";
import { counterfactualObjectives, CounterfactualScratch } from "../engine/sim/counterfactual.ts";
import { actionCount } from "../engine/sim/encoding.ts";
import { playEpisode } from "../host/episode.ts";
import { instantiate, type Player } from "../host/player.ts";
import { defaultRegistry } from "../host/registry.ts";
import { resolvePolicies } from "../host/resolve.ts";

/**
 * A highway scenario with `cvs` clients and `svs` service vehicles at the
 * paper's density (12 vehicles in the 250 m start window): the start window,
 * road and RSU coverage grow with the population.
 */
export function benchScenarioText(cvs: number, svs: number, policy: string): string {
  const windowM = 250 * Math.max(1, (cvs + svs) / 12);
  const reachM = windowM + 250 + 30 * 29 + 100;
  return [
    "name: bench",
    "seed: 7",
    `mobility: { kind: highway, fromM: ${-reachM}, toM: ${reachM}, startM: [${
      -250 - windowM
    }, -250] }`,
    `rsu: { coverageM: ${reachM} }`,
    `vehicles: { clients: { count: ${cvs} }, services: { count: ${svs} } }`,
    `policy: ${policy}`,
  ].join("\n");
}

/** Slots per second of `policy` over whole episodes for at least `minMs`. */
export async function slotsPerSecond(cvs: number, svs: number, policy: string, minMs: number) {
  const loaded = parseScenario(benchScenarioText(cvs, svs, policy), "<bench>");
  const [p] = await resolvePolicies(loaded, defaultRegistry());
  const world = compileWorld(loaded);
  return playedSlotsPerSecond(new Env(world), await instantiate(p, world), minMs);
}

/** Slots per second of `player` over whole episodes of `env` for at least `minMs`, after one. */
export function playedSlotsPerSecond(env: Env, player: Player, minMs: number): number {
  playEpisode(env, player, 1); // warm-up
  let slots = 0;
  let e = 2;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    playEpisode(env, player, e++);
    slots += env.world.scenario.time.slots;
  }
  return slots / ((performance.now() - t0) / 1000);
}

/**
 * Graded per-slot targets (issue 19) at the paper's size: milliseconds per
 * slot for every CV's every action (`engine/sim/counterfactual.ts`), the
 * others held at a base decision (partition 1 at the RSU), and the number
 * of evaluations of (34) that takes.
 */
export function counterfactualCost(minMs: number): { ms: number; evaluations: number } {
  const world = compileWorld(parseScenario(benchScenarioText(7, 5, "greedy"), "<bench>"));
  const env = new Env(world);
  const { cvCount: I, nodeCount: J } = world.info;
  const width = Math.max(...world.info.tables.map((t) => actionCount(t.L, J)));
  const out = new Float64Array(I * width);
  const scratch = new CounterfactualScratch(I, J);
  const base = { partition: new Int32Array(I).fill(1), target: new Int32Array(I) };
  let slots = 0;
  let evaluations = 0;
  let episode = 1;
  let obs = env.reset({ episode });
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    evaluations += counterfactualObjectives(obs, base, out, width, scratch);
    slots++;
    const step = env.step(base);
    obs = step.truncated ? env.reset({ episode: ++episode }) : step.observation;
  }
  return { ms: (performance.now() - t0) / slots, evaluations: evaluations / slots };
}

/** The engine's named figures. */
export async function benchEngine(): Promise<Record<string, number>> {
  const paper = await slotsPerSecond(7, 5, "greedy", 2000);
  const mid = await slotsPerSecond(100, 10, "greedy", 2000);
  const big = await slotsPerSecond(1000, 100, "greedy", 3000);
  const ga = await slotsPerSecond(7, 5, "genetic", 3000);
  const converged = await slotsPerSecond(
    7,
    5,
    "{ use: genetic, params: { preset: converged } }",
    5000,
  );
  const counterfactual = counterfactualCost(2000);
  return {
    "engine.slots_per_s": paper,
    "engine.slots_per_s_100cv": mid,
    "engine.slots_per_s_1000cv": big,
    // Cost per vehicle-slot at the three sizes: flat when cost grows linearly.
    "engine.ns_per_vehicle_slot": 1e9 / (paper * 12),
    "engine.ns_per_vehicle_slot_100cv": 1e9 / (mid * 110),
    "engine.ns_per_vehicle_slot_1000cv": 1e9 / (big * 1100),
    "genetic.ms_per_slot": 1000 / ga,
    "genetic.converged_ms_per_slot": 1000 / converged,
    "engine.counterfactual_ms_per_slot": counterfactual.ms,
    "engine.counterfactual_evaluations_per_slot": counterfactual.evaluations,
  };
}
