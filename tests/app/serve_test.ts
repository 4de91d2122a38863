import assert from "node:assert/strict";
import { FLAG, REPLY, REQUEST, serve } from "../../app/serve.ts";
import { actionCount, localStateDim } from "../../engine/sim/encoding.ts";
import { openEnv } from "../../engine/sim/env.ts";
import { frame, FrameError, HEADER_BYTES, SyncFrameReader } from "../../host/python/frames.ts";

const HIGHWAY = new URL("../../scenarios/highway.yaml", import.meta.url).pathname;
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

/** A byte stream read in small pieces, as a pipe may deliver it. */
function reader(bytes: Uint8Array, chunk = 7) {
  let at = 0;
  return {
    readSync(p: Uint8Array): number | null {
      if (at >= bytes.length) return null;
      const n = Math.min(p.length, chunk, bytes.length - at);
      p.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

/** Serves `requests`; returns the replies as (tag, body) pairs. */
async function exchange(requests: Uint8Array[]) {
  const written: Uint8Array[] = [];
  const writer = { writeSync: (p: Uint8Array) => (written.push(p.slice()), p.length) };
  await serve(new SyncFrameReader(reader(concat(requests), 4093)), writer);
  const replies = new SyncFrameReader(reader(concat(written)));
  const out: { tag: number; body: Uint8Array }[] = [];
  for (let f = replies.read(); f; f = replies.read()) {
    out.push({ tag: f.tag, body: f.body.slice() });
  }
  return out;
}

const text = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const actions = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);

Deno.test("serve: batches hold the engine's encoding of openEnv's observations", async () => {
  const [open, reset] = await exchange([
    frame(REQUEST.OPEN, json({ scenario: HIGHWAY, seed: 4, envs: 2 })),
    frame(REQUEST.RESET, json({ episode: 3 })),
  ]);
  assert.equal(open.tag, REPLY.JSON);
  const spec = text(open.body);
  assert.equal(spec.agents, 7);
  assert.equal(spec.stateDim, localStateDim(spec.nodes));
  assert.equal(spec.actions, Math.max(...spec.layers.map((L: number) => actionCount(L, 6))));
  assert.equal(reset.tag, REPLY.BATCH);
  const b = reset.body;
  const meta = new Int32Array(b.buffer, b.byteOffset, 12);
  const [E, I, D, n] = meta;
  assert.deepEqual([E, I, D, n], [2, 7, 13, 132]);
  assert.equal(meta[8], E * I, "a reset sends every mask row");
  const f64 = 8 * E * (2 + 2 * I + 5 + 3);
  const i32 = Math.ceil((4 * E * (3 + I)) / 8) * 8;
  const obsAt = 48 + f64 + i32;
  const obs = new Float32Array(
    b.buffer.slice(b.byteOffset + obsAt, b.byteOffset + obsAt + 4 * E * I * D),
  );
  const rowsAt = obsAt + Math.ceil((4 * E * I * D) / 8) * 8;
  const rows = new Int32Array(
    b.buffer.slice(b.byteOffset + rowsAt, b.byteOffset + rowsAt + 4 * E * I),
  );
  assert.deepEqual([...rows], [...Array(E * I).keys()]);
  const maskAt = rowsAt + Math.ceil((4 * E * I) / 8) * 8;
  const mask = b.subarray(maskAt, maskAt + E * I * n);
  const env = await openEnv(HIGHWAY, { seed: 4 });
  for (let e = 0; e < E; e++) {
    const o = env.reset({ episode: 3 + e });
    for (let i = 0; i < I; i++) {
      const want = Float32Array.from(o.localState(i));
      assert.deepEqual(obs.subarray((e * I + i) * D, (e * I + i + 1) * D), want);
      const m = new Uint8Array(n);
      m.set(o.actionMask(i));
      assert.deepEqual(mask.subarray((e * I + i) * n, (e * I + i + 1) * n), m);
    }
  }
});

Deno.test("serve: bad requests are errors, and a refused step steps nothing", async () => {
  const ok = actions(Array(7).fill(0)); // partition 1 at the RSU: always feasible
  const replies = await exchange([
    frame(REQUEST.STEP, ok),
    frame(REQUEST.OPEN, enc.encode("{not json")),
    frame(REQUEST.OPEN, json({ scenario: HIGHWAY, envs: 0 })),
    frame(REQUEST.OPEN, json({ scenario: "/nope.yaml" })),
    frame(REQUEST.OPEN, json({ scenario: HIGHWAY })),
    frame(REQUEST.STEP, ok),
    frame(REQUEST.RESET, json({})),
    frame(REQUEST.STEP, actions([0, 0, 0])),
    frame(REQUEST.STEP, actions([0, 0, 0, 0, 0, 0, 9999])),
    frame(REQUEST.STEP, ok),
    frame(9, new Uint8Array()),
    frame(REQUEST.CLOSE, new Uint8Array()),
    frame(REQUEST.STEP, ok), // after CLOSE: never read
  ]);
  const kinds = replies.map((r) => (r.tag === REPLY.ERROR ? text(r.body).kind : r.tag));
  assert.deepEqual(kinds, [
    "request",
    "request",
    "request",
    "user",
    REPLY.JSON,
    "request",
    REPLY.BATCH,
    "request",
    "action",
    REPLY.BATCH,
    "request",
    REPLY.JSON,
  ]);
  const messages = replies.filter((r) => r.tag === REPLY.ERROR).map((r) => text(r.body).message);
  assert.match(messages[0], /no scenario is open/);
  assert.match(messages[2], /envs .*\[1, 65536\].*current value is 0/);
  assert.match(messages[3], /nope\.yaml/);
  assert.match(messages[4], /call reset/);
  assert.match(messages[5], /3 entries: give 7/);
  assert.match(messages[6], /cv_6 .* is 9999: actions are 0\.\.131/);
  const step = replies[9].body;
  const slot = new Int32Array(step.buffer, step.byteOffset + 48 + 8 * 24 + 4, 1)[0];
  assert.equal(slot, 2, "the refused step moved nothing: this step is slot 1 -> 2");
});

Deno.test("serve: truncation flags the batch; auto-reset sends the final observations", async () => {
  const ok = actions(Array(7).fill(0));
  const steps = (n: number) => Array.from({ length: n }, () => frame(REQUEST.STEP, ok));
  const plain = await exchange([
    frame(REQUEST.OPEN, json({ scenario: HIGHWAY })),
    frame(REQUEST.RESET, json({})),
    ...steps(31),
  ]);
  const meta = (r: { body: Uint8Array }) => new Int32Array(r.body.buffer, r.body.byteOffset, 12);
  const flags = (r: { body: Uint8Array }) => meta(r)[5];
  assert.equal(flags(plain[31]), FLAG.TRUNCATED);
  assert.match(text(plain[32].body).message, /episode is over/);
  const auto = await exchange([
    frame(REQUEST.OPEN, json({ scenario: HIGHWAY, autoreset: true })),
    frame(REQUEST.RESET, json({})),
    ...steps(31),
  ]);
  assert.equal(flags(auto[31]), FLAG.TRUNCATED | FLAG.FINAL);
  assert.equal(meta(auto[31])[8], 7, "the next episode's reset sends every mask row");
  const rowsBytes = (r: number) => Math.ceil((4 * r) / 8) * 8 + Math.ceil((132 * r) / 8) * 8;
  assert.equal(
    auto[31].body.length - rowsBytes(7),
    plain[31].body.length - rowsBytes(meta(plain[31])[8]) + Math.ceil((4 * 7 * 13) / 8) * 8,
  );
  assert.equal(flags(auto[32]), 0, "the next episode goes on");
});

Deno.test("serve: a stream that is not frames is a FrameError; EOF between frames ends it", async () => {
  const bad = new Uint8Array(HEADER_BYTES);
  bad[5] = 1; // a reserved byte
  await assert.rejects(exchange([bad]), FrameError);
  await assert.rejects(exchange([frame(REQUEST.OPEN, json({})).subarray(0, 9)]), FrameError);
  assert.deepEqual(await exchange([]), []);
});

Deno.test("vecscene serve: input that is not frames exits 2 with one line", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../cli.ts", import.meta.url).pathname, "serve"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(enc.encode("hello, engine\n"));
  await w.close();
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 2);
  assert.equal(err.split("\n").length, 1, err);
  assert.match(err, /serve: Cannot read a frame as its header is malformed/);
});
