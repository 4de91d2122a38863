/**
 * Single-precision matrix products for the dense layers, in WebAssembly
 * SIMD generated at start-up (see `wasm_module.ts`) and run on the wasm
 * backend's own heap, so inputs and outputs are never copied.
 *
 * Why not tfjs's `matMul`: its wasm kernel hands every product to XNNPACK's
 * fully-connected operator, which packs (and transposes) the right-hand
 * matrix when it first sees a tensor. Inference reuses weight tensors, but a
 * training step sees fresh weights, fresh activations and fresh gradients in
 * every product, so a training step pays the packing in every product, and
 * the transposed products of the backward pass need an explicit
 * `tf.transpose` first. Here:
 *
 * - `C = A B (+ bias) (ReLU)` is tiled in 6 x 8 blocks (12 SIMD accumulators,
 *   the B panel streamed from cache) with no packing; A is read through
 *   (row, column) strides, so `A^T B` (the weight gradient) is the same
 *   kernel with the strides swapped;
 * - `f32x4.relaxed_madd` (fused multiply-add on FMA hardware) when the
 *   runtime supports relaxed SIMD, `mul` + `add` otherwise;
 * - the sums run in a fixed order, so results are deterministic on a given
 *   machine (fused and unfused multiply-adds differ in the last bits).
 *
 * `deno task bench --only gemm.` compares the two (figures in
 * docs/RESULTS.md).
 *
 * @module
 */
import { Body, type FunctionDef, I32, moduleBytes, SIMD, V128 } from "./wasm_module.ts";

/** Tile sizes: MR rows by NV four-wide vectors. */
const MR_MAX = 6;
const NV_MAX = 2;

/** Parameter indices of the micro-kernels. */
const P = {
  a: 0,
  aRow: 1,
  aCol: 2,
  b: 3,
  ldb: 4,
  c: 5,
  ldc: 6,
  k: 7,
  bias: 8,
  biasRow: 9,
  relu: 10,
} as const;
const KERNEL_PARAMS = 11;

/**
 * The MR x (4 NV) micro-kernel: C tile = A rows . B panel (+ bias rows),
 * ReLU when asked. All pointers and strides are in bytes.
 */
function microKernel(mr: number, nv: number, fma: boolean): FunctionDef {
  const k = KERNEL_PARAMS;
  const bp = k + 1;
  const ap = (r: number) => bp + 1 + r;
  const acc = (r: number, v: number) => bp + 1 + mr + r * nv + v;
  const bv = (v: number) => acc(mr - 1, nv - 1) + 1 + v;
  const av = bv(nv - 1) + 1;
  const f = new Body();
  const each = (fn: (r: number, v: number) => void) => {
    for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) fn(r, v);
  };
  const rowAddress = (base: number, stride: number, r: number) => {
    f.get(base);
    if (r > 0) f.get(stride).i32(r).mul().add();
  };
  f.get(P.bias).eqz().ifElse(
    () => each((r, v) => f.v128Zero().set(acc(r, v))),
    () =>
      each((r, v) => {
        rowAddress(P.bias, P.biasRow, r);
        f.v128Load(v * 16).set(acc(r, v));
      }),
  );
  f.get(P.a).set(ap(0));
  f.get(P.b).set(bp).get(P.k).set(k);
  f.doWhile(
    () => {
      for (let v = 0; v < nv; v++) f.get(bp).v128Load(v * 16).set(bv(v));
      for (let r = 0; r < mr; r++) {
        rowAddress(ap(0), P.aRow, r);
        f.simd(SIMD.load32Splat, 2, 0).set(av);
        for (let v = 0; v < nv; v++) {
          if (fma) f.get(av).get(bv(v)).get(acc(r, v)).simd(SIMD.f32x4RelaxedMadd);
          else f.get(acc(r, v)).get(av).get(bv(v)).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
          f.set(acc(r, v));
        }
      }
      f.get(ap(0)).get(P.aCol).add().set(ap(0));
      f.get(bp).get(P.ldb).add().set(bp);
    },
    () => f.get(k).i32(1).sub().tee(k),
  );
  f.get(P.relu).ifElse(() =>
    each((r, v) => f.get(acc(r, v)).v128Zero().simd(SIMD.f32x4Max).set(acc(r, v)))
  );
  each((r, v) => {
    rowAddress(P.c, P.ldc, r);
    f.get(acc(r, v)).v128Store(v * 16);
  });
  return {
    name: `k${mr}x${nv}`,
    params: KERNEL_PARAMS,
    locals: [[2 + mr, I32], [mr * nv + nv + 1, V128]],
    body: f,
  };
}

/** Rows per block of the transpose (one cache line of reads each per column step). */
const TB = 8;

/**
 * transpose(src, rows, cols, dst): dst[j, i] = src[i, j] (row-major,
 * rows, cols >= 1), in blocks of TB source rows so that reads walk TB cache
 * lines side by side and writes are TB contiguous floats (a plain row loop
 * writes with a power-of-two stride, which thrashes the cache).
 */
function transposeKernel(): FunctionDef {
  const [src, rows, cols, dst] = [0, 1, 2, 3];
  const [i, j, s, d, rowBytes, colBytes] = [4, 5, 6, 7, 8, 9];
  const off = (r: number) => 10 + r;
  const f = new Body();
  f.get(rows).i32(4).mul().set(rowBytes);
  f.get(cols).i32(4).mul().set(colBytes);
  for (let r = 0; r < TB; r++) f.get(colBytes).i32(r).mul().set(off(r));
  const sweep = (height: number | null) => {
    f.get(src).get(i).get(colBytes).mul().add().set(s);
    f.get(dst).get(i).i32(4).mul().add().set(d);
    f.get(cols).set(j);
    f.doWhile(
      () => {
        if (height !== null) {
          for (let r = 0; r < height; r++) {
            f.get(d).get(s).get(off(r)).add().f32Load().f32Store(4 * r);
          }
        } else f.get(d).get(s).f32Load().f32Store();
        f.get(s).i32(4).add().set(s);
        f.get(d).get(rowBytes).add().set(d);
      },
      () => f.get(j).i32(1).sub().tee(j),
    );
  };
  f.whileLoop(
    () => f.get(i).i32(TB).add().get(rows).leU(),
    () => {
      sweep(TB);
      f.get(i).i32(TB).add().set(i);
    },
  );
  f.whileLoop(
    () => f.get(i).get(rows).ltU(),
    () => {
      sweep(null);
      f.get(i).i32(1).add().set(i);
    },
  );
  return { name: "transpose", params: 4, locals: [[6 + TB, I32]], body: f };
}

/** reluMask(dy, y, g, n4): g = y > 0 ? dy : 0 over n4 >= 1 four-wide vectors. */
function reluMaskKernel(): FunctionDef {
  const [dy, y, g, n] = [0, 1, 2, 3];
  const f = new Body();
  f.doWhile(
    () => {
      f.get(g).get(dy).v128Load().get(y).v128Load().v128Zero().simd(SIMD.f32x4Gt).simd(SIMD.and)
        .v128Store();
      for (const p of [dy, y, g]) f.get(p).i32(16).add().set(p);
    },
    () => f.get(n).i32(1).sub().tee(n),
  );
  return { name: "reluMask", params: 4, locals: [], body: f };
}

/** A product C (m x n) = A (m x k) B (k x n) + bias, ReLU optional. Pointers and strides in bytes. */
export interface MatMulArgs {
  m: number;
  n: number;
  k: number;
  /** A(i, j) is at `a + i * aRow + j * aCol`. */
  a: number;
  aRow: number;
  aCol: number;
  /** B is row-major with row stride `ldb`; its columns are contiguous. */
  b: number;
  ldb: number;
  c: number;
  ldc: number;
  /** Bias rows (0 for none); `biasRow` 0 broadcasts one row. */
  bias?: number;
  biasRow?: number;
  relu?: boolean;
}

type Kernel = (...args: number[]) => void;

/** Whether the runtime validates a module using `ops` on v128 values. */
function supports(fma: boolean): boolean {
  const f = new Body().v128Zero().v128Zero();
  if (fma) f.v128Zero().simd(SIMD.f32x4RelaxedMadd);
  else f.simd(SIMD.f32x4Add);
  f.bytes.push(0x1a); // drop
  return WebAssembly.validate(moduleBytes([{ name: "probe", params: 0, locals: [], body: f }]));
}

/** The generated kernels, bound to one wasm memory. */
export class Gemm {
  readonly memory: WebAssembly.Memory;
  /** Whether products use fused multiply-adds (relaxed SIMD). */
  readonly fused: boolean;
  readonly #kernels: Kernel[][];
  readonly #transpose: Kernel;
  readonly #reluMask: Kernel;

  private constructor(memory: WebAssembly.Memory, fused: boolean) {
    this.memory = memory;
    this.fused = fused;
    const fns: FunctionDef[] = [transposeKernel(), reluMaskKernel()];
    for (let mr = 1; mr <= MR_MAX; mr++) {
      for (let nv = 1; nv <= NV_MAX; nv++) fns.push(microKernel(mr, nv, fused));
    }
    const module = new WebAssembly.Module(moduleBytes(fns));
    const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
      string,
      Kernel
    >;
    this.#transpose = ex.transpose;
    this.#reluMask = ex.reluMask;
    this.#kernels = [];
    for (let mr = 1; mr <= MR_MAX; mr++) {
      this.#kernels[mr] = [];
      for (let nv = 1; nv <= NV_MAX; nv++) this.#kernels[mr][nv] = ex[`k${mr}x${nv}`];
    }
  }

  /**
   * Kernels over `memory`, or `undefined` when the runtime lacks
   * WebAssembly SIMD. `fused: false` forbids relaxed SIMD even where it
   * exists.
   */
  static create(memory: WebAssembly.Memory, opts: { fused?: boolean } = {}): Gemm | undefined {
    if (!supports(false)) return undefined;
    return new Gemm(memory, opts.fused !== false && supports(true));
  }

  /** C = A B (+ bias) (ReLU); see {@linkcode MatMulArgs}. */
  matmul(p: MatMulArgs): void {
    if (!(p.m >= 1 && p.n >= 1 && p.k >= 1)) {
      throw new RangeError(
        `Cannot multiply as a dimension is below 1: current value is ${p.m} x ${p.k} x ${p.n}`,
      );
    }
    const bias = p.bias ?? 0;
    const biasRow = p.biasRow ?? 0;
    const relu = p.relu ? 1 : 0;
    // Row tiles as even as MR_MAX allows (7 rows: 4 + 3, not 6 + 1): a thin tile streams the
    // whole B panel for little work. Each C entry sums in the same order in any tile.
    const tiles = Math.ceil(p.m / MR_MAX);
    const base = Math.floor(p.m / tiles);
    const wider = p.m - base * tiles; // the first `wider` tiles take one row more
    let j = 0;
    for (let nv = NV_MAX; nv >= 1; nv--) {
      const width = 4 * nv;
      for (; j + width <= p.n; j += width) {
        for (let t = 0, i = 0; t < tiles; t++) {
          const mr = base + (t < wider ? 1 : 0);
          this.#kernels[mr][nv](
            p.a + i * p.aRow,
            p.aRow,
            p.aCol,
            p.b + 4 * j,
            p.ldb,
            p.c + i * p.ldc + 4 * j,
            p.ldc,
            p.k,
            bias === 0 ? 0 : bias + i * biasRow + 4 * j,
            biasRow,
            relu,
          );
          i += mr;
        }
      }
    }
    if (j < p.n) this.#tail(p, j, bias, biasRow, relu === 1);
  }

  /** Columns past the last multiple of 4, in scalar float32 arithmetic. */
  #tail(p: MatMulArgs, from: number, bias: number, biasRow: number, relu: boolean): void {
    const h = new Float32Array(this.memory.buffer);
    const f = Math.fround;
    for (let i = 0; i < p.m; i++) {
      for (let j = from; j < p.n; j++) {
        let s = bias === 0 ? 0 : h[(bias + i * biasRow) / 4 + j];
        for (let q = 0; q < p.k; q++) {
          s = f(s + f(h[(p.a + i * p.aRow + q * p.aCol) / 4] * h[(p.b + q * p.ldb) / 4 + j]));
        }
        h[(p.c + i * p.ldc) / 4 + j] = relu && !(s > 0) ? 0 : s;
      }
    }
  }

  /** dst (cols x rows) = src (rows x cols)^T, both row-major float32. */
  transpose(src: number, rows: number, cols: number, dst: number): void {
    if (rows > 0 && cols > 0) this.#transpose(src, rows, cols, dst);
  }

  /** g[i] = y[i] > 0 ? dy[i] : 0 for `n` floats (ReLU's gradient). */
  reluMask(dy: number, y: number, g: number, n: number): void {
    const n4 = n >> 2;
    if (n4 > 0) this.#reluMask(dy, y, g, n4);
    if (n4 * 4 === n) return;
    const h = new Float32Array(this.memory.buffer);
    for (let i = n4 * 4; i < n; i++) h[g / 4 + i] = h[y / 4 + i] > 0 ? h[dy / 4 + i] : 0;
  }
}
