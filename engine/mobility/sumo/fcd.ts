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

/** Reads an FCD trace from disk in chunks of `chunkBytes` (default 4 MiB). */
export async function readFcd(path: string, chunkBytes = 4 << 20): Promise<Trace> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    throw fileError(e, path, "FCD trace");
  }
  try {
    const scanner = new FcdScanner(path);
    let buf = new Uint8Array(chunkBytes);
    let len = 0;
    while (true) {
      if (len === buf.length) {
        // one tag larger than the buffer: grow it
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const n = await file.read(buf.subarray(len));
      const eof = n === null;
      if (!eof) len += n;
      const rest = scanner.scan(buf, 0, len, eof);
      if (eof) break;
      buf.copyWithin(0, rest, len);
      len -= rest;
    }
    return scanner.finish();
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
    const scanner = new FcdScanner(path);
    let buf = new Uint8Array(chunkBytes);
    let len = 0;
    while (true) {
      if (len === buf.length) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const n = file.readSync(buf.subarray(len));
      const eof = n === null;
      if (!eof) len += n;
      const rest = scanner.scan(buf, 0, len, eof);
      if (eof) break;
      buf.copyWithin(0, rest, len);
      len -= rest;
    }
    return scanner.finish();
  } catch (e) {
    throw e instanceof TraceError ? e : fileError(e, path, "FCD trace");
  } finally {
    file.close();
  }
}
