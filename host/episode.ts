/**
 * One policy over one episode of the environment: the slot loop under
 * every use case (run, training, evaluations, experiment cells, expert
 * recording), which reach it through {@linkcode evaluate} (evaluate.ts).
 *
 *   obs = env.reset(episode); policy.reset(...)
 *   repeat: decision = policy.decide(obs); [hooks.decision]
 *           step = env.step(decision); policy.observe(step); [hooks.step]
 *           policy.update() (training only) [hooks.update]
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
import type { Decision, Observation, StepResult, UpdateStats } from "../engine/sim/policy.ts";
import type { Player } from "./player.ts";
import { SandboxError } from "./sandbox/proxy.ts";
import { PythonPolicyError } from "./python/policy.ts";

/** What a caller may watch in the slot loop; each hook is optional and costs nothing when absent. */
export interface SlotHooks {
  /**
   * After each decision, before the environment steps: the observation it
   * was taken on (valid during this call), the decision and the
   * milliseconds `decide()` took.
   */
  decision?(obs: Observation, decision: Decision, ms: number): void;
  /** After each step (and the policy's `observe`). */
  step?(step: StepResult): void;
  /** What each `update()` returns (training only). */
  update?(stats: UpdateStats): void;
}

/** Options of {@linkcode playEpisode}. */
export interface PlayOptions {
  /** Exploration and `update()` after every slot. */
  training?: boolean;
  hooks?: SlotHooks;
}

/** Plays 1-based `episode` of `env` with `player`; the same episode and seed give the same slots. */
export function playEpisode(env: Env, player: Player, episode: number, o: PlayOptions = {}): void {
  const policy = player.instance;
  const training = o.training ?? false;
  const hooks = o.hooks ?? {};
  let slot = 0;
  // Trusted policies are called directly: no closure on the slot loop's hot path.
  const call = <T>(what: string, fn: () => T): T => guard(player, episode, slot, what, fn);
  const untrusted = player.untrusted;
  let obs = env.reset({ episode });
  const rng = Rng.stream(env.info.seed, "policy", episode - 1);
  call("reset()", () => policy.reset?.({ episode, rng, training }));
  for (;;) {
    slot++;
    const t0 = hooks.decision ? performance.now() : 0;
    const decision = untrusted ? call("decide()", () => policy.decide(obs)) : policy.decide(obs);
    if (hooks.decision) hooks.decision(obs, decision, performance.now() - t0);
    let step;
    try {
      step = env.step(decision);
    } catch (e) {
      throw stepError(player, e);
    }
    if (policy.observe) {
      untrusted ? call("observe()", () => policy.observe!(step)) : policy.observe(step);
    }
    hooks.step?.(step);
    if (training && policy.update) {
      const stats = call("update()", () => policy.update!());
      if (stats) hooks.update?.(stats);
    }
    if (step.terminated || step.truncated) return;
    obs = step.observation;
  }
}

/** A user error for what `env.step` refused; other errors pass through. */
function stepError(player: Player, e: unknown): unknown {
  const where = (e: { episode: number; slot: number }) => `(episode ${e.episode}, slot ${e.slot})`;
  if (e instanceof InvalidDecisionError) {
    // Located where the policy's decide() is written, when that is known (a Python policy).
    return new UserError([{
      ...player.source,
      message: `policy "${player.label}" returned an invalid decision: ${e.problem} ${where(e)}`,
    }]);
  }
  if (e instanceof NonFiniteError) {
    return new UserError(
      `policy "${player.label}": the model produced a non-finite ${e.quantity} (${e.value}) ` +
        `${where(e)}; nothing was written; check the scenario's quantities (docs/MODEL.md)`,
    );
  }
  return e;
}

/**
 * Runs `what` of a plugin: its errors become user errors naming it, the
 * episode and the slot, and a call over the time limit is an error too (a
 * sandbox stops it; in-process it is caught when it returns).
 */
function guard<T>(player: Player, episode: number, slot: number, what: string, fn: () => T): T {
  if (!player.untrusted) return fn();
  const where = slot > 0 ? `(episode ${episode}, slot ${slot})` : `(episode ${episode})`;
  const t0 = performance.now();
  let out: T;
  try {
    out = fn();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as Error;
    if (e instanceof SandboxError) {
      throw new UserError(`policy "${player.label}" (plugin ${e.plugin}) ${e.message} ${where}`);
    }
    if (e instanceof PythonPolicyError) {
      throw new UserError([{
        ...e.at,
        message: `policy "${player.label}": ${e.message} ${where}`,
      }]);
    }
    throw new UserError(
      `policy "${player.label}" threw ${e?.name ?? "an error"}: ${e?.message ?? err} ${where}`,
    );
  }
  const ms = performance.now() - t0;
  if (player.timeoutMs !== undefined && ms > player.timeoutMs) {
    throw new UserError(
      `policy "${player.label}" took ${Math.round(ms)} ms in ${what}, over the time limit of ` +
        `${player.timeoutMs} ms ${where}`,
    );
  }
  return out;
}
