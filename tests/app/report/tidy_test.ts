import assert from "node:assert/strict";
import type { Cell } from "../../../app/report/contract.ts";
import { compareValues, formatValue, resultsCsv, tidyRows } from "../../../app/report/tidy.ts";
import { delayOf, fixtureCells, rewardOf } from "./_fixture.ts";

const VARY = ["vehicles.clients.count"];

function cell(over: Partial<Cell>): Cell {
  return {
    format: "vecscene-cell/1",
    hash: "h",
    kind: "eval",
    status: "done",
    point: { "vehicles.clients.count": 3 },
    policy: { label: "greedy", id: "greedy", params: {} },
    seeds: { train: null, eval: 1 },
    metrics: {},
    version: "0.1.0",
    ...over,
  };
}

Deno.test("results.csv: one row per cell and metric and per curve point, varied keys as columns", () => {
  const cells = [
    cell({ hash: "b", metrics: { mean_delay_s: 1.5, p95_delay_s: null } }),
    cell({
      hash: "a",
      kind: "train",
      policy: { label: "mad2rl, v2", id: "mad2rl", params: { steps: 5 } },
      seeds: { train: 7, eval: null },
      curves: { episode: [10, 20], reward: [-3, -1.25] },
    }),
  ];
  assert.equal(
    resultsCsv(VARY, tidyRows(VARY, cells)),
    [
      "vehicles.clients.count,policy,train_seed,eval_seed,kind,episode,metric,value,cell",
      "3,greedy,,1,eval,,mean_delay_s,1.5,b",
      "3,greedy,,1,eval,,p95_delay_s,,b",
      '3,"mad2rl, v2",7,,train,10,reward,-3,a',
      '3,"mad2rl, v2",7,,train,20,reward,-1.25,a',
      "",
    ].join("\n"),
  );
});

Deno.test("results.csv: a curve without episodes counts from 1; non-finite values are empty", () => {
  const rows = tidyRows(VARY, [
    cell({ kind: "train", seeds: { train: 1, eval: null }, curves: { reward: [1, null, 3] } }),
  ]);
  assert.deepEqual(rows.map((r) => [r.episode, r.value]), [[1, 1], [2, null], [3, 3]]);
});

Deno.test("results.csv: a train cell's validation curve, from episode 0, as validation_<metric>", () => {
  const rows = tidyRows(VARY, [
    cell({
      kind: "train",
      seeds: { train: 1, eval: null },
      curves: { episode: [1, 2], reward: [5, 6] },
      validation: { episode: [0, 2], reward: [7, 9], mean_delay_s: [3.5, 3.25] },
    }),
  ]);
  assert.deepEqual(rows.map((r) => [r.metric, r.episode, r.value]), [
    ["reward", 1, 5],
    ["reward", 2, 6],
    ["validation_mean_delay_s", 0, 3.5],
    ["validation_mean_delay_s", 2, 3.25],
    ["validation_reward", 0, 7],
    ["validation_reward", 2, 9],
  ]);
});

Deno.test("results.csv: the fixture's rows and values, whatever the order of the cells", () => {
  const { cells } = fixtureCells();
  const csv = resultsCsv(VARY, tidyRows(VARY, cells));
  const lines = csv.trimEnd().split("\n");
  // 4 train cells x 4 curve points, 18 eval cells x 3 metrics.
  assert.equal(lines.length, 1 + 4 * 4 + 18 * 3);
  for (const line of lines.slice(1)) {
    const [cvs, policy, train, ev, kind, episode, metric, value] = line.split(",");
    const t = train === "" ? null : Number(train);
    if (metric === "mean_delay_s") {
      assert.equal(Number(value), delayOf(Number(cvs), policy, Number(ev), t), line);
    }
    if (metric === "reward") assert.equal(Number(value), rewardOf(Number(cvs), +episode, t!), line);
    assert.equal(kind, metric === "reward" ? "train" : "eval");
  }
  // Sorted: varied value, policy, kind, seeds, metric, episode.
  assert.equal(lines[1], "3,greedy,,11,eval,,decide_ms_per_slot,0.1,c0010");
  assert.equal(lines.at(-1), "5,mad2rl,2,13,eval,,p95_delay_s,42,c0018");
  const shuffled = [...cells].reverse();
  assert.equal(resultsCsv(VARY, tidyRows(VARY, shuffled)), csv);
});

Deno.test("varied values: numbers by value before text (code-unit order); JSON for structures", () => {
  const sorted = [10, "b", 2, null, [1, 2], "a"].sort(compareValues);
  assert.deepEqual(sorted, [null, 2, 10, [1, 2], "a", "b"]);
  assert.equal(formatValue({ a: 1 }), '{"a":1}');
  assert.equal(formatValue(true), "true");
  assert.equal(formatValue(undefined), "");
});
