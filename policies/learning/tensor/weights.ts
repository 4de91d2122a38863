/**
 * Checkpoint files in TensorFlow.js's own weight format: a JSON file with a
 * `weightsManifest` (`[{paths, weights: [{name, shape, dtype}]}]`, as in a
 * tfjs `model.json`) next to the binary it names, both written with
 * `tf.io.encodeWeights` and read back with `tf.io.decodeWeights`. Every
 * file is written atomically (temporary file in the same directory, then
 * rename).
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../../engine/output/atomic.ts";
import { concatBytes } from "./bytes.ts";
import { tf } from "./backend.ts";

type Tensor = tf.Tensor;

/** Writes `tensors` as `<base>.json` (manifest + `meta`) and `<base>.bin`, atomically. */
export async function writeWeights(
  dir: string,
  base: string,
  tensors: { name: string; tensor: Tensor }[],
  meta: Record<string, unknown>,
): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await writeFileAtomic(join(dir, `${base}.bin`), new Uint8Array(data));
  const manifest = {
    ...meta,
    weightsManifest: [{ paths: [`${base}.bin`], weights: specs }],
  };
  await writeFileAtomic(join(dir, `${base}.json`), JSON.stringify(manifest, null, 2) + "\n");
}

/** Whether `<dir>/<base>.json` exists. */
export async function hasWeights(dir: string, base: string): Promise<boolean> {
  try {
    await Deno.stat(join(dir, `${base}.json`));
    return true;
  } catch {
    return false;
  }
}

/** Reads `<base>.json` and its binaries: the meta fields and the tensors by name. */
export async function readWeights(
  dir: string,
  base: string,
): Promise<{ meta: Record<string, unknown>; tensors: Map<string, Tensor> }> {
  const meta = JSON.parse(await Deno.readTextFile(join(dir, `${base}.json`)));
  const groups = meta.weightsManifest as {
    paths: string[];
    weights: tf.io.WeightsManifestEntry[];
  }[];
  if (!Array.isArray(groups)) {
    throw new TypeError(`Cannot read ${join(dir, base)}.json as it has no weightsManifest`);
  }
  const tensors = new Map<string, Tensor>();
  for (const g of groups) {
    const parts = await Promise.all(g.paths.map((p) => Deno.readFile(join(dir, p))));
    const bytes = concatBytes(parts);
    const decoded = tf.io.decodeWeights(bytes.buffer, g.weights);
    for (const [name, t] of Object.entries(decoded)) tensors.set(name, t);
  }
  return { meta, tensors };
}

/** Disposes every tensor of a map returned by {@linkcode readWeights}. */
export function disposeAll(tensors: Map<string, Tensor>): void {
  for (const t of tensors.values()) t.dispose();
  tensors.clear();
}
