/**
 * vecscene: a declarative, slot-driven scenario engine for DNN
 * partitioning, task offloading and RSU resource allocation in vehicular
 * edge computing (Liu et al., arXiv 2406.06986; model in MODEL.md).
 *
 * Load a scenario, run its policies, and read the aggregates:
 *
 * @example Run the paper's highway scenario with greedy
 * ```ts
 * import { parseScenario, runScenario } from "./mod.ts";
 *
 * const loaded = parseScenario("name: demo\npolicy: greedy\ntime: { episodes: 1 }", "demo.yaml");
 * const report = await runScenario(loaded);
 * console.log(report.results[0].aggregates.meanDelayS);
 * ```
 *
 * Write a policy with {@linkcode definePolicy}; see `plugins/README.md`.
 *
 * @module
 */
export { definePolicy } from "./policies/contract.ts";
export type {
  Decision,
  EpisodeContext,
  Observation,
  Outcome,
  Params,
  PolicyContext,
  PolicyDefinition,
  PolicyInstance,
  ScenarioInfo,
  UpdateStats,
} from "./policies/contract.ts";
export { defaultRegistry, PolicyRegistry } from "./policies/registry.ts";
export { type LoadedScenario, loadScenario, parseScenario } from "./engine/scenario/load.ts";
export { type Scenario, scenarioJsonSchema, ScenarioSchema } from "./engine/scenario/schema.ts";
export { comparisonTable, type RunOptions, type RunReport, runScenario } from "./engine/run.ts";
export { compileWorld, type World } from "./engine/world.ts";
export { type SimEvents, Simulation, type SlotEvent } from "./engine/sim/engine.ts";
export { buildTable, type DnnTable, type LayerSpec } from "./engine/dnn/layers.ts";
export { BUILTIN_MODELS } from "./engine/dnn/zoo.ts";
export { allocateRsu, gamma } from "./engine/model/allocation.ts";
export { rateBps } from "./engine/model/channel.ts";
export { SlotDetail, SlotModel, type SlotState } from "./engine/model/slot.ts";
export { Rng } from "./engine/rng.ts";
export { UserError } from "./engine/errors.ts";
