/**
 * The message protocol between a sandboxed plugin's worker and the host:
 * one SharedArrayBuffer holding control words, the slot state (packed as
 * float64), the decision (float64, so that a value that is not a whole
 * number crosses as it is and the engine's check refuses it: int32 storage
 * would truncate 1.5 to 1), the per-CV delays and a JSON area for
 * everything else. The host writes a request, bumps REQ and blocks on DONE
 * with the decision time limit (`Atomics.wait`), so the policy contract
 * stays synchronous and a plugin over its limit can be stopped.
 *
 * @module
 */
import type { DnnTable } from "../../engine/dnn/layers.ts";
import type { ModelParams, SlotState } from "../../engine/model/slot.ts";
import type { Params, PolicyContext } from "../../engine/sim/policy.ts";
import type { StateShape } from "../../engine/sim/state.ts";

/** Control words. */
export const C = { REQ: 0, DONE: 1, OP: 2, STATUS: 3, JSON_LEN: 4, WORDS: 8 } as const;

/** Requests. */
export const OP = {
  RESET: 1,
  DECIDE: 2,
  OBSERVE: 3,
  UPDATE: 4,
  STATS: 5,
  SAVE: 6,
  LOAD: 7,
  DISPOSE: 8,
} as const;

/** Reply statuses. */
export const STATUS = { OK: 0, ERROR: 1 } as const;

/** Bytes of the JSON area (requests and replies other than the state and decision). */
export const JSON_BYTES = 1 << 20;

/** Shapes that fix the layout. */
export type Shape = StateShape;

const stateLength = ({ cvs: I, svs: S, types: K, rsus: R, track: N }: Shape) =>
  2 + 9 * I + 7 * S + R * K + 4 * R + 2 * N * I;

/** Views over the shared buffer, the same on both sides. */
export function views(sab: SharedArrayBuffer, shape: Shape) {
  const ctrl = new Int32Array(sab, 0, C.WORDS);
  let off = C.WORDS * 4;
  const state = new Float64Array(sab, off, stateLength(shape));
  off += state.byteLength;
  const delay = new Float64Array(sab, off, shape.cvs);
  off += delay.byteLength;
  const decision = new Float64Array(sab, off, 2 * shape.cvs);
  off += decision.byteLength;
  const json = new Uint8Array(sab, off, JSON_BYTES);
  return { ctrl, state, delay, decision, json };
}

/** The buffer's size in bytes. */
export function bufferBytes(shape: Shape): number {
  const bytes = C.WORDS * 4 + 8 * (stateLength(shape) + shape.cvs + 2 * shape.cvs);
  return Math.ceil((bytes + JSON_BYTES) / 8) * 8;
}

const ARRAYS = [
  "cvType",
  "cvActive",
  "cvX",
  "cvY",
  "cvRoadM",
  "cvSpeedMps",
  "cvCpuGflops",
  "cvTxPowerW",
  "cvQueueGflop",
  "svX",
  "svY",
  "svRoadM",
  "svSpeedMps",
  "svActive",
  "svCpuGflops",
  "svQueueGflop",
  "rsuQueueGflop",
  "rsuX",
  "rsuY",
  "rsuCoverageM",
  "rsuCpuGflops",
  "trackX",
  "trackY",
] as const;

/** Packs `s` into `out`. */
export function packState(s: Readonly<SlotState>, out: Float64Array): void {
  out[0] = s.episode;
  out[1] = s.slot;
  let off = 2;
  for (const k of ARRAYS) {
    out.set(s[k], off);
    off += s[k].length;
  }
}

/** Unpacks `packed` into `s` (same shapes). */
export function unpackState(packed: Float64Array, s: SlotState): void {
  s.episode = packed[0];
  s.slot = packed[1];
  let off = 2;
  for (const k of ARRAYS) {
    const a = s[k];
    a.set(packed.subarray(off, off + a.length));
    off += a.length;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Writes `value` as JSON into the JSON area; returns false when it does not fit. */
export function writeJson(v: ReturnType<typeof views>, value: unknown): boolean {
  const bytes = enc.encode(JSON.stringify(value ?? null));
  if (bytes.length > v.json.length) return false;
  v.json.set(bytes);
  Atomics.store(v.ctrl, C.JSON_LEN, bytes.length);
  return true;
}

/** Reads the JSON area. */
export function readJson<T>(v: ReturnType<typeof views>): T {
  const n = Atomics.load(v.ctrl, C.JSON_LEN);
  return JSON.parse(dec.decode(v.json.slice(0, n))) as T;
}

/** The first message. */
export type Init =
  | { mode: "describe"; url: string }
  | {
    mode: "create";
    url: string;
    sab: SharedArrayBuffer;
    shape: Shape;
    params: Params;
    ctx: PolicyContext;
    model: ModelParams;
    tables: DnnTable[];
  };

/** What the host learns of a plugin module. */
export interface Description {
  id: string;
  description: string;
  defaults: Params;
  presets?: Record<string, Partial<Params>>;
  learning: boolean;
}

/** An error as it crosses the boundary. */
export interface ErrorReply {
  name: string;
  message: string;
}

/**
 * Waits until `ctrl[index]` differs from `value`, spinning for up to
 * `spinMs` first: a request and its reply are microseconds apart, and
 * waking a sleeping thread costs tens of microseconds. Returns false when
 * `timeoutMs` passed first.
 */
export function waitChange(
  ctrl: Int32Array,
  index: number,
  value: number,
  timeoutMs = Infinity,
  spinMs = 0.05,
): boolean {
  const t0 = performance.now();
  const spinUntil = t0 + spinMs;
  while (Atomics.load(ctrl, index) === value) {
    const now = performance.now();
    if (now < spinUntil) continue;
    const left = t0 + timeoutMs - now;
    if (left <= 0) return false;
    Atomics.wait(ctrl, index, value, left);
  }
  return true;
}
