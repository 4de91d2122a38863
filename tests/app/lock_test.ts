import assert from "node:assert/strict";
import { join } from "node:path";
import { shardLock } from "../../app/experiment/run/runner.ts";
import { hostName, lockFolder } from "../../app/util/lock.ts";
import { cli } from "../_helpers/mod.ts";

const RUN = ["run", "scenarios/highway.yaml", "-p", "greedy", "-e", "1", "-q"];

Deno.test("lock: a second writer of a folder is refused at once, naming the first; the lock goes with the run", async () => {
  const out = join(await Deno.makeTempDir(), "x");
  const lock = await lockFolder(out);
  try {
    const r = await cli([...RUN, "-o", out]);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(
        `^${out} is being written by pid ${Deno.pid} \\(.*\\) since \\d\\d:\\d\\d:\\d\\d; ` +
          "choose another --out or wait$",
      ),
    );
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound, "the refused run wrote nothing");
  } finally {
    await lock.release();
  }
  const r = await cli([...RUN, "-o", out]);
  assert.equal(r.code, 0, r.err);
  await assert.rejects(Deno.stat(`${out}.lock`), Deno.errors.NotFound, "released after the run");
});

Deno.test("lock: two runs started together into one folder: one writes, the other exits 2", async () => {
  const out = join(await Deno.makeTempDir(), "x");
  const args = ["run", "-A", "cli.ts", "run", "scenarios/highway.yaml", "-p", "genetic-converged"];
  const start = () =>
    new Deno.Command(Deno.execPath(), {
      args: [...args, "-e", "6", "-q", "-o", out],
      stderr: "piped",
    }).spawn();
  const first = start();
  for (let i = 0; i < 200; i++) {
    if (await Deno.stat(`${out}.lock`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const second = await start().output();
  const done = await first.output();
  assert.equal(done.code, 0, new TextDecoder().decode(done.stderr));
  assert.equal(second.code, 2);
  assert.match(
    new TextDecoder().decode(second.stderr),
    /is being written by pid \d+ \(deno task run /,
  );
  assert.ok((await Deno.stat(join(out, "comparison.csv"))).isFile);
});

Deno.test("lock: a stale lock of a process that no longer runs is taken over with a note", async () => {
  const out = join(await Deno.makeTempDir(), "x");
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  const host = hostName();
  const stale = {
    pid: gone.pid,
    host,
    command: "deno task run old",
    since: new Date().toISOString(),
  };
  await Deno.writeTextFile(`${out}.lock`, JSON.stringify(stale));
  const r = await cli([...RUN, "-o", out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`note: took over the lock of ${out} left by pid ${gone.pid}`));
  // A lock of another host is never taken over.
  await Deno.writeTextFile(`${out}.lock`, JSON.stringify({ ...stale, host: "elsewhere" }));
  const other = await cli([...RUN, "-o", out]);
  assert.equal(other.code, 2);
  assert.match(other.err, /on elsewhere; choose another --out or wait/);
});

Deno.test("lock: experiment shards of one array share a folder; the same shard twice or other counts are refused", async () => {
  const out = join(await Deno.makeTempDir(), "exp");
  const one = await lockFolder(out, shardLock({ index: 1, count: 2 }));
  const two = await lockFolder(out, shardLock({ index: 2, count: 2 }));
  await assert.rejects(
    lockFolder(out, shardLock({ index: 1, count: 2 })),
    /is being written by pid/,
  );
  await assert.rejects(
    lockFolder(out, shardLock({ index: 1, count: 1 })),
    /is being written by pid/,
  );
  await assert.rejects(
    lockFolder(out, shardLock({ index: 3, count: 3 })),
    /is being written by pid/,
  );
  const r = await cli(["experiment", "tests/fixtures/experiments/tiny.yaml", "--out", out, "-q"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /is being written by pid \d+ .*; choose another --out or wait/);
  await one.release();
  await two.release();
  await assert.rejects(Deno.stat(`${out}.lock`), Deno.errors.NotFound);
});
