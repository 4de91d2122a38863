/**
 * The slot loop (MODEL.md A9): observe Q(t) and positions -> the policy
 * decides -> RSU allocation and delays -> reward (58) -> queue updates
 * (8), (10), (16) -> vehicles move.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { Decision, SlotState } from "../model/slot.ts";
import { SlotDetail, SlotModel, updateQueues } from "../model/slot.ts";
import { Rng } from "../rng.ts";
import type { World } from "../world.ts";
import type { PolicyInstance, UpdateStats } from "../../policies/contract.ts";
import { Emitter } from "./events.ts";
import { NeighbourIndex } from "./neighbours.ts";
import { Observation } from "./observation.ts";
import { decisionProblem } from "./validate.ts";

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

/** Emitted at the end of each episode. */
export interface EpisodeEvent {
  episode: number;
  training: boolean;
}

/** Emitted after each learning update (training only). */
export interface UpdateEvent {
  episode: number;
  slot: number;
  stats: UpdateStats;
}

/** The simulation's events. */
export interface SimEvents {
  episodeStart: EpisodeEvent;
  slot: SlotEvent;
  update: UpdateEvent;
  episodeEnd: EpisodeEvent;
}

/** Options of a simulation. */
export interface SimOptions {
  /** The label that names the policy in messages. */
  label: string;
  /** Wrap errors thrown by the policy as user errors naming it (plugins). */
  untrusted?: boolean;
}

/** Runs episodes of a compiled world with one policy. */
export class Simulation extends Emitter<SimEvents> {
  readonly world: World;
  readonly state: SlotState;
  readonly observation: Observation;
  readonly model: SlotModel;
  readonly detail: SlotDetail;
  readonly #policy: PolicyInstance;
  readonly #opts: SimOptions;
  readonly #index: NeighbourIndex;
  readonly #delay: Float64Array;

  constructor(world: World, policy: PolicyInstance, opts: SimOptions) {
    super();
    this.world = world;
    this.#policy = policy;
    this.#opts = opts;
    const { cvCount: I, svCount: S } = world.info;
    const K = world.tables.length;
    const f64 = (n: number) => new Float64Array(n);
    this.state = {
      episode: 0,
      slot: 0,
      cvType: new Int32Array(I),
      cvActive: new Uint8Array(I),
      cvX: f64(I),
      cvY: f64(I),
      cvRoadM: f64(I),
      cvCpuGflops: f64(I),
      cvTxPowerW: f64(I).fill(world.cvTxPowerW),
      cvQueueGflop: f64(I),
      svX: f64(S),
      svY: f64(S),
      svRoadM: f64(S),
      svActive: new Uint8Array(S),
      svCpuGflops: f64(S),
      svQueueGflop: f64(S),
      rsuX: world.mobility.rsuX,
      rsuY: world.mobility.rsuY,
      rsuCpuGflops: world.scenario.rsu.cpuGflops,
      rsuQueueGflop: f64(K),
    };
    this.model = new SlotModel(world.params, world.tables, S);
    this.detail = new SlotDetail(I, S, K);
    this.#index = new NeighbourIndex(world.params.v2vRangeM);
    this.observation = new Observation(this.state, world.tables, this.model, this.#index);
    this.#delay = f64(I);
  }

  /** Runs 0-based episode `e`: the same `e` and seed give the same vehicles and channels. */
  runEpisode(e: number, training = false): void {
    const w = this.world;
    const s = this.state;
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
    const policy = this.#policy;
    policy.reset?.({ episode: e + 1, rng: Rng.stream(seed, "policy", e), training });
    this.emit("episodeStart", { episode: e + 1, training });
    const T = w.scenario.time.slots;
    for (let t = 0; t < T; t++) {
      s.slot = t;
      trajectories.positions(t, s);
      this.#index.rebuild(s.svX, s.svY, s.svActive);
      const obs = this.observation;
      obs.episode = e + 1;
      obs.slot = t + 1;
      const decision = this.#call(() => policy.decide(obs), e, t);
      const problem = decisionProblem(decision, obs);
      if (problem) this.#fail(`returned an invalid decision: ${problem}`, e, t);
      const detail = this.detail;
      this.model.evaluate(s, decision, detail);
      const reward = -detail.objective; // (58)
      if (this.has("slot")) {
        this.emit("slot", { episode: e + 1, slot: t + 1, state: s, decision, detail, reward });
      }
      if (policy.observe) {
        this.#delay.set(detail.delayS);
        const outcome = {
          reward,
          objective: detail.objective,
          delayS: this.#delay,
          terminal: t === T - 1,
        };
        this.#call(() => policy.observe!(outcome), e, t);
      }
      if (training && policy.update) {
        const stats = this.#call(() => policy.update!(), e, t);
        if (stats) this.emit("update", { episode: e + 1, slot: t + 1, stats });
      }
      updateQueues(s, w.tables, decision, detail, w.params.tauS);
    }
    this.emit("episodeEnd", { episode: e + 1, training });
  }

  #call<T>(fn: () => T, e: number, t: number): T {
    if (!this.#opts.untrusted) return fn();
    try {
      return fn();
    } catch (err) {
      if (err instanceof UserError) throw err;
      this.#fail(
        `threw ${(err as Error)?.name ?? "an error"}: ${(err as Error)?.message ?? err}`,
        e,
        t,
      );
    }
  }

  #fail(message: string, e: number, t: number): never {
    throw new UserError(
      `policy "${this.#opts.label}" ${message} (episode ${e + 1}, slot ${t + 1})`,
    );
  }
}
