/**
 * The policy registry: built-in policies by id, plus plugins registered at
 * run time (`--plugin`).
 *
 * The learning policies are registered by id with a loader, so that their
 * module (and TensorFlow.js under it) is imported only when a scenario uses
 * one: a greedy run or a plugin never loads it. The `import()` specifiers
 * are string literals, so `deno compile` still bundles those modules.
 *
 * @module
 */
import { UserError } from "../engine/errors.ts";
import type { PolicyDefinition } from "../engine/sim/policy.ts";
import { exhaustive } from "../policies/exhaustive.ts";
import { genetic } from "../policies/genetic.ts";
import { greedy, local, random, rsu } from "../policies/heuristics.ts";
import { localSearch } from "../policies/search.ts";

/** A registered policy: its definition, or a loader for it. */
type Entry = { def: PolicyDefinition } | { load: () => Promise<PolicyDefinition> };

/** A mutable id -> definition map. */
export class PolicyRegistry {
  readonly #entries = new Map<string, Entry>();
  /** Plugin ids and the modules they came from. */
  readonly #plugins = new Map<string, string>();

  /** Registers a definition (replacing one of the same id). */
  register(def: PolicyDefinition): this {
    this.#entries.set(def.id, { def });
    return this;
  }

  /** Registers a plugin's definition; its id must not be taken (built-ins cannot be replaced). */
  registerPlugin(def: PolicyDefinition, source: string): this {
    if (this.#entries.has(def.id)) {
      const owner = this.#plugins.get(def.id);
      throw new UserError(
        `plugin ${source}: its id "${def.id}" is already taken by ${
          owner ? `plugin ${owner}` : "a built-in policy"
        }; give the plugin another id`,
      );
    }
    this.#plugins.set(def.id, source);
    return this.register(def);
  }

  /** Registers a policy whose module is imported on first use. */
  registerLazy(id: string, load: () => Promise<PolicyDefinition>): this {
    this.#entries.set(id, { load });
    return this;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The definition of `id`, importing its module if it is lazy. */
  async get(id: string): Promise<PolicyDefinition | undefined> {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if ("def" in entry) return entry.def;
    const def = await entry.load();
    this.#entries.set(id, { def });
    return def;
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }

  /** Every definition (imports the lazy ones). */
  async all(): Promise<PolicyDefinition[]> {
    const out: PolicyDefinition[] = [];
    for (const id of this.ids()) out.push((await this.get(id))!);
    return out;
  }
}

/** The built-in policies that need no trained weights (and no TensorFlow.js). */
export const HEURISTIC_POLICIES: readonly PolicyDefinition[] = [
  greedy,
  genetic,
  local,
  rsu,
  random,
  exhaustive,
  localSearch,
] as unknown as PolicyDefinition[];

/** The learning policies by id, each with the loader of its module. */
export const LEARNING_POLICIES: Readonly<Record<string, () => Promise<PolicyDefinition>>> = {
  pqmix: async () => (await import("../policies/learning/qmix.ts")).pqmix as PolicyDefinition,
  mad2rl: async () => (await import("../policies/learning/qmix.ts")).mad2rl as PolicyDefinition,
};

/** A registry holding the built-in policies. */
export function defaultRegistry(): PolicyRegistry {
  const r = new PolicyRegistry();
  for (const d of HEURISTIC_POLICIES) r.register(d);
  for (const [id, load] of Object.entries(LEARNING_POLICIES)) r.registerLazy(id, load);
  return r;
}
