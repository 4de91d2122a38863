/**
 * RSU CPU allocation among DNN-type containers: problem P3 (MODEL.md
 * eq. (44)) solved by KKT conditions (49)-(52) and bisection on the
 * capacity equation (53), with the edge cases of A8; at V = 0, the split by
 * work of A24.
 *
 * @module
 */

/** Which Gamma_k of eq. (48) to use (MODEL.md A8). */
export type GammaForm = "corrected" | "printed";

/**
 * Gamma_k of eq. (48).
 *
 * corrected (A8): V [ n Q + S + (n-1) S / 2 ]  (derivative of (44));
 * printed:        V [ Q + S + (n-1) S / 2 ].
 *
 * @param n number of type-k tasks offloaded to the RSU, |I_k^*|
 * @param sumS sum over those tasks of S_i (GFLOP)
 * @param queueGflop Q_k^rsu(t)
 */
export function gamma(
  form: GammaForm,
  V: number,
  n: number,
  sumS: number,
  queueGflop: number,
): number {
  if (form === "corrected") {
    return n === 0 ? 0 : V * (n * queueGflop + sumS + ((n - 1) * sumS) / 2);
  }
  return V * (queueGflop + sumS + ((n - 1) * sumS) / 2);
}

/** Value of P3's objective (44) in the Gamma form: sum_k Gamma_k / f_k - Q_k f_k tau. */
export function allocationCost(
  gammas: ArrayLike<number>,
  queues: ArrayLike<number>,
  shares: ArrayLike<number>,
  tauS: number,
): number {
  let cost = 0;
  for (let k = 0; k < gammas.length; k++) {
    if (gammas[k] > 0) cost += shares[k] > 0 ? gammas[k] / shares[k] : Infinity;
    cost -= queues[k] * shares[k] * tauS;
  }
  return cost;
}

const ITERATIONS = 100;

/**
 * Optimal shares f_k (GFLOP/s) written into `out`, MODEL.md eqs. (51)-(53).
 *
 * eta* > max_k Q_k tau; sum_k sqrt(Gamma_k / (eta - Q_k tau)) decreases in
 * eta, so bisection finds the eta that spends the whole capacity. When the
 * sum at eta -> eta_lo+ is still below capacity (the largest-backlog type has
 * Gamma = 0), the remainder goes to argmax_k Q_k; with no offloaders and no
 * backlog the capacity is split equally (A8).
 */
export function allocateRsu(
  gammas: ArrayLike<number>,
  queues: ArrayLike<number>,
  capacity: number,
  tauS: number,
  out: Float64Array,
): Float64Array {
  const K = gammas.length;
  let etaLo = 0;
  let argmaxQ = 0;
  let sqrtSum = 0;
  let anyGamma = false;
  for (let k = 0; k < K; k++) {
    if (queues[k] * tauS > etaLo) {
      etaLo = queues[k] * tauS;
      argmaxQ = k;
    }
    if (gammas[k] > 0) {
      anyGamma = true;
      sqrtSum += Math.sqrt(gammas[k]);
    }
  }
  if (!anyGamma) {
    out.fill(0);
    if (etaLo > 0) out[argmaxQ] = capacity;
    else out.fill(capacity / K);
    return out;
  }
  // Sum of (51) at eta; infinite when a type with Gamma > 0 holds the largest backlog.
  const demand = (eta: number): number => {
    let s = 0;
    for (let k = 0; k < K; k++) {
      if (gammas[k] > 0) s += Math.sqrt(gammas[k] / (eta - queues[k] * tauS));
    }
    return s;
  };
  const atLo = demand(etaLo);
  if (atLo <= capacity) {
    for (let k = 0; k < K; k++) {
      out[k] = gammas[k] > 0 ? Math.sqrt(gammas[k] / (etaLo - queues[k] * tauS)) : 0;
    }
    out[argmaxQ] += capacity - atLo;
    return out;
  }
  // At eta_hi every term is at most sqrt(Gamma_k) * capacity / sum sqrt(Gamma): the sum fits.
  const span = (sqrtSum * sqrtSum) / (capacity * capacity);
  // eta = base + x. When eta* lies so close to eta_lo that eta - Q_k tau would lose most of
  // its digits (or all: eta_lo + span rounds to eta_lo when V is small against f^rsu,max^2 tau),
  // bisect on x = eta - eta_lo, with the gaps eta_lo - Q_k tau >= 0 taken first.
  const base = span > 1e-8 * etaLo ? 0 : etaLo;
  const term = (k: number, x: number) => Math.sqrt(gammas[k] / ((base - queues[k] * tauS) + x));
  const demandAt = (x: number): number => {
    let s = 0;
    for (let k = 0; k < K; k++) if (gammas[k] > 0) s += term(k, x);
    return s;
  };
  let lo = etaLo - base;
  let hi = lo + span;
  for (let it = 0; it < ITERATIONS && hi - lo > 1e-15 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (demandAt(mid) > capacity) lo = mid;
    else hi = mid;
  }
  let used = 0;
  for (let k = 0; k < K; k++) {
    out[k] = gammas[k] > 0 ? term(k, hi) : 0;
    used += out[k];
  }
  // Complementary slackness (52): the whole capacity is used; remove rounding drift.
  const scale = capacity / used;
  for (let k = 0; k < K; k++) out[k] *= scale;
  return out;
}

/**
 * Shares proportional to each container's work this slot, MODEL.md A24 (the
 * allocation at V = 0): f_k = f^rsu,max W_k / sum W with W_k = Q_k^rsu + A_k
 * (backlog plus this slot's arrivals), written into `out`; an equal split
 * when there is no work at all (as A8). Every container with work then
 * drains in the same time, sum W / f^rsu,max, and gets a positive share.
 *
 * @param work W_k (GFLOP), all >= 0
 * @param capacity f^rsu,max (GFLOP/s)
 */
export function allocateByWork(
  work: ArrayLike<number>,
  capacity: number,
  out: Float64Array,
): Float64Array {
  const K = work.length;
  let total = 0;
  for (let k = 0; k < K; k++) total += work[k];
  if (!(total > 0)) return out.fill(capacity / K);
  for (let k = 0; k < K; k++) out[k] = capacity * (work[k] / total);
  return out;
}
