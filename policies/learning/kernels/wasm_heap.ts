/**
 * The parts of tfjs-backend-wasm's backend object that the vecscene kernels
 * (`dense.ts`, `adam_step.ts`) use: its linear memory, its allocator,
 * where a tensor's values live, and output allocation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** The wasm backend as the kernels see it. */
export interface WasmBackend {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    wasmExports?: { memory?: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

/** The active backend's memory, when it is the wasm backend and its memory is exported. */
export function wasmMemory(): WebAssembly.Memory | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmExports?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** Byte offset of a float32 tensor's values on the heap. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  if (t.dtype !== "float32") {
    throw new TypeError(
      `Cannot run a vecscene kernel on ${t.dtype} tensors: current value is ${t.dtype}`,
    );
  }
  const info = backend.dataIdMap.get(t.dataId);
  if (!info) {
    throw new RangeError("Cannot find a tensor on the wasm heap: current value is missing");
  }
  return info.memoryOffset;
}
