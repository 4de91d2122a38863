import assert from "node:assert/strict";
import { Rng } from "../../../engine/rng.ts";
import { fillNormal } from "../../../policies/learning/tensor/normal.ts";
import { vpSchedule } from "../../../policies/learning/schedule.ts";

Deno.test("VP schedule: beta_1..beta_7 are MODEL.md A15's values for beta 0.1..10", () => {
  const s = vpSchedule(7, 0.1, 10);
  const a15 = [0.1089, 0.2719, 0.4051, 0.5139, 0.6029, 0.6755, 0.7349];
  assert.deepEqual(Array.from(s.beta, (b) => Number(b.toFixed(4))), a15);
});

Deno.test("VP schedule: alpha-hat, posterior variance and eq. (41) factors follow their definitions", () => {
  const M = 5;
  const s = vpSchedule(M, 0.1, 10);
  let prod = 1;
  for (let m = 1; m <= M; m++) {
    // eq. (35) evaluated independently
    const beta = 1 - Math.exp(-0.1 / M - ((2 * m - 1) * 9.9) / (2 * M * M));
    assert.ok(Math.abs(s.beta[m - 1] - beta) < 1e-15);
    const prev = prod;
    prod *= 1 - beta;
    assert.ok(Math.abs(s.alphaBar[m - 1] - prod) < 1e-15);
    const post = m === 1 ? 0 : ((1 - prev) / (1 - prod)) * beta;
    assert.ok(Math.abs(s.posteriorVariance[m - 1] - post) < 1e-15, `beta-hat_${m}`);
    assert.ok(Math.abs(s.meanScale[m - 1] * Math.sqrt(1 - beta) - 1) < 1e-15);
    assert.ok(Math.abs(s.noiseScale[m - 1] - beta / Math.sqrt(1 - prod)) < 1e-15);
  }
  assert.equal(s.posteriorVariance[0], 0, "beta-hat_1 = 0: the last reverse step is deterministic");
});

Deno.test("VP schedule: rejects a non-positive step count", () => {
  assert.throws(() => vpSchedule(0, 0.1, 10), RangeError);
});

Deno.test("fillNormal: standard normal moments and reproducible from the Rng state", () => {
  const a = fillNormal(Rng.stream(5, "t"), new Float32Array(200_000));
  let s = 0, s2 = 0, tail = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
    if (Math.abs(v) > 2) tail++;
  }
  const n = a.length;
  assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `variance ${s2 / n}`);
  assert.ok(Math.abs(tail / n - 0.0455) < 0.003, `P(|x| > 2) = ${tail / n}`);
  const b = fillNormal(Rng.stream(5, "t"), new Float32Array(200_000));
  assert.deepEqual(a, b);
});
