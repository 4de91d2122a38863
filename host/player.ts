/**
 * A policy made live in a world: its instance created (its checkpoint
 * loaded), in its sandbox when it is a plugin, in its child process when
 * it is a Python policy, with the name it is reported under.
 *
 * @module
 */
import { UserError } from "../engine/errors.ts";
import type { PolicyContext, PolicyInstance } from "../engine/sim/policy.ts";
import type { World } from "../engine/world.ts";
import { resolveParams } from "./params.ts";
import { DEFAULT_PLUGIN_OPTIONS, importTrusted, isPlugin, type PluginOptions } from "./plugin.ts";
import type { ResolvedPolicy } from "./resolve.ts";
import { createSandboxed, SandboxError } from "./sandbox/proxy.ts";
import { createPython, decideSource } from "./python/instance.ts";
import { isPython } from "./python/policy.ts";

/** A live policy with the name it is reported under. */
export interface Player {
  label: string;
  instance: PolicyInstance;
  /** Wrap errors the policy throws as user errors naming it (plugins). */
  untrusted: boolean;
  /** Time limit of one call (plugins; a sandbox stops a call over it). */
  timeoutMs?: number;
  /** Where the policy's `decide` is written (a Python policy's), to locate its invalid decisions. */
  source?: { file: string; line?: number };
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
    instance = isPython(p.def)
      ? await createPython(p.def, p.params, ctx, plugins.timeoutMs)
      : isPlugin(p.def)
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
  return {
    label: p.label,
    instance,
    untrusted: p.plugin,
    timeoutMs,
    source: decideSource(instance),
  };
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
