/**
 * What the commands' flags share: whole-number parsers, repeatable flags,
 * the registry with `--plugin` modules. Each command declares its flags
 * once, in its own file, with commander's typed builder: the flags' type
 * is inferred from those declarations and flows into the use case's
 * options from there.
 *
 * @module
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { quote } from "../../engine/errors.ts";
import { loadPlugin } from "../../host/plugin.ts";
import { defaultRegistry, type PolicyRegistry } from "../../host/registry.ts";

/** A parser of whole numbers in `min..max` (a located CLI error otherwise). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
      throw new InvalidArgumentError(`expected a whole number ${range}, got ${quote(v)}`);
    }
    return n;
  };
}

/** The schema's limit of `time.episodes`. */
export const MAX_EPISODES = 10_000_000;

/** A repeatable flag's values. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** The built-in policies plus the `--plugin` modules. */
export async function registryWith(plugins: string[] = [], trust = false): Promise<PolicyRegistry> {
  const r = defaultRegistry();
  for (const p of plugins) r.registerPlugin(await loadPlugin(p, Deno.cwd(), trust), p);
  return r;
}
