import assert from "node:assert/strict";
import { Rng } from "../../../../engine/rng.ts";
import { initBackend, tf } from "../../../../policies/learning/tensor/backend.ts";
import {
  ADAM_STEP,
  type AdamStepAttrs,
  hasAdamKernel,
} from "../../../../policies/learning/kernels/adam_step.ts";
import { hasDenseKernels } from "../../../../policies/learning/kernels/dense.ts";
import { Gemm } from "../../../../policies/learning/kernels/gemm.ts";
import { dense } from "../../../../policies/learning/tensor/dense.ts";

const backend = await initBackend();
/** The vecscene kernels serve the wasm backend unless `VECSCENE_KERNELS=tfjs`. */
const ownKernels = backend === "wasm" && Deno.env.get("VECSCENE_KERNELS") !== "tfjs";

/** Fills `n` floats at float index `at` with values from `rng`. */
function fill(h: Float32Array, at: number, n: number, rng: Rng): void {
  for (let i = 0; i < n; i++) h[at + i] = rng.uniform(-1, 1);
}

for (const fused of [true, false]) {
  Deno.test(`gemm (fused ${fused}): every tile shape, A by rows or transposed, bias and ReLU match a float64 product`, () => {
    const memory = new WebAssembly.Memory({ initial: 32 });
    const g = Gemm.create(memory, { fused });
    assert.ok(g, "WebAssembly SIMD is available");
    if (!fused) assert.equal(g.fused, false);
    const rng = Rng.stream(4, "gemm");
    // m over 1..13 covers every row tile (6, then 1..5 left); n covers 8-, 4- and scalar columns.
    for (
      const [m, n, k] of [[1, 1, 1], [13, 23, 5], [6, 8, 1], [5, 3, 17], [12, 132, 40], [64, 1, 9]]
    ) {
      for (const transposed of [false, true]) {
        for (const biasRows of [-1, 0, 1]) {
          for (const relu of [false, true]) {
            const h = new Float32Array(memory.buffer);
            // Odd float offsets: nothing is 16-byte aligned, as on the tfjs heap.
            const A = 3, B = A + m * k + 1, C = B + k * n + 5, BI = C + m * n + 7;
            fill(h, A, m * k, rng);
            fill(h, B, k * n, rng);
            fill(h, BI, m * n, rng);
            g.matmul({
              m,
              n,
              k,
              a: 4 * A,
              aRow: transposed ? 4 : 4 * k,
              aCol: transposed ? 4 * m : 4,
              b: 4 * B,
              ldb: 4 * n,
              c: 4 * C,
              ldc: 4 * n,
              bias: biasRows < 0 ? 0 : 4 * BI,
              biasRow: biasRows === 1 ? 4 * n : 0,
              relu,
            });
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let s = biasRows < 0 ? 0 : h[BI + (biasRows === 1 ? i * n : 0) + j];
                for (let q = 0; q < k; q++) {
                  s += h[A + (transposed ? q * m + i : i * k + q)] * h[B + q * n + j];
                }
                if (relu) s = Math.max(s, 0);
                const got = h[C + i * n + j];
                assert.ok(
                  Math.abs(got - s) <= 1e-5 * (1 + Math.abs(s)),
                  `${m}x${n}x${k} (${i}, ${j}): ${got} vs ${s}`,
                );
              }
            }
          }
        }
      }
    }
  });
}

Deno.test("gemm: blocked transpose and the ReLU mask are exact", () => {
  const memory = new WebAssembly.Memory({ initial: 4 });
  const g = Gemm.create(memory)!;
  const h = new Float32Array(memory.buffer);
  for (const [rows, cols] of [[1, 1], [8, 3], [23, 7], [17, 16]]) {
    for (let i = 0; i < rows * cols; i++) h[1 + i] = i + 0.5;
    g.transpose(4, rows, cols, 4 * 2001);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) assert.equal(h[2001 + j * rows + i], i * cols + j + 0.5);
    }
  }
  for (let i = 0; i < 11; i++) {
    h[i] = i + 1;
    h[100 + i] = (i % 3) - 1; // -1, 0, 1, ...
  }
  g.reluMask(0, 400, 800, 11);
  assert.deepEqual(Array.from(h.subarray(200, 211)), [0, 0, 3, 0, 0, 6, 0, 0, 9, 0, 0]);
});

/** The tfjs-op path of `Adam.step` on plain tensors (see `tensor/adam.ts`). */
function reference(
  p: tf.Tensor[],
  m: tf.Tensor[],
  v: tf.Tensor[],
  t: tf.Tensor[],
  g: tf.Tensor[],
  a: AdamStepAttrs,
): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x)))));
    const scale = tf.div(a.clip, tf.maximum(norm, a.clip));
    const c1 = a.lr / (1 - Math.pow(a.beta1, a.step));
    const c2 = 1 / (1 - Math.pow(a.beta2, a.step));
    return p.flatMap((pk, k) => {
      const gk = tf.mul(g[k], scale);
      const m1 = tf.add(tf.mul(m[k], a.beta1), tf.mul(gk, 1 - a.beta1));
      const v1 = tf.add(tf.mul(v[k], a.beta2), tf.mul(tf.square(gk), 1 - a.beta2));
      const p1 = tf.sub(pk, tf.mul(tf.div(m1, tf.add(tf.sqrt(tf.mul(v1, c2)), a.eps)), c1));
      const t1 = tf.add(tf.mul(t[k], 1 - a.tau), tf.mul(p1, a.tau));
      return [p1, m1, v1, t1];
    });
  });
}

Deno.test({
  name:
    "fused Adam step: the tfjs ops' values (bit for bit without clipping), with or without a second half's gradients",
  ignore: !ownKernels,
  fn() {
    assert.ok(hasAdamKernel() && hasDenseKernels());
    const rng = Rng.stream(5, "adam");
    const sizes = [4 * 37, 4 * 9 + 3]; // a SIMD-only set and one with a scalar tail
    const make = (scale: number) =>
      sizes.map((n) => tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal() * scale)));
    const [p, t, m] = [make(1), make(1), make(0.1)];
    const v = sizes.map((n) =>
      tf.tensor1d(Float32Array.from({ length: n }, () => rng.uniform(0, 0.01)))
    );
    const g = make(0.05);
    const h = make(0.05);
    for (const clip of [100, 0.5]) {
      for (const extra of [false, true]) {
        const a: AdamStepAttrs = {
          sets: 2,
          extra,
          lr: 5e-4,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          step: 7,
          clip,
          tau: 0.001,
        };
        const inputs: Record<string, tf.Tensor> = {};
        sizes.forEach((_, k) => {
          Object.assign(inputs, {
            [`p${k}`]: p[k],
            [`m${k}`]: m[k],
            [`v${k}`]: v[k],
            [`t${k}`]: t[k],
            [`g${k}`]: g[k],
          });
          if (extra) inputs[`h${k}`] = h[k];
        });
        const got = tf.engine().runKernel(ADAM_STEP, inputs, { ...a }) as tf.Tensor[];
        const grads = extra ? g.map((x, k) => tf.add(x, h[k])) : g;
        const want = reference(p, m, v, t, grads, a);
        got.forEach((x, q) => {
          const [gx, wx] = [x.dataSync(), want[q].dataSync()];
          for (let i = 0; i < gx.length; i++) {
            const ok = clip === 100
              ? gx[i] === wx[i]
              : Math.abs(gx[i] - wx[i]) <= 1e-6 * (1 + Math.abs(wx[i]));
            assert.ok(
              ok,
              `clip ${clip} extra ${extra} output ${q} value ${i}: ${gx[i]} vs ${wx[i]}`,
            );
          }
        });
        tf.dispose([...got, ...want, ...(extra ? grads : [])]);
      }
    }
    tf.dispose([...p, ...t, ...m, ...v, ...g, ...h]);
  },
});

Deno.test({
  name: "fast dense: scratch memory is freed (the wasm heap does not grow over many passes)",
  ignore: !ownKernels,
  fn() {
    const memory = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm;
    const rng = Rng.stream(6, "heap");
    const x = tf.tensor2d(Float32Array.from({ length: 64 * 256 }, () => rng.normal()), [64, 256]);
    const w = tf.variable(
      tf.tensor2d(Float32Array.from({ length: 256 * 256 }, () => rng.normal()), [256, 256]),
    );
    const b = tf.variable(tf.zeros([256]));
    const step = () =>
      tf.tidy(() => {
        const f = () => tf.sum(dense(dense(x, w, b, true), w, b, false)) as tf.Scalar;
        const { grads } = tf.variableGrads(f, [w, b]);
        return Object.values(grads).map((g) => g.dataSync()[0]);
      });
    step();
    const before = memory.HEAPU8.length;
    const tensors = tf.memory().numTensors;
    for (let k = 0; k < 200; k++) step(); // a 256 KB leak per pass would add 50 MB
    assert.equal(memory.HEAPU8.length, before);
    assert.equal(tf.memory().numTensors, tensors);
    tf.dispose([x, w, b]);
  },
});
