/**
 * The sandbox's cost: microseconds per decision of the example plugin
 * `least-delay` on the paper's scenario (7 CVs, 5 SVs), in its sandbox and
 * in-process (`--trust-plugins`), and their difference.
 *
 * @module
 */
import { instantiate } from "../host/player.ts";
import { loadPlugin } from "../host/plugin.ts";
import { defaultRegistry } from "../host/registry.ts";
import { resolvePolicies } from "../host/resolve.ts";
import { parseScenario } from "../engine/scenario/load.ts";
import { Env } from "../engine/sim/env.ts";
import { compileWorld } from "../engine/world.ts";
import { playedSlotsPerSecond } from "./engine.ts";

async function usPerSlot(trust: boolean, minMs: number): Promise<number> {
  const plugin = new URL("../plugins/least_delay.ts", import.meta.url).pathname;
  const registry = defaultRegistry().registerPlugin(await loadPlugin(plugin, "."), plugin);
  const loaded = parseScenario("name: bench\npolicy: least-delay\n", "<bench>");
  const [p] = await resolvePolicies(loaded, registry);
  const world = compileWorld(loaded);
  const player = await instantiate(p, world, { plugins: { trust, timeoutMs: 10_000 } });
  const us = 1e6 / playedSlotsPerSecond(new Env(world), player, minMs);
  player.instance.dispose?.();
  return us;
}

/** The sandbox figures (`sandbox.*`). */
export async function benchSandbox(): Promise<Record<string, number>> {
  const sandboxed = await usPerSlot(false, 2000);
  const inProcess = await usPerSlot(true, 2000);
  return {
    "sandbox.us_per_decision": sandboxed,
    "sandbox.us_per_decision_in_process": inProcess,
    "sandbox.us_overhead_per_decision": sandboxed - inProcess,
  };
}
