/**
 * Checkpoint files in TensorFlow.js's own weight format: a JSON file with a
 * `weightsManifest` (`[{paths, weights: [{name, shape, dtype}]}]`, as in a
 * tfjs `model.json`) next to the binary it names, both written with
 * `tf.io.encodeWeights` and read back with `tf.io.decodeWeights`. Every
 * file is written atomically (temporary file in the same directory, then
 * rename), the binary first; the JSON records the binary's SHA-256
 * (`files`) and is sealed (engine/output/integrity.ts), and both are
 * checked on reading, as are the binary's length and the weights'
 * finiteness.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../../engine/output/atomic.ts";
import {
  checkDigest,
  damaged,
  openSealed,
  sealJson,
  sha256Hex,
} from "../../../engine/output/integrity.ts";
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
  const bin = new Uint8Array(data);
  await writeFileAtomic(join(dir, `${base}.bin`), bin);
  const manifest = {
    ...meta,
    weightsManifest: [{ paths: [`${base}.bin`], weights: specs }],
    files: { [`${base}.bin`]: sha256Hex(bin) },
  };
  await writeFileAtomic(join(dir, `${base}.json`), sealJson(manifest));
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

/** What {@linkcode readWeights} read. */
export interface ReadWeights {
  meta: Record<string, unknown>;
  tensors: Map<string, Tensor>;
  /** Whether SHA-256 digests were recorded and checked (files of older vecscenes have none). */
  verified: boolean;
}

/** What to do about a damaged checkpoint file. */
const REMEDY = "retrain or restore it";

/**
 * Reads `<base>.json` and its binaries: the meta fields and the tensors by
 * name. A damaged file (seal or digest, length, non-finite weights) is a
 * `UserError` naming it.
 */
export async function readWeights(dir: string, base: string): Promise<ReadWeights> {
  const where = join(dir, `${base}.json`);
  const { value: meta, verified } = openSealed(await Deno.readTextFile(where), where, REMEDY);
  const groups = meta.weightsManifest as {
    paths: string[];
    weights: tf.io.WeightsManifestEntry[];
  }[];
  if (!Array.isArray(groups)) {
    throw new TypeError(`Cannot read ${where} as it has no weightsManifest`);
  }
  const digests = (meta.files ?? {}) as Record<string, string>;
  const tensors = new Map<string, Tensor>();
  try {
    for (const g of groups) {
      const parts = await Promise.all(g.paths.map(async (p) => {
        const bytes = await Deno.readFile(join(dir, p));
        checkDigest(bytes, digests[p], join(dir, p), REMEDY);
        return bytes;
      }));
      const bytes = concatBytes(parts);
      const want = g.weights.reduce((n, w) => n + byteLength(w), 0);
      const bin = join(dir, g.paths.join("+"));
      if (bytes.length !== want) {
        throw damaged(bin, `${bytes.length} bytes where its manifest needs ${want}`, REMEDY);
      }
      const decoded = tf.io.decodeWeights(bytes.buffer, g.weights);
      for (const [name, t] of Object.entries(decoded)) {
        tensors.set(name, t);
        if (t.dtype === "float32" && !allFinite(t.dataSync() as Float32Array)) {
          throw damaged(bin, `weight "${name}" holds non-finite values (NaN or infinity)`, REMEDY);
        }
      }
    }
  } catch (e) {
    disposeAll(tensors);
    throw e;
  }
  return { meta, tensors, verified: verified && Object.keys(digests).length > 0 };
}

/** Bytes of one manifest entry (float32 and int32: 4 bytes a value). */
function byteLength(w: tf.io.WeightsManifestEntry): number {
  const bytes = w.dtype === "bool" ? 1 : 4;
  return w.shape.reduce((n, d) => n * d, 1) * bytes;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** Disposes every tensor of a map returned by {@linkcode readWeights}. */
export function disposeAll(tensors: Map<string, Tensor>): void {
  for (const t of tensors.values()) t.dispose();
  tensors.clear();
}
