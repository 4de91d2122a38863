/**
 * Checks every decision a policy returns before the engine applies it.
 *
 * @module
 */
import type { Decision } from "../model/slot.ts";
import type { Observation } from "./observation.ts";

/** The first problem with `d` in this slot, or undefined when it is valid. */
export function decisionProblem(d: unknown, obs: Observation): string | undefined {
  if (typeof d !== "object" || d === null) {
    return `decide() returned ${d === null ? "null" : typeof d}, not { partition, target }`;
  }
  const { partition, target } = d as Partial<Decision>;
  const I = obs.cvCount;
  for (const [name, arr] of [["partition", partition], ["target", target]] as const) {
    if (!arr || typeof arr !== "object" || typeof (arr as ArrayLike<number>).length !== "number") {
      return `decide() returned no "${name}" array`;
    }
    if (arr.length < I) return `"${name}" has ${arr.length} entries for ${I} client vehicles`;
  }
  const J = obs.nodeCount;
  const active = obs.state.cvActive;
  for (let i = 0; i < I; i++) {
    if (!active[i]) continue;
    const phi = partition![i];
    const node = target![i];
    const t = obs.table(i);
    if (!Number.isInteger(phi) || phi < 1 || phi > t.L + 1) {
      return `cv${
        i + 1
      } (${t.name}, L = ${t.L}) got partition ${phi}; it must be an integer in 1..${t.L + 1}`;
    }
    if (!Number.isInteger(node) || node < 0 || node >= J) {
      return `cv${i + 1} got target ${node}; it must be 0 (RSU) or an SV number in 1..${J - 1}`;
    }
    if (phi <= t.L && !obs.feasible(i, node)) {
      return `cv${i + 1} offloads to sv${node}, ${obs.distanceM(i, node).toFixed(1)} m away, ` +
        `beyond the V2V range or not present`;
    }
  }
  return undefined;
}
