/**
 * The protocol of a Python policy, in two legs. Between vecscene and the
 * child process (`python/vecscene/policy_host.py`): frames
 * (`frames.ts`) whose tag is a request or a reply below, JSON bodies for
 * setup and errors, little-endian arrays for the per-slot traffic. Between
 * the main thread and the worker that owns the child: a SharedArrayBuffer
 * of control words and a data area that holds one request body, then its
 * reply body, so that `decide` stays synchronous (the main thread waits
 * with `Atomics.wait` and the call's time limit, as a sandboxed plugin's
 * does).
 *
 * The observation block (DECIDE's body; OBSERVE's after its head), for I
 * client vehicles, J nodes, local states of D = 2J + 1 values and n actions
 * (the most of any DNN type, (L + 1) J):
 *
 * | offset            | type    | shape  | what                                       |
 * | ----------------- | ------- | ------ | ------------------------------------------ |
 * | 0                 | int32   | 2      | episode, slot (1-based)                    |
 * | 8                 | float64 | I x D  | raw local states (54), `writeLocalState`   |
 * | 8 + 8ID           | int32   | I      | DNN type index of each CV                  |
 * | 8 + 8ID + 4I      | uint8   | I      | active this slot                           |
 * | + I               | uint8   | I x n  | action masks (`expandNodeMask`), 0-padded  |
 * | + In              | uint8   | I x J  | node masks (0 = RSU, s = SV s)             |
 *
 * OBSERVE's body is float64 reward, objective, terminated, truncated, the
 * I delays (s), then the next slot's observation block. A DECISION reply
 * is float64 partition[I] then target[I] (float64: a fraction or NaN
 * reaches the engine's check as it is); an ACTION reply float64 action[I]
 * (a = (phi - 1) J + node).
 *
 * @module
 */
import type { ScenarioInfo } from "../../engine/sim/policy.ts";
import { actionCount, encodingVersion, localStateDim } from "../../engine/sim/encoding.ts";

/** Requests, to the child. */
export const REQ = { DESCRIBE: 1, CREATE: 2, RESET: 3, DECIDE: 4, OBSERVE: 5, CLOSE: 6 } as const;

/** Replies, from the child: WHERE answers SIGUSR1 (where the user's code was), then it exits. */
export const REPLY = { OK: 64, DECISION: 65, ACTION: 66, WHERE: 126, ERROR: 127 } as const;

/** Control words of the shared buffer (int32). */
export const C = { REQ: 0, DONE: 1, TAG: 2, LEN: 3, STATUS: 4, REAPED: 5, WORDS: 8 } as const;

/** What the worker left in the data area. */
export const STATUS = {
  /** A reply frame: its tag in TAG, its body in the data area. */
  REPLY: 0,
  /** The child ended: `{ code, signal }` as JSON. */
  ENDED: 1,
  /** The reply did not fit the data area. */
  TOO_LARGE: 2,
} as const;

/** The shapes that fix the layouts. */
export interface ObsShape {
  /** Client vehicles I. */
  cvs: number;
  /** Nodes J (the RSU and the SVs). */
  nodes: number;
  /** Local state width D = 2J + 1. */
  stateDim: number;
  /** Actions n: the most of any DNN type. */
  actions: number;
}

/** The shapes of a scenario. */
export function obsShape(info: ScenarioInfo): ObsShape {
  const actions = Math.max(...info.tables.map((t) => actionCount(t.L, info.nodeCount)));
  return {
    cvs: info.cvCount,
    nodes: info.nodeCount,
    stateDim: localStateDim(info.nodeCount, info.rsuCount),
    actions,
  };
}

/** Bytes of an observation block. */
export function obsBytes({ cvs: I, nodes: J, stateDim: D, actions: n }: ObsShape): number {
  return 8 + 8 * I * D + 4 * I + I + I * n + I * J;
}

/** Bytes of OBSERVE's head (reward, objective, terminated, truncated, delays). */
export const observeHeadBytes = (s: ObsShape): number => 8 * (4 + s.cvs);

/** Bytes of the data area: the largest request or reply of a slot, or 64 KiB for JSON. */
export function dataBytes(s: ObsShape): number {
  return Math.max(observeHeadBytes(s) + obsBytes(s), 16 * s.cvs, 1 << 16);
}

/** The scenario facts a Python policy is created with (`info` of `create(params, info)`). */
export function pythonInfo(info: ScenarioInfo, label: string): Record<string, unknown> {
  const s = obsShape(info);
  return {
    name: info.name,
    label,
    seed: info.seed,
    agents: s.cvs,
    nodes: s.nodes,
    state_dim: s.stateDim,
    actions: s.actions,
    action_counts: info.tables.map((t) => actionCount(t.L, info.nodeCount)),
    dnn: info.tables.map((t) => t.name),
    layers: info.tables.map((t) => t.L),
    slots: info.slotsPerEpisode,
    tau_s: info.tauS,
    v2v_range_m: info.v2vRangeM,
    road_m: [info.roadFromM, info.roadToM],
    encoding_version: encodingVersion(info.rsuCount),
    rsus: info.rsuCount,
  };
}

/** Where the child says a fault is: the user's file and line. */
export interface Where {
  file: string;
  line?: number;
}

/** An ERROR reply. */
export interface ErrorReply extends Where {
  message: string;
  /** `exception` (the user's code raised), `fault` (a bad return or module), `protocol`. */
  kind: string;
}

/** What DESCRIBE replies. */
export interface Described {
  id: string;
  description: string;
  defaults: Record<string, unknown>;
  /** Whether the module has a `create(params, info)` factory. */
  create: boolean;
}

/** What CREATE replies: the hooks the policy has, and where each is defined. */
export interface Created {
  hooks: { decide: Where; reset?: Where; observe?: Where };
}

/** The first message to the worker. */
export interface WorkerInit {
  /** The interpreter and its arguments (the host script, the module). */
  python: string;
  args: string[];
  /** The first request (DESCRIBE or CREATE) and its JSON. */
  first: { tag: number; json: unknown };
  /** `describe`: end the child after the first reply; `serve`: then serve the shared buffer. */
  mode: "describe" | "serve";
  sab?: SharedArrayBuffer;
}

/** A message from the worker before it serves the shared buffer. */
export type WorkerMessage =
  | { kind: "reply"; tag: number; body: Uint8Array }
  | { kind: "ended"; code: number; signal: string | null }
  | { kind: "failed"; message: string };

/** The views of the shared buffer, the same on both sides. */
export function views(sab: SharedArrayBuffer) {
  return {
    ctrl: new Int32Array(sab, 0, C.WORDS),
    data: new Uint8Array(sab, C.WORDS * 4),
  };
}
