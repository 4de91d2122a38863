/**
 * Profiles: named overrides of an experiment file (`--profile quick`).
 * Mappings merge key by key, anything else (lists, scalars) replaces;
 * `policies:` in a profile may be a mapping from a policy's label to
 * overrides of that entry. The merge remembers where each value came from,
 * so that a problem is reported in the profile when the profile wrote it.
 *
 * @module
 */
import type { PathProblem } from "../../../engine/config/issues.ts";
import { didYouMean, quote } from "../../../engine/errors.ts";

type Path = (string | number)[];
type Mapping = Record<string, unknown>;

/** Top-level keys a profile may not override. */
const FIXED = ["name", "profiles"];

export const isMapping = (v: unknown): v is Mapping =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` merged into `base`: mappings key by key, the rest replaced (neither is modified). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return structuredClone(over);
  const out: Mapping = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** The label a policy entry is known by before its definition is loaded. */
export function entryLabel(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (!isMapping(entry)) return undefined;
  const label = entry.label ?? entry.use;
  return typeof label === "string" ? label : undefined;
}

/** An experiment with a profile applied. */
export interface Profiled {
  value: Mapping;
  /** Problems of the profile itself, at paths of the document. */
  problems: PathProblem[];
  /** The document path of what the profile wrote at `path` of `value`, if it wrote it. */
  origin(path: Path): Path | undefined;
}

/** Applies profile `name` (the document's `profiles.<name>`) to the document `doc`. */
export function applyProfile(doc: Mapping, name: string, known: readonly string[]): Profiled {
  const profiles = doc.profiles as Record<string, Mapping>;
  const profile = profiles[name];
  const at: Path = ["profiles", name];
  const problems: PathProblem[] = [];
  const value = structuredClone(doc);
  for (const [key, over] of Object.entries(profile)) {
    if (FIXED.includes(key) || !known.includes(key)) {
      const why = FIXED.includes(key)
        ? `a profile cannot change ${quote(key)}`
        : `unknown key ${quote(key)} in profile ${quote(name)}${
          didYouMean(key, known.filter((k) => !FIXED.includes(k)))
        }`;
      problems.push({ path: [...at, key], atKey: true, message: why });
      continue;
    }
    if (key === "policies" && isMapping(over)) {
      value.policies = mergePolicies(value.policies, over, [...at, key], problems);
    } else {
      value[key] = key in value ? deepMerge(value[key], over) : structuredClone(over);
    }
  }
  const labels = Array.isArray(doc.policies) ? doc.policies.map(entryLabel) : [];
  return {
    value,
    problems,
    origin: (path) => originIn(profile, at, path, labels),
  };
}

/** Base policy entries with a profile's `label -> overrides` merged in. */
function mergePolicies(base: unknown, over: Mapping, at: Path, problems: PathProblem[]): unknown {
  if (!Array.isArray(base)) return base;
  const labels = base.map(entryLabel);
  const out = base.map((e) => structuredClone(e));
  for (const [label, o] of Object.entries(over)) {
    const i = labels.indexOf(label);
    if (i < 0) {
      const known = labels.filter((l): l is string => l !== undefined);
      problems.push({
        path: [...at, label],
        atKey: true,
        message: `no policy is labelled ${quote(label)}${didYouMean(label, known)}; ` +
          `the policies are ${known.join(", ")}`,
      });
      continue;
    }
    if (!isMapping(o)) {
      problems.push({ path: [...at, label], message: "expected a mapping of the policy's keys" });
      continue;
    }
    const entry = typeof out[i] === "string" ? { use: out[i] } : out[i];
    out[i] = deepMerge(entry, o);
  }
  return out;
}

/**
 * Where the profile wrote the value at `path` of the merged document: the
 * profile's own path, or undefined when the value is the base file's.
 */
function originIn(
  profile: Mapping,
  at: Path,
  path: Path,
  labels: (string | undefined)[],
): Path | undefined {
  let node: unknown = profile;
  const out: Path = [...at];
  let replaced = false;
  for (let i = 0; i < path.length; i++) {
    let seg = path[i];
    // `policies: {label: ...}` addresses entries by label.
    if (i === 1 && path[0] === "policies" && isMapping(node) && typeof seg === "number") {
      const label = labels[seg];
      if (label === undefined) return replaced ? out : undefined;
      seg = label;
    }
    if (Array.isArray(node)) {
      replaced = true;
      if (typeof seg !== "number" || seg >= node.length) return out;
      node = node[seg];
    } else if (isMapping(node)) {
      if (!(String(seg) in node)) return replaced ? out : undefined;
      node = node[String(seg)];
    } else {
      return out;
    }
    out.push(seg);
  }
  return out;
}
