/**
 * The report end to end on real cells: the small test experiment run once,
 * and run as 2 and as 3 shards into separate folders (as on separate
 * machines), gives the same results.csv, summary.csv and figures once the
 * shard folders are merged.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../../app/experiment/run/runner.ts";
import { isWallClockMetric } from "../../../app/report/contract.ts";
import { writeReport } from "../../../app/report/write.ts";

const TINY = "tests/fixtures/experiments/tiny.yaml";

/** A CSV without the rows of wall-clock metrics (they differ between any two runs). */
async function csv(dir: string, name: string): Promise<string[]> {
  const lines = (await Deno.readTextFile(join(dir, name))).trimEnd().split("\n");
  const metric = lines[0].split(",").indexOf("metric");
  return lines.filter((l) => !isWallClockMetric(l.split(",")[metric]));
}

async function report(dirs: string[]) {
  const out = await Deno.makeTempDir({ prefix: "vecscene-report-" });
  const r = await writeReport(dirs, { out, png: false });
  assert.deepEqual([r.merged.failed.length, r.merged.missing.length], [0, 0]);
  return {
    cells: r.merged.done.length,
    results: await csv(out, "results.csv"),
    summary: await csv(out, "summary.csv"),
    figures: await Promise.all(
      ["tct", "reward"].map((f) => Deno.readTextFile(join(out, "figures", `${f}.svg`))),
    ),
  };
}

Deno.test("2 and 3 shards run into separate folders merge into the report of one run", async () => {
  const one = await Deno.makeTempDir({ prefix: "vecscene-exp-out-" });
  await runExperiment(TINY, { out: one, quiet: true, jobs: 2 });
  const whole = await report([one]);
  assert.equal(whole.cells, 10);
  // Train cells' curves are in: 2 grid points x 2 episodes of rewards.
  assert.equal(whole.results.filter((l) => /,train,\d+,reward,/.test(l)).length, 4);
  for (const count of [2, 3]) {
    const dirs: string[] = [];
    for (let index = 1; index <= count; index++) {
      const out = await Deno.makeTempDir({ prefix: `vecscene-shard-${index}-of-${count}-` });
      const r = await runExperiment(TINY, { out, quiet: true, shard: { index, count } });
      assert.ok(r.total > 0 && r.total < 10, `shard ${index}/${count} runs part of the cells`);
      dirs.push(out);
    }
    const merged = await report(dirs.toReversed());
    assert.equal(merged.cells, 10);
    assert.deepEqual(merged.results, whole.results, `${count} shards: results.csv`);
    assert.deepEqual(merged.summary, whole.summary, `${count} shards: summary.csv`);
    assert.deepEqual(merged.figures, whole.figures, `${count} shards: figures`);
  }
});
