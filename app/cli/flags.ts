/**
 * What the commands' flags share: whole-number parsers, repeatable flags,
 * the check of paths given as flags, the registry with `--plugin` modules.
 * Each command declares its flags once, in its own file, with commander's
 * typed builder: the flags' type is inferred from those declarations and
 * flows into the use case's options from there.
 *
 * @module
 */
import { resolve } from "node:path";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { pathFault } from "../../engine/config/path.ts";
import { quote, UserError } from "../../engine/errors.ts";
import { loadPlugin } from "../../host/plugin.ts";
import { defaultRegistry, type PolicyRegistry } from "../../host/registry.ts";
import { pythonRef } from "../../host/python/policy.ts";

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

/**
 * Refuses a path given as a flag or an argument (each of a repeatable one's
 * values) that holds a NUL byte or a control character, before the command
 * uses it: `--out "a\u0000b": a path must not contain a NUL byte (at
 * character 2)`. `flag` names it as the user gave it (`--out`, `file`);
 * `what` names the value (default `"a path"`).
 */
export function checkPathFlag(
  flag: string,
  value: string | readonly string[] | undefined,
  what?: string,
): void {
  for (const v of typeof value === "string" ? [value] : value ?? []) {
    const fault = pathFault(v, { what, fromFile: false });
    if (fault !== undefined) throw new UserError(`${flag} ${quote(v)}: ${fault}`);
  }
}

/** The help of `--python-policy`, the same on every command that has it. */
export const PYTHON_POLICY_HELP =
  "add this Python policy, as python:FILE would (repeatable; needs --trust-plugins)";

/**
 * The `--python-policy` files as policy references (`python:` and the
 * absolute path: a flag's path is relative to the working directory).
 */
export function pythonRefs(files: readonly string[] = []): string[] {
  return files.map((f) => pythonRef(resolve(f)));
}

/** The built-in policies plus the `--plugin` modules. */
export async function registryWith(plugins: string[] = [], trust = false): Promise<PolicyRegistry> {
  const r = defaultRegistry();
  for (const p of plugins) r.registerPlugin(await loadPlugin(p, Deno.cwd(), trust), p);
  return r;
}
