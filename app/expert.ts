/**
 * Recording an expert dataset (`deno task expert`): an expert policy
 * (genetic with any params, exhaustive where it fits, any policy) plays
 * training episodes, and every slot's local states, feasible nodes, types
 * and the expert's joint decision are kept (format: engine/output/expert.ts).
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
import { Recorder } from "../engine/output/recorder.ts";
import { canonicalJson, scenarioHash } from "../engine/scenario/hash.ts";
import type { LoadedScenario } from "../engine/scenario/load.ts";
import { Env } from "../engine/sim/env.ts";
import type { Observation, PolicyInstance, StepResult } from "../engine/sim/policy.ts";
import { VERSION } from "../engine/version.ts";
import { compileWorld } from "../engine/world.ts";
import { instantiate, playEpisode } from "./episode.ts";
import { pluginOptions } from "./plugin.ts";
import { defaultRegistry, type PolicyRegistry } from "./registry.ts";
import { resolveOne } from "./resolve.ts";

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
  const registry = o.registry ?? defaultRegistry();
  const resolved = await resolveOne(loaded, registry, o.policy, o.params, o.trustPlugins);
  const seed = o.seed ?? loaded.scenario.seed;
  const world = compileWorld(loaded, seed);
  const info = world.info;
  const header: ExpertHeader = {
    format: "vecscene-expert/1",
    scenario: loaded.scenario.name,
    scenarioHash: scenarioHash(loaded),
    seed,
    episodeOffset: o.offset ?? 2_000_000,
    expert: { id: resolved.def.id, label: resolved.label, params: resolved.params },
    episodes: 0,
    slotsPerEpisode: info.slotsPerEpisode,
    agents: info.cvCount,
    nodes: info.nodeCount,
    stateDim: 2 * info.nodeCount + 1,
    actionCounts: info.tables.map((t) => (t.L + 1) * info.nodeCount),
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
  const player = await instantiate(resolved, world, {
    plugins: pluginOptions(loaded.scenario, o.trustPlugins),
  });
  const env = new Env(world);
  const rec = new Recorder(env);
  const flushEvery = o.flushEvery ?? 10;
  const t0 = performance.now();
  let pending = empty({ ...header, episodes: 0 });
  try {
    while (data.header.episodes + pending.header.episodes < o.episodes && !o.signal?.aborted) {
      const episode = header.episodeOffset + data.header.episodes + pending.header.episodes + 1;
      const taped = tape(player.instance, header);
      playEpisode(env, { ...player, instance: taped.instance }, episode);
      const fig = rec.episodes[rec.episodes.length - 1];
      pending = concatExpert(pending, taped.result(fig.meanDelayS));
      const done = data.header.episodes + pending.header.episodes;
      if (pending.header.episodes >= flushEvery || done >= o.episodes) {
        data = concatExpert(data, pending);
        pending = empty({ ...header, episodes: 0 });
        await writeExpert(file, data);
      }
      o.onProgress?.(done, o.episodes, meanOf(data, pending), (performance.now() - t0) / 1000);
    }
    if (pending.header.episodes > 0) {
      data = concatExpert(data, pending);
      await writeExpert(file, data);
    }
    if (data.header.episodes === 0) await writeExpert(file, data);
  } finally {
    player.instance.dispose?.();
  }
  return data;
}

/** A policy instance that records what the wrapped one sees and decides. */
function tape(inner: PolicyInstance, h: ExpertHeader) {
  const { agents: I, nodes: J, stateDim: D } = h;
  const T = h.slotsPerEpisode;
  const state = new Float32Array(T * I * D);
  const feasible = new Uint8Array(T * I * J);
  const types = new Int32Array(T * I);
  const actions = new Int32Array(T * I);
  const reward = new Float64Array(T);
  const objective = new Float64Array(T);
  const terminal = new Uint8Array(T);
  const local = new Float64Array(D);
  let t = 0;
  const instance: PolicyInstance = {
    reset: inner.reset?.bind(inner),
    decide(obs: Observation) {
      const d = inner.decide(obs);
      for (let i = 0; i < I; i++) {
        const r = t * I + i;
        state.set(obs.localState(i, local), r * D);
        feasible[r * J] = 1;
        for (const n of obs.neighbours(i)) feasible[r * J + n] = 1;
        types[r] = obs.state.cvType[i];
        actions[r] = (d.partition[i] - 1) * J + d.target[i]; // A10
      }
      return d;
    },
    observe(step: StepResult) {
      inner.observe?.(step);
      reward[t] = step.reward;
      objective[t] = step.objective;
      terminal[t] = step.terminated || step.truncated ? 1 : 0;
      t++;
    },
  };
  return {
    instance,
    result: (meanDelayS: number): ExpertData => ({
      header: { ...h, episodes: 1, meanDelayS },
      arrays: { state, feasible, types, actions, reward, objective, terminal },
    }),
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
