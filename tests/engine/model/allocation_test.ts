/**
 * RSU allocation, MODEL.md eqs. (44)-(53) and A8: Gamma_k on hand values
 * (corrected and printed forms), the KKT/bisection solution against a
 * brute-force grid search on random instances plus an explicit KKT
 * certificate, the A8 edge cases, eta* within rounding of eta_lo, and the
 * split by work of A24 (V = 0).
 */
import assert from "node:assert/strict";
import {
  allocateByWork,
  allocateRsu,
  allocationCost,
  gamma,
} from "../../../engine/model/allocation.ts";
import { Rng } from "../../../engine/rng.ts";

function close(actual: number, expected: number, tol: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

function alloc(gammas: number[], queues: number[], capacity: number, tauS = 1): number[] {
  return [...allocateRsu(gammas, queues, capacity, tauS, new Float64Array(gammas.length))];
}

function assertShares(actual: number[], expected: number[], what: string) {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, k) => close(actual[k], e, 1e-9, `${what} f[${k}]`));
}

/** P3's objective in Gamma form, written independently: sum Gamma/f - Q f tau. */
function cost(g: number[], q: number[], f: number[], tauS: number): number {
  let c = 0;
  for (let k = 0; k < g.length; k++) {
    if (g[k] > 0) c += f[k] > 0 ? g[k] / f[k] : Infinity;
    c -= q[k] * f[k] * tauS;
  }
  return c;
}

/**
 * Gamma_k straight from (44): the coefficient of 1/f_k in
 * V sum_i [ (Q + S_i) + sum_{i' != i} S_i' / 2 ].
 */
function gammaFrom44(V: number, S: number[], Q: number): number {
  let sum = 0;
  S.forEach((si, i) => {
    sum += Q + si;
    S.forEach((sj, j) => {
      if (j !== i) sum += sj / 2;
    });
  });
  return V * sum;
}

Deno.test("gamma (48): corrected form on hand values", () => {
  // V = 10, S = [1, 2, 3] (sum 6, n = 3), Q = 2:
  // Sum_i (Q + S_i) = 3*2 + 6 = 12; Sum_i Sum_{i'!=i} S_i' / 2 = (5 + 4 + 3) / 2 = 6 -> 10 * 18 = 180.
  assert.equal(gamma("corrected", 10, 3, 6, 2), 180);
  assert.equal(gammaFrom44(10, [1, 2, 3], 2), 180);
  // n = 1: V (Q + S) = 10 * (2 + 5) = 70.
  assert.equal(gamma("corrected", 10, 1, 5, 2), 70);
  // n = 2, S = [4, 6], Q = 0.5, V = 50: 50 * (2*0.5 + 10 + 10/2) = 50 * 16 = 800.
  assert.equal(gamma("corrected", 50, 2, 10, 0.5), 800);
  assert.equal(gammaFrom44(50, [4, 6], 0.5), 800);
  // No offloaders: nothing waits at the RSU, Gamma = 0 (A8), whatever the backlog.
  assert.equal(gamma("corrected", 10, 0, 0, 7), 0);
});

Deno.test("gamma (48): printed form drops |I_k^*| on the backlog term (A8)", () => {
  // V = 10, n = 3, sum S = 6, Q = 2: 10 * (2 + 6 + 2*6/2) = 140 (corrected: 180).
  assert.equal(gamma("printed", 10, 3, 6, 2), 140);
  // Corrected minus printed = V (n - 1) Q = 10 * 2 * 2 = 40.
  assert.equal(gamma("corrected", 10, 3, 6, 2) - gamma("printed", 10, 3, 6, 2), 40);
  // n = 1: the two forms agree: 10 * (2 + 5) = 70.
  assert.equal(gamma("printed", 10, 1, 5, 2), 70);
  // Q = 0: the two forms agree: 10 * (6 + 6) = 120.
  assert.equal(gamma("printed", 10, 3, 6, 0), 120);
  assert.equal(gamma("corrected", 10, 3, 6, 0), 120);
  // Printed (48) read literally with an empty I_k^*: V Q = 10 * 7 = 70.
  assert.equal(gamma("printed", 10, 0, 0, 7), 70);
});

Deno.test("gamma (48): corrected form equals the coefficient of 1/f in (44) on random sets", () => {
  const rng = Rng.stream(7, "gamma-test");
  for (let it = 0; it < 100; it++) {
    const n = 1 + rng.int(5);
    const S = Array.from({ length: n }, () => rng.uniform(0, 40));
    const Q = rng.next() < 0.3 ? 0 : rng.uniform(0, 100);
    const V = [10, 50, 150][rng.int(3)];
    const sumS = S.reduce((a, b) => a + b, 0);
    close(gamma("corrected", V, n, sumS, Q), gammaFrom44(V, S, Q), 1e-12, `instance ${it}`);
  }
});

Deno.test("allocationCost: sum Gamma/f - Q f tau on hand values", () => {
  // 100/10 + 800/20 - 1*10*1 - 0 = 10 + 40 - 10 = 40.
  assert.equal(allocationCost([100, 800], [1, 0], [10, 20], 1), 40);
  // tau = 0.5: 10 + 40 - 1*10*0.5 = 45.
  assert.equal(allocationCost([100, 800], [1, 0], [10, 20], 0.5), 45);
  // A type with offloaders and no share costs infinity; Gamma = 0 with f = 0 costs nothing.
  assert.equal(allocationCost([100, 0], [0, 0], [0, 30], 1), Infinity);
  assert.equal(allocationCost([0, 20], [3, 0], [0, 30], 1), 20 / 30);
});

Deno.test("allocateRsu: no backlog -> shares proportional to sqrt(Gamma) (51)", () => {
  // Q = 0: f_k = sqrt(Gamma_k / eta), so f ~ sqrt(Gamma): sqrt 1 : sqrt 4 = 1 : 2 of 30.
  assertShares(alloc([1, 4], [0, 0], 30), [10, 20], "1:2");
  // sqrt(9) : sqrt(36) : sqrt(81) = 3 : 6 : 9 of 36 -> 6, 12, 18.
  assertShares(alloc([9, 36, 81], [0, 0, 0], 36), [6, 12, 18], "3:6:9");
});

Deno.test("allocateRsu: bisection on (53) with backlogs, hand-solved eta", () => {
  // eta* = 2: f1 = sqrt(100 / (2 - 1)) = 10, f2 = sqrt(800 / 2) = 20; 10 + 20 = 30.
  assertShares(alloc([100, 800], [1, 0], 30), [10, 20], "eta 2");
  // Same with tau = 0.5 and Q1 = 2 (Q tau = 1).
  assertShares(alloc([100, 800], [2, 0], 30, 0.5), [10, 20], "tau 0.5");
  // A type with Gamma = 0 and a smaller backlog (Q tau = 0.5 < eta = 2) gets nothing.
  assertShares(alloc([0, 100, 800], [0.5, 1, 0], 30), [0, 10, 20], "zero-Gamma type");
});

Deno.test("allocateRsu A8: all Gamma = 0 and all Q = 0 -> equal split", () => {
  assertShares(alloc([0, 0, 0], [0, 0, 0], 30), [10, 10, 10], "K=3");
  assertShares(alloc([0, 0], [0, 0], 7), [3.5, 3.5], "K=2");
});

Deno.test("allocateRsu A8: all Gamma = 0 with backlogs -> everything to argmax Q", () => {
  assertShares(alloc([0, 0, 0], [1, 3, 2], 30), [0, 30, 0], "argmax");
});

Deno.test("allocateRsu A8: Gamma = 0 for the largest backlog -> remainder to argmax Q", () => {
  // eta = eta_lo = Q_2 tau = 5: f_1 = sqrt(20 / 5) = 2, remainder 28 to type 2.
  assertShares(alloc([20, 0], [0, 5], 30), [2, 28], "K=2");
  // eta = 5: f_1 = sqrt(20 / 5) = 2, f_2 = sqrt(27 / (5 - 2)) = 3, remainder 25 to type 3.
  assertShares(alloc([20, 27, 0], [0, 2, 5], 30), [2, 3, 25], "K=3");
  // The remainder case does not apply when the Gamma > 0 type alone wants more than F:
  // sqrt(8000 / 5) = 40 > 30, so eta = 8000 / 900 > 5 and type 2 gets nothing.
  assertShares(alloc([8000, 0], [0, 5], 30), [30, 0], "no remainder");
});

Deno.test("allocateRsu: a single type gets the whole capacity", () => {
  assertShares(alloc([7], [3], 30), [30], "Gamma, Q");
  assertShares(alloc([7], [0], 30), [30], "Gamma only");
  assertShares(alloc([0], [3], 30), [30], "Q only");
  assertShares(alloc([0], [0], 30), [30], "neither");
});

Deno.test("allocateRsu writes into and returns `out`", () => {
  const out = new Float64Array(2);
  const ret = allocateRsu([1, 4], [0, 0], 30, 1, out);
  assert.equal(ret, out);
  close(out[1], 20, 1e-9, "out[1]");
});

/**
 * Brute force: a grid over the box [0, F]^K restricted to sum f <= F, then
 * repeated zooms (half-width halved each time) around the best point.
 * Every grid point is feasible, so its cost bounds the optimum from above.
 */
function gridSearch(g: number[], q: number[], F: number, tauS: number): number {
  const K = g.length;
  let best = Infinity;
  let bestF = new Array(K).fill(F / K);
  let half = F / 2;
  let center = new Array(K).fill(F / 2);
  for (let iter = 0; iter < 45; iter++) {
    const n = iter === 0 ? (K === 2 ? 201 : 41) : 9;
    const lo = center.map((c) => Math.max(0, c - half));
    const hi = center.map((c) => Math.min(F, c + half));
    const idx = new Array(K).fill(0);
    const f = new Array(K).fill(0);
    for (;;) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        f[k] = lo[k] + ((hi[k] - lo[k]) * idx[k]) / (n - 1);
        sum += f[k];
      }
      if (sum <= F) {
        const c = cost(g, q, f, tauS);
        if (c < best) {
          best = c;
          bestF = [...f];
        }
      }
      let k = 0;
      while (k < K && ++idx[k] === n) idx[k++] = 0;
      if (k === K) break;
    }
    center = bestF;
    half = iter === 0 ? (2 * F) / (n - 1) : half / 2;
  }
  return best;
}

Deno.test("allocateRsu: optimal against a brute-force grid on 200 random instances", () => {
  const rng = Rng.stream(2024, "allocation-test");
  let withRemainder = 0;
  for (let it = 0; it < 200; it++) {
    const K = it < 100 ? 2 : 3;
    const F = rng.uniform(5, 50);
    const tauS = rng.next() < 0.5 ? 1 : 0.5;
    // Gamma spans several decades (1e-1 .. 1e4); about a third of them and of Q are 0.
    const g = Array.from({ length: K }, () => rng.next() < 0.3 ? 0 : 10 ** rng.uniform(-1, 4));
    const q = Array.from({ length: K }, () => rng.next() < 0.3 ? 0 : rng.uniform(0, 60));
    const f = alloc(g, q, F, tauS);
    const what = `instance ${it} (K=${K}, F=${F}, tau=${tauS}, G=${g}, Q=${q}) -> f=${f}`;
    // Feasible: f >= 0, sum f <= F.
    f.forEach((fk) => assert.ok(fk >= 0 && Number.isFinite(fk), what));
    const used = f.reduce((a, b) => a + b, 0);
    assert.ok(used <= F * (1 + 1e-9), `over capacity: ${what}`);
    // Complementary slackness (52): the whole capacity is used when anything is at stake.
    if (g.some((x) => x > 0) || q.some((x) => x > 0)) {
      close(used, F, 1e-9, `capacity unused: ${what}`);
    }
    // Every type with RSU offloaders gets a positive share.
    g.forEach((gk, k) => assert.ok(gk === 0 || f[k] > 0, `Gamma > 0 but f = 0: ${what}`));
    // No worse than the best grid point (relative 1e-6).
    const kkt = cost(g, q, f, tauS);
    const grid = gridSearch(g, q, F, tauS);
    assert.ok(
      kkt <= grid + 1e-6 * Math.max(1, Math.abs(grid)),
      `KKT ${kkt} > grid ${grid}: ${what}`,
    );
    // KKT certificate (50)-(51): one eta with Gamma_k / f_k^2 + Q_k tau = eta on the types
    // that get a share, and Gamma_k = 0, Q_k tau <= eta on the types that do not.
    const active = f.map((fk, k) => fk > 1e-12 * F ? g[k] / (fk * fk) + q[k] * tauS : NaN);
    const eta = Math.max(...active.filter((x) => !Number.isNaN(x)));
    active.forEach((a, k) => {
      if (Number.isNaN(a)) {
        assert.equal(g[k], 0, `idle type with Gamma > 0: ${what}`);
        assert.ok(q[k] * tauS <= eta * (1 + 1e-9), `idle type with Q tau > eta: ${what}`);
      } else {
        close(a, eta, 1e-6, `stationarity of type ${k}: ${what}`);
      }
    });
    if (f.some((fk, k) => fk > 0 && g[k] === 0)) withRemainder++;
  }
  // The draw exercises the A8 remainder branch too.
  assert.ok(withRemainder > 5, `only ${withRemainder} instances used the A8 remainder`);
});

Deno.test("allocateRsu: eta* within rounding of eta_lo still meets (50)-(53)", () => {
  // Gamma = [1e-3, 1e-3] against Q tau = [1e6 * 86400, 0] and F = 1e7: eta* - eta_lo is about
  // Gamma_1 / F^2 = 1e-17, far below the spacing of doubles near eta_lo = 8.64e10 (1.5e-5),
  // so eta - Q_1 tau cannot be resolved as a difference of etas (it rounded to 0: NaN shares).
  const tauS = 86_400;
  const g = [1e-3, 1e-3];
  const q = [1e6, 0];
  const F = 1e7;
  const [f1, f2] = alloc(g, q, F, tauS);
  assert.ok(Number.isFinite(f1) && Number.isFinite(f2) && f1 > 0 && f2 > 0, `f = ${f1}, ${f2}`);
  close(f1 + f2, F, 1e-12, "capacity (52)");
  // Stationarity (50) with one eta: eta - eta_lo = Gamma_1 / f_1^2 = 1e-17 (f_1 = F to 1e-16),
  // and f_2 = sqrt(Gamma_2 / (eta - eta_lo + 8.64e10)).
  const relative = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a / b - 1) <= 1e-9, `${what}: got ${a}, expected ${b}`);
  const x = g[0] / (f1 * f1);
  relative(x, 1e-17, "eta - eta_lo");
  relative(f2, Math.sqrt(g[1] / (x + q[0] * tauS)), "one eta");
  relative(f2, Math.sqrt(1e-3 / 8.64e10), "f_2");
});

Deno.test("allocateByWork A24: shares proportional to W_k = Q_k + A_k", () => {
  const out = new Float64Array(4);
  // W = [3, 1, 0, 4], sum 8, F = 16 -> 6, 2, 0, 8.
  assert.equal(allocateByWork([3, 1, 0, 4], 16, out), out);
  assertShares([...out], [6, 2, 0, 8], "3:1:0:4");
  // Every container with work drains in the same time sum W / F = 0.5 s.
  [3, 1, 4].forEach((w, i) => close(w / out[[0, 1, 3][i]], 0.5, 1e-12, `drain ${i}`));
});

Deno.test("allocateByWork A24: no work at all -> equal split (as A8)", () => {
  assertShares([...allocateByWork([0, 0, 0], 9, new Float64Array(3))], [3, 3, 3], "K=3");
  assertShares([...allocateByWork([0], 9, new Float64Array(1))], [9], "K=1");
});
