/**
 * Loading user policy modules by path, and checking their shape.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { toFileUrl } from "../engine/_path.ts";
import { UserError } from "../engine/errors.ts";
import type { PolicyDefinition } from "../engine/sim/policy.ts";

const HOOKS = ["reset", "observe", "update", "save", "load", "dispose", "check"] as const;

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

/** Imports a policy module (path relative to `baseDir`) and checks its shape. */
export async function loadPlugin(path: string, baseDir: string): Promise<PolicyDefinition> {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    await Deno.stat(abs);
  } catch {
    throw new UserError(`plugin ${path}: no such file (looked for ${abs})`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(toFileUrl(abs).href);
  } catch (e) {
    throw new UserError(
      `plugin ${path}: cannot load the module: ${(e as Error).message.split("\n")[0]}`,
    );
  }
  const def = mod.default ?? mod.policy;
  const problems = shapeProblems(def);
  if (problems.length > 0) {
    throw new UserError(
      problems.map((m) => ({ file: path, message: `not a valid policy plugin: ${m}` })),
    );
  }
  return def as PolicyDefinition;
}
