/**
 * Atomic file output: everything is written to a temporary file in the
 * target's directory and renamed over the target only when complete, so a
 * crash or an error never leaves a half-written result or checkpoint.
 *
 * @module
 */
import { dirname, join } from "node:path";

const CHUNK = 1 << 20;

/** A streaming text file that appears at `path` only on `commit()`. */
export class AtomicWriter {
  readonly path: string;
  readonly #tmp: string;
  readonly #file: Deno.FsFile;
  readonly #enc = new TextEncoder();
  #buf: string[] = [];
  #size = 0;

  constructor(path: string) {
    this.path = path;
    Deno.mkdirSync(dirname(path), { recursive: true });
    this.#tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
    this.#file = Deno.openSync(this.#tmp, { write: true, createNew: true });
  }

  write(text: string): void {
    this.#buf.push(text);
    this.#size += text.length;
    if (this.#size >= CHUNK) this.#flush();
  }

  #flush(): void {
    const bytes = this.#enc.encode(this.#buf.join(""));
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
    this.#buf = [];
    this.#size = 0;
  }

  /** Flushes, syncs and renames the file into place. */
  commit(): void {
    this.#flush();
    this.#file.syncSync();
    this.#file.close();
    Deno.renameSync(this.#tmp, this.path);
  }

  /** Drops the temporary file; the target is left as it was. */
  abort(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
    try {
      Deno.removeSync(this.#tmp);
    } catch { /* already gone */ }
  }
}

/** Writes `data` to `path` atomically (temp file + rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
