import assert from "node:assert/strict";
import { Env, InvalidDecisionError } from "../../../engine/sim/env.ts";
import type { Observation } from "../../../engine/sim/observation.ts";
import { DecisionBuffer } from "../../../engine/sim/validate.ts";
import { worldOf } from "../../_helpers/mod.ts";

/** A highway of 7 CVs (alexnet, resnet18, vgg16 in turn) and 5 SVs, at slot 1 of episode 1. */
function slotOne(): { env: Env; obs: Observation } {
  const env = new Env(worldOf("name: v\ntime: { slots: 3 }\n"));
  return { env, obs: env.reset({ episode: 1 }) };
}

/** Every CV computes locally (partition L + 1, target 0): a valid decision. */
function local(obs: Observation): { partition: number[]; target: number[] } {
  const partition = Array.from({ length: obs.cvCount }, (_, i) => obs.table(i).L + 1);
  return { partition, target: new Array(obs.cvCount).fill(0) };
}

Deno.test("decision check: fractions are refused in plain arrays and float arrays, 1 + 1e-9 too", () => {
  const { obs } = slotOne();
  const buffer = new DecisionBuffer(obs.cvCount);
  const partition = (phi: number) =>
    `cv1 (alexnet, L = 11) got partition ${phi}; ` +
    "it must be an integer in 1..12";
  for (const phi of [1.5, 1 + 1e-9, 12 - 1e-12]) {
    const plain = local(obs);
    plain.partition[0] = phi;
    assert.equal(buffer.take(plain, obs), partition(phi));
    const float = { partition: Float64Array.from(plain.partition), target: plain.target };
    assert.equal(buffer.take(float, obs), partition(phi));
  }
  const d = local(obs);
  d.target[0] = 0.5;
  assert.equal(
    buffer.take(d, obs),
    "cv1 got target 0.5; it must be 0 (RSU) or an SV number in 1..5",
  );
  // A Float32Array holds 1.5 exactly.
  const f32 = { partition: new Float32Array(obs.cvCount).fill(1.5), target: d.target };
  assert.equal(buffer.take(f32, obs), partition(1.5));
});

Deno.test("decision check: an inactive CV's value is free, but a whole number", () => {
  const { obs } = slotOne();
  const buffer = new DecisionBuffer(obs.cvCount);
  obs.state.cvActive[2] = 0; // this observation's own copy of the state
  const d = local(obs);
  d.partition[2] = 999; // out of range: free while inactive
  assert.equal(buffer.take(d, obs), undefined);
  assert.equal(buffer.partition[2], 999);
  d.partition[2] = 2.5;
  assert.equal(
    buffer.take(d, obs),
    "cv3 (inactive this slot) got partition 2.5; it must be a whole number",
  );
  d.partition[2] = 3;
  d.target[2] = Number.NaN;
  assert.equal(
    buffer.take({ partition: d.partition, target: Float64Array.from(d.target) }, obs),
    "cv3 (inactive this slot) got target NaN; it must be a whole number",
  );
});

Deno.test("decision check: whole numbers pass from every kind of array, copied exactly", () => {
  const { obs } = slotOne();
  const buffer = new DecisionBuffer(obs.cvCount);
  const d = local(obs);
  const want = Int32Array.from(d.partition);
  for (
    const partition of [
      d.partition,
      Int32Array.from(d.partition),
      Float64Array.from(d.partition),
      Float32Array.from(d.partition),
      Uint8Array.from(d.partition),
    ]
  ) {
    assert.equal(buffer.take({ partition, target: d.target }, obs), undefined);
    assert.deepEqual(buffer.partition, want);
    assert.deepEqual(buffer.target, new Int32Array(obs.cvCount));
  }
});

Deno.test("decision check: env.step refuses a fraction with the episode and the slot", () => {
  const { env, obs } = slotOne();
  const d = local(obs);
  env.step(d);
  d.partition[1] = 1 + 1e-9;
  assert.throws(
    () => env.step(d),
    (e: unknown) =>
      e instanceof InvalidDecisionError && e.episode === 1 && e.slot === 2 &&
      e.message ===
        "Cannot step as the decision is invalid: cv2 (resnet18, L = 12) got partition " +
          "1.000000001; it must be an integer in 1..13 (episode 1, slot 2)",
  );
});
