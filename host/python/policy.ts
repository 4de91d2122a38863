/**
 * Python policies: `use: python:path/to/policy.py` in a scenario or an
 * experiment, or `--python-policy FILE`. The module runs in a child
 * process (`python/vecscene/policy_host.py`) with the user's permissions:
 * it cannot be sandboxed like a TypeScript plugin, so it runs only when the
 * user trusts plugins (`--trust-plugins` or `sandbox.trustPlugins: true`).
 *
 * Loading a Python policy starts its module once to read what it
 * declares (`ID`, `DESCRIPTION`, `DEFAULTS`, whether it has `create`);
 * `instance.ts` creates its instances, each in a child process of its own.
 * Errors are located in the user's file (`file:line`) and are user errors.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { UserError } from "../../engine/errors.ts";
import type { Params } from "../../engine/sim/policy.ts";
import type { PluginDefinition } from "../plugin.ts";
import { endChild, startChild } from "./child.ts";
import { type Described, type ErrorReply, REPLY, REQ, type Where } from "./protocol.ts";

/** The prefix of a Python policy's reference: `python:path/to/policy.py`. */
export const PYTHON_PREFIX = "python:";

/** The path of a `python:` reference, or undefined when `use` is not one. */
export function pythonPath(use: string): string | undefined {
  return use.startsWith(PYTHON_PREFIX) ? use.slice(PYTHON_PREFIX.length) : undefined;
}

/** The reference of the Python policy at `path`. */
export const pythonRef = (path: string): string => `${PYTHON_PREFIX}${path}`;

/** The default time limit of starting a Python policy (its import and `create()`), in ms. */
export const DEFAULT_LOAD_TIMEOUT_MS = 60_000;

/** Why a Python policy needs trust. */
export const TRUST_NEEDED = "a Python policy runs as a child process with your permissions " +
  "and cannot be sandboxed; pass --trust-plugins (or sandbox.trustPlugins: true) to run it";

/** A Python policy's definition; `instantiate` (host/player.ts) creates its instances. */
export interface PythonDefinition extends PluginDefinition {
  readonly python: {
    /** The module as the user named it. */
    shown: string;
    /** The time limit of starting an instance (import and `create()`), in ms. */
    loadTimeoutMs: number;
  };
}

/** Whether `def` is a Python policy's. */
export function isPython(def: object): def is PythonDefinition {
  return typeof (def as Partial<PythonDefinition>).python === "object";
}

/** A fault of a Python policy in a call, located in its file; `episode.ts` names the policy. */
export class PythonPolicyError extends Error {
  constructor(
    /** E.g. `decide() raised ValueError: boom`. */
    message: string,
    /** Where: the user's file and line. */
    readonly at: Where,
  ) {
    super(message);
    this.name = "PythonPolicyError";
  }
}

/** Options of {@linkcode loadPythonPolicy}. */
export interface PythonLoadOptions {
  /** The user trusts plugins: without it, a Python policy is refused. */
  trust: boolean;
  /** Time limit of starting it (default {@linkcode DEFAULT_LOAD_TIMEOUT_MS}). */
  loadTimeoutMs?: number;
}

const dec = new TextDecoder();

/** A reply's JSON. */
export function replyJson<T>(body: Uint8Array): T {
  return JSON.parse(dec.decode(body)) as T;
}

/** An ERROR reply as a located user error, its message after `prefix`. */
export function replyError(body: Uint8Array, prefix: string): UserError {
  const e = replyJson<ErrorReply>(body);
  return new UserError([{ file: e.file, line: e.line, message: `${prefix}${e.message}` }]);
}

/**
 * Reads a Python policy's definition (path relative to `baseDir`): its
 * module is imported in a child process, which is then ended. Refused
 * without trust; with it, one warning line says the module runs with the
 * CLI's permissions.
 */
export async function loadPythonPolicy(
  path: string,
  baseDir: string,
  o: PythonLoadOptions,
): Promise<PythonDefinition> {
  if (!o.trust) throw new UserError(`python policy ${path}: ${TRUST_NEEDED}`);
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    if (!(await Deno.stat(abs)).isFile) throw new Deno.errors.NotFound(abs);
  } catch {
    throw new UserError(`python policy ${path}: no such file (looked for ${abs})`);
  }
  console.error(
    `warning: plugins are trusted: python policy ${abs} runs as a child process ` +
      "with the CLI's permissions",
  );
  const loadTimeoutMs = o.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const started = await startChild({
    module: abs,
    shown: path,
    first: { tag: REQ.DESCRIBE, json: {} },
    mode: "describe",
    timeoutMs: loadTimeoutMs,
    what: "loading",
  });
  await endChild(started);
  if (started.tag !== REPLY.OK) throw replyError(started.body, `python policy ${path}: `);
  const d = replyJson<Described>(started.body);
  return {
    id: d.id,
    description: d.description,
    defaults: d.defaults as Params,
    learning: false,
    module: abs,
    python: { shown: path, loadTimeoutMs },
    create: () => {
      throw new TypeError(
        "Cannot create a Python policy's instance directly: use host/player.ts instantiate()",
      );
    },
  };
}
