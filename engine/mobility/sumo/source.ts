/**
 * SUMO trace mobility: each episode is a window of the trace holding the
 * starts of its `slots` slots, `(slots - 1) x tau` seconds long; the client
 * and service vehicles are chosen among the vehicles eligible at the window
 * start; positions between trace steps are
 * interpolated; a vehicle that leaves the trace or the RSU's coverage is
 * inactive from then to the end of the episode (departure is final). With
 * several RSUs (MODEL.md E1), a vehicle is active in the slots where an RSU
 * covers it, until it leaves the trace; and the source samples as many slot
 * starts again after the window, for the predicted tracks of A33.
 *
 * @module
 */
import type { Rng } from "../../rng.ts";
import type { EpisodeMobility, MobilitySource, PositionBuffers } from "../types.ts";
import { type EpisodeRoles, RolePicker, type SumoSourceOptions } from "./_roles.ts";
import { EPS_S, TraceSampler } from "./_sampler.ts";
import { stepAtOrBefore, stepCount } from "./trace.ts";
import { TraceError } from "./trace_error.ts";

export type { EpisodeRoles, SumoSourceOptions } from "./_roles.ts";

/** A `MobilitySource` over a parsed FCD trace. */
export class SumoSource implements MobilitySource {
  readonly rsuX: number;
  readonly rsuY: number;
  readonly rsus: SumoSourceOptions["rsus"];
  readonly roadFromM: number;
  readonly roadToM: number;
  readonly #o: SumoSourceOptions;
  readonly #sampler: TraceSampler;
  readonly #roles: RolePicker;

  constructor(o: SumoSourceOptions) {
    this.#o = o;
    this.rsuX = o.rsuX;
    this.rsuY = o.rsuY;
    this.rsus = o.rsus;
    this.roadFromM = o.axis.fromM;
    this.roadToM = o.axis.toM;
    this.#sampler = new TraceSampler(o.trace, o.interpolation, o.rsus);
    this.#roles = new RolePicker(o, this.#sampler);
    this.#checkWindows();
  }

  /** Seconds from the start of the first slot to the start of the last. */
  get windowS(): number {
    return (this.#o.slots - 1) * this.#o.tauS;
  }

  /** The roles at `startS` (see `RolePicker.chooseRoles`). */
  chooseRoles(startS: number, rng: Rng | null): EpisodeRoles | string {
    return this.#roles.chooseRoles(startS, rng);
  }

  /** The listed window of episode `e` and its roles (drawn with `rng`, or first-fit with null). */
  #listed(e: number, rng: Rng | null): EpisodeRoles {
    const o = this.#o;
    const t = o.trace;
    if (!("starts" in o.episodes)) throw new TypeError("Cannot list windows as starts are random");
    const first = t.timesS[0];
    const last = t.timesS[stepCount(t) - 1];
    const startS = o.episodes.starts[e % o.episodes.starts.length];
    if (startS < first - EPS_S) {
      throw new TraceError(
        t.file,
        t.stepLine[0],
        `the window of episode ${e} starts at ${startS} s, before the trace's first step (${first} s)`,
      );
    }
    if (startS + this.windowS > last + EPS_S) {
      throw new TraceError(
        t.file,
        t.stepLine[stepCount(t) - 1],
        `the window of episode ${e} (${startS} to ${
          startS + this.windowS
        } s) runs past the end of the trace (${last} s)`,
      );
    }
    const roles = this.chooseRoles(startS, rng);
    if (typeof roles === "string") {
      throw new TraceError(
        t.file,
        t.stepLine[Math.max(0, stepAtOrBefore(t, startS))],
        `cannot choose the vehicles of episode ${e}: ${roles}`,
      );
    }
    return roles;
  }

  /** Steps where a random window may start (inside `startS`, ending by the trace's end). */
  #candidates(): number[] {
    const o = this.#o;
    const t = o.trace;
    const first = t.timesS[0];
    const last = t.timesS[stepCount(t) - 1];
    const span = this.windowS;
    const [lo, hi] = "startS" in o.episodes && o.episodes.startS
      ? o.episodes.startS
      : [first, last];
    const candidates: number[] = [];
    for (let k = 0; k < stepCount(t); k++) {
      const s = t.timesS[k];
      if (s >= lo - EPS_S && s <= hi + EPS_S && s + span <= last + EPS_S) candidates.push(k);
    }
    if (candidates.length === 0) {
      throw new TraceError(
        t.file,
        t.stepLine[stepCount(t) - 1],
        `no window of ${span} s (the starts of ${o.slots} slots of ${o.tauS} s) fits in the trace (${first} to ${last} s) with a start in [${lo}, ${hi}] s: the window runs past the end of the trace`,
      );
    }
    return candidates;
  }

  #noWindow(reason: string): TraceError {
    const t = this.#o.trace;
    return new TraceError(
      t.file,
      t.stepLine[0],
      `no window start in the trace has enough eligible vehicles; e.g. ${reason}`,
    );
  }

  /**
   * Checks up front that every episode will find its window and roles, so
   * that trace problems surface when the scenario is compiled, not mid-run.
   */
  #checkWindows(): void {
    const o = this.#o;
    if ("starts" in o.episodes) {
      for (let e = 0; e < o.episodes.starts.length; e++) this.#listed(e, null);
      return;
    }
    let reason = "";
    for (const k of this.#candidates()) {
      const roles = this.chooseRoles(o.trace.timesS[k], null);
      if (typeof roles !== "string") return;
      reason = roles;
    }
    throw this.#noWindow(reason);
  }

  /** The window start and roles of episode `e`. */
  windowOf(e: number, rng: Rng): EpisodeRoles {
    if ("starts" in this.#o.episodes) return this.#listed(e, rng);
    const t = this.#o.trace;
    const candidates = this.#candidates();
    let lastReason = "";
    while (candidates.length > 0) {
      const i = rng.int(candidates.length);
      const startS = t.timesS[candidates[i]];
      const check = this.chooseRoles(startS, null);
      if (typeof check !== "string") return this.chooseRoles(startS, rng) as EpisodeRoles;
      lastReason = check;
      candidates[i] = candidates[candidates.length - 1];
      candidates.pop();
    }
    throw this.#noWindow(lastReason);
  }

  episode(e: number, rng: Rng): EpisodeMobility {
    const o = this.#o;
    const roles = this.windowOf(e, rng);
    const vehicles = [...roles.clients, ...roles.services];
    const n = vehicles.length;
    const several = o.rsus.length > 1;
    const T = o.slots + (several ? o.trackSlots : 0);
    const x = new Float64Array(T * n);
    const y = new Float64Array(T * n);
    const road = new Float64Array(T * n);
    const speed = new Float64Array(T * n);
    const active = new Uint8Array(T * n);
    for (let k = 0; k < n; k++) {
      let departed = false;
      for (let s = 0; s < T; s++) {
        const i = s * n + k;
        const present = this.#sampler.sample(vehicles[k], roles.startS + s * o.tauS);
        if (present) {
          x[i] = this.#sampler.x;
          y[i] = this.#sampler.y;
          road[i] = o.axis.roadM(x[i], y[i]);
          speed[i] = this.#sampler.speedMps;
        } else {
          // hold the last known position: finite values for an inactive vehicle
          x[i] = x[i - n];
          y[i] = y[i - n];
          road[i] = road[i - n];
          speed[i] = speed[i - n];
        }
        if (several) {
          departed ||= !present;
          active[i] = !departed && this.#sampler.inCoverage() ? 1 : 0;
        } else {
          departed ||= !present || !this.#sampler.inCoverage();
          active[i] = departed ? 0 : 1;
        }
      }
    }
    const I = o.cvCount;
    return {
      vehicleIds: vehicles.map((v) => o.trace.ids[v]),
      startS: roles.startS,
      track(slots: number, tx: Float64Array, ty: Float64Array) {
        for (let s = 0; s < Math.min(slots, T); s++) {
          for (let k = 0; k < I; k++) {
            tx[s * I + k] = x[s * n + k];
            ty[s * I + k] = y[s * n + k];
          }
        }
      },
      positions(slot: number, out: PositionBuffers) {
        if (!(slot >= 0 && slot < T && Number.isInteger(slot))) {
          throw new RangeError(
            `Cannot give positions for slot ${slot} as an episode has slots 0..${T - 1}`,
          );
        }
        const base = slot * n;
        for (let k = 0; k < n; k++) {
          const i = base + k;
          if (k < I) {
            out.cvX[k] = x[i];
            out.cvY[k] = y[i];
            out.cvRoadM[k] = road[i];
            out.cvSpeedMps[k] = speed[i];
            out.cvActive[k] = active[i];
          } else {
            out.svX[k - I] = x[i];
            out.svY[k - I] = y[i];
            out.svRoadM[k - I] = road[i];
            out.svSpeedMps[k - I] = speed[i];
            out.svActive[k - I] = active[i];
          }
        }
      },
    };
  }
}
