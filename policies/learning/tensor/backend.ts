/**
 * TensorFlow.js backend set-up for the learning policies: the WebAssembly
 * backend (XNNPACK, SIMD) when its binary can be read, the pure-JS CPU
 * backend otherwise.
 *
 * With `nodeModulesDir: "none"` the wasm binaries live in Deno's npm cache
 * (or, in a `deno compile` binary, in its embedded file system). We locate
 * them through Node's resolver, read the bytes with `Deno.readFile` and hand
 * them to the backend through a private URL served by the platform's
 * `fetch`, so nothing depends on a web server or on file URLs.
 *
 * The gradients of tfjs-core's ops are registered by a separate module that
 * the CommonJS build of `@tensorflow/tfjs-core` (the one Deno loads) does
 * not include; the union package `@tensorflow/tfjs` registers them on the
 * same core instance, so we import it for that side effect only.
 *
 * On the wasm backend the dense layers and the optimiser step run on the
 * SIMD kernels of `../kernels/` (`dense.ts`, `adam_step.ts`; `gemm.ts` says
 * why); `VECSCENE_KERNELS=tfjs` keeps tfjs's own ops instead, and
 * `VECSCENE_TF_BACKEND=cpu` forces the CPU backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { registerDenseKernels } from "../kernels/dense.ts";
import { registerAdamKernel } from "../kernels/adam_step.ts";

export { tf };

/** The backends the learning policies can run on. */
export type BackendName = "wasm" | "cpu";

const WASM_URL = "vecscene-wasm:tfjs-backend-wasm-simd.wasm";
let ready: Promise<BackendName> | undefined;

async function readWasmBinary(): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@tensorflow/tfjs-backend-wasm");
  const dir = main.slice(0, Math.max(main.lastIndexOf("/"), main.lastIndexOf("\\")) + 1);
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  return await Deno.readFile(
    dir + (simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm"),
  );
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The wasm backend's Slice kernel copies the WHOLE input out of the wasm
 * heap (`readSync`) before taking the slice, so slicing a 256-value bias
 * out of a network's flat parameter vector costs as much as copying the
 * whole vector. For contiguous slices of numeric tensors this kernel
 * copies only the slice, straight from a heap view; everything else goes to
 * the original kernel.
 */
function patchWasmSlice(): void {
  const original = tf.getKernel("Slice", "wasm");
  if (!original || (original as { vecscene?: boolean }).vecscene) return;
  tf.unregisterKernel("Slice", "wasm");
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as { begin: number[]; size: number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    if (x.dtype === "string" || !tf.slice_util.isSliceContinous(x.shape, b, s)) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(s, x.dtype);
    const offset = tf.slice_util.computeFlatOffset(b, tf.util.computeStrides(x.shape));
    const n = tf.util.sizeFromShape(s);
    // Views after makeOutput: allocating may grow (and move) the heap.
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + n));
    return out;
  };
  tf.registerKernel({ kernelName: "Slice", backendName: "wasm", kernelFunc });
  (tf.getKernel("Slice", "wasm") as { vecscene?: boolean }).vecscene = true;
}

async function trySetWasm(): Promise<boolean> {
  let bytes: Uint8Array;
  try {
    bytes = await readWasmBinary();
  } catch {
    return false;
  }
  const platform = tf.env().platform;
  const fetchOriginal = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) =>
    path === WASM_URL
      ? Promise.resolve(
        new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: { "content-type": "application/wasm" },
        }),
      )
      : fetchOriginal(path, init);
  setWasmPaths(
    {
      "tfjs-backend-wasm.wasm": WASM_URL,
      "tfjs-backend-wasm-simd.wasm": WASM_URL,
      "tfjs-backend-wasm-threaded-simd.wasm": WASM_URL,
    },
    true,
  );
  try {
    if (!(await tf.setBackend("wasm"))) return false;
  } catch {
    return false;
  }
  patchWasmSlice();
  if (envVar("VECSCENE_KERNELS") !== "tfjs") {
    registerDenseKernels();
    registerAdamKernel();
  }
  return true;
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * Selects the backend once per process (idempotent) and returns its name.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "./backend.ts";
 * const name = await initBackend();
 * console.log(name, tf.getBackend());
 * ```
 */
export function initBackend(): Promise<BackendName> {
  ready ??= (async (): Promise<BackendName> => {
    tf.env().set("PROD", true);
    if (envVar("VECSCENE_TF_BACKEND") !== "cpu" && await trySetWasm()) return "wasm";
    await tf.setBackend("cpu");
    return "cpu";
  })();
  return ready;
}
