/**
 * Loading user policy modules by path, and checking their shape. A
 * plugin's module is only ever imported inside its sandbox
 * (`sandbox/host.ts`), unless the user trusts plugins.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { toFileUrl } from "../engine/path.ts";
import { UserError } from "../engine/errors.ts";
import type { Scenario } from "../engine/scenario/schema.ts";
import type { PolicyDefinition } from "../engine/sim/policy.ts";
import { describePlugin } from "./sandbox/proxy.ts";

const HOOKS = ["reset", "observe", "update", "stats", "save", "load", "dispose", "check"] as const;

/** Whether a `use:` value names a module rather than a registered id. */
export function isModulePath(ref: string): boolean {
  return /[\\/]/.test(ref) || /\.(m?[jt]s|tsx?)$/.test(ref);
}

/** Problems with a module's default export, as messages (empty when it is a valid policy). */
export function shapeProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null) {
    return ["its default export is not a policy object; export `definePolicy({...})` as default"];
  }
  const d = value as Record<string, unknown>;
  const out: string[] = [];
  if (typeof d.id !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(d.id)) {
    out.push(
      `"id" must be a string of lower-case letters, digits and "-", got ${JSON.stringify(d.id)}`,
    );
  }
  if (typeof d.description !== "string") out.push(`"description" must be a string`);
  if (typeof d.defaults !== "object" || d.defaults === null || Array.isArray(d.defaults)) {
    out.push(`"defaults" must be an object of parameter defaults (use {} for none)`);
  }
  if (typeof d.create !== "function") out.push(`"create" must be a function returning { decide }`);
  for (const h of HOOKS) {
    if (d[h] !== undefined && typeof d[h] !== "function") out.push(`"${h}" must be a function`);
  }
  return out;
}

/** A plugin's definition as read in its sandbox; `instantiate` creates its instances. */
export interface PluginDefinition extends PolicyDefinition {
  /** The module's absolute path. */
  readonly module: string;
}

/** Whether `def` came from a plugin module. */
export function isPlugin(def: PolicyDefinition): def is PluginDefinition {
  return typeof (def as Partial<PluginDefinition>).module === "string";
}

/** How plugins run: sandboxed (default) or in-process, and each call's time limit. */
export interface PluginOptions {
  /** Run plugins in-process with the CLI's permissions (`--trust-plugins`). */
  trust: boolean;
  /** Time limit of one call of a plugin (decide, observe, update, ...), in milliseconds. */
  timeoutMs: number;
}

/** The default: sandboxed, 10 s per call. */
export const DEFAULT_PLUGIN_OPTIONS: PluginOptions = { trust: false, timeoutMs: 10_000 };

/** The plugin options of a scenario (`sandbox:`), trusted also when `trust` (the CLI flag) says so. */
export function pluginOptions(s: Scenario, trust = false): PluginOptions {
  return { trust: trust || s.sandbox.trustPlugins, timeoutMs: s.sandbox.callTimeoutMs };
}

function absolute(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * Reads a policy module's definition (path relative to `baseDir`): the
 * module is imported in a sandbox, or in-process when `trust` is set (the
 * user trusts plugins), and its shape checked.
 */
export async function loadPlugin(
  path: string,
  baseDir: string,
  trust = false,
): Promise<PluginDefinition> {
  const abs = absolute(path, baseDir);
  if (abs.endsWith(".py")) {
    throw new UserError(
      `plugin ${path}: a Python module is a Python policy: name it python:${path} ` +
        `(or pass --python-policy ${path})`,
    );
  }
  try {
    await Deno.stat(abs);
  } catch {
    throw new UserError(`plugin ${path}: no such file (looked for ${abs})`);
  }
  let d: Omit<PolicyDefinition, "create">;
  try {
    d = trust
      ? await importTrusted(abs)
      : await describePlugin(abs, DEFAULT_PLUGIN_OPTIONS.timeoutMs);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // Name the module as the user wrote it.
    throw new UserError(e.problems.map((p) => ({
      ...p,
      file: p.file === abs ? path : p.file,
      message: p.message.replaceAll(abs, path),
    })));
  }
  return {
    id: d.id,
    description: d.description,
    defaults: d.defaults,
    presets: d.presets,
    learning: d.learning,
    module: abs,
    create: () => {
      throw new TypeError(
        "Cannot create a plugin's instance directly: use host/player.ts instantiate()",
      );
    },
  };
}

/** Imports a plugin module in-process (trusted) and checks its shape. */
export async function importTrusted(abs: string): Promise<PolicyDefinition> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(toFileUrl(abs).href);
  } catch (e) {
    throw new UserError(
      `plugin ${abs}: cannot load the module: ${(e as Error).message.split("\n")[0]}`,
    );
  }
  const def = mod.default ?? mod.policy;
  const problems = shapeProblems(def);
  if (problems.length > 0) {
    throw new UserError(
      problems.map((m) => ({ file: abs, message: `not a valid policy plugin: ${m}` })),
    );
  }
  return def as PolicyDefinition;
}
