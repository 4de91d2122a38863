import assert from "node:assert/strict";
import { bufferBytes, packState, unpackState, views } from "../../host/sandbox/protocol.ts";
import type { SlotState } from "../../engine/model/slot.ts";
import { openEnv } from "../../engine/sim/env.ts";
import { shapeOf } from "../../engine/sim/state.ts";

Deno.test("sandbox protocol: a packed state unpacks to every field of the engine's, speeds included", async () => {
  for (
    const file of ["scenarios/highway.yaml", "scenarios/nyc.yaml", "scenarios/nyc-corridor.yaml"]
  ) {
    const env = await openEnv(file);
    env.reset({ episode: 2 });
    const s = env.state;
    const shape = shapeOf(s);
    const v = views(new SharedArrayBuffer(bufferBytes(shape)), shape);
    packState(s, v.state);
    const copy = structuredClone(s) as SlotState;
    for (const a of Object.values(copy)) if (ArrayBuffer.isView(a)) (a as Float64Array).fill(0);
    unpackState(v.state, copy);
    assert.deepEqual(copy, structuredClone(s));
    assert.ok(s.cvSpeedMps.every((x) => x > 0) && s.svSpeedMps.every((x) => x > 0), file);
  }
});

Deno.test("sandbox protocol: a decision crosses as it is, fractions and all (the engine refuses them)", () => {
  const shape = { cvs: 3, svs: 2, types: 3, rsus: 1, track: 0 };
  const sab = new SharedArrayBuffer(bufferBytes(shape));
  const sent = [1.5, 1 + 1e-9, 12, 0.5, Number.NaN, 2 ** 40];
  views(sab, shape).decision.set(sent);
  // The host's views of the same buffer read back exactly what the worker wrote.
  assert.deepEqual([...views(sab, shape).decision], sent);
});
