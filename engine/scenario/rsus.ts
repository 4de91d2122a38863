/**
 * Several RSUs (MODEL.md section 6.3) as a scenario gives them: `rsus:` as
 * a list or a placement rule, or `rsu:` for the paper's one. The loader
 * calls {@linkcode normaliseRsus} so that the rest of the engine sees one
 * form: a highway's placement rule becomes its list, and one RSU, however
 * given, becomes the `rsu:` form, so that it gives the single-RSU model's
 * results byte for byte (A31).
 *
 * @module
 */
import type { PathProblem } from "../config/issues.ts";
import { spacedPositions } from "../coverage.ts";
import type { Scenario } from "./schema.ts";

/** An entry of `rsus:` as a list. */
export type RsuEntry = Extract<NonNullable<Scenario["rsus"]>, unknown[]>[number];
/** `rsus:` as a placement rule. */
export type RsuPlacement = Exclude<NonNullable<Scenario["rsus"]>, unknown[]>;

/** The road positions (m) of `rsus: {every: ...}` on a road [fromM, toM]. */
export function placeEvery(
  rule: Extract<RsuPlacement, { every: number }>,
  road: { fromM: number; toM: number },
): { positions: number[]; problem?: PathProblem } {
  const start = rule.fromM ?? road.fromM + rule.every / 2;
  const end = rule.toM ?? road.toM;
  const { positions, fit, asked: n } = spacedPositions(start, end, rule.every, rule.count);
  if (positions.length === 0) {
    const at = rule.count !== undefined ? "count" : "every";
    return {
      positions: [],
      problem: {
        path: ["rsus", at],
        message: `${n === 0 ? "no RSU" : `${n} RSUs`} every ${rule.every} m from ${start} m ` +
          `do not fit before ${end} m (${fit} fit${
            fit === 0 ? ": the first lies past the end" : ""
          })`,
      },
    };
  }
  return { positions };
}

/**
 * The scenario with its RSUs in one form, or the problems of `rsus:` /
 * `rsu:` given together. `given` says which of the two keys the document
 * wrote (the schema fills `rsu:` with defaults either way).
 */
export function normaliseRsus(
  s: Scenario,
  given: { rsu: boolean; rsus: boolean },
): { scenario: Scenario; problems: PathProblem[] } {
  if (!given.rsus || s.rsus === undefined) return { scenario: s, problems: [] };
  if (given.rsu) {
    return {
      scenario: s,
      problems: [{
        path: ["rsus"],
        atKey: true,
        message: "give either `rsu:` (one RSU) or `rsus:` (several), not both",
      }],
    };
  }
  let list: RsuEntry[];
  const rule = s.rsus;
  if (!Array.isArray(rule)) {
    if (!("every" in rule)) return { scenario: s, problems: [] }; // junctions: placed on the net
    const m = s.mobility;
    if (m.kind !== "highway") return { scenario: s, problems: [] }; // along road.edges: the net
    const placed = placeEvery(rule, m);
    if (placed.problem) return { scenario: s, problems: [placed.problem] };
    list = placed.positions.map((positionM) => ({
      positionM,
      offsetM: rule.offsetM,
      coverageM: rule.coverageM,
      cpuGflops: rule.cpuGflops,
    }));
  } else {
    list = rule;
  }
  if (list.length > 1) return { scenario: { ...s, rsus: list }, problems: [] };
  // On SUMO, a position along road.edges has no `mobility.rsu` form: the network places it.
  if (s.mobility.kind === "sumo" && !("x" in list[0]) && !("edge" in list[0])) {
    return { scenario: s, problems: [] };
  }
  // One RSU: the `rsu:` form (and, on SUMO, `mobility.rsu`), A31.
  // The backhaul carries nothing with one RSU: dropped, as the single-RSU model has none.
  const one = list[0];
  const { rsus: _rsus, backhaul: _backhaul, ...rest } = s;
  if ("x" in one || "edge" in one) {
    if (s.mobility.kind !== "sumo") return { scenario: s, problems: [] }; // check.ts reports it
    const where = "x" in one
      ? { x: one.x, y: one.y }
      : { edge: one.edge, positionM: one.positionM, offsetM: one.offsetM };
    return {
      scenario: {
        ...rest,
        mobility: { ...s.mobility, rsu: where },
        rsu: { ...s.rsu, coverageM: one.coverageM, cpuGflops: one.cpuGflops },
      },
      problems: [],
    };
  }
  return {
    scenario: {
      ...rest,
      rsu: {
        positionM: one.positionM,
        offsetM: one.offsetM,
        coverageM: one.coverageM,
        cpuGflops: one.cpuGflops,
      },
    },
    problems: [],
  };
}
