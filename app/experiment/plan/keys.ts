/**
 * Dotted keys of `set:`, `vary:` and `zip:`: `vehicles.clients.count` names
 * a scenario key; `policy.<label>.<param>` names a parameter of one of the
 * experiment's policies (the scenario's own `policy` key is the
 * experiment's to set, so the prefix is free for this).
 *
 * @module
 */
import { keysAt } from "../../../engine/config/issues.ts";
import { didYouMean, quote } from "../../../engine/errors.ts";
import { ScenarioSchema } from "../../../engine/scenario/schema.ts";
import { isMapping } from "./profile.ts";

/** What a dotted key sets. */
export type KeyTarget =
  | { kind: "scenario"; path: string[] }
  | { kind: "policy"; label: string; param: string };

/** The target of a (valid) dotted key. */
export function keyTarget(key: string): KeyTarget {
  const segs = key.split(".");
  return segs[0] === "policy" && segs.length === 3
    ? { kind: "policy", label: segs[1], param: segs[2] }
    : { kind: "scenario", path: segs };
}

/** Scenario keys the experiment sets itself, and what sets them. */
const RESERVED: Record<string, string> = {
  seed: "seeds: (seeds.train and seeds.eval)",
  "time.episodes": "evaluate.episodes",
  output: "the experiment (cells write no run folders)",
};

/**
 * The problem with a dotted key, or undefined when it names a scenario key
 * or a parameter of a policy; `params` maps each policy label to its
 * parameter names (null: not known, not checked).
 */
export function keyProblem(
  key: string,
  params: ReadonlyMap<string, string[] | null>,
): string | undefined {
  const segs = key.split(".");
  if (segs[0] === "policy") {
    if (segs.length !== 3) {
      return `a policy's parameter is named policy.<label>.<parameter>, got ${quote(key)}`;
    }
    const names = params.get(segs[1]);
    if (names === null) return undefined; // the policy's own problem is reported
    if (!names) {
      return `no policy is labelled ${quote(segs[1])}${didYouMean(segs[1], params.keys())}; ` +
        `the labels are ${[...params.keys()].join(", ")}`;
    }
    if (!names.includes(segs[2])) {
      return `policy "${segs[1]}" has no parameter ${quote(segs[2])}${didYouMean(segs[2], names)}` +
        (names.length ? `; its parameters are ${names.join(", ")}` : "; it takes none");
    }
    return undefined;
  }
  for (const [reserved, by] of Object.entries(RESERVED)) {
    if (key === reserved || key.startsWith(`${reserved}.`)) return `${key} is set by ${by}`;
  }
  for (let i = 0; i < segs.length; i++) {
    const keys = keysAt(ScenarioSchema, segs.slice(0, i));
    // A record (dnn.custom) or a value: what is set there is checked with the value.
    if (keys.length === 0) return undefined;
    if (!keys.includes(segs[i])) {
      const where = i === 0 ? "the scenario" : segs.slice(0, i).join(".");
      return `unknown scenario key ${quote(segs[i])} in ${where}${didYouMean(segs[i], keys)}`;
    }
  }
  return undefined;
}

/** Sets `path` of the mapping `obj` to a copy of `value`, creating mappings on the way. */
export function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown) {
  let node = obj;
  for (const seg of path.slice(0, -1)) {
    if (!isMapping(node[seg])) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = structuredClone(value);
}
