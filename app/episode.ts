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
import type { PolicyContext, PolicyInstance, UpdateStats } from "../engine/sim/policy.ts";
import type { World } from "../engine/world.ts";
import { resolveParams } from "./params.ts";
import { DEFAULT_PLUGIN_OPTIONS, importTrusted, isPlugin, type PluginOptions } from "./plugin.ts";
import type { ResolvedPolicy } from "./resolve.ts";
import { createSandboxed, SandboxError } from "./sandbox/host.ts";

/** A live policy with the name it is reported under. */
export interface Player {
  label: string;
  instance: PolicyInstance;
  /** Wrap errors the policy throws as user errors naming it (plugins). */
  untrusted: boolean;
  /** Time limit of one call (plugins; a sandbox stops a call over it). */
  timeoutMs?: number;
}

/** Options of {@linkcode instantiate}. */
export interface InstantiateOptions {
  /** A checkpoint directory (overrides the scenario's). */
  checkpoint?: string;
  /** How plugins run (default: sandboxed, 10 s per call). */
  plugins?: PluginOptions;
  /** Folders a sandboxed plugin may write (a training folder). */
  write?: string[];
}

/**
 * Creates a policy instance for `world`, loading its checkpoint when it has
 * one. A plugin's instance lives in its sandbox unless plugins are trusted.
 */
export async function instantiate(
  p: ResolvedPolicy,
  world: World,
  o: InstantiateOptions = {},
): Promise<Player> {
  // Each policy gets its own copy of the scenario facts (the DNN tables included).
  const info = structuredClone(world.info);
  const ctx = { info, label: p.label, checkpoint: o.checkpoint ?? p.checkpoint };
  const plugins = o.plugins ?? DEFAULT_PLUGIN_OPTIONS;
  let instance: PolicyInstance;
  try {
    instance = isPlugin(p.def)
      ? await createPlugin(p.def.module, p, ctx, plugins, o.write)
      : await p.def.create(p.params, ctx);
  } catch (e) {
    if (e instanceof UserError || !p.plugin) throw e;
    const err = e as Error;
    throw new UserError(
      e instanceof SandboxError
        ? `policy "${p.label}" (plugin ${e.plugin}) ${err.message} (in create())`
        : `policy "${p.label}": create() threw: ${err.message}`,
    );
  }
  if (typeof instance?.decide !== "function") {
    throw new UserError(
      `policy "${p.label}": create() must return an object with a decide() method`,
    );
  }
  const timeoutMs = p.plugin ? plugins.timeoutMs : undefined;
  return { label: p.label, instance, untrusted: p.plugin, timeoutMs };
}

/** A plugin's instance: in its sandbox, or in-process when trusted (with a warning). */
async function createPlugin(
  module: string,
  p: ResolvedPolicy,
  ctx: PolicyContext,
  plugins: PluginOptions,
  write?: string[],
): Promise<PolicyInstance> {
  if (!plugins.trust) {
    return await createSandboxed(module, p.params, ctx, { timeoutMs: plugins.timeoutMs, write });
  }
  console.error(
    `warning: plugins are trusted: ${module} runs in-process with the CLI's permissions`,
  );
  const def = await importTrusted(module);
  const { params, problems } = resolveParams(def, p.params);
  if (problems.length > 0) throw new UserError(problems.map((q) => ({ message: q.message })));
  return await def.create(params, ctx);
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
  const call = <T>(what: string, fn: () => T): T => guard(player, episode, slot, what, fn);
  const untrusted = player.untrusted;
  let obs = env.reset({ episode });
  const rng = Rng.stream(env.info.seed, "policy", episode - 1);
  call("reset()", () => policy.reset?.({ episode, rng, training }));
  for (;;) {
    slot++;
    const decision = untrusted ? call("decide()", () => policy.decide(obs)) : policy.decide(obs);
    let step;
    try {
      step = env.step(decision);
    } catch (e) {
      throw stepError(player, e);
    }
    if (policy.observe) {
      untrusted ? call("observe()", () => policy.observe!(step)) : policy.observe(step);
    }
    if (training && policy.update) {
      const stats = call("update()", () => policy.update!());
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
