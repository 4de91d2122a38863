/**
 * Integrity of what vecscene writes and later trusts (checkpoints, expert
 * datasets, training state, experiment cells and manifests): SHA-256
 * digests recorded when a file is written and checked before it is used,
 * so that a damaged or edited file is a clear error, never a quiet wrong
 * answer.
 *
 * A JSON file is *sealed*: its last key `sha256` is the digest of the
 * compact JSON of the rest (`JSON.stringify` of the object without that
 * key), so that reading, removing the key and stringifying again gives the
 * digested text; the text must also be exactly as `sealJson` wrote it. A
 * binary file's digest is
 * recorded in the sealed JSON written after it. A file written before
 * vecscene recorded digests has none: it is read as it is, and the caller
 * says once that it was not verified.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";

/** The SHA-256 of `parts`, one after the other, as lower-case hex. */
export function sha256Hex(...parts: (Uint8Array | string)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** The JSON text of `value` with its seal as the last key (indented like `JSON.stringify(v, null, 2)`). */
export function sealJson(value: Record<string, unknown>): string {
  const { sha256: _, ...rest } = value;
  return JSON.stringify({ ...rest, sha256: sha256Hex(JSON.stringify(rest)) }, null, 2) + "\n";
}

/** What {@linkcode openSealed} read: the value (without its seal) and whether a seal was checked. */
export interface Opened<T> {
  value: T;
  verified: boolean;
}

/**
 * Parses sealed JSON `text` read from `where`: a seal that does not match,
 * or text that is not JSON, is a `UserError` naming the file; text without
 * a seal is returned unverified. `remedy` ends the message (what to do).
 */
export function openSealed<T extends Record<string, unknown>>(
  text: string,
  where: string,
  remedy: string,
): Opened<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw damaged(where, `it is not valid JSON (${(e as Error).message})`, remedy);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw damaged(where, "it is not a JSON object", remedy);
  }
  const { sha256, ...rest } = parsed as Record<string, unknown>;
  if (sha256 === undefined) return { value: rest as T, verified: false };
  // The digest covers the values; the text must also be exactly as written (a changed digit
  // that parses to the same number is still a damaged file).
  const exact = JSON.stringify(parsed, null, 2) + "\n" === text;
  if (typeof sha256 !== "string" || sha256Hex(JSON.stringify(rest)) !== sha256 || !exact) {
    throw damaged(where, "content does not match its recorded SHA-256 (damaged or edited)", remedy);
  }
  return { value: rest as T, verified: true };
}

/** Checks `bytes` read from `where` against a recorded digest (none recorded: nothing to check). */
export function checkDigest(
  bytes: Uint8Array,
  recorded: unknown,
  where: string,
  remedy: string,
): void {
  if (recorded === undefined) return;
  if (sha256Hex(bytes) !== recorded) {
    throw damaged(where, "content does not match its recorded SHA-256 (damaged or edited)", remedy);
  }
}

/** The error of a damaged file: `where: what; remedy`. */
export function damaged(where: string, what: string, remedy: string): UserError {
  return new UserError(`${where}: ${what}; ${remedy}`);
}

/**
 * Checks every sealed JSON file of `dir` and of its folders down to
 * `depth` levels, and the digests of the files they record; a file that is
 * not sealed JSON is left to its reader. Returns how many seals were
 * checked; throws a `UserError` naming the first damaged file.
 */
export async function verifyFolder(dir: string, remedy: string, depth = 3): Promise<number> {
  let checked = 0;
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory && depth > 1) checked += await verifyFolder(path, remedy, depth - 1);
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const text = await Deno.readTextFile(path);
    let sealed = false;
    try {
      sealed = typeof JSON.parse(text)?.sha256 === "string";
    } catch {
      continue; // not JSON: its own reader says what is wrong
    }
    if (!sealed) continue;
    const { value } = openSealed(text, path, remedy);
    for (const [name, digest] of Object.entries((value.files ?? {}) as Record<string, unknown>)) {
      checkDigest(await Deno.readFile(`${dir}/${name}`), digest, `${dir}/${name}`, remedy);
    }
    checked++;
  }
  return checked;
}
