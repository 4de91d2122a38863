/**
 * Length-prefixed binary frames: how vecscene and a Python process talk
 * over a pair of pipes (the environment server of `vecscene serve`, and a
 * Python policy's child process). Nothing received is executed: a frame is
 * a tag and bytes, JSON for setup and plain little-endian arrays for the
 * per-slot traffic.
 *
 * A frame is an 8-byte header, the body's length (u32, little-endian), a
 * tag (u8) and three zero bytes, then the body. The header's size keeps the
 * body's arrays 8-byte aligned for a reader that reads the body into its
 * own buffer (numpy's `frombuffer` views, no copies). The Python side is
 * `python/vecscene/_frames.py`.
 *
 * @module
 */

/** Bytes of a frame's header. */
export const HEADER_BYTES = 8;

/** The largest body accepted (1 GiB): a longer length is a broken stream, not a frame. */
export const MAX_BODY_BYTES = 1 << 30;

/** A frame read from a stream: its tag and body (valid until the next read). */
export interface Frame {
  tag: number;
  body: Uint8Array;
}

/** A file-like object with synchronous reads (`Deno.stdin`, an `FsFile`). */
export interface SyncReader {
  readSync(p: Uint8Array): number | null;
}

/** A file-like object with synchronous writes (`Deno.stdout`, an `FsFile`). */
export interface SyncWriter {
  writeSync(p: Uint8Array): number;
}

/** Writes the header of a frame of `length` body bytes with `tag` at `offset` of `out`. */
export function writeHeader(out: Uint8Array, tag: number, length: number, offset = 0): void {
  if (!(length >= 0 && length <= MAX_BODY_BYTES)) {
    throw new RangeError(`Cannot frame a body of ${length} bytes: the limit is ${MAX_BODY_BYTES}`);
  }
  new DataView(out.buffer, out.byteOffset + offset, HEADER_BYTES).setUint32(0, length, true);
  out[offset + 4] = tag;
  out[offset + 5] = out[offset + 6] = out[offset + 7] = 0;
}

/** A whole frame (header and body) of `body` with `tag`. */
export function frame(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length);
  writeHeader(out, tag, body.length);
  out.set(body, HEADER_BYTES);
  return out;
}

/** Thrown when a stream holds something that is not a frame. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

/** Reads the body length of a header, checking its reserved bytes. */
export function bodyLength(header: Uint8Array): number {
  const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES);
  const length = view.getUint32(0, true);
  if (length > MAX_BODY_BYTES || header[5] !== 0 || header[6] !== 0 || header[7] !== 0) {
    throw new FrameError(
      `Cannot read a frame as its header is malformed: current value is ${
        Array.from(header.subarray(0, HEADER_BYTES)).join(",")
      }`,
    );
  }
  return length;
}

/** Reads frames from a synchronous reader into one growing buffer. */
export class SyncFrameReader {
  readonly #src: SyncReader;
  #buf = new Uint8Array(1 << 16);

  constructor(src: SyncReader) {
    this.#src = src;
  }

  /** The next frame, or null at a clean end of the stream (EOF between frames). */
  read(): Frame | null {
    if (!this.#fill(0, HEADER_BYTES, true)) return null;
    const tag = this.#buf[4];
    const length = bodyLength(this.#buf);
    if (this.#buf.length < length) {
      this.#buf = new Uint8Array(Math.max(length, 2 * this.#buf.length));
    }
    this.#fill(0, length, false);
    return { tag, body: this.#buf.subarray(0, length) };
  }

  /** Reads exactly `n` bytes to `at`; false on EOF before the first byte when `clean`. */
  #fill(at: number, n: number, clean: boolean): boolean {
    let got = 0;
    while (got < n) {
      const r = this.#src.readSync(this.#buf.subarray(at + got, at + n));
      if (r === null || r === 0) {
        if (got === 0 && clean) return false;
        throw new FrameError(`Cannot read a frame as the stream ended after ${got} of ${n} bytes`);
      }
      got += r;
    }
    return true;
  }
}

/** Reads frames from a byte stream (a child process's stdout). */
export class AsyncFrameReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** The next frame, or null at a clean end of the stream. */
  async read(): Promise<Frame | null> {
    const header = await this.#take(HEADER_BYTES, true);
    if (!header) return null;
    const tag = header[4];
    const body = await this.#take(bodyLength(header), false);
    return { tag, body: body! };
  }

  async #take(n: number, clean: boolean): Promise<Uint8Array | null> {
    while (this.#pending.length < n) {
      const { value, done } = await this.#reader.read();
      if (done) {
        if (this.#pending.length === 0 && clean) return null;
        throw new FrameError(
          `Cannot read a frame as the stream ended after ${this.#pending.length} of ${n} bytes`,
        );
      }
      const joined = new Uint8Array(this.#pending.length + value.length);
      joined.set(this.#pending);
      joined.set(value, this.#pending.length);
      this.#pending = joined;
    }
    const out = this.#pending.slice(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  /** Stops reading (the stream is cancelled). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Writes all of `bytes` to a synchronous writer. */
export function writeAllSync(dst: SyncWriter, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += dst.writeSync(bytes.subarray(off));
}
