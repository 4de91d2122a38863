import assert from "node:assert/strict";
import type { Cell } from "../../../../app/experiment/plan/expand.ts";
import {
  assignShards,
  cellCost,
  parseShard,
  shardFromEnv,
  TRAIN_SLOT_COST,
} from "../../../../app/experiment/run/shard.ts";
import { UserError } from "../../../../engine/errors.ts";
import { expandFile, FIXTURES } from "../_helpers.ts";

Deno.test("--shard I/N is parsed and checked", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.deepEqual(parseShard(" 1 / 1 "), { index: 1, count: 1 });
  for (const bad of ["0/2", "3/2", "1/0", "1", "a/b", "1/2/3", "-1/2"]) {
    assert.throws(() => parseShard(bad), UserError, bad);
  }
});

Deno.test("a Slurm array task is a shard, whether the array counts from 0 or 1", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(shardFromEnv(env({})), undefined);
  assert.deepEqual(
    shardFromEnv(
      env({ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "2" }),
    ),
    { index: 1, count: 2 },
  );
  assert.deepEqual(
    shardFromEnv(
      env({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "2" }),
    ),
    { index: 2, count: 2 },
  );
  assert.throws(
    () => shardFromEnv(env({ SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "2" })),
    /SLURM_ARRAY_TASK_ID\/SLURM_ARRAY_TASK_COUNT: expected I\/N/,
  );
});

/** A cell for the assignment: `deps` joins it to a group, its cost is episodes x 10 slots. */
function cell(hash: string, episodes: number, deps: string[] = [], kind: Cell["kind"] = "eval") {
  return {
    hash,
    kind,
    deps,
    episodes,
    train: kind === "train" ? { episodes } : undefined,
    scenario: { time: { slots: 10 } },
  } as unknown as Cell;
}

Deno.test("dependent cells share a shard; groups go largest first to the least loaded", () => {
  const cells = [
    cell("t1", 5, [], "train"), // group A: 5 x 10 x 20 + 2 x 10 = 1020
    cell("e1", 2, ["t1"]),
    cell("g1", 30), // 300
    cell("g2", 40), // 400
    cell("g3", 50), // 500
  ];
  assert.equal(cellCost(cells[0]), 5 * 10 * TRAIN_SLOT_COST);
  const two = assignShards(cells, 2);
  // A (1020) -> 1; g3 (500) -> 2; g2 (400) -> 2 (500 < 1020); g1 (300) -> 2 (900 < 1020).
  assert.deepEqual(Object.fromEntries(two), { t1: 1, e1: 1, g1: 2, g2: 2, g3: 2 });
  assert.deepEqual(Object.fromEntries(assignShards(cells, 3)), {
    t1: 1,
    e1: 1,
    g1: 3,
    g2: 3,
    g3: 2,
  });
  assert.deepEqual(Object.fromEntries(assignShards(cells, 1)), {
    t1: 1,
    e1: 1,
    g1: 1,
    g2: 1,
    g3: 1,
  });
});

Deno.test("the shards of a real manifest cover it, keeping each train cell with its evaluations", async () => {
  const x = await expandFile(`${FIXTURES}/tiny.yaml`);
  for (const n of [2, 3, 4]) {
    const shards = assignShards(x.cells, n);
    assert.equal(shards.size, x.cells.length);
    for (const c of x.cells) {
      for (const d of c.deps) assert.equal(shards.get(c.hash), shards.get(d));
    }
    assert.deepEqual(assignShards(x.cells, n), shards, "deterministic");
  }
});
