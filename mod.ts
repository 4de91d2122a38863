/**
 * vecscene: a declarative, slot-driven scenario engine for DNN
 * partitioning, task offloading and RSU resource allocation in vehicular
 * edge computing (Liu et al., arXiv 2406.06986; model in docs/MODEL.md).
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
 * Or step the environment yourself (PettingZoo's parallel API: one joint
 * decision per slot):
 *
 * @example Step a scenario slot by slot
 * ```ts
 * import { openEnv } from "./mod.ts";
 *
 * const env = await openEnv("scenarios/highway.yaml");
 * let obs = env.reset({ episode: 1 });
 * for (;;) {
 *   const partition = new Int32Array(obs.cvCount);
 *   for (let i = 0; i < obs.cvCount; i++) partition[i] = obs.table(i).L + 1; // all on board
 *   const step = env.step({ partition, target: new Int32Array(obs.cvCount) });
 *   if (step.terminated || step.truncated) break;
 *   obs = step.observation;
 * }
 * ```
 *
 * Write a policy with {@linkcode definePolicy}; see `plugins/README.md`.
 * Importing this module loads no TensorFlow.js: the learning policies are
 * imported by the registry when a scenario names one.
 *
 * @module
 */
export { definePolicy, outside } from "./engine/sim/policy.ts";
export type {
  Decision,
  EpisodeContext,
  Observation,
  Params,
  PolicyContext,
  PolicyDefinition,
  PolicyInstance,
  SaveOptions,
  ScenarioInfo,
  StepResult,
  UpdateStats,
} from "./engine/sim/policy.ts";
export {
  Env,
  type EnvEvents,
  type EnvOptions,
  InvalidDecisionError,
  openEnv,
  type ResetOptions,
  type SlotEvent,
} from "./engine/sim/env.ts";
export {
  actionCount,
  encodeAction,
  ENCODING_VERSION,
  type EncodingShape,
  encodingShape,
  localStateDim,
  nodeOf,
  normaliseLocalStates,
  partitionOf,
} from "./engine/sim/encoding.ts";
export { counterfactualObjectives, CounterfactualScratch } from "./engine/sim/counterfactual.ts";
export { type Refined, refineDecision, topFeasible } from "./engine/sim/refine.ts";
export { defaultRegistry, PolicyRegistry } from "./host/registry.ts";
export { type LoadedScenario, loadScenario, parseScenario } from "./engine/scenario/load.ts";
export { type Scenario, scenarioJsonSchema, ScenarioSchema } from "./engine/scenario/schema.ts";
export { comparisonTable, type RunOptions, type RunReport, runScenario } from "./app/run.ts";
export { train, type TrainOptions, type TrainProgress } from "./app/train.ts";
export { type SeedsOptions, type SeedsSummary, trainSeeds } from "./app/seeds.ts";
export { type ExpertOptions, recordExpert } from "./app/expert.ts";
export {
  type ExpertData,
  type ExpertHeader,
  readExpert,
  writeExpert,
} from "./engine/output/expert.ts";
export { scenarioHash } from "./engine/scenario/hash.ts";
export { type MeanCi, meanCi95 } from "./app/util/stats.ts";
export { compileWorld, type World } from "./engine/world.ts";
export { buildTable, type DnnTable, type LayerSpec } from "./engine/dnn/layers.ts";
export { BUILTIN_MODELS } from "./engine/dnn/zoo.ts";
export { allocateRsu, gamma } from "./engine/model/allocation.ts";
export { rateBps } from "./engine/model/channel.ts";
export { SlotDetail, SlotModel, type SlotState } from "./engine/model/slot.ts";
export { Rng } from "./engine/rng.ts";
export { UserError } from "./engine/errors.ts";
