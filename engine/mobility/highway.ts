/**
 * The built-in unidirectional highway (MODEL.md A17): vehicles start
 * uniformly in `startM`, drive at a constant speed drawn from a clipped
 * normal, in lanes spaced `laneWidthM` apart; the RSU stands `offsetM`
 * beside the road at `positionM`.
 *
 * @module
 */
import { CoverageIndex } from "../coverage.ts";
import type { Rng } from "../rng.ts";
import type { EpisodeMobility, MobilitySource, PositionBuffers } from "./types.ts";

/** Highway parameters (the scenario's `mobility` with kind `highway`). */
export interface HighwayOptions {
  fromM: number;
  toM: number;
  lanes: number;
  laneWidthM: number;
  startM: [number, number];
  speedMps: { mean: number; std: number; min: number; max: number };
}

/** Draws a speed from N(mean, std^2) clipped to [min, max] (A17). */
export function drawSpeedMps(o: HighwayOptions["speedMps"], rng: Rng): number {
  return Math.min(o.max, Math.max(o.min, o.mean + o.std * rng.normal()));
}

/** The highway mobility source. */
export class Highway implements MobilitySource {
  readonly roadFromM: number;
  readonly roadToM: number;

  constructor(
    readonly options: HighwayOptions,
    readonly cvCount: number,
    readonly svCount: number,
    readonly rsuX: number,
    readonly rsuY: number,
    readonly tauS: number,
    /** Several RSUs (MODEL.md section 6.3): a vehicle is in the system while one covers it (E1). */
    readonly coverage: readonly { x: number; y: number; coverageM: number }[] = [],
  ) {
    this.roadFromM = options.fromM;
    this.roadToM = options.toM;
  }

  episode(_episode: number, rng: Rng): EpisodeMobility {
    const o = this.options;
    const n = this.cvCount + this.svCount;
    const x0 = new Float64Array(n);
    const y = new Float64Array(n);
    const v = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      x0[k] = rng.uniform(o.startM[0], o.startM[1]);
      v[k] = drawSpeedMps(o.speedMps, rng);
      y[k] = o.lanes > 1 ? rng.int(o.lanes) * o.laneWidthM : 0;
    }
    const I = this.cvCount;
    const tau = this.tauS;
    const rsus = this.coverage.length > 1 ? new CoverageIndex(this.coverage) : undefined;
    const covered = (x: number, yy: number) => rsus!.covers(x, yy) ? 1 : 0;
    return {
      track(slots: number, tx: Float64Array, ty: Float64Array) {
        for (let s = 0; s < slots; s++) {
          for (let k = 0; k < I; k++) {
            tx[s * I + k] = x0[k] + v[k] * (s * tau);
            ty[s * I + k] = y[k];
          }
        }
      },
      positions(slot: number, out: PositionBuffers) {
        // One RSU: the scenario check keeps every vehicle inside coverage (worstRsuDistanceM).
        out.cvActive.fill(1);
        out.svActive.fill(1);
        const t = slot * tau;
        for (let k = 0; k < n; k++) {
          const x = x0[k] + v[k] * t;
          if (k < I) {
            out.cvX[k] = x;
            out.cvRoadM[k] = x;
            out.cvY[k] = y[k];
            out.cvSpeedMps[k] = v[k];
            if (rsus) out.cvActive[k] = covered(x, y[k]);
          } else {
            out.svX[k - I] = x;
            out.svRoadM[k - I] = x;
            out.svY[k - I] = y[k];
            out.svSpeedMps[k - I] = v[k];
            if (rsus) out.svActive[k - I] = covered(x, y[k]);
          }
        }
      },
    };
  }
}

/** Farthest point from the RSU any vehicle can reach within `durationS` (m). */
export function worstRsuDistanceM(
  o: HighwayOptions,
  rsuPositionM: number,
  rsuOffsetM: number,
  durationS: number,
): number {
  const farX = Math.max(
    Math.abs(o.startM[0] - rsuPositionM),
    Math.abs(o.startM[1] + o.speedMps.max * durationS - rsuPositionM),
  );
  const farY = rsuOffsetM + (o.lanes - 1) * o.laneWidthM;
  return Math.hypot(farX, farY);
}
