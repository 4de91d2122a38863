import assert from "node:assert/strict";
import { summarize, summaryCsv } from "../../../app/report/summary.ts";
import { bootstrapCi, quantile } from "../../../app/util/stats.ts";
import { tidyRows } from "../../../app/report/tidy.ts";
import { fixtureCells } from "./_fixture.ts";
import { exactBootstrapMeans } from "./_exact.ts";

const VARY = ["vehicles.clients.count"];

Deno.test("the bootstrap interval matches the exact bootstrap distribution's percentiles", () => {
  const values = [0, 1, 2, 3, 10];
  const exact = exactBootstrapMeans(values);
  const [lo, hi] = [quantile(exact, 0.025), quantile(exact, 0.975)];
  assert.deepEqual([lo, hi].map((v) => +v.toFixed(9)), [0.8, 6.8]);
  // Resample means are multiples of 0.2: the Monte Carlo interval may land one step off.
  for (const key of ["a", "b", "c", "d"]) {
    const ci = bootstrapCi(values, key)!;
    assert.ok(Math.abs(ci[0] - lo) <= 0.2 + 1e-9 && Math.abs(ci[1] - hi) <= 0.2 + 1e-9, `${ci}`);
  }
  // Seeded by the key: the same key, the same interval.
  assert.deepEqual(bootstrapCi(values, "a"), bootstrapCi([...values], "a"));
});

Deno.test("n = 1 gives the degenerate interval, n = 0 none, n = 2 the two values", () => {
  assert.deepEqual(bootstrapCi([4.5], "k"), [4.5, 4.5]);
  assert.equal(bootstrapCi([], "k"), null);
  const [lo, hi] = bootstrapCi([1, 3], "k")!;
  // The resample means are 1, 2 and 3 with probabilities 1/4, 1/2, 1/4.
  assert.deepEqual([lo, hi], [1, 3]);
});

Deno.test("quantile interpolates linearly between order statistics (numpy's default)", () => {
  // numpy.quantile([1, 2, 4, 8], [0, 0.25, 0.5, 0.975, 1]) = [1, 1.75, 3, 7.7, 8]
  const q = [0, 0.25, 0.5, 0.975, 1].map((p) => quantile([1, 2, 4, 8], p));
  assert.deepEqual(q.map((v) => +v.toFixed(12)), [1, 1.75, 3, 7.7, 8]);
});

Deno.test("summary.csv: means over seeds by group, with n, in results order", () => {
  const rows = tidyRows(VARY, fixtureCells().cells);
  const summary = summarize(VARY, rows);
  const csv = summaryCsv(VARY, summary).trimEnd().split("\n");
  assert.equal(
    csv[0],
    "vehicles.clients.count,policy,kind,episode,metric,n,mean,ci95_low,ci95_high",
  );
  // 2 points x (2 policies x 3 eval metrics + 4 curve points).
  assert.equal(csv.length, 1 + 2 * (2 * 3 + 4));
  const get = (cvs: number, policy: string, metric: string, episode: number | null = null) =>
    summary.find((r) =>
      r.point["vehicles.clients.count"] === cvs && r.policy === policy && r.metric === metric &&
      r.episode === episode
    )!;
  // greedy at 5 CVs: 50 + (eval seed - 12) / 2 for seeds 11..13 -> 49.5, 50, 50.5.
  const g = get(5, "greedy", "mean_delay_s");
  assert.deepEqual([g.n, g.mean, g.ciLow, g.ciHigh], [3, 50, 49.5, 50.5]);
  // mad2rl at 3 CVs: 12 + (eval - 12) / 2 + train / 4 over 2 train x 3 eval seeds.
  const m = get(3, "mad2rl", "mean_delay_s");
  assert.equal(m.n, 6);
  assert.ok(Math.abs(m.mean! - 12.375) < 1e-12);
  assert.ok(m.ciLow! > 11.625 && m.ciLow! < 12.375 && m.ciHigh! > 12.375 && m.ciHigh! < 13);
  // The training reward at episode 2: -50 - 3 + train seed, seeds 1 and 2.
  const r = get(3, "mad2rl", "reward", 2);
  assert.deepEqual([r.kind, r.n, r.mean, r.ciLow, r.ciHigh], ["train", 2, -51.5, -52, -51]);
  assert.ok(csv.includes("3,mad2rl,train,2,reward,2,-51.5,-52,-51"));
});

Deno.test("summary: a group's interval does not depend on the other groups", () => {
  const rows = tidyRows(VARY, fixtureCells().cells);
  const all = summarize(VARY, rows);
  const some = summarize(VARY, rows.filter((r) => r.metric === "mean_delay_s"));
  for (const s of some) {
    const same = all.find((a) =>
      a.policy === s.policy && a.metric === s.metric &&
      a.point["vehicles.clients.count"] === s.point["vehicles.clients.count"]
    )!;
    assert.deepEqual(s, same);
  }
});
