/**
 * Starting a Python policy's child process (in the worker that owns it,
 * `worker.ts`) and its first exchange, DESCRIBE or CREATE, within a time
 * limit: which interpreter (`VECSCENE_PYTHON`, else `python3`), where the
 * host script is (beside the project's Python package; copied out of a
 * compiled binary), and what a child that hangs or dies says.
 *
 * @module
 */
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../engine/errors.ts";
import { REPLY, type Where, type WorkerInit, type WorkerMessage } from "./protocol.ts";

const WORKER = new URL("./worker.ts", import.meta.url).href;
const HOST_FILES = ["policy_host.py", "_frames.py", "_policy_module.py"];
const HOST_DIR = new URL("../../python/vecscene/", import.meta.url);

/** How long a child stopped over its time limit has to say where it was. */
export const WHERE_GRACE_MS = 500;
/** How long a stopped or closed child has to end before its worker is terminated. */
export const REAP_MS = 2000;

/** The interpreter: `VECSCENE_PYTHON` when set, else `python3`. */
export function pythonCommand(): string {
  return Deno.env.get("VECSCENE_PYTHON") || "python3";
}

let hostPath: string | undefined;

/**
 * The host script's path on disk. Under `deno compile` the project's files
 * are inside the executable, where an interpreter cannot read them: they
 * are copied to a temporary folder once (removed when the program ends).
 */
export async function hostScript(): Promise<string> {
  if (hostPath) return hostPath;
  if (/^deno(\.exe)?$/.test(basename(Deno.execPath()))) {
    return hostPath = fileURLToPath(new URL(HOST_FILES[0], HOST_DIR));
  }
  const dir = await Deno.makeTempDir({ prefix: "vecscene-python-" });
  for (const f of HOST_FILES) {
    await Deno.writeTextFile(join(dir, f), await Deno.readTextFile(new URL(f, HOST_DIR)));
  }
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone already */ }
  });
  return hostPath = join(dir, HOST_FILES[0]);
}

/** Messages of a worker, awaited one at a time with a time limit. */
export class Inbox {
  readonly #queue: WorkerMessage[] = [];
  #wake?: () => void;

  constructor(worker: Worker) {
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      this.#queue.push(e.data);
      this.#wake?.();
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#queue.push({ kind: "failed", message: e.message });
      this.#wake?.();
    };
  }

  /** The next message, or undefined after `ms`. */
  async next(ms: number): Promise<WorkerMessage | undefined> {
    if (this.#queue.length === 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, ms);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return this.#queue.shift();
  }

  /** Waits up to `ms` for the `ended` message (or none). */
  async ended(ms: number): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const left = ms - (performance.now() - t0);
      const m = left > 0 ? await this.next(left) : undefined;
      if (!m || m.kind !== "reply") return;
    }
  }
}

/** A started child: its worker (serving the shared buffer after CREATE) and the first reply. */
export interface Started {
  worker: Worker;
  inbox: Inbox;
  tag: number;
  body: Uint8Array;
}

/** The message of an ended child: `exited (code 1)`, `exited (signal SIGKILL)`. */
export function endedText(m: { code: number; signal: string | null }): string {
  return `exited (${m.signal ? `signal ${m.signal}` : `code ${m.code}`})`;
}

/** Options of {@linkcode startChild}. */
export interface StartOptions {
  /** The module, absolute. */
  module: string;
  /** How messages name it (as the user wrote it). */
  shown: string;
  first: WorkerInit["first"];
  mode: WorkerInit["mode"];
  sab?: SharedArrayBuffer;
  /** The time limit of starting, importing and the first request. */
  timeoutMs: number;
  /** What the first request is, for messages (`loading`, `create()`). */
  what: string;
}

/**
 * Starts the child and returns its first reply (OK or ERROR; the caller
 * reads it). A child that cannot start, ends, or is over the time limit
 * (then stopped, after saying where it was) is a located `UserError`.
 */
export async function startChild(o: StartOptions): Promise<Started> {
  const worker = new Worker(WORKER, { type: "module" });
  const inbox = new Inbox(worker);
  const init: WorkerInit = {
    python: pythonCommand(),
    args: [await hostScript(), o.module],
    first: o.first,
    mode: o.mode,
    sab: o.sab,
  };
  worker.postMessage(init);
  const m = await inbox.next(o.timeoutMs);
  const at: Where = { file: o.module };
  // A child still running is killed, and its end awaited; one that ended or never started is not.
  const fail = async (message: string, where: Where = at, running = false): Promise<never> => {
    if (running) {
      worker.postMessage({ signal: "SIGKILL" });
      await inbox.ended(REAP_MS);
    }
    worker.terminate();
    throw new UserError([{ ...where, message: `python policy ${o.shown}: ${message}` }]);
  };
  if (!m) {
    worker.postMessage({ signal: "SIGUSR1" });
    const w = await inbox.next(WHERE_GRACE_MS);
    const where = w?.kind === "reply" && w.tag === REPLY.WHERE ? whereOf(w.body) : undefined;
    return await fail(
      `did not finish ${o.what} within ${o.timeoutMs} ms and was stopped` +
        (where?.line ? "" : " (raise sandbox.loadTimeoutMs if it needs longer)"),
      where,
      w?.kind !== "ended",
    );
  }
  if (m.kind === "failed") {
    return await fail(
      `cannot start the Python interpreter ${JSON.stringify(init.python)} (${m.message}); ` +
        "install Python 3 with numpy, or set VECSCENE_PYTHON to one",
    );
  }
  if (m.kind === "ended") return await fail(`its Python process ${endedText(m)} during ${o.what}`);
  return { worker, inbox, tag: m.tag, body: m.body };
}

/** A WHERE reply's place. */
export function whereOf(body: Uint8Array): Where | undefined {
  try {
    const w = JSON.parse(new TextDecoder().decode(body)) as Where;
    return typeof w.file === "string" ? w : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ends a child that does not serve (described, or its first reply an
 * error): waits for it to end (its worker ends it), then for the worker.
 */
export async function endChild(s: Started): Promise<void> {
  await s.inbox.ended(REAP_MS);
  s.worker.terminate();
}
