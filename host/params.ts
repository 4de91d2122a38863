/**
 * Policy parameters: a scenario's `params` merged over a policy's typed
 * defaults, with unknown names, wrong types and range problems reported.
 *
 * @module
 */
import { didYouMean, quote, shorten } from "../engine/errors.ts";
import type { Params, ParamValue, PolicyDefinition } from "../engine/sim/policy.ts";

/** A problem with one parameter. */
export interface ParamProblem {
  key: string;
  message: string;
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return "list";
  if (v === null) return "null";
  return typeof v === "object" ? "mapping" : typeof v;
}

/**
 * Merges `given` over its preset (the parameter `preset`, where the policy
 * has presets) over `def.defaults`; returns the params or the problems.
 */
export function resolveParams(
  def: PolicyDefinition,
  given: Record<string, unknown>,
): { params: Params; problems: ParamProblem[] } {
  const problems: ParamProblem[] = [];
  const params: Params = { ...def.defaults };
  if (def.presets && "preset" in def.defaults) {
    const name = given.preset ?? def.defaults.preset;
    const names = Object.keys(def.presets);
    if (typeof name !== "string" || !Object.hasOwn(def.presets, name)) {
      problems.push({
        key: "preset",
        message: `unknown preset ${quote(String(name))} for policy "${def.id}"${
          typeof name === "string" ? didYouMean(name, names) : ""
        }; its presets are ${names.join(", ")}`,
      });
      return { params, problems };
    }
    Object.assign(params, def.presets[name], { preset: name });
  }
  const names = Object.keys(def.defaults);
  for (const [key, value] of Object.entries(given)) {
    if (!(key in def.defaults)) {
      problems.push({
        key,
        message: `unknown parameter ${quote(key)} for policy "${def.id}"${didYouMean(key, names)}` +
          (names.length ? `; its parameters are ${names.join(", ")}` : "; it takes none"),
      });
      continue;
    }
    const want = kind(def.defaults[key]);
    if (kind(value) !== want) {
      problems.push({
        key,
        message: `parameter "${key}" of policy "${def.id}" must be a ${want}, got ${
          shorten(JSON.stringify(value) ?? String(value))
        }`,
      });
      continue;
    }
    params[key] = value as ParamValue;
  }
  if (problems.length === 0 && def.check) {
    for (const [key, message] of Object.entries(def.check(params))) {
      if (message === undefined) continue;
      problems.push({ key, message: `parameter "${key}" of policy "${def.id}" ${message}` });
    }
  }
  return { params, problems };
}
