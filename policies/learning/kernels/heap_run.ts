/**
 * Inference without tensors: a few dense layers on a handful of rows (one
 * slot's decisions) cost tfjs more in dispatch than in arithmetic. Here the
 * rows live in buffers of the wasm backend's heap and each dense layer is
 * the very call the dense kernel's forward makes (`dense.ts`: the same
 * product, the same bias and ReLU), so the outputs are the same bits; the
 * element-wise steps between layers are float32 operations done in
 * JavaScript (`Math.fround` of the double result is the float32 result for
 * +, - and *).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { denseGemm } from "./dense.ts";
import type { Gemm } from "./gemm.ts";
import { heapOffset, type WasmBackend } from "./wasm_heap.ts";

/** One inference's heap buffers, freed together by `end`. */
export class HeapRun {
  readonly #backend: WasmBackend;
  readonly #gemm: Gemm;
  readonly #owned: number[] = [];

  private constructor(backend: WasmBackend, gemm: Gemm) {
    this.#backend = backend;
    this.#gemm = gemm;
  }

  /** A run on the wasm backend's heap, or `undefined` when the dense kernels do not serve it. */
  static begin(): HeapRun | undefined {
    const gemm = denseGemm();
    if (!gemm) return undefined;
    return new HeapRun(tf.backend() as unknown as WasmBackend, gemm);
  }

  /** Byte offset of `t`'s values (a float32 tensor of the wasm backend). */
  pointer(t: tf.Tensor): number {
    return heapOffset(this.#backend, t);
  }

  /** A buffer of `floats` float32 values, its byte offset; freed by `end`. */
  alloc(floats: number): number {
    const at = this.#backend.wasm._malloc(4 * Math.max(1, floats));
    this.#owned.push(at);
    return at;
  }

  /** A float32 view of `floats` values at byte offset `at` (valid until the next `alloc`). */
  view(at: number, floats: number): Float32Array {
    return new Float32Array(this.#gemm.memory.buffer, at, floats);
  }

  /** A new buffer holding `values`. */
  put(values: Float32Array): number {
    const at = this.alloc(values.length);
    this.view(at, values.length).set(values);
    return at;
  }

  /**
   * out [rows, cols] = x [rows, k] w [k, cols] + bias (a [cols] vector, or
   * [rows, cols] when `rowBias`), ReLU when asked: the dense kernel's
   * forward. All buffers are byte offsets on the heap.
   */
  dense(o: {
    x: number;
    rows: number;
    k: number;
    w: number;
    cols: number;
    bias: number;
    rowBias?: boolean;
    relu: boolean;
    out: number;
  }): void {
    this.#gemm.matmul({
      m: o.rows,
      n: o.cols,
      k: o.k,
      a: o.x,
      aRow: 4 * o.k,
      aCol: 4,
      b: o.w,
      ldb: 4 * o.cols,
      c: o.out,
      ldc: 4 * o.cols,
      bias: o.bias,
      biasRow: o.rowBias ? 4 * o.cols : 0,
      relu: o.relu,
    });
  }

  /** Frees every buffer of the run. */
  end(): void {
    for (const at of this.#owned) this.#backend.wasm._free(at);
    this.#owned.length = 0;
  }
}
