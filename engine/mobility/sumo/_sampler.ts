/**
 * Positions of trace vehicles at arbitrary times: the trace step's record,
 * or the linear interpolation between two steps, and whether a position is
 * inside an RSU's coverage.
 *
 * @module
 */
import { CoverageIndex } from "../../coverage.ts";
import type { SumoMobility } from "./schema.ts";
import { recordAt, stepAtOrBefore, stepCount, type Trace } from "./trace.ts";

/** Times within this of a trace step are that step (s). */
export const EPS_S = 1e-6;

/**
 * Samples one trace; `x`, `y`, `speedMps` hold the last position and speed
 * sampled. Speeds are interpolated like positions; a record without a
 * `speed` attribute gets the speed of its step from consecutive positions
 * (distance to the vehicle's next record over the time between them, or
 * from its previous record at its last one; 0 for a single record).
 */
export class TraceSampler {
  x = 0;
  y = 0;
  speedMps = 0;

  constructor(
    readonly trace: Trace,
    readonly interpolation: SumoMobility["interpolation"],
    /** The RSUs where they stand, with their coverage radii (m). */
    readonly rsus: readonly { x: number; y: number; coverageM: number }[],
  ) {
    this.#index = rsus.length > 1 ? new CoverageIndex(rsus) : undefined;
  }

  /** Several RSUs: the index that answers coverage (E1); one RSU keeps the paper's test. */
  readonly #index: CoverageIndex | undefined;

  /** Position of vehicle `v` at `timeS` into `x`, `y`; false when it is not in the trace then. */
  sample(v: number, timeS: number): boolean {
    const t = this.trace;
    const k = stepAtOrBefore(t, timeS);
    if (k < 0) return false;
    const r0 = recordAt(t, v, k);
    if (r0 < 0) return false;
    const dt = timeS - t.timesS[k];
    if (dt <= EPS_S || this.interpolation === "previous") {
      this.x = t.recX[r0];
      this.y = t.recY[r0];
      this.speedMps = this.#speedOf(v, k, r0);
      return true;
    }
    if (k + 1 >= stepCount(t)) return false;
    const r1 = recordAt(t, v, k + 1);
    if (r1 < 0) return false; // it left between the two steps
    const u = dt / (t.timesS[k + 1] - t.timesS[k]);
    this.x = t.recX[r0] + u * (t.recX[r1] - t.recX[r0]);
    this.y = t.recY[r0] + u * (t.recY[r1] - t.recY[r0]);
    const v0 = this.#speedOf(v, k, r0);
    this.speedMps = v0 + u * (this.#speedOf(v, k + 1, r1) - v0);
    return true;
  }

  /** The speed of record `r` (vehicle `v` at step `k`): its attribute, or from positions. */
  #speedOf(v: number, k: number, r: number): number {
    const t = this.trace;
    if (!Number.isNaN(t.recSpeed[r])) return t.recSpeed[r];
    const next = k + 1 < stepCount(t) ? recordAt(t, v, k + 1) : -1;
    const prev = next < 0 && k > 0 ? recordAt(t, v, k - 1) : -1;
    const [a, b] = next >= 0 ? [r, next] : prev >= 0 ? [prev, r] : [r, r];
    if (a === b) return 0;
    const dt = t.timesS[t.recStep[b]] - t.timesS[t.recStep[a]];
    return Math.hypot(t.recX[b] - t.recX[a], t.recY[b] - t.recY[a]) / dt;
  }

  /** Whether the last sampled position is within an RSU's coverage (MODEL.md E1). */
  inCoverage(): boolean {
    if (this.#index) return this.#index.covers(this.x, this.y);
    const r = this.rsus[0];
    return Math.hypot(this.x - r.x, this.y - r.y) <= r.coverageM;
  }
}
