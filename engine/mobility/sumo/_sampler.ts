/**
 * Positions of trace vehicles at arbitrary times: the trace step's record,
 * or the linear interpolation between two steps, and whether a position is
 * inside the RSU's coverage.
 *
 * @module
 */
import type { SumoMobility } from "./schema.ts";
import { recordAt, stepAtOrBefore, stepCount, type Trace } from "./trace.ts";

/** Times within this of a trace step are that step (s). */
export const EPS_S = 1e-6;

/** Samples one trace; `x`, `y` hold the last position sampled. */
export class TraceSampler {
  x = 0;
  y = 0;

  constructor(
    readonly trace: Trace,
    readonly interpolation: SumoMobility["interpolation"],
    readonly rsuX: number,
    readonly rsuY: number,
    readonly coverageM: number,
  ) {}

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
      return true;
    }
    if (k + 1 >= stepCount(t)) return false;
    const r1 = recordAt(t, v, k + 1);
    if (r1 < 0) return false; // it left between the two steps
    const u = dt / (t.timesS[k + 1] - t.timesS[k]);
    this.x = t.recX[r0] + u * (t.recX[r1] - t.recX[r0]);
    this.y = t.recY[r0] + u * (t.recY[r1] - t.recY[r0]);
    return true;
  }

  /** Whether the last sampled position is within the RSU's coverage. */
  inCoverage(): boolean {
    return Math.hypot(this.x - this.rsuX, this.y - this.rsuY) <= this.coverageM;
  }
}
