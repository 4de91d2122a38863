/**
 * The environment: one compiled scenario stepped slot by slot, in the
 * spirit of PettingZoo's parallel API (a slot is a simultaneous move of all
 * client vehicles).
 *
 * `reset({episode, seed})` starts an episode and returns the first
 * observation; `step(decision)` applies one joint decision along the slot
 * timeline of MODEL.md A9 (RSU allocation -> delays -> reward (58) -> queue
 * updates (8), (10), (16) -> vehicles move) and returns the reward, the
 * objective (34), the per-CV delays (19) and the next observation. The end
 * of the T slots is a time-limit truncation (`truncated`, MODEL.md A16);
 * no state of the model is absorbing, so `terminated` is always false.
 *
 * Seeding follows the scenario's named streams (hardware, mobility,
 * fading): the same scenario, seed and episode give the same episode
 * whoever steps it, so `deno task run` is built on this class.
 *
 * @example Step the highway scenario with everything on board
 * ```ts
 * import { openEnv } from "./env.ts";
 *
 * const env = await openEnv("scenarios/highway.yaml");
 * let obs = env.reset({ episode: 1 });
 * let total = 0;
 * for (;;) {
 *   const partition = new Int32Array(obs.cvCount);
 *   for (let i = 0; i < obs.cvCount; i++) partition[i] = obs.table(i).L + 1;
 *   const step = env.step({ partition, target: new Int32Array(obs.cvCount) });
 *   total += step.reward;
 *   if (step.terminated || step.truncated) break;
 *   obs = step.observation;
 * }
 * console.log(total);
 * ```
 *
 * @module
 */
import type { EpisodeMobility } from "../mobility/types.ts";
import type { Decision, SlotState } from "../model/slot.ts";
import { SlotDetail, SlotModel, updateQueues } from "../model/slot.ts";
import { Rng } from "../rng.ts";
import { loadScenario } from "../scenario/load.ts";
import { compileWorld, type ScenarioInfo, type World } from "../world.ts";
import { Emitter } from "./events.ts";
import { NeighbourIndex } from "./neighbours.ts";
import { Observation } from "./observation.ts";
import { StateBlock, stateShape } from "./state.ts";
import { DecisionBuffer } from "./validate.ts";

/** Options of {@linkcode Env.reset}. */
export interface ResetOptions {
  /** 1-based episode number (default: the one after the last reset, starting at 1). */
  episode?: number;
  /** Scenario seed (default: the seed the environment was opened with). */
  seed?: number;
}

/** What {@linkcode Env.step} returns. */
export interface StepResult {
  /** Reward (58): the negative of the objective. */
  reward: number;
  /** The per-slot objective (34) of the decision. */
  objective: number;
  /** Per-CV task completion time d_i(t) (s), eq. (19); valid until the next step. */
  delayS: Float64Array;
  /**
   * The next slot's observation (after the last slot: the queues after its
   * update, vehicles at their last positions). Valid until the next step.
   */
  observation: Observation;
  /** Always false: no state of the model is absorbing. */
  terminated: boolean;
  /** True after the last slot T: a time-limit truncation (MODEL.md A16). */
  truncated: boolean;
}

/** Emitted after each slot is evaluated, before the queues are updated. */
export interface SlotEvent {
  /** 1-based episode and slot. */
  episode: number;
  slot: number;
  /** State at the start of the slot: Q(t) before this slot's arrivals. */
  state: Readonly<SlotState>;
  decision: Decision;
  detail: SlotDetail;
  reward: number;
}

/** Emitted at a reset and after the last slot of an episode. */
export interface EpisodeEvent {
  episode: number;
}

/** Emitted at a reset: who the episode's vehicles are. */
export interface EpisodeStartEvent extends EpisodeEvent {
  /** Trace ids of the vehicles, clients first (absent for synthetic mobility). */
  vehicleIds?: readonly string[];
  /** The window's start in trace time (s); absent for synthetic mobility. */
  windowStartS?: number;
}

/** The environment's events (writers and progress bars subscribe to them). */
export interface EnvEvents {
  episodeStart: EpisodeStartEvent;
  slot: SlotEvent;
  episodeEnd: EpisodeEvent;
}

/** Thrown by `step` for a decision the model cannot apply (catch it to name its author). */
export class InvalidDecisionError extends RangeError {
  constructor(
    /** What is wrong, e.g. `cv1 (alexnet, L = 11) got partition 0; ...`. */
    readonly problem: string,
    readonly episode: number,
    readonly slot: number,
  ) {
    super(`Cannot step as the decision is invalid: ${problem} (episode ${episode}, slot ${slot})`);
    this.name = "InvalidDecisionError";
  }
}

/**
 * Thrown by `step` when the model produced NaN or an infinity (catch it to
 * name the policy); nothing non-finite is ever reported or written.
 */
export class NonFiniteError extends RangeError {
  constructor(
    /** The quantity, e.g. `t_proc_s of cv3` or `the objective (34)`. */
    readonly quantity: string,
    readonly value: number,
    readonly episode: number,
    readonly slot: number,
  ) {
    super(
      `Cannot step as the model produced a non-finite ${quantity} (${value}) ` +
        `(episode ${episode}, slot ${slot})`,
    );
    this.name = "NonFiniteError";
  }
}

/**
 * A scenario's environment: reset, then step until `truncated`.
 *
 * Policies see copies: the observation reads a copy of the state refreshed
 * at every step and its own copy of the DNN tables, so whatever a policy
 * writes into them changes neither the engine's results nor what another
 * policy sees. Decisions are copied in and checked against the engine's
 * state.
 */
export class Env extends Emitter<EnvEvents> {
  #world!: World;
  #state!: SlotState;
  /** The copy of `#state` that policies see. */
  #view!: SlotState;
  #block!: StateBlock;
  #viewBlock!: StateBlock;
  #model!: SlotModel;
  #detail!: SlotDetail;
  #index!: NeighbourIndex;
  #observation!: Observation;
  /** An observation of the engine's own state, for checking decisions. */
  #trusted!: Observation;
  #decision!: DecisionBuffer;
  #delay!: Float64Array;
  #trajectories: EpisodeMobility | undefined;
  #episode = 0;
  #slot = 0;

  constructor(world: World) {
    super();
    this.#build(world);
  }

  /** Allocates the state and the model's scratch arrays for `world`. */
  #build(world: World): void {
    this.#world = world;
    const { cvCount: I, svCount: S, rsuCount: R } = world.info;
    const K = world.tables.length;
    const rsus = world.rsus;
    const fixed = {
      rsus: {
        x: rsus.map((r) => r.x),
        y: rsus.map((r) => r.y),
        coverageM: rsus.map((r) => r.coverageM),
        cpuGflops: rsus.map((r) => r.cpuGflops),
      },
      cvTxPowerW: world.cvTxPowerW,
    };
    const shape = stateShape(world.info);
    this.#block = new StateBlock(shape, fixed);
    this.#viewBlock = new StateBlock(shape, fixed);
    this.#state = this.#block.state;
    this.#view = this.#viewBlock.state;
    this.#model = new SlotModel(world.params, world.tables, S, R);
    this.#detail = new SlotDetail(I, S, K, R);
    this.#index = new NeighbourIndex(world.params.v2vRangeM, R);
    const tables = structuredClone(world.tables);
    this.#observation = new Observation(this.#view, tables, this.#model, this.#index);
    this.#trusted = new Observation(this.#state, world.tables, this.#model, this.#index);
    this.#decision = new DecisionBuffer(I);
    this.#delay = new Float64Array(I);
  }

  /** The engine's live state of the current slot (read-only for observers). */
  get state(): Readonly<SlotState> {
    return this.#state;
  }

  /** The current slot's observation (the one `reset` or the last `step` returned). */
  get observation(): Observation {
    return this.#observation;
  }

  /** The compiled world of the current seed. */
  get world(): World {
    return this.#world;
  }

  /** Static facts of the scenario (shapes, tables, seed). */
  get info(): ScenarioInfo {
    return this.#world.info;
  }

  /** Starts an episode: hardware draws, empty queues (A9), positions of slot 1. */
  reset(o: ResetOptions = {}): Observation {
    const episode = o.episode ?? this.#episode + 1;
    if (!Number.isSafeInteger(episode) || episode < 1) {
      throw new RangeError(
        `Cannot reset as the episode must be a whole number >= 1: current value is ${episode}`,
      );
    }
    if (o.seed !== undefined && o.seed !== this.#world.info.seed) {
      this.#build(compileWorld(this.#world.loaded, o.seed));
    }
    const w = this.#world;
    const s = this.#state;
    const e = episode - 1;
    const seed = w.info.seed;
    const hw = w.drawHardware(Rng.stream(seed, "hardware", e));
    s.cvType.set(hw.cvType);
    s.cvCpuGflops.set(hw.cvCpuGflops);
    s.svCpuGflops.set(hw.svCpuGflops);
    s.cvQueueGflop.fill(0); // A9: all queues empty at t = 1
    s.svQueueGflop.fill(0);
    s.rsuQueueGflop.fill(0);
    s.episode = e;
    const trajectories = w.mobility.episode(e, Rng.stream(seed, "mobility", e));
    this.#trajectories = trajectories;
    // MODEL.md A33: the CVs' predicted tracks over 2T slot boundaries (several RSUs).
    if (w.info.trackSlots > 0) trajectories.track(w.info.trackSlots, s.trackX, s.trackY);
    this.#episode = episode;
    this.emit("episodeStart", {
      episode,
      vehicleIds: trajectories.vehicleIds,
      windowStartS: trajectories.startS,
    });
    this.#moveTo(0);
    return this.#observation;
  }

  /** Applies one joint decision to the current slot; see {@linkcode StepResult}. */
  step(given: Decision): StepResult {
    if (!this.#trajectories) {
      throw new TypeError("Cannot step as the episode is over or not started: call reset() first");
    }
    const decision = this.#decision;
    const problem = decision.take(given, this.#trusted);
    if (problem) throw new InvalidDecisionError(problem, this.#episode, this.#slot + 1);
    const w = this.#world;
    const s = this.#state;
    const detail = this.#detail;
    this.#model.evaluate(s, decision, detail);
    if (!Number.isFinite(detail.objective + detail.sumDelayS)) this.#nonFinite();
    const reward = -detail.objective; // (58)
    if (this.has("slot")) {
      this.emit("slot", {
        episode: this.#episode,
        slot: this.#slot + 1,
        state: s,
        decision,
        detail,
        reward,
      });
    }
    this.#delay.set(detail.delayS);
    updateQueues(s, w.tables, decision, detail, w.params.tauS);
    const truncated = this.#slot + 1 >= w.scenario.time.slots;
    if (truncated) {
      this.#trajectories = undefined;
      this.#viewBlock.copyFrom(this.#block);
      this.emit("episodeEnd", { episode: this.#episode });
    } else {
      this.#moveTo(this.#slot + 1);
    }
    return {
      reward,
      objective: detail.objective,
      delayS: this.#delay,
      observation: this.#observation,
      terminated: false,
      truncated,
    };
  }

  /** Names the first non-finite quantity of the slot and throws. */
  #nonFinite(): never {
    const d = this.#detail;
    const perCv = [
      ["t_local_s", d.tLocalS],
      ["t_tx_s", d.tTxS],
      ["t_proc_s", d.tProcS],
      ["t_wait_s", d.tWaitS],
      ["delay_s", d.delayS],
    ] as const;
    const [episode, slot] = [this.#episode, this.#slot + 1];
    for (const [name, values] of perCv) {
      const i = values.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) throw new NonFiniteError(`${name} of cv${i + 1}`, values[i], episode, slot);
    }
    throw new NonFiniteError("objective (34)", d.objective, episode, slot);
  }

  /** Positions and neighbours of 0-based slot `t`; the policies' copy of the state. */
  #moveTo(t: number): void {
    const s = this.#state;
    this.#slot = t;
    s.slot = t;
    this.#trajectories!.positions(t, s);
    this.#index.rebuild(s.svX, s.svY, s.svActive);
    this.#viewBlock.copyFrom(this.#block);
    this.#observation.episode = this.#trusted.episode = this.#episode;
    this.#observation.slot = this.#trusted.slot = t + 1;
  }
}

/** Options of {@linkcode openEnv}. */
export interface EnvOptions {
  /** Scenario seed (default: the scenario's `seed`). */
  seed?: number;
}

/** Loads and compiles a scenario file; user errors are `UserError`s with `file:line:col`. */
export async function openEnv(scenarioPath: string, o: EnvOptions = {}): Promise<Env> {
  const loaded = await loadScenario(scenarioPath);
  return new Env(compileWorld(loaded, o.seed ?? loaded.scenario.seed));
}
