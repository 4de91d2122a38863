/**
 * The worker that owns a Python policy's child process: it starts the
 * interpreter on `policy_host.py` (stdin and stdout piped for frames,
 * stderr inherited so the user's prints show), sends the first request and
 * posts its reply; then, serving an instance, it relays each request the
 * main thread leaves in the shared buffer to the child and the child's
 * reply back, waking the main thread (which waits with the call's time
 * limit). The main thread stops a call by asking this worker to signal
 * the child. When the child ends, its status is read (no zombie is left)
 * and the worker closes.
 *
 * @module
 */
import { AsyncFrameReader, type Frame, frame, HEADER_BYTES, writeHeader } from "./frames.ts";
import { C, REPLY, REQ, STATUS, views, type WorkerInit, type WorkerMessage } from "./protocol.ts";

/** The worker global scope (typed here: the project compiles against the window types). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

const enc = new TextEncoder();
let child: Deno.ChildProcess | undefined;

const post = (m: WorkerMessage) => scope.postMessage(m);

/** The child's exit status, once it has ended. */
async function ended(): Promise<{ code: number; signal: string | null }> {
  const s = await child!.status;
  return { code: s.code, signal: s.signal };
}

/** Starts the child; posts `failed` and returns false when it cannot be started. */
function start(init: WorkerInit): boolean {
  try {
    child = new Deno.Command(init.python, {
      args: init.args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    return true;
  } catch (e) {
    post({ kind: "failed", message: `${(e as Error).name}: ${(e as Error).message}` });
    return false;
  }
}

/** Sends one frame and reads the reply; null when the child is gone. */
async function exchange(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  reader: AsyncFrameReader,
  bytes: Uint8Array,
): Promise<Frame | null> {
  try {
    await writer.write(bytes);
    return await reader.read();
  } catch {
    return null; // a broken pipe or a frame cut short: the child died
  }
}

/** Waits for the child to end, posts its status, and closes the worker. */
async function finish(writer: WritableStreamDefaultWriter<Uint8Array>): Promise<void> {
  await writer.close().catch(() => {});
  post({ kind: "ended", ...(await ended()) });
  scope.close();
}

/** Serves the shared buffer's requests until the child ends. */
async function serve(
  sab: SharedArrayBuffer,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  reader: AsyncFrameReader,
): Promise<void> {
  const { ctrl, data } = views(sab);
  const out = new Uint8Array(HEADER_BYTES + data.length);
  let seq = 0;
  for (;;) {
    const w = Atomics.waitAsync(ctrl, C.REQ, seq);
    if (w.async) await w.value;
    seq = Atomics.load(ctrl, C.REQ);
    const tag = Atomics.load(ctrl, C.TAG);
    const len = Atomics.load(ctrl, C.LEN);
    writeHeader(out, tag, len);
    out.set(data.subarray(0, len), HEADER_BYTES);
    const reply = await exchange(writer, reader, out.subarray(0, HEADER_BYTES + len));
    const over = !reply || reply.tag === REPLY.WHERE || tag === REQ.CLOSE;
    if (!reply) {
      const body = enc.encode(JSON.stringify(await ended()));
      data.set(body);
      Atomics.store(ctrl, C.LEN, body.length);
      Atomics.store(ctrl, C.STATUS, STATUS.ENDED);
      Atomics.store(ctrl, C.REAPED, 1);
    } else if (reply.body.length > data.length) {
      Atomics.store(ctrl, C.LEN, reply.body.length);
      Atomics.store(ctrl, C.STATUS, STATUS.TOO_LARGE);
    } else {
      data.set(reply.body);
      Atomics.store(ctrl, C.TAG, reply.tag);
      Atomics.store(ctrl, C.LEN, reply.body.length);
      Atomics.store(ctrl, C.STATUS, STATUS.REPLY);
    }
    Atomics.store(ctrl, C.DONE, seq);
    Atomics.notify(ctrl, C.DONE);
    if (over) break;
  }
  // The child is ending (closed, stopped or dead): read its status, then say so.
  await writer.close().catch(() => {});
  await ended();
  await reader.cancel();
  Atomics.store(ctrl, C.REAPED, 1);
  Atomics.notify(ctrl, C.REAPED);
  scope.close();
}

async function run(init: WorkerInit): Promise<void> {
  if (!start(init)) return scope.close();
  const writer = child!.stdin.getWriter();
  const reader = new AsyncFrameReader(child!.stdout);
  const first = frame(init.first.tag, enc.encode(JSON.stringify(init.first.json)));
  const reply = await exchange(writer, reader, first);
  if (reply) post({ kind: "reply", tag: reply.tag, body: reply.body.slice() });
  if (!reply || init.mode === "describe" || reply.tag !== REPLY.OK) {
    await reader.cancel();
    return await finish(writer);
  }
  await serve(init.sab!, writer, reader);
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data as WorkerInit | { signal: Deno.Signal };
  if ("signal" in m) {
    try {
      child?.kill(m.signal);
    } catch { /* it has ended already */ }
    return;
  }
  run(m).catch((err) => {
    post({ kind: "failed", message: String((err as Error)?.message ?? err) });
    try {
      child?.kill("SIGKILL");
    } catch { /* ended */ }
  });
};
