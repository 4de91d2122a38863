/**
 * Several RSUs (MODEL.md section 6.3, issue 21): the engine's throughput on
 * the Midtown scenario (12 RSUs, 50 CVs, 20 SVs) with greedy, its cost per
 * vehicle-slot on a highway corridor at R = 1, 6 and 24 RSUs (the engine
 * must stay linear in vehicles and RSUs), and the genetic algorithm's time
 * per slot at Midtown's size.
 *
 * @module
 */
import { loadScenario, parseScenario } from "../engine/scenario/load.ts";
import { Env } from "../engine/sim/env.ts";
import { compileWorld } from "../engine/world.ts";
import { instantiate } from "../host/player.ts";
import { defaultRegistry } from "../host/registry.ts";
import { resolvePolicies } from "../host/resolve.ts";
import type { LoadedScenario } from "../engine/scenario/load.ts";
import { playedSlotsPerSecond } from "./engine.ts";

/**
 * A 6 km highway corridor with 100 CVs and 10 SVs and `rsus` RSUs spread
 * evenly along it, their coverage overlapping; one RSU covers all of it.
 */
export function corridorText(rsus: number): string {
  const lengthM = 6000;
  const spacing = lengthM / rsus;
  const place = rsus === 1
    ? `rsu: { positionM: 0, coverageM: ${lengthM} }`
    : `rsus: { every: ${spacing}, fromM: ${-lengthM / 2 + spacing / 2}, coverageM: ${
      0.6 * spacing + 10
    } }`;
  return [
    "name: corridor",
    "seed: 7",
    `mobility: { kind: highway, fromM: ${-lengthM / 2}, toM: ${
      lengthM / 2
    }, startM: [-2900, 1900] }`,
    place,
    "vehicles: { clients: { count: 100 }, services: { count: 10 } }",
    "policy: greedy",
  ].join("\n");
}

async function played(loaded: LoadedScenario, minMs: number, policy?: string): Promise<number> {
  const registry = defaultRegistry();
  const policies = await resolvePolicies(loaded, registry);
  const p = policy ? policies.find((q) => q.label === policy)! : policies[0];
  const world = compileWorld(loaded);
  return playedSlotsPerSecond(new Env(world), await instantiate(p, world), minMs);
}

/** The several-RSU figures. */
export async function benchRsus(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const nsPerSlot: Record<number, number> = {};
  for (const R of [1, 6, 24]) {
    const slots = await played(parseScenario(corridorText(R), "<bench>"), 2000);
    nsPerSlot[R] = 1e9 / slots;
    out[`engine.ns_per_vehicle_slot_r${R}`] = 1e9 / (slots * 110);
  }
  // What each RSU adds to a slot (the same 110 vehicles): its allocation (53) above all.
  out["engine.ns_per_rsu_slot"] = (nsPerSlot[24] - nsPerSlot[6]) / 18;
  const midtown = await loadScenario("scenarios/midtown.yaml");
  const greedy = await played(midtown, 3000, "greedy");
  out["engine.midtown_slots_per_s"] = greedy;
  out["engine.midtown_ns_per_vehicle_slot"] = 1e9 / (greedy * 70);
  const ga = parseScenario(
    (await Deno.readTextFile("scenarios/midtown.yaml"))
      .replace(/^policy:\n( {2}- .*\n)+/m, "policy: [genetic, local-search]\n"),
    "scenarios/midtown.yaml",
  );
  out["genetic.midtown_ms_per_slot"] = 1000 / await played(ga, 5000, "genetic");
  out["engine.midtown_local_search_ms_per_slot"] = 1000 / await played(ga, 5000, "local-search");
  return out;
}
