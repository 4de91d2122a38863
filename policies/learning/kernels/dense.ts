/**
 * The dense layer's forward and backward passes as two TensorFlow.js
 * kernels of the wasm backend, computed by the SIMD products of `gemm.ts`
 * directly on the backend's heap:
 *
 * - `VecsceneDense` {x [n, in], w [in, out], b [out] | [n, out]} ->
 *   y = x w + b, ReLU when `attrs.relu`;
 * - `VecsceneDenseGrad` {dy, x, w, y} -> dx, dw or db (`attrs.part`), with
 *   g = dy (linear) or dy * (y > 0) (ReLU): dx = g w^T, dw = x^T g, db =
 *   column sums of g (or g itself for a per-row bias). One part per call, so
 *   that a gradient nobody needs (the input's, when the input is data) is
 *   never computed.
 *
 * One kernel per pass replaces tfjs's fused matMul, its operator packing,
 * the explicit transposes, the ReLU mask and the bias reduction (eight
 * kernels per layer in the backward pass).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Gemm } from "./gemm.ts";
import { heapOffset, type WasmBackend, wasmMemory } from "./wasm_heap.ts";

export const DENSE = "VecsceneDense";
export const DENSE_GRAD = "VecsceneDenseGrad";

let gemm: Gemm | undefined;
/** A float32 1.0 on the heap (the row of ones whose product sums columns). */
let one = 0;

function shape2(t: tf.TensorInfo, what: string): [number, number] {
  if (t.shape.length !== 2) {
    throw new TypeError(
      `Cannot run a dense layer as ${what} must be a matrix: current value is [${t.shape}]`,
    );
  }
  return t.shape as [number, number];
}

function forward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }) {
  const backend = args.backend as WasmBackend;
  const { x, w, b } = args.inputs as Record<string, tf.TensorInfo>;
  const [n, k] = shape2(x, "x");
  const [kw, m] = shape2(w, "w");
  if (kw !== k) throw new RangeError(`Cannot multiply [${x.shape}] by [${w.shape}]`);
  const rowBias = b.shape.length === 2;
  const y = backend.makeOutput([n, m], "float32");
  gemm!.matmul({
    m: n,
    n: m,
    k,
    a: heapOffset(backend, x),
    aRow: 4 * k,
    aCol: 4,
    b: heapOffset(backend, w),
    ldb: 4 * m,
    c: heapOffset(backend, y),
    ldc: 4 * m,
    bias: heapOffset(backend, b),
    biasRow: rowBias ? 4 * m : 0,
    relu: (args.attrs as { relu: boolean }).relu,
  });
  return y;
}

/** Which gradient `VecsceneDenseGrad` computes: tfjs asks only for those on a path to the weights. */
export type DenseGradPart = "x" | "w" | "b";

function backward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }) {
  const backend = args.backend as WasmBackend;
  const { dy, x, w, y } = args.inputs as Record<string, tf.TensorInfo>;
  const { relu, rowBias, part } = args.attrs as {
    relu: boolean;
    rowBias: boolean;
    part: DenseGradPart;
  };
  const [n, k] = shape2(x, "x");
  const m = shape2(w, "w")[1];
  const heap = backend.wasm;
  const g = gemm!;
  const out = backend.makeOutput(
    part === "x" ? [n, k] : part === "w" ? [k, m] : rowBias ? [n, m] : [m],
    "float32",
  );
  // g = dy, or dy * (y > 0) after a ReLU; a per-row bias's gradient is g itself.
  const rowGrad = part === "b" && rowBias;
  const masked = relu && !rowGrad ? heap._malloc(4 * n * m) : 0;
  const scratch = part === "b" ? 0 : heap._malloc(4 * (part === "x" ? k * m : n * k));
  try {
    let grad = heapOffset(backend, dy);
    if (relu) {
      const to = rowGrad ? heapOffset(backend, out) : masked;
      g.reluMask(grad, heapOffset(backend, y), to, n * m);
      grad = to;
    } else if (rowGrad) {
      const h = new Uint8Array(g.memory.buffer);
      h.copyWithin(heapOffset(backend, out), grad, grad + 4 * n * m);
    }
    if (part === "x") {
      // dx = g w^T
      g.transpose(heapOffset(backend, w), k, m, scratch);
      g.matmul({
        m: n,
        n: k,
        k: m,
        a: grad,
        aRow: 4 * m,
        aCol: 4,
        b: scratch,
        ldb: 4 * k,
        c: heapOffset(backend, out),
        ldc: 4 * k,
      });
    } else if (part === "w") {
      // dw = x^T g (x transposed first: the product then reads A by rows)
      g.transpose(heapOffset(backend, x), n, k, scratch);
      g.matmul({
        m: k,
        n: m,
        k: n,
        a: scratch,
        aRow: 4 * n,
        aCol: 4,
        b: grad,
        ldb: 4 * m,
        c: heapOffset(backend, out),
        ldc: 4 * m,
      });
    } else if (!rowBias) {
      // db = 1^T g
      g.matmul({
        m: 1,
        n: m,
        k: n,
        a: one,
        aRow: 0,
        aCol: 0,
        b: grad,
        ldb: 4 * m,
        c: heapOffset(backend, out),
        ldc: 4 * m,
      });
    }
  } finally {
    if (masked) heap._free(masked);
    if (scratch) heap._free(scratch);
  }
  return out;
}

/**
 * Registers the two kernels on the active wasm backend. Returns false (and
 * registers nothing) when the backend's memory cannot be reached or the
 * runtime lacks WebAssembly SIMD; `fused: false` forbids fused
 * multiply-adds.
 */
export function registerDenseKernels(opts: { fused?: boolean } = {}): boolean {
  if (tf.getKernel(DENSE, "wasm")) return gemm !== undefined;
  const memory = wasmMemory();
  if (!memory) return false;
  const backend = tf.backend() as unknown as WasmBackend;
  gemm = Gemm.create(memory, opts);
  if (!gemm) return false;
  one = backend.wasm._malloc(4);
  new Float32Array(memory.buffer, one, 1)[0] = 1;
  tf.registerKernel({ kernelName: DENSE, backendName: "wasm", kernelFunc: forward as never });
  tf.registerKernel({ kernelName: DENSE_GRAD, backendName: "wasm", kernelFunc: backward as never });
  return true;
}

/** Whether the fast kernels serve the current backend. */
export function hasDenseKernels(): boolean {
  return gemm !== undefined && tf.getBackend() === "wasm";
}

/** The products the dense kernels run on, when they serve the current backend. */
export function denseGemm(): Gemm | undefined {
  return hasDenseKernels() ? gemm : undefined;
}
