/**
 * The VP noise schedule of the diffusion agent (MODEL.md eqs. (35)-(41),
 * A15) and the per-step coefficients of the reverse chain.
 *
 * @module
 */

/** Per-step constants, index m - 1 for step m = 1..M. */
export interface DiffusionSchedule {
  steps: number;
  /** beta_m, eq. (35). */
  beta: Float64Array;
  /** alpha_m = 1 - beta_m. */
  alpha: Float64Array;
  /** alpha-hat_m = prod_{u <= m} alpha_u, eq. (37). */
  alphaBar: Float64Array;
  /** beta-hat_m = (1 - alpha-hat_{m-1}) / (1 - alpha-hat_m) beta_m, eq. (39). */
  posteriorVariance: Float64Array;
  /** 1 / sqrt(alpha_m): the factor in front of eq. (41). */
  meanScale: Float64Array;
  /** (1 - alpha_m) / sqrt(1 - alpha-hat_m): the noise factor inside eq. (41). */
  noiseScale: Float64Array;
}

/**
 * The VP schedule of eq. (35): beta_m = 1 - exp(-bMin/M - (2m - 1)(bMax - bMin)/(2M^2)).
 *
 * @example
 * ```ts
 * import { vpSchedule } from "./schedule.ts";
 * const s = vpSchedule(7, 0.1, 10);
 * console.log(s.beta[0].toFixed(4)); // "0.1089" (MODEL.md A15)
 * ```
 */
export function vpSchedule(steps: number, betaMin: number, betaMax: number): DiffusionSchedule {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(
      `Cannot build a diffusion schedule as steps must be a positive integer: current value is ${steps}`,
    );
  }
  const M = steps;
  const beta = new Float64Array(M);
  const alpha = new Float64Array(M);
  const alphaBar = new Float64Array(M);
  const posteriorVariance = new Float64Array(M);
  const meanScale = new Float64Array(M);
  const noiseScale = new Float64Array(M);
  let prod = 1;
  for (let m = 1; m <= M; m++) {
    // MODEL.md eq. (35)
    const b = 1 - Math.exp(-betaMin / M - ((2 * m - 1) * (betaMax - betaMin)) / (2 * M * M));
    const prev = prod;
    prod *= 1 - b;
    beta[m - 1] = b;
    alpha[m - 1] = 1 - b;
    alphaBar[m - 1] = prod;
    // MODEL.md eq. (39): beta-hat_1 = 0 since alpha-hat_0 = 1
    posteriorVariance[m - 1] = ((1 - prev) / (1 - prod)) * b;
    // MODEL.md eq. (41)
    meanScale[m - 1] = 1 / Math.sqrt(1 - b);
    noiseScale[m - 1] = b / Math.sqrt(1 - prod);
  }
  return { steps: M, beta, alpha, alphaBar, posteriorVariance, meanScale, noiseScale };
}

/** Sinusoidal embedding of step m (MODEL.md A13), `dim` values (even). */
export function stepEmbedding(m: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  const half = dim / 2;
  for (let k = 0; k < half; k++) {
    const freq = Math.exp(-Math.log(10000) * k / Math.max(half - 1, 1));
    out[k] = Math.sin(m * freq);
    out[half + k] = Math.cos(m * freq);
  }
  return out;
}
