/**
 * The policy registry: built-in policies by id, plus plugins registered at
 * run time (`--plugin`).
 *
 * @module
 */
import type { PolicyDefinition } from "./contract.ts";
import { exhaustive } from "./exhaustive.ts";
import { genetic } from "./genetic.ts";
import { greedy, local, random, rsu } from "./heuristics.ts";
import { mad2rl, pqmix } from "./learning/policies.ts";

/** A mutable id -> definition map. */
export class PolicyRegistry {
  readonly #defs = new Map<string, PolicyDefinition>();

  register(def: PolicyDefinition): this {
    this.#defs.set(def.id, def);
    return this;
  }

  get(id: string): PolicyDefinition | undefined {
    return this.#defs.get(id);
  }

  ids(): string[] {
    return [...this.#defs.keys()];
  }

  all(): PolicyDefinition[] {
    return [...this.#defs.values()];
  }
}

/** The built-in policies. */
export const BUILTIN_POLICIES: readonly PolicyDefinition[] = [
  greedy,
  genetic,
  local,
  rsu,
  random,
  exhaustive,
  pqmix,
  mad2rl,
] as unknown as PolicyDefinition[];

/** A registry holding the built-in policies. */
export function defaultRegistry(): PolicyRegistry {
  const r = new PolicyRegistry();
  for (const d of BUILTIN_POLICIES) r.register(d);
  return r;
}
