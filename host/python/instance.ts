/**
 * A Python policy's instance: a child process owned by a worker
 * (`worker.ts`), called synchronously as the policy contract requires.
 * Each call writes its request into a shared buffer, wakes the worker and
 * waits (`Atomics.wait`) for the reply within the time limit, as a
 * sandboxed plugin's calls do (`host/sandbox/proxy.ts`). A call over the
 * limit is stopped: the child is asked where it was (SIGUSR1), then killed.
 * A child that dies is reported with its exit status. Faults are
 * {@linkcode PythonPolicyError}s located in the user's file.
 *
 * @module
 */
import { nodeOf, partitionOf } from "../../engine/sim/encoding.ts";
import type {
  Decision,
  EpisodeContext,
  Observation,
  Params,
  PolicyContext,
  PolicyInstance,
  StepResult,
} from "../../engine/sim/policy.ts";
import { waitChange } from "../sandbox/protocol.ts";
import { endChild, endedText, REAP_MS, startChild, WHERE_GRACE_MS, whereOf } from "./child.ts";
import { ObservationWriter, StepWriter } from "./observation.ts";
import { type PythonDefinition, PythonPolicyError, replyError, replyJson } from "./policy.ts";
import {
  C,
  type Created,
  dataBytes,
  type ErrorReply,
  type ObsShape,
  obsShape,
  pythonInfo,
  REPLY,
  REQ,
  STATUS,
  views,
  type Where,
} from "./protocol.ts";

/**
 * Creates an instance of the Python policy `def` in a new child process:
 * it imports the module and calls `create(params, info)` (when the module
 * has it) within the definition's load time limit; each later call has
 * `timeoutMs`.
 */
export async function createPython(
  def: PythonDefinition,
  params: Params,
  ctx: PolicyContext,
  timeoutMs: number,
): Promise<PythonInstance> {
  const shape = obsShape(ctx.info);
  const sab = new SharedArrayBuffer(C.WORDS * 4 + dataBytes(shape));
  const started = await startChild({
    module: def.module,
    shown: def.python.shown,
    first: { tag: REQ.CREATE, json: { params, info: pythonInfo(ctx.info, ctx.label) } },
    mode: "serve",
    sab,
    timeoutMs: def.python.loadTimeoutMs,
    what: "loading and create()",
  });
  if (started.tag !== REPLY.OK) {
    await endChild(started);
    throw replyError(started.body, `policy "${ctx.label}": `);
  }
  const { hooks } = replyJson<Created>(started.body);
  return new PythonInstance(started.worker, sab, shape, hooks, timeoutMs);
}

/** The main thread's side of one Python policy instance. */
export class PythonInstance implements PolicyInstance {
  /** Where the policy's `decide` is defined (invalid decisions are reported there). */
  readonly decideAt: Where;
  readonly #worker: Worker;
  readonly #ctrl: Int32Array;
  readonly #data: Uint8Array;
  readonly #shape: ObsShape;
  readonly #obs: ObservationWriter;
  readonly #step: StepWriter;
  readonly #reply: Float64Array;
  readonly #decision: { partition: Float64Array; target: Float64Array };
  readonly #timeoutMs: number;
  #seq = 0;
  #closed = false;
  reset?: (ctx: EpisodeContext) => void;
  observe?: (step: StepResult) => void;

  constructor(
    worker: Worker,
    sab: SharedArrayBuffer,
    shape: ObsShape,
    hooks: Created["hooks"],
    timeoutMs: number,
  ) {
    this.#worker = worker;
    const { ctrl, data } = views(sab);
    this.#ctrl = ctrl;
    this.#data = data;
    this.#shape = shape;
    this.#timeoutMs = timeoutMs;
    this.#obs = new ObservationWriter(shape, sab, data.byteOffset);
    this.#step = new StepWriter(shape, sab, data.byteOffset);
    this.#reply = new Float64Array(sab, data.byteOffset, 2 * shape.cvs);
    const d = new Float64Array(2 * shape.cvs);
    this.#decision = { partition: d.subarray(0, shape.cvs), target: d.subarray(shape.cvs) };
    this.decideAt = hooks.decide;
    // Only the hooks the policy has, so callers see the same shape.
    const { reset, observe } = hooks;
    if (reset) {
      this.reset = (ctx) => {
        const json = { episode: ctx.episode, training: ctx.training, seed: ctx.rng.nextU32() };
        this.#call(REQ.RESET, "reset()", reset, this.#json(json));
      };
    }
    if (observe) {
      this.observe = (step) => {
        this.#step.write(step);
        this.#call(REQ.OBSERVE, "observe()", observe, this.#step.bytes);
      };
    }
  }

  decide(obs: Observation): Decision {
    this.#obs.write(obs);
    const tag = this.#call(REQ.DECIDE, "decide()", this.decideAt, this.#obs.bytes);
    const I = this.#shape.cvs;
    const { partition, target } = this.#decision;
    if (tag === REPLY.ACTION) {
      // a = (phi - 1) J + node (A10); a fraction or NaN gives one the engine refuses.
      const J = this.#shape.nodes;
      for (let i = 0; i < I; i++) {
        partition[i] = partitionOf(this.#reply[i], J);
        target[i] = nodeOf(this.#reply[i], J);
      }
    } else {
      partition.set(this.#reply.subarray(0, I));
      target.set(this.#reply.subarray(I, 2 * I));
    }
    return this.#decision;
  }

  /** Writes `value` as JSON into the data area; returns its length. */
  #json(value: unknown): number {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    this.#data.set(bytes);
    return bytes.length;
  }

  #text(): string {
    const n = Atomics.load(this.#ctrl, C.LEN);
    return new TextDecoder().decode(this.#data.slice(0, n));
  }

  /**
   * One request of `len` bytes already in the data area, and its reply,
   * within the time limit (`limitMs`); returns the reply's tag. `at` locates
   * faults that the child cannot locate (a timeout, a death).
   */
  #call(tag: number, what: string, at: Where, len: number, limitMs = this.#timeoutMs): number {
    if (this.#closed) {
      throw new PythonPolicyError(`its Python process was stopped; cannot call ${what}`, at);
    }
    const c = this.#ctrl;
    Atomics.store(c, C.TAG, tag);
    Atomics.store(c, C.LEN, len);
    const seq = ++this.#seq;
    Atomics.store(c, C.REQ, seq);
    Atomics.notify(c, C.REQ);
    if (!waitChange(c, C.DONE, seq - 1, limitMs)) {
      // Over the limit: ask where the user's code is, then stop it.
      this.#worker.postMessage({ signal: "SIGUSR1" });
      const said = waitChange(c, C.DONE, seq - 1, WHERE_GRACE_MS) &&
          Atomics.load(c, C.STATUS) === STATUS.REPLY && Atomics.load(c, C.TAG) === REPLY.WHERE
        ? whereOf(this.#data.slice(0, Atomics.load(c, C.LEN)))
        : undefined;
      this.#stop();
      throw new PythonPolicyError(
        `exceeded the time limit of ${limitMs} ms in ${what} and was stopped`,
        said ?? at,
      );
    }
    const status = Atomics.load(c, C.STATUS);
    if (status === STATUS.ENDED) {
      const ended = JSON.parse(this.#text()) as { code: number; signal: string | null };
      this.#stop();
      throw new PythonPolicyError(`its Python process ${endedText(ended)} during ${what}`, at);
    }
    if (status === STATUS.TOO_LARGE) {
      this.#stop();
      throw new PythonPolicyError(`replied more than ${this.#data.length} bytes to ${what}`, at);
    }
    const reply = Atomics.load(c, C.TAG);
    if (reply === REPLY.ERROR) {
      const e = JSON.parse(this.#text()) as ErrorReply;
      throw new PythonPolicyError(e.message, { file: e.file, line: e.line });
    }
    if (reply === REPLY.WHERE) {
      this.#stop();
      throw new PythonPolicyError(`its Python process was stopped (SIGUSR1) during ${what}`, at);
    }
    return reply;
  }

  /** Kills the child (if it still runs), waits for its worker to read its status, ends the worker. */
  #stop(): void {
    this.#closed = true;
    this.#worker.postMessage({ signal: "SIGKILL" });
    waitChange(this.#ctrl, C.REAPED, 0, REAP_MS);
    this.#worker.terminate();
  }

  dispose(): void {
    if (this.#closed) return;
    try {
      this.#call(REQ.CLOSE, "close", this.decideAt, 0, Math.min(this.#timeoutMs, REAP_MS));
      waitChange(this.#ctrl, C.REAPED, 0, REAP_MS);
    } catch {
      /* stopped below */
    } finally {
      this.#stop();
    }
  }
}

/** Where a Python instance's `decide` is defined (undefined for any other instance). */
export function decideSource(instance: PolicyInstance): Where | undefined {
  return instance instanceof PythonInstance ? instance.decideAt : undefined;
}
