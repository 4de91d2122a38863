/**
 * Semantic checks the schema cannot express: known DNN names, layer lists
 * that chain, a DNN mix that fits the population, vehicles that stay in
 * RSU coverage.
 *
 * @module
 */
import type { PathProblem } from "../config/issues.ts";
import { didYouMean, quote, shorten } from "../errors.ts";
import { buildTable, LayerShapeError } from "../dnn/layers.ts";
import { BUILTIN_MODELS } from "../dnn/zoo.ts";
import { worstRsuDistanceM } from "../mobility/highway.ts";
import { sumoRoleIssues } from "../mobility/sumo/schema.ts";
import { containingRsu } from "../coverage.ts";
import type { Scenario } from "./schema.ts";

/** Every semantic problem of a schema-valid scenario. */
export function checkScenario(s: Scenario): PathProblem[] {
  return [...checkDnn(s), ...checkMix(s), ...checkMobility(s), ...checkRsus(s)];
}

/** Several RSUs (MODEL.md section 6.3, A37): where they stand and what they cover. */
function checkRsus(s: Scenario): PathProblem[] {
  const m = s.mobility;
  const list = s.rsus;
  if (m.kind === "sumo") {
    if (list === undefined && m.rsu === undefined) {
      return [{
        path: ["mobility"],
        message: "give `mobility.rsu` (where the RSU stands) or `rsus:` (several RSUs)",
      }];
    }
    if (list !== undefined && m.rsu !== undefined) {
      return [{
        path: ["mobility", "rsu"],
        atKey: true,
        message: "with `rsus:`, the RSUs stand where `rsus:` says: remove `mobility.rsu`",
      }];
    }
    return []; // where the RSUs stand needs the network: engine/mobility/sumo/rsus.ts
  }
  if (list === undefined || !Array.isArray(list)) {
    if (list !== undefined && "junctions" in list) {
      return [{
        path: ["rsus", "junctions"],
        atKey: true,
        message: "RSUs at junctions need a SUMO network: on the highway, use `every:` or a list",
      }];
    }
    return [];
  }
  const out: PathProblem[] = [];
  const sites: { x: number; y: number; coverageM: number }[] = [];
  list.forEach((r, i) => {
    if (!("positionM" in r) || "edge" in r) {
      out.push({
        path: ["rsus", i],
        message: "on the highway an RSU stands at `positionM` along the road; `edge` and " +
          "`x`/`y` place RSUs on a SUMO network",
      });
      return;
    }
    if (r.positionM < m.fromM || r.positionM > m.toM) {
      out.push({
        path: ["rsus", i, "positionM"],
        message: `RSU ${i + 1} stands off the road: ${r.positionM} m is outside [${m.fromM}, ` +
          `${m.toM}] m`,
      });
    }
    if (r.coverageM < r.offsetM) {
      out.push({
        path: ["rsus", i, "coverageM"],
        message: `RSU ${i + 1}'s coverage (${r.coverageM} m) does not reach the road ` +
          `${r.offsetM} m away`,
      });
    }
    sites.push({ x: r.positionM, y: -r.offsetM, coverageM: r.coverageM });
  });
  if (out.length > 0) return out;
  // A37: an RSU whose coverage lies inside another's adds nothing.
  sites.forEach((_, i) => {
    const by = containingRsu(sites, i);
    if (by >= 0) {
      out.push({
        path: ["rsus", i],
        message: `RSU ${i + 1}'s coverage lies inside RSU ${by + 1}'s: it covers no vehicle ` +
          "the other does not; move it or remove it",
      });
    }
  });
  return out;
}

function checkDnn(s: Scenario): PathProblem[] {
  const out: PathProblem[] = [];
  const known = [...Object.keys(BUILTIN_MODELS), ...Object.keys(s.dnn.custom)];
  for (const [name, model] of Object.entries(s.dnn.custom)) {
    if (name in BUILTIN_MODELS) {
      out.push({
        path: ["dnn", "custom", name],
        atKey: true,
        message: `custom model ${quote(name)} would shadow the built-in model of that name; ` +
          "rename it",
      });
    }
    try {
      buildTable(name, model.layers, model.inputShape ?? s.dnn.inputShape, 4, s.dnn.flops);
    } catch (e) {
      if (!(e instanceof LayerShapeError)) throw e;
      out.push({
        path: ["dnn", "custom", name, "layers", ...e.path],
        message: `model ${quote(name)}: ${e.message}`,
      });
    }
  }
  const seen = new Set<string>();
  s.dnn.models.forEach((name, i) => {
    if (!known.includes(name)) {
      out.push({
        path: ["dnn", "models", i],
        message:
          `unknown DNN model ${quote(name)}${didYouMean(name, known)}; built-in models are ` +
          `${Object.keys(BUILTIN_MODELS).join(", ")}, others go under dnn.custom`,
      });
    }
    if (seen.has(name)) {
      out.push({ path: ["dnn", "models", i], message: `${quote(name)} is listed twice` });
    }
    seen.add(name);
  });
  return out;
}

function checkMix(s: Scenario): PathProblem[] {
  const mix = s.vehicles.clients.dnn;
  const base = ["vehicles", "clients", "dnn"];
  const models = s.dnn.models;
  const unknown = (name: string, path: (string | number)[]): PathProblem[] =>
    models.includes(name) ? [] : [{
      path,
      atKey: path[path.length - 2] === "weights",
      message: `${quote(name)} is not one of dnn.models (${listed(models)})${
        didYouMean(name, models)
      }`,
    }];
  if (mix === "round-robin") return [];
  if ("list" in mix) {
    const out = mix.list.flatMap((n, i) => unknown(n, [...base, "list", i]));
    if (mix.list.length !== s.vehicles.clients.count) {
      out.push({
        path: [...base, "list"],
        message: `the list names ${mix.list.length} model(s) but there are ` +
          `${s.vehicles.clients.count} client vehicles; give one per client`,
      });
    }
    return out;
  }
  const out = Object.keys(mix.weights).flatMap((n) => unknown(n, [...base, "weights", n]));
  if (Object.values(mix.weights).reduce((a, b) => a + b, 0) <= 0) {
    out.push({ path: [...base, "weights"], message: "the weights must not all be zero" });
  }
  return out;
}

/** Names for a message: at most ten, each shortened. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => shorten(n, 40));
  return names.length > 10 ? `${shown.join(", ")}, ... (${names.length} in all)` : shown.join(", ");
}

function checkMobility(s: Scenario): PathProblem[] {
  const m = s.mobility;
  if (m.kind === "sumo") {
    const { clients, services } = s.vehicles;
    return sumoRoleIssues(m, clients.count, services.count)
      .map((p) => ({ path: ["mobility", ...p.path], message: p.message }));
  }
  const out: PathProblem[] = [];
  const durationS = (s.time.slots - 1) * s.time.slotS;
  if (m.startM[0] < m.fromM || m.startM[1] > m.toM) {
    out.push({
      path: ["mobility", "startM"],
      message: `start positions [${m.startM}] must lie on the road [${m.fromM}, ${m.toM}]`,
    });
  }
  const farthestM = m.startM[1] + m.speedMps.max * durationS;
  if (farthestM > m.toM) {
    out.push({
      path: ["mobility", "toM"],
      message: `vehicles can reach ${farthestM.toFixed(0)} m by the last slot ` +
        `(start ${
          m.startM[1]
        } m + ${m.speedMps.max} m/s x ${durationS} s), past the road end ${m.toM} m`,
    });
  }
  const worst = worstRsuDistanceM(m, s.rsu.positionM, s.rsu.offsetM, durationS);
  // With several RSUs vehicles may leave every coverage: they leave the system (E1).
  if (s.rsus === undefined && worst > s.rsu.coverageM) {
    out.push({
      path: ["rsu", "coverageM"],
      message: `vehicles can be ${worst.toFixed(0)} m from the RSU during an episode but ` +
        `coverage is ${s.rsu.coverageM} m; the highway assumes every vehicle stays covered ` +
        `(MODEL.md A17): raise coverageM or shorten the episode`,
    });
  }
  return out;
}
