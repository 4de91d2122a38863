import assert from "node:assert/strict";
import { counterUniform, Rng, streamKey } from "../../engine/rng.ts";

Deno.test("a stream is reproducible and its state round-trips", () => {
  const a = Rng.stream(42, "mobility", 3);
  const b = Rng.stream(42, "mobility", 3);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  const saved = a.state;
  const ahead = Array.from({ length: 5 }, () => a.next());
  const resumed = Rng.fromState(saved);
  assert.deepEqual(Array.from({ length: 5 }, () => resumed.next()), ahead);
});

Deno.test("streams differ by seed, name and index", () => {
  const first = (seed: number, name: string, i: number) => Rng.stream(seed, name, i).nextU32();
  const base = first(1, "mobility", 0);
  assert.notEqual(first(2, "mobility", 0), base);
  assert.notEqual(first(1, "hardware", 0), base);
  assert.notEqual(first(1, "mobility", 1), base);
  assert.notEqual(streamKey(2 ** 40, "x"), streamKey(0, "x"), "the high word of the seed counts");
});

Deno.test("uniforms are in (0,1) with the right mean and variance; normals too", () => {
  const r = Rng.stream(9, "test");
  const n = 200_000;
  let s = 0, s2 = 0, z = 0, z2 = 0;
  for (let k = 0; k < n; k++) {
    const u = r.next();
    assert.ok(u > 0 && u < 1);
    s += u;
    s2 += u * u;
    const g = r.normal();
    z += g;
    z2 += g * g;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.005);
  assert.ok(Math.abs(s2 / n - s * s / n / n - 1 / 12) < 0.002);
  assert.ok(Math.abs(z / n) < 0.01);
  assert.ok(Math.abs(z2 / n - 1) < 0.02);
});

Deno.test("counter uniforms depend on every counter and give Exp(1) fading of mean 1", () => {
  const k = streamKey(1, "fading");
  const base = counterUniform(k, 0, 0, 0, 0);
  for (const c of [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]) {
    assert.notEqual(counterUniform(k, c[0], c[1], c[2], c[3]), base);
  }
  let mean = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) mean += -Math.log(counterUniform(k, 0, i, i % 7, i % 3));
  assert.ok(Math.abs(mean / n - 1) < 0.02);
});
