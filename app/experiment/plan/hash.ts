/**
 * Content hashes: a cell is named by the SHA-256 of the canonical JSON of
 * everything that determines its result (the resolved scenario, the policy
 * and its resolved parameters, the seeds, the training settings, the hashes
 * of the cells it depends on, the digests of the files it reads: a fixed
 * checkpoint, a plugin's module; and the software version), so that a cell
 * whose file exists is done, wherever and whenever it was computed. The
 * world's own hash (engine/scenario/hash.ts) brings in the bytes of a SUMO
 * network and trace.
 *
 * @module
 */
import { join, relative } from "node:path";
import { canonicalJson, sha256Hex } from "../../../engine/scenario/hash.ts";

/** Hex digits of a cell hash (128 bits): short file names, no collisions in practice. */
export const HASH_LENGTH = 32;

/** The hash of a cell's defining content. */
export function hashOf(content: unknown): string {
  return sha256Hex(canonicalJson(content)).slice(0, HASH_LENGTH);
}

/**
 * The digest of a file, or of a folder's files (their relative paths and
 * contents, in sorted order), for content a cell reads from disk.
 */
export async function digestPath(path: string): Promise<string> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) return sha256Hex(await Deno.readFile(path));
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile) files.push(p);
    }
  };
  await walk(path);
  files.sort();
  const lines: string[] = [];
  for (const f of files) {
    const rel = relative(path, f).replaceAll("\\", "/");
    lines.push(`${sha256Hex(await Deno.readFile(f))}  ${rel}`);
  }
  return sha256Hex(lines.join("\n"));
}
