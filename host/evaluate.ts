/**
 * The one episode loop: a policy over numbered episodes of a world, with
 * the run table's figures recorded. `run` (every policy of a scenario),
 * training (its own episodes and the evaluations that choose `best/`),
 * `train --seeds` (the held-out test), experiment cells and expert
 * recording all call it, and differ only in what they pass:
 *
 * - a resolved policy (created here, its checkpoint loaded, disposed at
 *   the end whatever happens) or a live {@linkcode Player} the caller owns
 *   (a learner between its training episodes);
 * - the episodes (`first`, `episodes`) and whether it is training;
 * - what to record: the CSV folder (written atomically when every episode
 *   has been played, dropped on failure), decision timings;
 * - hooks: per slot ({@linkcode SlotHooks}), per episode (awaited, so a
 *   caller may write a checkpoint or a dataset between episodes), and the
 *   environment itself (to subscribe to its events).
 *
 * @module
 */
import { type Aggregates, type EpisodeFigures, Recorder } from "../engine/output/recorder.ts";
import { Env } from "../engine/sim/env.ts";
import type { World } from "../engine/world.ts";
import { playEpisode, type SlotHooks } from "./episode.ts";
import { instantiate, type Player } from "./player.ts";
import type { PluginOptions } from "./plugin.ts";
import type { ResolvedPolicy } from "./resolve.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** How many episodes to play. */
  episodes: number;
  /** The number of the first (default 1): episodes `first .. first + episodes - 1` are played. */
  first?: number;
  /** Exploration and `update()` after every slot. */
  training?: boolean;
  /** A checkpoint folder for a resolved policy (overrides the scenario's). */
  checkpoint?: string;
  /** How a resolved plugin runs (default: sandboxed, 10 s per call). */
  plugins?: PluginOptions;
  /** Where to write `slots.csv`, `queues.csv`, `steps.csv` and `vehicles.csv` (none if absent). */
  csvDir?: string;
  /** Time every `decide()` call (`decideMs` of the result). */
  timeDecisions?: boolean;
  hooks?: SlotHooks;
  /** Called with the environment before the first episode (e.g. to subscribe to its events). */
  onEnv?(env: Env): void;
  /** Called, and awaited, after each episode with its figures and its 1-based index in this call. */
  onEpisode?(figures: EpisodeFigures, index: number): void | Promise<void>;
  /** Stops before the next episode once aborted. */
  signal?: AbortSignal;
}

/** What {@linkcode evaluate} measured. */
export interface Evaluation {
  label: string;
  aggregates: Aggregates;
  episodes: EpisodeFigures[];
  /** Slots played, and the milliseconds spent in `decide()` (0 unless `timeDecisions`). */
  slots: number;
  decideMs: number;
}

/** Plays `policy` over the episodes of `o` in `world` and returns the figures. */
export async function evaluate(
  world: World,
  policy: ResolvedPolicy | Player,
  o: EvaluateOptions,
): Promise<Evaluation> {
  const owned = !("instance" in policy);
  const player = owned
    ? await instantiate(policy, world, { checkpoint: o.checkpoint, plugins: o.plugins })
    : policy;
  const timed = timer(o);
  const first = o.first ?? 1;
  let rec: Recorder | undefined;
  try {
    const env = new Env(world);
    rec = new Recorder(env, o.csvDir);
    o.onEnv?.(env);
    for (let k = 0; k < o.episodes && !o.signal?.aborted; k++) {
      playEpisode(env, player, first + k, { training: o.training, hooks: timed.hooks });
      await o.onEpisode?.(rec.episodes[rec.episodes.length - 1], k + 1);
    }
    rec.commit();
  } catch (e) {
    rec?.abort();
    throw e;
  } finally {
    if (owned) player.instance.dispose?.(); // a sandboxed plugin's worker ends here
  }
  return {
    label: player.label,
    aggregates: rec.aggregates(),
    episodes: rec.episodes,
    slots: rec.episodes.length * world.info.slotsPerEpisode,
    decideMs: timed.ms(),
  };
}

/** The caller's hooks, with the decision hook summing `decide()` times when asked to. */
function timer(o: EvaluateOptions): { hooks: SlotHooks | undefined; ms: () => number } {
  if (!o.timeDecisions) return { hooks: o.hooks, ms: () => 0 };
  let total = 0;
  const inner = o.hooks?.decision;
  const decision: SlotHooks["decision"] = (obs, d, ms) => {
    total += ms;
    inner?.(obs, d, ms);
  };
  return { hooks: { ...o.hooks, decision }, ms: () => total };
}
