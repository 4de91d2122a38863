import assert from "node:assert/strict";
import { join } from "node:path";
import { cellStatus as cellStatusOf } from "../../../../app/experiment/run/pool.ts";
import { runExperiment } from "../../../../app/experiment/run/runner.ts";
import { cli } from "../../../_helpers/mod.ts";
import { attempts, cellFiles, FIXTURES } from "../_helpers.ts";

const TINY = `${FIXTURES}/tiny.yaml`;
const FAULTY = `${FIXTURES}/faulty.yaml`;

const tempOut = () => Deno.makeTempDir({ prefix: "vecscene-exp-out-" });

/** The cell files of `out` as text (key order kept), wall-clock metrics and the seal over them left out. */
async function cellTexts(out: string): Promise<Map<string, string>> {
  const files = await cellFiles(out);
  return new Map([...files].map(([name, cell]) => {
    const { sha256: _, ...rest } = cell as Record<string, unknown>;
    return [name, JSON.stringify(rest)];
  }));
}

async function mtimes(out: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for await (const e of Deno.readDir(join(out, "cells"))) {
    m.set(e.name, (await Deno.stat(join(out, "cells", e.name))).mtime!.getTime());
  }
  return m;
}

Deno.test("shards 1/2 + 2/2 and 1/3..3/3, and --jobs 2, give the cells of one run", async () => {
  const one = await tempOut();
  const r = await runExperiment(TINY, { out: one, quiet: true });
  assert.deepEqual([r.total, r.skipped, r.done, r.failed], [10, 0, 10, 0]);
  const expected = await cellTexts(one);
  assert.equal(expected.size, 10);
  const manifest = JSON.parse(await Deno.readTextFile(join(one, "manifest.json")));
  assert.deepEqual(
    manifest.cells.map((c: { hash: string }) => `${c.hash}.json`).sort(),
    [...expected.keys()],
  );
  // Two shards run with two workers each: --jobs 2 and sharding together.
  for (const [count, jobs] of [[2, 2], [3, 1]]) {
    const out = await tempOut();
    let total = 0;
    for (let index = 1; index <= count; index++) {
      const s = await runExperiment(TINY, { out, quiet: true, jobs, shard: { index, count } });
      assert.equal(s.failed, 0);
      assert.equal(s.skipped, 0, "no cell of another shard is run or skipped");
      total += s.total;
    }
    assert.equal(total, 10);
    assert.deepEqual(await cellTexts(out), expected, `${count} shards, --jobs ${jobs}`);
    // The same bytes, but for the decision time of evaluation cells (and the seal over it).
    const name = [...expected.keys()].find((n) => n.startsWith(manifest.cells.at(-1).hash))!;
    const bytes = async (dir: string) =>
      (await Deno.readTextFile(join(dir, "cells", name))).replace(/"decide_ms_per_slot": .*\n/, "")
        .replace(/"sha256": .*\n/, "");
    assert.equal(await bytes(out), await bytes(one));
  }
});

Deno.test("a failed cell is recorded with its error, the others go on; a rerun retries it alone", async () => {
  const out = await tempOut();
  const r = await cli(["experiment", FAULTY, "--out", out, "-q"]);
  assert.equal(r.code, 2);
  const lines = r.err.split("\n");
  assert.equal(lines.length, 3);
  assert.match(
    lines[0],
    /^cell eval faults .* failed: policy "faults" threw RangeError: bad decide/,
  );
  assert.equal(
    lines[2],
    `2 cell(s) failed; logs in ${out}/logs/; rerun the same command to retry them`,
  );
  const cells = [...(await cellFiles(out)).values()] as {
    hash: string;
    status: string;
    error?: string;
    policy: { label: string };
    metrics: Record<string, number>;
  }[];
  const failed = cells.filter((c) => c.status === "failed");
  const done = cells.filter((c) => c.status === "done");
  assert.deepEqual(failed.map((c) => c.policy.label), ["faults", "faults"]);
  assert.deepEqual(done.map((c) => c.policy.label), ["greedy", "greedy"]);
  assert.equal(failed[0].error, 'policy "faults" threw RangeError: bad decide (episode 1, slot 2)');
  assert.deepEqual(failed[0].metrics, {});
  assert.ok(done[0].metrics.mean_delay_s > 0);
  const before = await mtimes(out);
  const again = await cli(["experiment", FAULTY, "--out", out, "-q"]);
  assert.equal(again.code, 2);
  for (const c of done) {
    assert.equal(await attempts(out, c.hash), 1, "a done cell is not run again");
    assert.equal((await mtimes(out)).get(`${c.hash}.json`), before.get(`${c.hash}.json`));
  }
  for (const c of failed) assert.equal(await attempts(out, c.hash), 2, "a failed cell is retried");
});

Deno.test("a run killed mid-way resumes without computing a finished cell again", async () => {
  const out = await tempOut();
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli.ts", "experiment", TINY, "--out", out, "-q"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const cellsDir = join(out, "cells");
  const count = () => {
    try {
      return [...Deno.readDirSync(cellsDir)].filter((e) => e.name.endsWith(".json")).length;
    } catch {
      return 0; // not created yet
    }
  };
  for (let i = 0; i < 600 && count() < 1; i++) await new Promise((r) => setTimeout(r, 25));
  proc.kill("SIGTERM");
  const { code, stderr } = await proc.output();
  assert.equal(code, 2);
  assert.match(
    new TextDecoder().decode(stderr),
    /interrupted: 10 cell\(s\): .* rerun the same command to resume/,
  );
  const finished = await mtimes(out);
  assert.ok(
    finished.size >= 1 && finished.size < 10,
    `${finished.size} cells were done at the kill`,
  );
  const r = await runExperiment(TINY, { out, quiet: true });
  assert.equal(r.skipped, finished.size);
  assert.equal(r.done, 10 - finished.size);
  const now = await mtimes(out);
  assert.equal(now.size, 10);
  for (const [name, t] of finished) {
    assert.equal(now.get(name), t, `${name} was not written again`);
    assert.equal(await attempts(out, name.replace(".json", "")), 1);
  }
  const dry = await cli(["experiment", TINY, "--out", out, "--dry-run"]);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^tiny: 10 cell\(s\): 10 done, 0 failed, 0 to run; output /);
});

Deno.test("a train cell killed mid-training resumes from its checkpoint to the same result", async () => {
  const file = `${FIXTURES}/resume.yaml`;
  const whole = await tempOut();
  await runExperiment(file, { out: whole, quiet: true });
  const out = await tempOut();
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli.ts", "experiment", file, "--out", out, "-q"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const manifest = () => JSON.parse(Deno.readTextFileSync(join(out, "manifest.json")));
  const latest = () => {
    try {
      const [train] = manifest().cells;
      return JSON.parse(Deno.readTextFileSync(join(out, "checkpoints", train.hash, "latest.json")));
    } catch {
      return undefined; // not written yet
    }
  };
  for (let i = 0; i < 3000 && !latest(); i++) await new Promise((r) => setTimeout(r, 10));
  proc.kill("SIGTERM");
  await proc.status;
  const at = latest().episode;
  assert.ok(at >= 4 && at < 40, `killed at episode ${at}`);
  const [train] = manifest().cells;
  assert.equal(await cellStatusOf(out, train.hash), undefined, "the train cell was not finished");
  await runExperiment(file, { out, quiet: true });
  assert.deepEqual(await cellTexts(out), await cellTexts(whole));
  // The second attempt started from the checkpoint, not from episode 1.
  const log = await Deno.readTextFile(join(out, "logs", `${train.hash}.log`));
  const second = log.split("== vecscene experiment cell")[2];
  assert.equal(Number(/ep (\d+)\/40/.exec(second)![1]), at + 1);
});

Deno.test("--dry-run lists the cells, their shard and what is done, and writes nothing", async () => {
  const out = await tempOut();
  await runExperiment(TINY, { out, quiet: true, shard: { index: 2, count: 2 } });
  const done = (await cellFiles(out)).size;
  const r = await cli(["experiment", TINY, "--out", out, "--dry-run", "--shard", "1/2"]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split("\n");
  assert.equal(
    lines[0],
    `tiny: 10 cell(s), ${10 - done} in shard 1/2: 0 done, 0 failed, ${10 - done} to run; ` +
      `output ${out}/`,
  );
  assert.match(lines[1], /^status +kind +policy +seeds +shard +hash +point$/);
  const rows = lines.slice(2, 12);
  assert.equal(rows.filter((l) => l.startsWith("(done)")).length, done);
  assert.equal(rows.filter((l) => l.startsWith("todo")).length, 10 - done);
  assert.match(
    rows[0],
    /^\S+ +train +pqmix +1\/- +[12]\/2 +[0-9a-f]{32} +vehicles\.clients\.count=2$/,
  );
  assert.equal(lines[12], "(status in parentheses: another shard's cell)");
  const empty = await tempOut();
  assert.equal((await cli(["experiment", TINY, "--out", empty, "--dry-run"])).code, 0);
  assert.deepEqual([...Deno.readDirSync(empty)], []);
});

Deno.test("an output folder of something else is refused", async () => {
  const out = await tempOut();
  await Deno.writeTextFile(join(out, "notes.txt"), "mine");
  const r = await cli(["experiment", TINY, "--out", out, "-q"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /holds files that are not an experiment's results \("notes.txt"\)/);
  const other = await tempOut();
  await runExperiment(FAULTY, { out: other, quiet: true });
  const s = await cli(["experiment", TINY, "--out", other, "-q"]);
  assert.equal(s.code, 2);
  assert.match(s.err, /holds the results of experiment "faulty" \(profile none\), not of "tiny"/);
});
