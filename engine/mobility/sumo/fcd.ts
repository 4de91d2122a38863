/**
 * A streaming reader for SUMO FCD traces (`sumo --fcd-output`). It scans the
 * bytes in fixed-size chunks and keeps only the columns the engine needs
 * (time, vehicle id, type, x, y), so memory grows with the number of records
 * (28 bytes each), not with the file. It checks that the XML is well formed
 * enough to trust: balanced tags, one `<fcd-export>` root, increasing times.
 *
 * @module
 */
import { FcdScanner } from "./_fcd_scanner.ts";
import type { Trace } from "./trace.ts";
import { fileError, TraceError } from "./trace_error.ts";

export { parseDecimal } from "./_fcd_bytes.ts";
export { FcdScanner } from "./_fcd_scanner.ts";

/** Parses a whole FCD document held in memory (small files, tests). */
export function parseFcd(bytes: Uint8Array | string, file: string): Trace {
  const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const scanner = new FcdScanner(file);
  scanner.scan(b, 0, b.length, true);
  return scanner.finish();
}

/** Feeds file chunks to a scanner; the async and sync readers share it. */
class ChunkFeeder {
  readonly scanner: FcdScanner;
  #buf: Uint8Array;
  #len = 0;

  constructor(path: string, chunkBytes: number) {
    this.scanner = new FcdScanner(path);
    this.#buf = new Uint8Array(chunkBytes);
  }

  /** Where the next read goes (the buffer grows when one tag fills it). */
  space(): Uint8Array {
    if (this.#len === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    return this.#buf.subarray(this.#len);
  }

  /** Scans after a read of `n` bytes (null at end of file); true when done. */
  push(n: number | null): boolean {
    const eof = n === null;
    if (!eof) this.#len += n;
    const rest = this.scanner.scan(this.#buf, 0, this.#len, eof);
    if (eof) return true;
    this.#buf.copyWithin(0, rest, this.#len);
    this.#len -= rest;
    return false;
  }
}

/** Reads an FCD trace from disk in chunks of `chunkBytes` (default 4 MiB). */
export async function readFcd(path: string, chunkBytes = 4 << 20): Promise<Trace> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    throw fileError(e, path, "FCD trace");
  }
  try {
    const feed = new ChunkFeeder(path, chunkBytes);
    while (!feed.push(await file.read(feed.space())));
    return feed.scanner.finish();
  } catch (e) {
    throw e instanceof TraceError ? e : fileError(e, path, "FCD trace");
  } finally {
    file.close();
  }
}

/** Reads an FCD trace from disk in chunks, synchronously (for the scenario compiler). */
export function readFcdSync(path: string, chunkBytes = 4 << 20): Trace {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    throw fileError(e, path, "FCD trace");
  }
  try {
    const feed = new ChunkFeeder(path, chunkBytes);
    while (!feed.push(file.readSync(feed.space())));
    return feed.scanner.finish();
  } catch (e) {
    throw e instanceof TraceError ? e : fileError(e, path, "FCD trace");
  } finally {
    file.close();
  }
}
