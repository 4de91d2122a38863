import assert from "node:assert/strict";
import { join } from "node:path";
import { UserError } from "../../../engine/errors.ts";
import { mergeFolders } from "../../../app/report/merge.ts";
import { writeReport } from "../../../app/report/write.ts";
import { cli } from "../../_helpers/mod.ts";
import { fixtureCells, fixtureExperiment, writeFixture } from "./_fixture.ts";

async function reportFiles(dirs: string[]) {
  const out = await Deno.makeTempDir();
  await writeReport(dirs, { out, png: false });
  const read = (f: string) => Deno.readTextFile(join(out, f));
  return {
    results: await read("results.csv"),
    summary: await read("summary.csv"),
    svgs: await Promise.all(["delay", "delay-bars", "reward"].map((f) => read(`figures/${f}.svg`))),
  };
}

Deno.test("2 and 3 shard folders give the same results, summary and figures as one folder", async () => {
  const one = await reportFiles(await writeFixture(1));
  for (const shards of [2, 3]) {
    const dirs = await writeFixture(shards);
    const merged = await mergeFolders(dirs);
    assert.equal(merged.done.length, 22);
    assert.deepEqual([merged.failed.length, merged.missing.length], [0, 0]);
    const many = await reportFiles(dirs.toReversed());
    assert.equal(many.results, one.results, `${shards} shards: results.csv`);
    assert.equal(many.summary, one.summary, `${shards} shards: summary.csv`);
    assert.deepEqual(many.svgs, one.svgs, `${shards} shards: SVGs`);
  }
});

Deno.test("the same cell twice with other contents is an error naming both files", async () => {
  const [a, b] = await writeFixture(2);
  const name = "c0001.json";
  const cell = JSON.parse(await Deno.readTextFile(join(b, "cells", name)));
  cell.curves.reward[0] = 0;
  await Deno.writeTextFile(join(a, "cells", name), JSON.stringify(cell));
  await assert.rejects(
    () => mergeFolders([a, b]),
    (e: Error) => {
      assert.ok(e instanceof UserError);
      assert.match(
        e.message,
        new RegExp(`^${b}/cells/${name}: .*cell c0001.* in ${a}/cells/${name}`),
      );
      return true;
    },
  );
});

Deno.test("the same cell twice differing only in wall-clock metrics merges (first copy kept)", async () => {
  const [a, b] = await writeFixture(2);
  const cell = JSON.parse(await Deno.readTextFile(join(a, "cells", "c0010.json")));
  await Deno.writeTextFile(
    join(b, "cells", "c0010.json"),
    JSON.stringify({ ...cell, metrics: { ...cell.metrics, decide_ms_per_slot: 9 } }),
  );
  const m = await mergeFolders([a, b]);
  assert.equal(m.done.find((c) => c.hash === "c0010")!.metrics.decide_ms_per_slot, 0.1);
});

Deno.test("wall-clock measurements in timings/ join the metrics of cells that lack them", async () => {
  const [dir] = await writeFixture(1);
  const cell = JSON.parse(await Deno.readTextFile(join(dir, "cells", "c0011.json")));
  delete cell.metrics.decide_ms_per_slot;
  await Deno.writeTextFile(join(dir, "cells", "c0011.json"), JSON.stringify(cell));
  await Deno.mkdir(join(dir, "timings"));
  const timing = { format: "vecscene-timing/1", hash: "c0011", wall_s: 2.5, slots: 30 };
  await Deno.writeTextFile(join(dir, "timings", "c0011.json"), JSON.stringify(timing));
  await Deno.writeTextFile(join(dir, "timings", "c0012.json"), '{"decide_ms_per_slot": 7}');
  const m = await mergeFolders([dir]);
  const metrics = (h: string) => m.done.find((c) => c.hash === h)!.metrics;
  assert.deepEqual(metrics("c0011"), { mean_delay_s: 29.5 + 0.5, p95_delay_s: 60, wall_s: 2.5 });
  // A cell's own value stands.
  assert.equal(metrics("c0012").decide_ms_per_slot, 0.1);
});

Deno.test("failed and missing cells are listed; cells no manifest lists are left out", async () => {
  const { cells } = fixtureCells();
  const failed = { ...cells[5], status: "failed" as const, error: "diverged", metrics: {} };
  const kept = [...cells.slice(0, 5), failed, ...cells.slice(7)];
  const stale = { ...cells[8], hash: "old" };
  const [dir] = await writeFixture(1, { cells: [...kept, stale] });
  const m = await mergeFolders([dir]);
  assert.deepEqual(m.failed.map((c) => [c.hash, c.error]), [["c0005", "diverged"]]);
  assert.deepEqual(m.missing.map((c) => c.hash), ["c0006"]);
  assert.deepEqual(m.stale, [join(dir, "cells", "old.json")]);
  assert.equal(m.done.length, 20);
  const r = await cli(["report", dir, "--no-png"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /20 of 22 cells done, 1 failed, 1 not run yet/);
  assert.match(r.out, /failed: c0005 \(eval mad2rl\): diverged/);
  const html = await Deno.readTextFile(join(dir, "report.html"));
  assert.match(html, /<h3>Failed cells<\/h3>[^]*c0005[^]*diverged/);
  assert.match(html, /<h3>Cells not run yet<\/h3>[^]*c0006/);
});

Deno.test("report: a missing folder, a foreign folder, another experiment exit 2, located", async () => {
  const empty = await Deno.makeTempDir();
  const missing = join(empty, "nope");
  let r = await cli(["report", missing]);
  assert.deepEqual([r.code, r.err], [
    2,
    `${missing}: Cannot report on the folder as it does not exist`,
  ]);
  r = await cli(["report", empty]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^${empty}: not an experiment folder: it has no experiment.json`));

  const [a] = await writeFixture(1);
  const other = { ...fixtureExperiment(), vary: ["vehicles.services.count"] };
  const [b] = await writeFixture(1, { experiment: other });
  r = await cli(["report", a, b]);
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    `${b}/experiment.json: Cannot merge as it is another experiment than ${a}/experiment.json: ` +
      `vary is "[\\"vehicles.services.count\\"]", there "[\\"vehicles.clients.count\\"]"`,
  );

  await Deno.writeTextFile(join(a, "cells", "c0000.json"), '{"format": "vecscene-cell/1"}');
  r = await cli(["report", a]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^${a}/cells/c0000.json: not a vecscene cell: hash: `));
});
