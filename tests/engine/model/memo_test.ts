/**
 * The model's caches change no bit: the memo of RSU allocations (keys
 * compared by their bits, bounded memory) and the slot's link table (reset
 * whenever a position, a power or the slot changes). A model reused across
 * changing states must give what a fresh model gives, evaluation by
 * evaluation, detail by detail.
 */
import assert from "node:assert/strict";
import { ExactMemo } from "../../../engine/model/memo.ts";
import { SlotDetail, SlotModel, type SlotState } from "../../../engine/model/slot.ts";
import { Env } from "../../../engine/sim/env.ts";
import { Rng } from "../../../engine/rng.ts";
import { worldOf } from "../../_helpers/mod.ts";

function lookup(memo: ExactMemo, key: number[]): number {
  memo.key.set(key);
  return memo.find();
}

Deno.test("ExactMemo: finds what it stored, by the key's bits", () => {
  const memo = new ExactMemo(3, 2, 64);
  const missed = lookup(memo, [1, 2, 3]);
  assert.ok(missed < 0);
  const at = memo.store(missed, [10, 20]);
  assert.equal(lookup(memo, [1, 2, 3]), at);
  assert.deepEqual([...memo.values.subarray(2 * at, 2 * at + 2)], [10, 20]);
  // -0 and 0 are different keys; NaN finds itself (same bits).
  assert.ok(lookup(memo, [1, 2, -0]) !== at && lookup(memo, [-0, 2, 3]) < 0);
  memo.store(lookup(memo, [NaN, 0, 0]), [7, 7]);
  assert.ok(lookup(memo, [NaN, 0, 0]) >= 0);
  assert.ok(lookup(memo, [1, 2, 3 + 2 ** -50]) < 0);
  assert.deepEqual([memo.hits, memo.misses], [2, 5]);
});

Deno.test("ExactMemo: bounded; emptied when half full, never wrong", () => {
  const memo = new ExactMemo(2, 1, 16);
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < 40; k++) {
      const at = lookup(memo, [k, -k]);
      if (at >= 0) assert.equal(memo.values[at], k * k, `key ${k}`);
      else memo.store(at, [k * k]);
    }
  }
  // At most 8 entries live: the most recent keys are there, the oldest of the round are not.
  assert.ok(lookup(memo, [39, -39]) >= 0);
  assert.ok(lookup(memo, [0, 0]) < 0);
  memo.clear();
  assert.ok(lookup(memo, [39, -39]) < 0);
});

const SCENARIO = [
  "name: caches",
  "seed: 9",
  "time: { slots: 6 }",
  "vehicles: { clients: { count: 6 }, services: { count: 4 } }",
  "mobility: { kind: highway, startM: [-400, -250] }",
  "policy: greedy",
].join("\n");

function same(a: SlotDetail, b: SlotDetail, what: string) {
  for (const key of Object.keys(a) as (keyof SlotDetail)[]) {
    const [x, y] = [a[key], b[key]];
    if (typeof x === "number") assert.ok(Object.is(x, y), `${what}: ${key} ${x} vs ${y}`);
    else assert.deepEqual(x, y, `${what}: ${key}`);
  }
}

Deno.test("SlotModel: a model reused across changing states gives a fresh model's bits", () => {
  const world = worldOf(SCENARIO);
  const env = new Env(world);
  env.reset({ episode: 1 });
  const { cvCount: I, svCount: S, rsuCount: R } = world.info;
  const K = world.tables.length;
  const reused = new SlotModel(world.params, world.tables, S, R);
  const rng = new Rng([3, 1, 4, 1]);
  const s: SlotState = structuredClone(env.state as SlotState);
  const decide = () => {
    const partition = new Int32Array(I), target = new Int32Array(I);
    for (let i = 0; i < I; i++) {
      partition[i] = 1 + rng.int(world.tables[s.cvType[i]].L + 1);
      target[i] = rng.int(R + S);
    }
    return { partition, target };
  };
  // Each change below alters what a cached entry was computed from.
  const changes: ((s: SlotState) => void)[] = [
    () => {},
    (s) => s.cvX[2] += 40, // a CV moves within the slot
    (s) => s.svY[1] -= 3, // an SV moves
    (s) => s.slot++, // new fading
    (s) => s.rsuQueueGflop[1] += 5, // backlog: the allocation's input
    (s) => s.cvTxPowerW[0] *= 0.5,
    (s) => s.rsuCpuGflops[0] *= 2,
    (s) => s.episode++,
  ];
  let checked = 0;
  for (const change of changes) {
    change(s);
    for (let n = 0; n < 40; n++) {
      const d = decide();
      const a = new SlotDetail(I, S, K, R), b = new SlotDetail(I, S, K, R);
      const fresh = new SlotModel(world.params, world.tables, S, R).evaluate(s, d, b);
      assert.ok(Object.is(reused.evaluate(s, d, a), fresh));
      same(a, b, `change ${changes.indexOf(change)}, decision ${n}`);
      // Twice: the second evaluation is served from the caches.
      assert.ok(Object.is(reused.evaluate(s, d), fresh));
      checked++;
    }
  }
  assert.ok(reused.allocations.hits > 0, "the memo was used");
  assert.equal(checked, 320);
});
