import assert from "node:assert/strict";
import { resolveParams } from "../../host/params.ts";
import { meanCi95, tQuantile975 } from "../../app/util/stats.ts";
import type { PolicyDefinition } from "../../engine/sim/policy.ts";
import { genetic } from "../../policies/genetic.ts";
import { mad2rl, pqmix } from "../../policies/learning/qmix.ts";

const def = (d: unknown) => d as PolicyDefinition;

Deno.test("presets: `paper` is the paper's regime, value for value", () => {
  // MODEL.md section 3 and the values the project shipped before the per-slot regime.
  const { params, problems } = resolveParams(def(pqmix), { preset: "paper" });
  assert.deepEqual(problems, []);
  const paper = {
    preset: "paper",
    hidden: [256, 256, 256],
    mixEmbed: 32,
    hyperHidden: 64,
    lr: 5e-4,
    discount: 0.99,
    tau: 0.001,
    batch: 256,
    buffer: 100_000,
    epsStart: 1,
    epsEnd: 0.05,
    epsSteps: 10_000,
    updateEvery: 1,
    gradClip: 10,
    qHead: "softmax",
    queueScaleGflop: 100,
    rewardScale: 1e-3,
    threads: 2,
    qNoise: "sample",
  };
  for (const [k, v] of Object.entries(paper)) assert.deepEqual(params[k], v, k);
  const m = resolveParams(def(mad2rl), { preset: "paper" }).params;
  assert.deepEqual([m.steps, m.betaMin, m.betaMax, m.qNoise], [7, 0.1, 10, "sample"]);
});

Deno.test("presets: the default is per-slot and refined; given params apply over the preset", () => {
  const d = resolveParams(def(mad2rl), {}).params;
  assert.deepEqual(
    [d.preset, d.discount, d.qHead, d.qNoise, d.refineTopK, d.refinePasses],
    ["refined", 0, "logits", "zero", 8, 3],
  );
  const s = resolveParams(def(mad2rl), { preset: "perslot" }).params;
  assert.deepEqual([s.discount, s.qNoise, s.refineTopK], [0, "zero", 0]);
  assert.equal(resolveParams(def(mad2rl), { preset: "paper" }).params.refineTopK, 0);
  const p = resolveParams(def(mad2rl), { preset: "paper", discount: 0.5 }).params;
  assert.deepEqual([p.discount, p.qHead], [0.5, "softmax"]);
  const g = resolveParams(def(genetic), { preset: "converged" }).params;
  assert.deepEqual([g.population, g.generations], [100, 200]);
  assert.deepEqual(resolveParams(def(genetic), {}).params.population, 20);
  const bad = resolveParams(def(genetic), { preset: "convergd" });
  assert.match(bad.problems[0].message, /unknown preset "convergd".*did you mean "converged"/);
});

Deno.test("stats: mean and 95 % t-interval against a hand computation", () => {
  // xs = 2, 4, 9: mean 5, s^2 = ((-3)^2 + (-1)^2 + 4^2) / 2 = 13, s = 3.6056,
  // half-width = t(0.975, 2) s / sqrt(3) = 4.303 * 3.6056 / 1.7321 = 8.957.
  const s = meanCi95([2, 4, 9]);
  assert.equal(s.mean, 5);
  assert.ok(Math.abs(s.sd - Math.sqrt(13)) < 1e-12);
  assert.ok(Math.abs(s.halfWidth - 8.9572) < 1e-3, String(s.halfWidth));
  assert.ok(Math.abs(s.low - (5 - 8.9572)) < 1e-3 && Math.abs(s.high - (5 + 8.9572)) < 1e-3);
  assert.ok(Number.isNaN(meanCi95([3]).halfWidth));
  assert.equal(tQuantile975(1), 12.706);
  assert.equal(tQuantile975(1000), 1.96);
  assert.throws(() => meanCi95([]), RangeError);
});
