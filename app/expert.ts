/**
 * Recording an expert dataset (`deno task expert`): an expert policy
 * (genetic with any params, exhaustive where it fits, any policy) plays
 * training episodes, and every slot's local states, feasible nodes, types
 * and the expert's joint decision are kept (format: engine/output/expert.ts).
 *
 * With an `actor` (DAgger), another policy steps the environment and the
 * expert only labels the states the actor visits: the rows hold the
 * expert's decision on each of them, with its reward and objective.
 *
 * Episodes are numbered from `offset` (default 2,000,000) in the seed's
 * streams, apart from the held-out episodes 1..N of `run` and from RL
 * training's episodes (1,000,000 + n). The file is rewritten atomically
 * every `flushEvery` episodes; a run that is stopped resumes from the
 * episodes already in the file (same scenario hash, expert and seed).
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../engine/errors.ts";
import {
  concatExpert,
  EXPERT_FILE,
  type ExpertData,
  type ExpertHeader,
  readExpert,
  writeExpert,
} from "../engine/output/expert.ts";
import { canonicalJson, scenarioHash } from "../engine/scenario/hash.ts";
import type { LoadedScenario } from "../engine/scenario/load.ts";
import { counterfactualObjectives, CounterfactualScratch } from "../engine/sim/counterfactual.ts";
import type { ExpertArrays } from "../engine/sim/dataset.ts";
import { encodeAction, encodingShape, encodingVersion } from "../engine/sim/encoding.ts";
import type { Decision, Observation, StepResult } from "../engine/sim/policy.ts";
import { Rng } from "../engine/rng.ts";
import { VERSION } from "../engine/version.ts";
import { compileWorld, type ScenarioInfo } from "../engine/world.ts";
import type { SlotHooks } from "../host/episode.ts";
import { evaluate } from "../host/evaluate.ts";
import { instantiate, type Player } from "../host/player.ts";
import { pluginOptions } from "../host/plugin.ts";
import { defaultRegistry, type PolicyRegistry } from "../host/registry.ts";
import { resolveOne } from "../host/resolve.ts";
import { writing } from "./util/lock.ts";

/** Options of {@linkcode recordExpert} (the flags of `expert`). */
export interface ExpertOptions {
  /** The expert: a policy id or label of the scenario, or a registered id. */
  policy: string;
  /** Parameter overrides on top of the scenario's. */
  params?: Record<string, unknown>;
  episodes: number;
  /** Dataset folder (holds `expert.bin`). */
  out: string;
  /** Scenario seed override. */
  seed?: number;
  offset?: number;
  /** Continue a dataset that holds fewer episodes (default true). */
  resume?: boolean;
  flushEvery?: number;
  /**
   * Also record graded per-slot targets (engine/sim/counterfactual.ts): for
   * each agent, every action's cost with the others at the expert's decision.
   */
  graded?: boolean;
  /**
   * DAgger labelling: this live policy steps the environment (greedily) and
   * the expert's decisions on the states it visits are recorded; `checkpoint`
   * names its weights in the header. The caller owns the player.
   */
  actor?: { player: Player; checkpoint?: string };
  registry?: PolicyRegistry;
  trustPlugins?: boolean;
  /** Called after every episode with the count done and the running mean TCT. */
  onProgress?: (done: number, episodes: number, meanDelayS: number, seconds: number) => void;
  signal?: AbortSignal;
}

/** Records (or completes) the dataset of `o.out` and returns it. */
export async function recordExpert(
  loaded: LoadedScenario,
  o: ExpertOptions,
): Promise<ExpertData> {
  return await writing(
    o.out,
    `${o.out} keeps the episodes written so far: free the space or fix the folder, then run the same command to complete it`,
    () => recordLocked(loaded, o),
  );
}

async function recordLocked(
  loaded: LoadedScenario,
  o: ExpertOptions,
): Promise<ExpertData> {
  const registry = o.registry ?? defaultRegistry();
  const resolved = await resolveOne(loaded, registry, o.policy, o.params, o.trustPlugins);
  const seed = o.seed ?? loaded.scenario.seed;
  const world = compileWorld(loaded, seed);
  const info = world.info;
  const header: ExpertHeader = {
    format: "vecscene-expert/1",
    encoding: encodingVersion(info.rsuCount),
    scenario: loaded.scenario.name,
    scenarioHash: scenarioHash(loaded),
    seed,
    episodeOffset: o.offset ?? 2_000_000,
    expert: { id: resolved.def.id, label: resolved.label, params: resolved.params },
    episodes: 0,
    slotsPerEpisode: info.slotsPerEpisode,
    ...encodingShape(info),
    ...(o.graded ? { graded: { width: Math.max(...encodingShape(info).actionCounts) } } : {}),
    ...(o.actor ? { actor: actorOf(o.actor) } : {}),
    meanDelayS: 0,
    version: VERSION,
  };
  const file = join(o.out, EXPERT_FILE);
  let data = empty(header);
  if (o.resume !== false) {
    const old = await readIfThere(file);
    if (old) {
      const why = mismatch(old.header, header);
      if (why) {
        throw new UserError(
          `${file} was recorded ${why}: pass another --out, or delete it to record anew`,
        );
      }
      data = old;
    }
  }
  const flushEvery = o.flushEvery ?? 10;
  const t0 = performance.now();
  let pending = empty({ ...header, episodes: 0 });
  const taped = tape(header, info, Boolean(o.actor));
  const done = () => data.header.episodes + pending.header.episodes;
  const plugins = pluginOptions(loaded.scenario, o.trustPlugins);
  const expert = o.actor ? await instantiate(resolved, world, { plugins }) : undefined;
  try {
    const player = expert ? labelling(expert, o.actor!.player, seed, taped.label) : resolved;
    await evaluate(world, player, {
      first: header.episodeOffset + data.header.episodes + 1,
      episodes: Math.max(0, o.episodes - data.header.episodes),
      plugins,
      hooks: taped.hooks,
      signal: o.signal,
      onEpisode: async (fig) => {
        pending = concatExpert(pending, taped.take(fig.meanDelayS));
        if (pending.header.episodes >= flushEvery || done() >= o.episodes) {
          data = concatExpert(data, pending);
          pending = empty({ ...header, episodes: 0 });
          await writeExpert(file, data);
        }
        o.onProgress?.(done(), o.episodes, meanOf(data, pending), (performance.now() - t0) / 1000);
      },
    });
  } finally {
    expert?.instance.dispose?.();
  }
  if (pending.header.episodes > 0) {
    data = concatExpert(data, pending);
    await writeExpert(file, data);
  }
  if (data.header.episodes === 0) await writeExpert(file, data);
  return data;
}

/**
 * A player whose decisions are the actor's while the expert decides on the
 * same observation, its decision handed to `label` (DAgger). The actor acts
 * greedily with the episode's policy stream, as it would alone; the expert
 * draws from a stream of its own (`expert-label`), so that it does not
 * change the actor's draws.
 */
function labelling(
  expert: Player,
  actor: Player,
  seed: number,
  label: (obs: Observation, d: Decision) => void,
): Player {
  const e = expert.instance;
  const a = actor.instance;
  return {
    label: actor.label,
    untrusted: expert.untrusted || actor.untrusted,
    timeoutMs: expert.timeoutMs,
    instance: {
      reset(ctx) {
        e.reset?.({ ...ctx, rng: Rng.stream(seed, "expert-label", ctx.episode - 1) });
        a.reset?.({ ...ctx, training: false });
      },
      decide(obs) {
        label(obs, e.decide(obs));
        return a.decide(obs);
      },
      observe(step) {
        e.observe?.(step);
        a.observe?.(step);
      },
    },
  };
}

/** The header's record of an actor. */
function actorOf(actor: NonNullable<ExpertOptions["actor"]>): NonNullable<ExpertHeader["actor"]> {
  return {
    label: actor.player.label,
    ...(actor.checkpoint !== undefined ? { checkpoint: actor.checkpoint } : {}),
  };
}

/**
 * Slot hooks that record what the expert sees and decides; `take` returns
 * an episode's record. With `labelOnly` the expert's decisions come through
 * `label` (another policy steps the environment), and each row's reward and
 * objective are those of the expert's decision on the visited state.
 */
function tape(h: ExpertHeader, info: ScenarioInfo, labelOnly: boolean) {
  const { agents: I, nodes: J, stateDim: D } = h;
  const T = h.slotsPerEpisode;
  const W = h.graded?.width ?? 0;
  const local = new Float64Array(D);
  const objectives = new Float64Array(I * W);
  const scratch = new CounterfactualScratch(I, info.nodeCount);
  const fresh = () => ({
    state: new Float32Array(T * I * D),
    feasible: new Uint8Array(T * I * J),
    types: new Int32Array(T * I),
    actions: new Int32Array(T * I),
    reward: new Float64Array(T),
    objective: new Float64Array(T),
    terminal: new Uint8Array(T),
    ...(W > 0 ? { cost: new Float32Array(T * I * W) } : {}),
  });
  let a: ExpertArrays = fresh();
  let t = 0;
  const label = (obs: Observation, d: Decision) => {
    for (let i = 0; i < I; i++) {
      const r = t * I + i;
      a.state.set(obs.localState(i, local), r * D);
      obs.nodeMask(i, a.feasible.subarray(r * J, (r + 1) * J));
      a.types[r] = obs.state.cvType[i];
      a.actions[r] = encodeAction(d.partition[i], d.target[i], J);
    }
    const own = a.cost || labelOnly ? obs.evaluate(d) : 0;
    if (a.cost) {
      counterfactualObjectives(obs, d, objectives, W, scratch);
      for (let k = 0; k < I * W; k++) a.cost[t * I * W + k] = objectives[k] - own;
    }
    if (labelOnly) {
      a.objective[t] = own;
      a.reward[t] = -own; // (58)
    }
  };
  const hooks: SlotHooks = {
    ...(labelOnly ? {} : { decision: label }),
    step(step: StepResult) {
      if (!labelOnly) {
        a.reward[t] = step.reward;
        a.objective[t] = step.objective;
      }
      a.terminal[t] = step.terminated || step.truncated ? 1 : 0;
      t++;
    },
  };
  return {
    hooks,
    label,
    take(meanDelayS: number): ExpertData {
      const out = { header: { ...h, episodes: 1, meanDelayS }, arrays: a };
      a = fresh();
      t = 0;
      return out;
    },
  };
}

function empty(h: ExpertHeader): ExpertData {
  return {
    header: { ...h, episodes: 0, meanDelayS: 0 },
    arrays: {
      state: new Float32Array(0),
      feasible: new Uint8Array(0),
      types: new Int32Array(0),
      actions: new Int32Array(0),
      reward: new Float64Array(0),
      objective: new Float64Array(0),
      terminal: new Uint8Array(0),
      ...(h.graded ? { cost: new Float32Array(0) } : {}),
    },
  };
}

function meanOf(a: ExpertData, b: ExpertData): number {
  const n = a.header.episodes + b.header.episodes;
  return (a.header.meanDelayS * a.header.episodes + b.header.meanDelayS * b.header.episodes) /
    Math.max(1, n);
}

/** Why a dataset on disk cannot be continued as `want`, or undefined. */
function mismatch(have: ExpertHeader, want: ExpertHeader): string | undefined {
  if (have.scenarioHash !== want.scenarioHash) {
    return `on another scenario (hash ${have.scenarioHash.slice(0, 12)}, this one ${
      want.scenarioHash.slice(0, 12)
    })`;
  }
  if (have.seed !== want.seed) return `with seed ${have.seed}, not ${want.seed}`;
  if (have.episodeOffset !== want.episodeOffset) {
    return `from episode offset ${have.episodeOffset}, not ${want.episodeOffset}`;
  }
  if (canonicalJson(have.expert) !== canonicalJson(want.expert)) {
    return `with another expert (${canonicalJson(have.expert)})`;
  }
  if (canonicalJson(have.actor ?? null) !== canonicalJson(want.actor ?? null)) {
    return have.actor
      ? `on the states of another actor (${canonicalJson(have.actor)})`
      : "with the expert stepping the episodes (no actor)";
  }
  if (Boolean(have.graded) !== Boolean(want.graded)) {
    return have.graded ? "with graded targets (pass --graded)" : "without graded targets";
  }
  return undefined;
}

async function readIfThere(file: string): Promise<ExpertData | undefined> {
  try {
    return await readExpert(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    if (e instanceof TypeError) throw new UserError(e.message);
    throw e;
  }
}
