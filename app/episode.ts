/**
 * One policy over one episode of the environment: the slot loop of `run`,
 * of training and of held-out evaluation.
 *
 *   obs = env.reset(episode); policy.reset(...)
 *   repeat: decision = policy.decide(obs); step = env.step(decision);
 *           policy.observe(step); policy.update() (training only)
 *   until step.truncated
 *
 * Errors a plugin throws, and invalid decisions of any policy, become user
 * errors that name the policy, episode and slot.
 *
 * @module
 */
import { UserError } from "../engine/errors.ts";
import { Rng } from "../engine/rng.ts";
import { type Env, InvalidDecisionError, NonFiniteError } from "../engine/sim/env.ts";
import type { PolicyInstance, UpdateStats } from "../engine/sim/policy.ts";
import type { World } from "../engine/world.ts";
import type { ResolvedPolicy } from "./resolve.ts";

/** A live policy with the name it is reported under. */
export interface Player {
  label: string;
  instance: PolicyInstance;
  /** Wrap errors the policy throws as user errors naming it (plugins). */
  untrusted: boolean;
}

/** Creates a policy instance for `world`, loading its checkpoint when it has one. */
export async function instantiate(
  p: ResolvedPolicy,
  world: World,
  checkpoint?: string,
): Promise<Player> {
  // Each policy gets its own copy of the scenario facts (the DNN tables included).
  const info = structuredClone(world.info);
  const ctx = { info, label: p.label, checkpoint: checkpoint ?? p.checkpoint };
  let instance: PolicyInstance;
  try {
    instance = await p.def.create(p.params, ctx);
  } catch (e) {
    if (e instanceof UserError || !p.plugin) throw e;
    throw new UserError(`policy "${p.label}": create() threw: ${(e as Error).message}`);
  }
  if (typeof instance?.decide !== "function") {
    throw new UserError(
      `policy "${p.label}": create() must return an object with a decide() method`,
    );
  }
  return { label: p.label, instance, untrusted: p.plugin };
}

/** Options of {@linkcode playEpisode}. */
export interface PlayOptions {
  /** Exploration and `update()` after every slot. */
  training?: boolean;
  /** Receives what each `update()` returns. */
  onUpdate?: (stats: UpdateStats) => void;
}

/** Plays 1-based `episode` of `env` with `player`; the same episode and seed give the same slots. */
export function playEpisode(env: Env, player: Player, episode: number, o: PlayOptions = {}): void {
  const policy = player.instance;
  const training = o.training ?? false;
  let slot = 0;
  // Trusted policies are called directly: no closure on the slot loop's hot path.
  const call = <T>(fn: () => T): T => guard(player, episode, slot, fn);
  const untrusted = player.untrusted;
  let obs = env.reset({ episode });
  const rng = Rng.stream(env.info.seed, "policy", episode - 1);
  call(() => policy.reset?.({ episode, rng, training }));
  for (;;) {
    slot++;
    const decision = untrusted ? call(() => policy.decide(obs)) : policy.decide(obs);
    let step;
    try {
      step = env.step(decision);
    } catch (e) {
      throw stepError(player, e);
    }
    if (policy.observe) untrusted ? call(() => policy.observe!(step)) : policy.observe(step);
    if (training && policy.update) {
      const stats = call(() => policy.update!());
      if (stats) o.onUpdate?.(stats);
    }
    if (step.terminated || step.truncated) return;
    obs = step.observation;
  }
}

/** A user error for what `env.step` refused; other errors pass through. */
function stepError(player: Player, e: unknown): unknown {
  const where = (e: { episode: number; slot: number }) => `(episode ${e.episode}, slot ${e.slot})`;
  if (e instanceof InvalidDecisionError) {
    return new UserError(
      `policy "${player.label}" returned an invalid decision: ${e.problem} ${where(e)}`,
    );
  }
  if (e instanceof NonFiniteError) {
    return new UserError(
      `policy "${player.label}": the model produced a non-finite ${e.quantity} (${e.value}) ` +
        `${where(e)}; nothing was written; check the scenario's quantities (docs/MODEL.md)`,
    );
  }
  return e;
}

/** Runs `fn`; a plugin's error becomes a user error naming it, the episode and the slot. */
function guard<T>(player: Player, episode: number, slot: number, fn: () => T): T {
  if (!player.untrusted) return fn();
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const where = slot > 0 ? `(episode ${episode}, slot ${slot})` : `(episode ${episode}, reset)`;
    throw new UserError(
      `policy "${player.label}" threw ${(err as Error)?.name ?? "an error"}: ${
        (err as Error)?.message ?? err
      } ${where}`,
    );
  }
}
