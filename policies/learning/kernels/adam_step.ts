/**
 * One training update's tail as a single wasm-backend kernel,
 * `VecsceneAdamStep`: add the other thread's gradients (two-thread
 * updates), clip to a global norm (pymarl's clip), Adam in PyTorch's form
 * (`adam.ts`) and the soft target update (MODEL.md eqs. (62)-(63)), in two
 * SIMD passes over the flat parameter vectors instead of about forty tfjs
 * element-wise kernels (each a full pass over ~230k values).
 *
 * Each element goes through the same float32 operations, in the same order,
 * as the tfjs-op path of `Learner.applyGradients`:
 *
 *   g' = g s, m' = m b1 + g' (1 - b1), v' = v b2 + g'^2 (1 - b2),
 *   p' = p - m' / (sqrt(v' c2) + eps) c1, t' = t (1 - tau) + p' tau,
 *
 * with s = clip / max(|g|, clip), c1 = lr / (1 - b1^t), c2 = 1 / (1 - b2^t).
 * The norm is summed in four SIMD lanes, then lane by lane in double
 * precision: a fixed order, so results are deterministic.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Body, type FunctionDef, moduleBytes, SIMD, uleb, V128 } from "./wasm_module.ts";
import { heapOffset, type WasmBackend, wasmMemory } from "./wasm_heap.ts";

export const ADAM_STEP = "VecsceneAdamStep";

/** Constants block (float32 slots). */
const K = {
  scale: 0,
  b1: 1,
  ob1: 2,
  b2: 3,
  ob2: 4,
  c1: 5,
  c2: 6,
  eps: 7,
  tau: 8,
  otau: 9,
} as const;
const CONSTS = 10;

/** sumSq(g, h, out, n4, lanes): x = g (+ h, stored to out when h != 0); lanes += x^2. */
function sumSqKernel(withExtra: boolean): FunctionDef {
  const [g, h, out, n, lanes, acc, x] = [0, 1, 2, 3, 4, 5, 6];
  const f = new Body();
  f.v128Zero().set(acc);
  f.doWhile(
    () => {
      f.get(g).v128Load();
      if (withExtra) {
        f.get(h).v128Load().simd(SIMD.f32x4Add).set(x);
        f.get(out).get(x).v128Store();
        for (const p of [h, out]) f.get(p).i32(16).add().set(p);
      } else f.set(x);
      f.get(acc).get(x).get(x).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc);
      f.get(g).i32(16).add().set(g);
    },
    () => f.get(n).i32(1).sub().tee(n),
  );
  f.get(lanes).get(acc).v128Store();
  return {
    name: withExtra ? "addSumSq" : "sumSq",
    params: 5,
    locals: [[2, V128]],
    body: f,
  };
}

/** adam(p, m, v, t, g, outP, outM, outV, outT, consts, n4): the update above, four values at a time. */
function adamKernel(): FunctionDef {
  const [p, m, v, t, g, oP, oM, oV, oT, consts, n] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const c = (slot: number) => 11 + slot;
  const [gs, m1, v1, p1] = [11 + CONSTS, 12 + CONSTS, 13 + CONSTS, 14 + CONSTS];
  const f = new Body();
  for (let s = 0; s < CONSTS; s++) {
    f.get(consts).simd(SIMD.load32Splat, 2, ...uleb(4 * s)).set(c(s));
  }
  const { f32x4Mul: MUL, f32x4Add: ADD } = SIMD;
  f.doWhile(
    () => {
      f.get(g).v128Load().get(c(K.scale)).simd(MUL).set(gs);
      f.get(oM).get(m).v128Load().get(c(K.b1)).simd(MUL)
        .get(gs).get(c(K.ob1)).simd(MUL).simd(ADD).tee(m1).v128Store();
      f.get(oV).get(v).v128Load().get(c(K.b2)).simd(MUL)
        .get(gs).get(gs).simd(MUL).get(c(K.ob2)).simd(MUL).simd(ADD).tee(v1).v128Store();
      f.get(oP).get(p).v128Load()
        .get(m1).get(v1).get(c(K.c2)).simd(MUL).simd(SIMD.f32x4Sqrt).get(c(K.eps)).simd(ADD)
        .simd(SIMD.f32x4Div).get(c(K.c1)).simd(MUL).simd(SIMD.f32x4Sub).tee(p1).v128Store();
      f.get(oT).get(t).v128Load().get(c(K.otau)).simd(MUL)
        .get(p1).get(c(K.tau)).simd(MUL).simd(ADD).v128Store();
      for (const q of [p, m, v, t, g, oP, oM, oV, oT]) f.get(q).i32(16).add().set(q);
    },
    () => f.get(n).i32(1).sub().tee(n),
  );
  return { name: "adam", params: 11, locals: [[CONSTS + 4, V128]], body: f };
}

type Kernel = (...args: number[]) => void;

interface Kernels {
  memory: WebAssembly.Memory;
  sumSq: Kernel;
  addSumSq: Kernel;
  adam: Kernel;
  /** 16 bytes for the lane sums, then the constants block. */
  scratch: number;
}

let kernels: Kernels | undefined;

/** Attributes of `VecsceneAdamStep`. */
export interface AdamStepAttrs {
  /** Number of parameter sets; inputs are p{k}, m{k}, v{k}, t{k}, g{k} (and h{k}). */
  sets: number;
  /** Whether h{k} (gradients to add to g{k}) are given. */
  extra: boolean;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam's step count t after this step. */
  step: number;
  clip: number;
  tau: number;
}

function adamStep(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }) {
  const backend = args.backend as WasmBackend;
  const a = args.attrs as unknown as AdamStepAttrs;
  const ins = args.inputs as Record<string, tf.TensorInfo>;
  const k = kernels!;
  const at = (name: string, s: number) => heapOffset(backend, ins[`${name}${s}`]);
  const sizes = Array.from({ length: a.sets }, (_, s) => tf.util.sizeFromShape(ins[`p${s}`].shape));
  const temps: number[] = [];
  try {
    // Pass 1: g (+ h) and the squared norm.
    const grads = sizes.map((n, s) => (a.extra ? backend.wasm._malloc(4 * n) : at("g", s)));
    if (a.extra) temps.push(...grads);
    let sq = 0;
    sizes.forEach((n, s) => {
      const n4 = n >> 2;
      if (n4 > 0) {
        if (a.extra) k.addSumSq(at("g", s), at("h", s), grads[s], n4, k.scratch);
        else k.sumSq(at("g", s), 0, 0, n4, k.scratch);
        const lanes = new Float32Array(k.memory.buffer, k.scratch, 4);
        for (let l = 0; l < 4; l++) sq += lanes[l];
      }
      const h = new Float32Array(k.memory.buffer);
      for (let i = 4 * n4; i < n; i++) {
        const x = a.extra
          ? (h[grads[s] / 4 + i] = Math.fround(h[at("g", s) / 4 + i] + h[at("h", s) / 4 + i]))
          : h[grads[s] / 4 + i];
        sq += Math.fround(x * x);
      }
    });
    const norm = Math.sqrt(sq);
    const c1 = a.lr / (1 - Math.pow(a.beta1, a.step));
    const c2 = 1 / (1 - Math.pow(a.beta2, a.step));
    const consts = new Float32Array(k.memory.buffer, k.scratch + 16, CONSTS);
    consts.set([
      a.clip / Math.max(norm, a.clip),
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      c1,
      c2,
      a.eps,
      a.tau,
      1 - a.tau,
    ]);
    // Pass 2: clip, Adam, soft update.
    const outs: tf.TensorInfo[] = [];
    sizes.forEach((n, s) => {
      const shape = ins[`p${s}`].shape;
      const o = [0, 1, 2, 3].map(() => backend.makeOutput(shape, "float32"));
      outs.push(...o);
      const oo = o.map((t) => heapOffset(backend, t));
      const src = [at("p", s), at("m", s), at("v", s), at("t", s), grads[s]];
      const n4 = n >> 2;
      if (n4 > 0) k.adam(...src, ...oo, k.scratch + 16, n4);
      if (4 * n4 < n) adamTail(k, src, oo, 4 * n4, n);
    });
    return outs;
  } finally {
    for (const p of temps) backend.wasm._free(p);
  }
}

/** The last n % 4 values, with the same float32 operations as the kernel. */
function adamTail(k: Kernels, src: number[], out: number[], from: number, to: number): void {
  const h = new Float32Array(k.memory.buffer);
  const c = h.subarray((k.scratch + 16) / 4, (k.scratch + 16) / 4 + CONSTS);
  const f = Math.fround;
  const [p, m, v, t, g] = src.map((o) => o / 4);
  const [oP, oM, oV, oT] = out.map((o) => o / 4);
  for (let i = from; i < to; i++) {
    const gs = f(h[g + i] * c[K.scale]);
    const m1 = f(f(h[m + i] * c[K.b1]) + f(gs * c[K.ob1]));
    const v1 = f(f(h[v + i] * c[K.b2]) + f(f(gs * gs) * c[K.ob2]));
    const den = f(f(Math.sqrt(f(v1 * c[K.c2]))) + c[K.eps]);
    const p1 = f(h[p + i] - f(f(m1 / den) * c[K.c1]));
    h[oM + i] = m1;
    h[oV + i] = v1;
    h[oP + i] = p1;
    h[oT + i] = f(f(h[t + i] * c[K.otau]) + f(p1 * c[K.tau]));
  }
}

/** Registers `VecsceneAdamStep` on the active wasm backend; false when it cannot. */
export function registerAdamKernel(): boolean {
  if (tf.getKernel(ADAM_STEP, "wasm")) return kernels !== undefined;
  const memory = wasmMemory();
  if (!memory) return false;
  const fns = [sumSqKernel(false), sumSqKernel(true), adamKernel()];
  const bytes = moduleBytes(fns);
  if (!WebAssembly.validate(bytes)) return false;
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
    .exports as Record<string, Kernel>;
  const backend = tf.backend() as unknown as WasmBackend;
  kernels = {
    memory,
    sumSq: ex.sumSq,
    addSumSq: ex.addSumSq,
    adam: ex.adam,
    scratch: backend.wasm._malloc(16 + 4 * CONSTS),
  };
  tf.registerKernel({ kernelName: ADAM_STEP, backendName: "wasm", kernelFunc: adamStep as never });
  return true;
}

/** Whether `VecsceneAdamStep` serves the current backend. */
export function hasAdamKernel(): boolean {
  return kernels !== undefined && tf.getBackend() === "wasm";
}
