/**
 * The grid of an experiment: each `vary:` key and each `zip:` group is an
 * axis; the points are their cartesian product (the first axis varies
 * slowest), less the `exclude:`d combinations. Every key is checked
 * (did-you-mean for scenario keys and policy parameters) before anything
 * is expanded.
 *
 * @module
 */
import { didYouMean, type Problem, quote } from "../../../engine/errors.ts";
import { canonicalJson } from "../../../engine/scenario/hash.ts";
import { keyProblem } from "./keys.ts";
import type { LoadedExperiment } from "./load.ts";
import type { Assignment } from "./scenario.ts";

/** One point of the grid: its assignments in axis order. */
export interface GridPoint {
  assignments: Assignment[];
  /** Labels of the policies `exclude:` drops at this point. */
  without: Set<string>;
}

/** The grid and the fixed (`set:`) assignments. */
export interface Grid {
  /** The varied keys in axis order (vary keys, then zip groups' keys). */
  keys: string[];
  set: Assignment[];
  points: GridPoint[];
}

interface Axis {
  keys: string[];
  /** Each row: one value per key, with where the experiment wrote it. */
  rows: Assignment[][];
}

/**
 * Builds the grid; its problems, located, go to `problems`. `params` maps
 * each policy label to its parameter names (null: a policy that did not
 * resolve, whose keys are not checked).
 */
export function buildGrid(
  loaded: LoadedExperiment,
  params: ReadonlyMap<string, string[] | null>,
  problems: Problem[],
): Grid {
  const x = loaded.experiment;
  const at = (path: (string | number)[], message: string, atKey = false): Problem => ({
    ...loaded.locate(path, atKey),
    message,
  });
  const seen = new Map<string, string>();
  const checkKey = (key: string, path: (string | number)[]) => {
    const why = keyProblem(key, params);
    if (why) problems.push(at(path, why, true));
    const before = seen.get(key);
    if (before) problems.push(at(path, `${key} is already given in ${before}`, true));
    seen.set(key, path.slice(0, -1).join("."));
  };
  const set: Assignment[] = Object.entries(x.set).map(([key, value]) => {
    checkKey(key, ["set", key]);
    return { key, value, at: ["set", key] };
  });
  const axes: Axis[] = [];
  for (const [key, list] of Object.entries(x.vary)) {
    checkKey(key, ["vary", key]);
    axes.push({
      keys: [key],
      rows: list.map((value, i) => [{ key, value, at: ["vary", key, i] }]),
    });
  }
  for (const [g, group] of x.zip.entries()) {
    const entries = Object.entries(group);
    const n = entries[0][1].length;
    for (const [key, list] of entries) {
      checkKey(key, ["zip", g, key]);
      if (list.length !== n) {
        problems.push(at(
          ["zip", g, key],
          `the keys of a zip group take the same number of values: ${key} has ${list.length}, ` +
            `${entries[0][0]} has ${n}`,
          true,
        ));
      }
    }
    const rows = Array.from(
      { length: n },
      (_, i) => entries.map(([key, list]) => ({ key, value: list[i], at: ["zip", g, key, i] })),
    );
    axes.push({ keys: entries.map(([k]) => k), rows });
  }
  const keys = axes.flatMap((a) => a.keys);
  const excludes = exclusions(loaded, keys, params, problems);
  let combos: Assignment[][] = [[]];
  for (const axis of axes) combos = combos.flatMap((c) => axis.rows.map((r) => [...c, ...r]));
  const points: GridPoint[] = [];
  for (const assignments of combos) {
    const value = new Map(assignments.map((a) => [a.key, canonicalJson(a.value)]));
    const without = new Set<string>();
    let dropped = false;
    for (const e of excludes) {
      if (![...e.match].every(([k, v]) => value.get(k) === v)) continue;
      if (e.policy === undefined) dropped = true;
      else without.add(e.policy);
    }
    if (!dropped) points.push({ assignments, without });
  }
  return { keys, set, points };
}

interface Exclusion {
  match: Map<string, string>;
  policy?: string;
}

function exclusions(
  loaded: LoadedExperiment,
  keys: string[],
  params: ReadonlyMap<string, string[] | null>,
  problems: Problem[],
): Exclusion[] {
  const out: Exclusion[] = [];
  for (const [i, entry] of loaded.experiment.exclude.entries()) {
    const match = new Map<string, string>();
    let policy: string | undefined;
    for (const [key, value] of Object.entries(entry)) {
      const path = ["exclude", i, key];
      if (key === "policy") {
        if (typeof value === "string" && params.has(value)) policy = value;
        else {
          problems.push({
            ...loaded.locate(path),
            message: `exclude: policy must be a policy's label${
              didYouMean(String(value), params.keys())
            }; the labels are ${[...params.keys()].join(", ")}`,
          });
        }
      } else if (!keys.includes(key)) {
        problems.push({
          ...loaded.locate(path, true),
          message: `exclude: ${quote(key)} is not a varied key${didYouMean(key, keys)}` +
            (keys.length ? `; the varied keys are ${keys.join(", ")}` : "; nothing is varied"),
        });
      } else {
        match.set(key, canonicalJson(value));
      }
    }
    if (match.size === 0 && policy === undefined) continue;
    out.push({ match, policy });
  }
  return out;
}
