/**
 * The scalar road coordinate po of eq. (54) for SUMO mobility: either the
 * arc length along a polyline (an edge chain of the network) or the
 * projection on a straight line fitted through the trace. Both measure
 * metres in driving direction with 0 at the RSU's foot point.
 *
 * @module
 */
import type { Trace } from "./trace.ts";

/** Maps a network point to the road coordinate (m). */
export interface RoadAxis {
  /** Road coordinate of (x, y), 0 at the RSU. */
  roadM(x: number, y: number): number;
  readonly fromM: number;
  readonly toM: number;
}

/** Arc-length coordinate along a polyline `[x0, y0, x1, y1, ...]`. */
export class PolylineAxis implements RoadAxis {
  readonly #xy: Float64Array;
  readonly #cum: Float64Array;
  readonly #zeroM: number;
  readonly fromM: number;
  readonly toM: number;

  constructor(xy: ArrayLike<number>, originX: number, originY: number) {
    if (xy.length < 4) throw new RangeError("Cannot build a road axis from fewer than 2 points");
    this.#xy = Float64Array.from(xy);
    const n = xy.length / 2;
    this.#cum = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      this.#cum[i] = this.#cum[i - 1] +
        Math.hypot(xy[2 * i] - xy[2 * i - 2], xy[2 * i + 1] - xy[2 * i - 1]);
    }
    this.#zeroM = this.#arcM(originX, originY);
    this.fromM = -this.#zeroM;
    this.toM = this.#cum[n - 1] - this.#zeroM;
  }

  /** Arc length of the nearest point of the polyline (clamped to its ends). */
  #arcM(x: number, y: number): number {
    const p = this.#xy;
    let best = Infinity;
    let arc = 0;
    for (let i = 0; i + 3 < p.length; i += 2) {
      const ax = p[i], ay = p[i + 1];
      const dx = p[i + 2] - ax, dy = p[i + 3] - ay;
      const len2 = dx * dx + dy * dy;
      const u = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / len2));
      const d2 = (ax + u * dx - x) ** 2 + (ay + u * dy - y) ** 2;
      if (d2 < best) {
        best = d2;
        arc = this.#cum[i / 2] + u * Math.sqrt(len2);
      }
    }
    return arc;
  }

  roadM(x: number, y: number): number {
    return this.#arcM(x, y) - this.#zeroM;
  }
}

/**
 * Projection on the total-least-squares line through every trace position,
 * oriented along the vehicles' mean displacement, with 0 at the RSU.
 */
export class FittedAxis implements RoadAxis {
  readonly ux: number;
  readonly uy: number;
  readonly fromM: number;
  readonly toM: number;

  constructor(trace: Trace, readonly originX: number, readonly originY: number) {
    const { recX, recY } = trace;
    const n = recX.length;
    let mx = 0, my = 0;
    for (let r = 0; r < n; r++) {
      mx += recX[r];
      my += recY[r];
    }
    mx /= n;
    my /= n;
    let sxx = 0, sxy = 0, syy = 0;
    for (let r = 0; r < n; r++) {
      const dx = recX[r] - mx, dy = recY[r] - my;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
    }
    // principal direction of the 2x2 covariance
    const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    let ux = Math.cos(angle), uy = Math.sin(angle);
    // orient along the mean displacement of the vehicles (first to last sighting)
    let dxSum = 0, dySum = 0;
    for (let v = 0; v + 1 < trace.vehStart.length; v++) {
      const a = trace.vehRec[trace.vehStart[v]];
      const b = trace.vehRec[trace.vehStart[v + 1] - 1];
      dxSum += recX[b] - recX[a];
      dySum += recY[b] - recY[a];
    }
    if (dxSum * ux + dySum * uy < 0) {
      ux = -ux;
      uy = -uy;
    }
    this.ux = ux;
    this.uy = uy;
    let lo = Infinity, hi = -Infinity;
    for (let r = 0; r < n; r++) {
      const s = (recX[r] - originX) * ux + (recY[r] - originY) * uy;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    this.fromM = lo;
    this.toM = hi;
  }

  roadM(x: number, y: number): number {
    return (x - this.originX) * this.ux + (y - this.originY) * this.uy;
  }
}
