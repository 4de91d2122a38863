/**
 * Plugins run sandboxed by default: each instance lives in a module worker
 * whose Deno permissions are narrowed to reading the plugin's own folder
 * (and its checkpoint folder), writing nowhere but a training folder, and
 * no environment, subprocess, network, FFI or system access. Anything else
 * it attempts fails with a message naming the plugin and the permission.
 *
 * A worker, not a subprocess: the policy contract is synchronous, and a
 * worker shares memory, so a decision is one wait on a shared
 * buffer (the slot state packed as float64s), which is also how a decision
 * over its time limit is stopped (the worker is terminated). Deno checks
 * module imports against the read permission too, so a plugin imports only
 * from its folder and the project's modules.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Decision, SlotState } from "../../engine/model/slot.ts";
import type {
  EpisodeContext,
  Params,
  PolicyContext,
  PolicyInstance,
  SaveOptions,
  StepResult,
  UpdateStats,
} from "../../engine/sim/policy.ts";
import { UserError } from "../../engine/errors.ts";
import { toFileUrl } from "../../engine/path.ts";
import { stateShape } from "../../engine/sim/state.ts";
import {
  bufferBytes,
  C,
  type Description,
  type ErrorReply,
  type Init,
  OP,
  packState,
  readJson,
  type Shape,
  STATUS,
  views,
  waitChange,
  writeJson,
} from "./protocol.ts";

const WORKER = new URL("./worker.ts", import.meta.url).href;

/** What a sandboxed instance may touch besides its own folder. */
export interface SandboxOptions {
  /** Extra folders it may read (its checkpoint). */
  read?: string[];
  /** Folders it may write (a training folder); none by default. */
  write?: string[];
  /** Time limit of one call (decide, observe, update, ...), in milliseconds. */
  timeoutMs: number;
}

/** A sandboxed call that broke the sandbox's rules or its time limit. */
export class SandboxError extends Error {
  constructor(
    /** E.g. `was refused write access to "/tmp/x": ...`. */
    message: string,
    readonly kind: "permission" | "timeout",
    /** The plugin module. */
    readonly plugin: string,
  ) {
    super(message);
    this.name = "SandboxError";
  }
}

const HINT = "plugins run sandboxed: they may read their own folder (and their checkpoint) only, " +
  "and may not write, read the environment, run programs or use the network; " +
  "pass --trust-plugins (or sandbox.trustPlugins: true) to run it in-process with the CLI's permissions";

/** The error a worker reported, as the host throws it. */
function rethrow(plugin: string, e: ErrorReply): Error {
  const refused = /^Requires (\S+) access(?: to ("[^"]*"|\S+))?/.exec(e.message);
  if (refused || e.name === "NotCapable" || e.name === "PermissionDenied") {
    const what = refused
      ? `${refused[1]} access${refused[2] ? ` to ${refused[2]}` : ""}`
      : e.message;
    return new SandboxError(`was refused ${what}: ${HINT}`, "permission", plugin);
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** The project's modules, which a plugin imports (`mod.ts`, the floors under it, the import map). */
const PROJECT = ["mod.ts", "deno.json", "deno.lock", "app", "host", "policies", "engine"].map((p) =>
  fileURLToPath(new URL(`../../${p}`, import.meta.url))
);

function permissions(dir: string, o: { read?: string[]; write?: string[] }) {
  return {
    read: [dir, ...PROJECT, ...(o.read ?? [])],
    write: o.write && o.write.length > 0 ? o.write : false,
    env: false,
    run: false,
    net: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

function spawn(path: string, o: { read?: string[]; write?: string[] }): Worker {
  try {
    return new Worker(WORKER, {
      type: "module",
      deno: { permissions: permissions(dirname(path), o) },
    } as unknown as WorkerOptions);
  } catch (e) {
    throw new UserError(
      `plugin ${path}: cannot start its sandbox (${(e as Error).message}); the deno tasks ` +
        `enable it ("unstable": ["worker-options"] in deno.json); or pass --trust-plugins`,
    );
  }
}

/** The first message a worker posts, or its error; the worker is terminated on a timeout. */
function firstMessage<T>(
  worker: Worker,
  path: string,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new SandboxError(`did not finish ${what} within ${timeoutMs} ms`, "timeout", path));
    }, timeoutMs);
    worker.onmessage = (e: MessageEvent) => {
      clearTimeout(timer);
      resolve(e.data as T);
    };
    worker.onerror = (e: ErrorEvent) => {
      clearTimeout(timer);
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
}

/** Imports a plugin module inside a sandbox and reads its definition. */
export async function describePlugin(path: string, timeoutMs: number): Promise<Description> {
  const worker = spawn(path, {});
  try {
    worker.postMessage({ mode: "describe", url: toFileUrl(path).href } satisfies Init);
    type Reply = { description?: Description; problems?: string[]; error?: ErrorReply };
    const reply: Reply = await firstMessage<Reply>(
      worker,
      path,
      Math.max(timeoutMs, 60_000),
      "loading",
    )
      .catch((e) => ({ error: { name: e.name, message: e.message } }));
    if (reply.error) {
      const e = rethrow(path, reply.error);
      throw new UserError(
        e instanceof SandboxError
          ? `plugin ${path} ${e.message}`
          : `plugin ${path}: cannot load the module: ${e.message.split("\n")[0]}`,
      );
    }
    if (reply.problems) {
      throw new UserError(
        reply.problems.map((m) => ({ file: path, message: `not a valid policy plugin: ${m}` })),
      );
    }
    return reply.description!;
  } finally {
    worker.terminate();
  }
}

/**
 * Creates an instance of the plugin at `path` in a sandbox: a worker
 * imports the module, checks the params with the plugin's own `check` and
 * creates the instance.
 */
export async function createSandboxed(
  path: string,
  params: Params,
  ctx: PolicyContext,
  o: SandboxOptions,
): Promise<PolicyInstance> {
  const info = ctx.info;
  const shape: Shape = stateShape(info);
  // It may read back what it may write (a resumed training loads its checkpoint).
  const read = [...(o.read ?? []), ...(o.write ?? []), ...(ctx.checkpoint ? [ctx.checkpoint] : [])];
  const worker = spawn(path, { read, write: o.write });
  const sab = new SharedArrayBuffer(bufferBytes(shape));
  const init: Init = {
    mode: "create",
    url: toFileUrl(path).href,
    sab,
    shape,
    params,
    ctx,
    model: info.model,
    tables: info.tables as never,
  };
  worker.postMessage(init);
  const reply = await firstMessage<{ ready?: string[]; error?: ErrorReply }>(
    worker,
    path,
    Math.max(o.timeoutMs, 60_000),
    "create()",
  ).catch((e) => {
    worker.terminate();
    throw e;
  });
  if (reply.error) {
    worker.terminate();
    throw rethrow(path, reply.error);
  }
  return new SandboxedInstance(path, worker, sab, shape, new Set(reply.ready), o.timeoutMs);
}

/** The host side of one sandboxed instance. */
class SandboxedInstance implements PolicyInstance {
  readonly #path: string;
  readonly #worker: Worker;
  readonly #v: ReturnType<typeof views>;
  readonly #timeoutMs: number;
  /** The decision as the worker wrote it (float64: a fraction reaches the engine's check). */
  readonly #decision: { partition: Float64Array; target: Float64Array };
  #seq = 0;
  #closed = false;
  reset?: (ctx: EpisodeContext) => void;
  observe?: (step: StepResult) => void;
  update?: () => UpdateStats | undefined;
  stats?: () => UpdateStats;
  save?: (dir: string, options?: SaveOptions) => Promise<void>;
  load?: (dir: string) => Promise<void>;

  constructor(
    path: string,
    worker: Worker,
    sab: SharedArrayBuffer,
    shape: Shape,
    hooks: Set<string>,
    timeoutMs: number,
  ) {
    this.#path = path;
    this.#worker = worker;
    this.#v = views(sab, shape);
    this.#timeoutMs = timeoutMs;
    const d = new Float64Array(2 * shape.cvs);
    this.#decision = { partition: d.subarray(0, shape.cvs), target: d.subarray(shape.cvs) };
    // Only the hooks the plugin's instance has, so callers see the same shape.
    if (hooks.has("reset")) {
      this.reset = (ctx) =>
        this.#call(OP.RESET, "reset()", {
          episode: ctx.episode,
          training: ctx.training,
          rng: ctx.rng.state,
        });
    }
    if (hooks.has("observe")) {
      this.observe = (step) => {
        packState(step.observation.state, this.#v.state);
        this.#v.delay.set(step.delayS);
        const { reward, objective, terminated, truncated } = step;
        this.#call(OP.OBSERVE, "observe()", { reward, objective, terminated, truncated });
      };
    }
    if (hooks.has("update")) {
      this.update = () => this.#call(OP.UPDATE, "update()") ?? undefined;
    }
    if (hooks.has("stats")) this.stats = () => this.#call(OP.STATS, "stats()") ?? {};
    // File I/O gets ten times the limit; a failure rejects the promise.
    const io = (op: number, what: string, payload: unknown) =>
      new Promise<void>((done) => done(void this.#call(op, what, payload, 10)));
    if (hooks.has("save")) {
      this.save = (dir, options = {}) => io(OP.SAVE, "save()", { dir, options });
    }
    if (hooks.has("load")) this.load = (dir) => io(OP.LOAD, "load()", { dir });
  }

  decide(obs: { state: Readonly<SlotState> }): Decision {
    packState(obs.state, this.#v.state);
    const json = this.#call<Record<string, unknown> | null>(OP.DECIDE, "decide()");
    if (json) return (json.raw !== undefined ? json.raw : json) as unknown as Decision;
    const I = this.#decision.partition.length;
    this.#decision.partition.set(this.#v.decision.subarray(0, I));
    this.#decision.target.set(this.#v.decision.subarray(I, 2 * I));
    return this.#decision;
  }

  /**
   * One request: payload in, reply out, within the time limit (`slow`
   * times it for file I/O). Returns the reply's JSON, if any.
   */
  #call<T = unknown>(op: number, what: string, payload?: unknown, slow = 1): T | undefined {
    if (this.#closed) throw new Error(`the sandbox of plugin ${this.#path} is closed`);
    const v = this.#v;
    Atomics.store(v.ctrl, C.JSON_LEN, 0);
    if (payload !== undefined && !writeJson(v, payload)) {
      throw new RangeError(`Cannot send ${what} to the sandbox as its data is too large`);
    }
    const seq = ++this.#seq;
    Atomics.store(v.ctrl, C.OP, op);
    Atomics.store(v.ctrl, C.REQ, seq);
    Atomics.notify(v.ctrl, C.REQ);
    const limit = this.#timeoutMs * slow;
    if (!waitChange(v.ctrl, C.DONE, seq - 1, limit)) {
      this.#terminate();
      throw new SandboxError(
        `exceeded the time limit of ${limit} ms in ${what} and was stopped`,
        "timeout",
        this.#path,
      );
    }
    const n = Atomics.load(v.ctrl, C.JSON_LEN);
    if (Atomics.load(v.ctrl, C.STATUS) === STATUS.ERROR) {
      throw rethrow(this.#path, readJson<ErrorReply>(v));
    }
    return n > 0 ? readJson<T>(v) : undefined;
  }

  #terminate(): void {
    this.#closed = true;
    this.#worker.terminate();
  }

  dispose(): void {
    if (this.#closed) return;
    try {
      this.#call(OP.DISPOSE, "dispose()");
    } finally {
      this.#terminate();
    }
  }
}
