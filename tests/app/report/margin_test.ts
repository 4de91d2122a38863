import assert from "node:assert/strict";
import type { Reference } from "../../../app/report/contract.ts";
import { computeMargin } from "../../../app/report/margin.ts";
import { quantile } from "../../../app/util/stats.ts";
import { tidyRows } from "../../../app/report/tidy.ts";
import { delayOf, EVAL_SEEDS, fixtureCells, fixtureExperiment, TRAIN_SEEDS } from "./_fixture.ts";
import { exactBootstrapMeans } from "./_exact.ts";

const VARY = ["vehicles.clients.count"];
const ROWS = tidyRows(VARY, fixtureCells().cells);
const EXP = fixtureExperiment();
const REF = EXP.reference[0];
const FIG = EXP.figures[0];

Deno.test("our margin is 1 - the ratio of the policies' means summed over the grid points", () => {
  const m = computeMargin(REF, FIG, ROWS);
  // mad2rl: 4 cvs + mean train seed / 4 = 12.375 and 20.375; greedy: 30 and 50.
  assert.ok(Math.abs(m.ours! - (1 - (12.375 + 20.375) / 80)) < 1e-12);
  assert.deepEqual([m.points, m.minSeeds], [2, 3]);
  assert.equal(m.agrees, false);
  assert.match(
    m.verdict,
    /^disagrees: we measure 59\.1 % \(95 % CI 5\d\.\d % to 59\.\d %\), the paper states 60\.0 %: the same direction, a smaller margin$/,
  );
});

Deno.test("at one grid point, the interval matches the exact bootstrap of the ratio", () => {
  const ref: Reference = { ...REF, at: { "vehicles.clients.count": 5 } };
  const m = computeMargin(ref, FIG, ROWS);
  const ours = TRAIN_SEEDS.flatMap((t) => EVAL_SEEDS.map((e) => delayOf(5, "mad2rl", e, t)));
  const versus = EVAL_SEEDS.map((e) => delayOf(5, "greedy", e, null));
  assert.ok(Math.abs(m.ours! - (1 - 20.375 / 50)) < 1e-12);
  // Independent resamples of each policy's seeds: every pair of resample means, equally likely.
  const [po, pv] = [exactBootstrapMeans(ours), exactBootstrapMeans(versus)];
  const margins = new Float64Array(po.length * pv.length);
  let i = 0;
  for (const a of po) for (const b of pv) margins[i++] = 1 - a / b;
  margins.sort();
  const [lo, hi] = [quantile(margins, 0.025), quantile(margins, 0.975)];
  assert.ok(
    Math.abs(m.ciLow! - lo) < 0.002 && Math.abs(m.ciHigh! - hi) < 0.002,
    `${[m.ciLow, m.ciHigh]} vs ${[lo, hi]}`,
  );
  // The paper's 60 % is outside; a stated 59.25 % is inside.
  const inside = computeMargin({ ...ref, margin: 0.5925 }, FIG, ROWS);
  assert.equal(inside.agrees, true);
  assert.match(inside.verdict, /^agrees: we measure 59\.3 %/);
  // An interval that also holds "no difference" confirms nothing: one eval seed of MAD2RL
  // six times slower, the others faster, spread the resamples over both signs.
  const spread = ROWS.map((r) =>
    r.policy === "mad2rl" && r.value !== null
      ? { ...r, value: r.value * (r.evalSeed === 11 ? 6 : 0.4) }
      : r
  );
  const unsure = computeMargin({ ...ref, margin: 0.5925 }, FIG, spread);
  assert.ok(unsure.ciLow! < 0 && unsure.ciHigh! > 0.5925, `${[unsure.ciLow, unsure.ciHigh]}`);
  assert.equal(unsure.agrees, null);
  assert.match(
    unsure.verdict,
    /^inconclusive: .*; that interval holds both the paper's 59\.3 % and no difference/,
  );
});

Deno.test("one seed: the interval is degenerate and the verdict says so; no data: said plainly", () => {
  const one = ROWS.filter((r) => r.evalSeed !== 12 && r.evalSeed !== 13 && r.trainSeed !== 2);
  const m = computeMargin(REF, FIG, one);
  assert.equal(m.minSeeds, 1);
  assert.equal(m.ciLow, m.ciHigh);
  assert.match(m.verdict, /\(1 seed\(s\): the interval is not meaningful\)$/);
  const none = computeMargin({ ...REF, versus: "pqmix" }, FIG, ROWS);
  assert.deepEqual([none.ours, none.agrees], [null, null]);
  assert.match(none.verdict, /^no result: mad2rl and pqmix share no grid point/);
});

Deno.test("opposite direction is stated; a curve figure compares the last episode", () => {
  const flipped = computeMargin({ ...REF, policy: "greedy", versus: "mad2rl" }, FIG, ROWS);
  assert.match(flipped.verdict, /: the opposite direction$/);
  const curve = EXP.figures.find((f) => f.source === "curve")!;
  // "other" has mad2rl's curve, doubled at the last episode (4) only.
  const other = ROWS.filter((r) => r.metric === "reward").map((r) => ({
    ...r,
    policy: "other",
    cell: `o${r.cell}`,
    value: r.episode === 4 ? 2 * r.value! : r.value,
  }));
  const m = computeMargin({ ...REF, metric: "reward", versus: "other" }, curve, [
    ...ROWS,
    ...other,
  ]);
  assert.equal(m.points, 2);
  assert.ok(Math.abs(m.ours! - 0.5) < 1e-12, `${m.ours}`);
});
