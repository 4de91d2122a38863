/**
 * `serve`: the engine side of the Python package (`python/vecscene`). It
 * holds one or many environments of a scenario and steps them all in one
 * request, speaking length-prefixed frames (`host/python/frames.ts`) on
 * stdin and stdout; it ends when its input ends, so a Python process that
 * exits or is killed leaves no engine behind.
 *
 * Requests (tag, body):
 * - OPEN, JSON {@linkcode OpenRequest}: compiles the scenario; replies JSON
 *   {@linkcode Spec} (the shapes and names a client builds its spaces from).
 * - RESET, JSON {@linkcode ResetRequest}: starts an episode in every
 *   environment; replies a batch.
 * - STEP, int32 actions [envs, agents] (A10: a = (phi - 1) J + node): checks
 *   every action of every environment before stepping any, steps each
 *   environment once; replies a batch.
 * - CLOSE: replies JSON {} and ends.
 *
 * A batch (all little-endian, every array 8-byte aligned in the body):
 * int32 meta[12] = envs E, agents I, state dim D, actions n, nodes J, flags
 * (1 = every environment's episode ended with this step, 2 = final
 * observations follow), SVs S, DNN types K, changed mask rows R, RSUs (1 for
 * the paper's one), 0, 0;
 * float64 reward[E], objective[E], delay[E, I] (s), cv queue[E, I], sv
 * queue[E, S], rsu queue[E, RSUs, K] (GFLOP); int32 episode[E], slot[E], dnn[E,
 * I], remapped[E]; float32 obs[E, I, D] (the local states (54) by
 * `engine/sim/encoding.ts`; the joint state (55) is the same bytes as [E,
 * I * D]); with flag 2, float32 final obs[E, I, D], the observation after
 * the last slot when auto-reset has already started the next episode; then
 * int32 rows[R] and uint8 mask rows[R, n]: the action masks (A10, zero past
 * a CV's own action count) of the rows (e I + i) whose node mask or DNN
 * changed since the previous batch (every row after a reset). A mask row is
 * the same until its CV's neighbours or DNN change, so most slots send few:
 * the client keeps the mask and patches it.
 *
 * Errors reply ERROR, JSON `{kind, message}`, and leave every environment
 * as it was (a STEP with a bad action steps none).
 *
 * @module
 */
import { UserError } from "../engine/errors.ts";
import type { LoadedScenario } from "../engine/scenario/load.ts";
import { loadScenario } from "../engine/scenario/load.ts";
import {
  actionCount,
  encodingVersion,
  expandNodeMask,
  localStateDim,
  nodeOf,
  partitionOf,
  writeLocalState,
} from "../engine/sim/encoding.ts";
import { Env } from "../engine/sim/env.ts";
import { VERSION } from "../engine/version.ts";
import { compileWorld, type World } from "../engine/world.ts";
import {
  frame,
  HEADER_BYTES,
  type SyncFrameReader,
  type SyncWriter,
  writeAllSync,
  writeHeader,
} from "../host/python/frames.ts";

/** Request tags. */
export const REQUEST = { OPEN: 1, RESET: 2, STEP: 3, CLOSE: 4 } as const;
/** Reply tags. */
export const REPLY = { JSON: 64, BATCH: 65, ERROR: 127 } as const;
/** Batch flags. */
export const FLAG = { TRUNCATED: 1, FINAL: 2 } as const;

/** The largest number of environments one server steps. */
export const MAX_ENVS = 1 << 16;

/** What OPEN asks for. */
export interface OpenRequest {
  /** The scenario file (relative to the server's working directory). */
  scenario: string;
  /** Scenario seed (default: the scenario's). */
  seed?: number;
  /** Environments stepped per request (default 1). */
  envs?: number;
  /**
   * The global index of this server's first environment when several
   * servers share one vector (default 0): environment e plays episodes
   * `k + offset + e`, then every `stride`-th.
   */
  offset?: number;
  /** The environments of the whole vector (default `envs`). */
  stride?: number;
  /** Start the next episode as soon as one ends (vector environments). */
  autoreset?: boolean;
  /**
   * What an infeasible action does: `raise` (an error, nothing stepped) or
   * `remap` (its partition is cut to L + 1 and an infeasible node becomes
   * the RSU, of several the first that covers the CV; the count is reported
   * per step), for learners without masks.
   */
  infeasible?: "raise" | "remap";
}

/** What RESET asks for. */
export interface ResetRequest {
  /** A new scenario seed; episodes then count from 1 again unless `episode` is given. */
  seed?: number;
  /** The first environment's episode number; environment e plays `episode + e`. */
  episode?: number;
}

/** What OPEN replies. */
export interface Spec {
  vecscene: string;
  encoding: number;
  /** RSUs R: nodes 0..R-1 (MODEL.md section 6.3); 1 for the paper's model. */
  rsus: number;
  name: string;
  seed: number;
  envs: number;
  offset: number;
  stride: number;
  agents: number;
  nodes: number;
  svs: number;
  stateDim: number;
  actions: number;
  dnns: string[];
  layers: number[];
  actionCounts: number[];
  slots: number;
  tauS: number;
  V: number;
  roadFromM: number;
  roadToM: number;
  autoreset: boolean;
  infeasible: "raise" | "remap";
}

/** A request the client got wrong: replied as an error of kind `kind`. */
class RequestError extends Error {
  constructor(message: string, readonly kind: "request" | "action" = "request") {
    super(message);
  }
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** The reply buffer of one batch: frame header, then the body's typed views. */
class Batch {
  readonly meta: Int32Array;
  readonly reward: Float64Array;
  readonly objective: Float64Array;
  readonly delay: Float64Array;
  readonly cvQueue: Float64Array;
  readonly svQueue: Float64Array;
  readonly rsuQueue: Float64Array;
  readonly episode: Int32Array;
  readonly slot: Int32Array;
  readonly dnn: Int32Array;
  readonly remapped: Int32Array;
  readonly obs: Float32Array;
  /** The tail, assembled by `frame`: final observations, changed mask rows. */
  readonly finalObs: Float32Array;
  readonly changedRows: Int32Array;
  readonly rows: Uint8Array;
  /** Mask rows written since the last frame. */
  changed = 0;
  readonly #buf: ArrayBuffer;
  readonly #fixed: number;
  readonly #n: number;

  constructor(
    E: number,
    I: number,
    D: number,
    n: number,
    J: number,
    S: number,
    K: number,
    rsus = 1,
  ) {
    const fixed = HEADER_BYTES + 48 + 8 * (E * (2 + 2 * I + S + rsus * K)) +
      align8(4 * E * (3 + I)) +
      align8(4 * E * I * D);
    const tail = align8(4 * E * I * D) + align8(4 * E * I) + align8(E * I * n);
    const buf = new ArrayBuffer(fixed + tail);
    this.#buf = buf;
    this.#fixed = fixed;
    this.#n = n;
    let off = HEADER_BYTES;
    const f64 = (len: number) => {
      const v = new Float64Array(buf, off, len);
      off += 8 * len;
      return v;
    };
    const i32 = (len: number) => {
      const v = new Int32Array(buf, off, len);
      off += 4 * len;
      return v;
    };
    this.meta = i32(12);
    this.meta.set([E, I, D, n, J, 0, S, K, 0, rsus]);
    this.reward = f64(E);
    this.objective = f64(E);
    this.delay = f64(E * I);
    this.cvQueue = f64(E * I);
    this.svQueue = f64(E * S);
    this.rsuQueue = f64(E * rsus * K);
    this.episode = i32(E);
    this.slot = i32(E);
    this.dnn = i32(E * I);
    this.remapped = i32(E);
    off = align8(off);
    this.obs = new Float32Array(buf, off, E * I * D);
    this.finalObs = new Float32Array(E * I * D);
    this.changedRows = new Int32Array(E * I);
    this.rows = new Uint8Array(E * I * n);
  }

  /** A mask row to send (row `r` = e I + i), written by `fill` into the tail. */
  row(r: number): Uint8Array {
    this.changedRows[this.changed] = r;
    const at = this.changed++ * this.#n;
    return this.rows.subarray(at, at + this.#n);
  }

  /** The frame to send: the fixed part, then the final observations when `final`, then the rows. */
  frame(final: boolean): Uint8Array {
    const bytes = new Uint8Array(this.#buf);
    let off = this.#fixed;
    if (final) {
      bytes.set(new Uint8Array(this.finalObs.buffer), off);
      off += align8(this.finalObs.byteLength);
    }
    const k = this.changed;
    new Int32Array(this.#buf, off, k).set(this.changedRows.subarray(0, k));
    off += align8(4 * k);
    bytes.set(this.rows.subarray(0, k * this.#n), off);
    off += align8(k * this.#n);
    this.meta[5] = (this.meta[5] & ~FLAG.FINAL) | (final ? FLAG.FINAL : 0);
    this.meta[8] = k;
    this.changed = 0;
    writeHeader(bytes, REPLY.BATCH, off - HEADER_BYTES);
    return bytes.subarray(0, off);
  }
}

/** The environments of one OPEN and their batch. */
class Session {
  readonly spec: Spec;
  readonly #loaded: LoadedScenario;
  #envs: Env[] = [];
  #next: number[] = [];
  #live = false;
  readonly #batch: Batch;
  readonly #partition: Int32Array[];
  readonly #target: Int32Array[];
  readonly #nodeMask: Uint8Array;
  /** Each environment's node masks [I, J] of its current slot, as last sent. */
  readonly #nodeMasks: Uint8Array[];

  constructor(loaded: LoadedScenario, world: World, o: OpenRequest) {
    const E = o.envs ?? 1;
    const info = world.info;
    const I = info.cvCount;
    const J = info.nodeCount;
    const D = localStateDim(J, info.rsuCount);
    const counts = info.tables.map((t) => actionCount(t.L, J));
    const n = Math.max(...counts);
    this.#loaded = loaded;
    this.spec = {
      vecscene: VERSION,
      encoding: encodingVersion(info.rsuCount),
      rsus: info.rsuCount,
      name: info.name,
      seed: info.seed,
      envs: E,
      offset: o.offset ?? 0,
      stride: o.stride ?? E,
      agents: I,
      nodes: J,
      svs: info.svCount,
      stateDim: D,
      actions: n,
      dnns: info.tables.map((t) => t.name),
      layers: info.tables.map((t) => t.L),
      actionCounts: counts,
      slots: info.slotsPerEpisode,
      tauS: info.tauS,
      V: info.V,
      roadFromM: info.roadFromM,
      roadToM: info.roadToM,
      autoreset: o.autoreset ?? false,
      infeasible: o.infeasible ?? "raise",
    };
    this.#build(world);
    this.#batch = new Batch(E, I, D, n, J, info.svCount, info.tables.length, info.rsuCount);
    this.#partition = Array.from({ length: E }, () => new Int32Array(I));
    this.#target = Array.from({ length: E }, () => new Int32Array(I));
    this.#nodeMask = new Uint8Array(J);
    this.#nodeMasks = Array.from({ length: E }, () => new Uint8Array(I * J));
  }

  #build(world: World): void {
    this.#envs = Array.from({ length: this.spec.envs }, () => new Env(world));
    this.#next = this.#envs.map((_, e) => this.#first(1, e));
    this.spec.seed = world.info.seed;
  }

  reset(r: ResetRequest): Uint8Array {
    if (r.seed !== undefined && r.seed !== this.spec.seed) {
      this.#build(compileWorld(this.#loaded, r.seed));
    } else if (r.seed !== undefined) {
      this.#next = this.#envs.map((_, e) => this.#first(1, e));
    }
    if (r.episode !== undefined) this.#next = this.#envs.map((_, e) => this.#first(r.episode!, e));
    const b = this.#batch;
    for (let e = 0; e < this.#envs.length; e++) {
      this.#start(e);
      b.reward[e] = b.objective[e] = 0;
      b.delay.fill(0, e * this.spec.agents, (e + 1) * this.spec.agents);
      b.remapped[e] = 0;
      this.#write(e, true);
    }
    this.#live = true;
    b.meta[5] = 0;
    return b.frame(false);
  }

  #start(e: number): void {
    this.#envs[e].reset({ episode: this.#next[e] });
    this.#next[e] += this.spec.stride;
  }

  /** The first episode of environment e when the vector's first plays `episode`. */
  #first(episode: number, e: number): number {
    return episode + this.spec.offset + e;
  }

  step(body: Uint8Array): Uint8Array {
    const { envs: E, agents: I } = this.spec;
    if (!this.#live) {
      throw new RequestError("Cannot step as the episode is over or not started: call reset()");
    }
    if (body.length !== 4 * E * I) {
      throw new RequestError(
        `Cannot step as the actions have ${body.length / 4} entries: give ${E * I} ` +
          `(${E} environment(s) x ${I} agents)`,
      );
    }
    const actions = new Int32Array(body.buffer, body.byteOffset, E * I);
    const b = this.#batch;
    for (let e = 0; e < E; e++) {
      b.remapped[e] = this.#decode(e, actions.subarray(e * I, (e + 1) * I));
    }
    let truncated = false;
    for (let e = 0; e < E; e++) {
      const env = this.#envs[e];
      const r = env.step({ partition: this.#partition[e], target: this.#target[e] });
      b.reward[e] = r.reward;
      b.objective[e] = r.objective;
      for (let i = 0; i < I; i++) b.delay[e * I + i] = r.delayS[i];
      truncated = r.truncated; // every environment has the same T and started together
      if (truncated && this.spec.autoreset) {
        this.#states(e, b.finalObs);
        this.#start(e);
      }
      this.#write(e, truncated && this.spec.autoreset);
    }
    b.meta[5] = truncated ? FLAG.TRUNCATED : 0;
    if (truncated && !this.spec.autoreset) this.#live = false;
    return b.frame(truncated && this.spec.autoreset);
  }

  /** CV i of environment e as an error names it. */
  #where(e: number, i: number): string {
    const obs = this.#envs[e].observation;
    const env = this.spec.stride > 1 ? `environment ${this.spec.offset + e}, ` : "";
    return `${env}cv_${i} (${obs.table(i).name}, L = ${obs.table(i).L}) in episode ` +
      `${obs.episode}, slot ${obs.slot}`;
  }

  /** Checks and decodes environment e's actions (A10); returns how many were remapped. */
  #decode(e: number, actions: Int32Array): number {
    const obs = this.#envs[e].observation;
    const J = this.spec.nodes;
    const mask = this.#nodeMasks[e];
    const partition = this.#partition[e];
    const target = this.#target[e];
    let remapped = 0;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i];
      const L = obs.table(i).L;
      const count = actionCount(L, J);
      if (!(a >= 0 && a < this.spec.actions)) {
        throw new RequestError(
          `Cannot step as the action of ${this.#where(e, i)} is ${a}: actions are 0..${
            this.spec.actions - 1
          }`,
          "action",
        );
      }
      let phi = partitionOf(a, J);
      let node = nodeOf(a, J);
      if (a >= count || !mask[i * J + node]) {
        if (this.spec.infeasible === "raise") {
          throw new RequestError(
            `Cannot step as the action of ${
              this.#where(e, i)
            } is infeasible: ${a} = partition ${phi}, ` +
              `node ${node}, and ${
                a >= count
                  ? `its DNN has ${count} actions (partitions 1..${L + 1})`
                  : `node ${node} is out of V2V range`
              }; take an action whose action_mask entry is 1`,
            "action",
          );
        }
        phi = Math.min(phi, L + 1);
        // The first feasible node: the RSU with one RSU; a covering one of several.
        if (!mask[i * J + node]) node = Math.max(0, mask.subarray(i * J, (i + 1) * J).indexOf(1));
        remapped++;
      }
      partition[i] = phi;
      target[i] = node;
    }
    return remapped;
  }

  /** Writes the local states (54) of environment e's CVs into `out` (the batch's or its final). */
  #states(e: number, out: Float32Array): void {
    const { agents: I, stateDim: D } = this.spec;
    const s = this.#envs[e].observation.state;
    for (let i = 0; i < I; i++) writeLocalState(s, i, out, (e * I + i) * D);
  }

  /**
   * Writes environment e's current observation into the batch: its local
   * states, queues and ids, and the mask rows (A10) of the CVs whose node
   * mask or DNN changed since the batch before (all of them when `all`).
   */
  #write(e: number, all = false): void {
    const { agents: I, nodes: J, stateDim: D } = this.spec;
    const b = this.#batch;
    const obs = this.#envs[e].observation;
    const s = obs.state;
    const mask = this.#nodeMask;
    const sent = this.#nodeMasks[e];
    // Element by element: a typed array's set() costs more than these few values.
    for (let i = 0; i < I; i++) {
      const r = e * I + i;
      writeLocalState(s, i, b.obs, r * D);
      b.cvQueue[r] = s.cvQueueGflop[i];
      obs.nodeMask(i, mask);
      let same = !all && b.dnn[r] === s.cvType[i];
      for (let j = 0; same && j < J; j++) same = sent[i * J + j] === mask[j];
      if (same) continue;
      for (let j = 0; j < J; j++) sent[i * J + j] = mask[j];
      b.dnn[r] = s.cvType[i];
      const row = b.row(r);
      const count = actionCount(obs.table(i).L, J);
      expandNodeMask(mask, count, row);
      row.fill(0, count);
    }
    const S = s.svQueueGflop.length;
    for (let j = 0; j < S; j++) b.svQueue[e * S + j] = s.svQueueGflop[j];
    const RK = s.rsuQueueGflop.length;
    for (let c = 0; c < RK; c++) b.rsuQueue[e * RK + c] = s.rsuQueueGflop[c];
    b.episode[e] = obs.episode;
    b.slot[e] = obs.slot;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(tag: number, value: unknown): Uint8Array {
  return frame(tag, encoder.encode(JSON.stringify(value)));
}

function parse<T>(body: Uint8Array, what: string): T {
  try {
    const v = JSON.parse(decoder.decode(body));
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as T;
  } catch {
    // reported below
  }
  throw new RequestError(`Cannot read the ${what} request as its body is not a JSON object`);
}

function checkInt(v: unknown, name: string, lo: number, hi: number): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi)) {
    throw new RequestError(
      `Cannot use ${name} as it must be a whole number in [${lo}, ${hi}]: current value is ${
        JSON.stringify(v)
      }`,
    );
  }
}

/** Opens a session: loads and compiles the scenario (user errors are located). */
export async function open(o: OpenRequest): Promise<Session> {
  if (typeof o.scenario !== "string" || o.scenario === "") {
    throw new RequestError("Cannot open as no scenario file is given");
  }
  checkInt(o.envs, "envs", 1, MAX_ENVS);
  checkInt(o.stride, "stride", o.envs ?? 1, MAX_ENVS);
  checkInt(o.offset, "offset", 0, (o.stride ?? o.envs ?? 1) - (o.envs ?? 1));
  checkInt(o.seed, "seed", 0, 2 ** 32 - 1);
  if (o.infeasible !== undefined && o.infeasible !== "raise" && o.infeasible !== "remap") {
    throw new RequestError(
      `Cannot use infeasible as it must be "raise" or "remap": current value is ${
        JSON.stringify(o.infeasible)
      }`,
    );
  }
  const loaded = await loadScenario(o.scenario);
  return new Session(loaded, compileWorld(loaded, o.seed ?? loaded.scenario.seed), o);
}

/** Serves requests from `input` to `output` until CLOSE or the end of the input. */
export async function serve(input: SyncFrameReader, output: SyncWriter): Promise<void> {
  let session: Session | undefined;
  for (;;) {
    const f = input.read();
    if (!f || f.tag === REQUEST.CLOSE) {
      if (f) writeAllSync(output, json(REPLY.JSON, {}));
      return;
    }
    let reply: Uint8Array;
    try {
      switch (f.tag) {
        case REQUEST.OPEN:
          session = await open(parse<OpenRequest>(f.body, "open"));
          reply = json(REPLY.JSON, session.spec);
          break;
        case REQUEST.RESET: {
          const r = parse<ResetRequest>(f.body, "reset");
          checkInt(r.seed, "seed", 0, 2 ** 32 - 1);
          checkInt(r.episode, "episode", 1, Number.MAX_SAFE_INTEGER);
          reply = opened(session).reset(r);
          break;
        }
        case REQUEST.STEP:
          reply = opened(session).step(f.body);
          break;
        default:
          throw new RequestError(`Cannot serve request tag ${f.tag}: it is not a request`);
      }
    } catch (e) {
      reply = json(REPLY.ERROR, errorReply(e));
    }
    writeAllSync(output, reply);
  }
}

function opened(s: Session | undefined): Session {
  if (!s) throw new RequestError("Cannot serve the request as no scenario is open");
  return s;
}

function errorReply(e: unknown): { kind: string; message: string } {
  if (e instanceof RequestError) return { kind: e.kind, message: e.message };
  if (e instanceof UserError) return { kind: "user", message: e.message };
  const err = e as Error;
  if (err?.name === "NonFiniteError") return { kind: "model", message: err.message };
  return { kind: "internal", message: `${err?.name ?? "Error"}: ${err?.message ?? String(e)}` };
}
