/**
 * A full disk (ENOSPC) and a read-only folder (EROFS), on small tmpfs
 * mounts: where this machine cannot mount one (not root, no tmpfs), the
 * tests are skipped and say why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli } from "../_helpers/mod.ts";

/** Mounts a tmpfs of `size` at a new folder; returns it, or why it cannot. */
function mountTmpfs(size: string, readOnly = false): { dir?: string; why?: string } {
  const dir = Deno.makeTempDirSync({ prefix: "vecscene-tmpfs-" });
  const opts = `size=${size}${readOnly ? ",ro" : ""}`;
  try {
    const r = new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", opts, "tmpfs", dir] })
      .outputSync();
    if (r.code === 0) return { dir };
    return { why: new TextDecoder().decode(r.stderr).trim() || `mount exited ${r.code}` };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

function unmount(dir: string): void {
  new Deno.Command("umount", { args: [dir] }).outputSync();
}

const probe = mountTmpfs("64k");
if (probe.dir) unmount(probe.dir);
const whyNot = probe.why && `cannot mount a small tmpfs here (${probe.why})`;
if (whyNot) console.log(`disk_test skipped: ${whyNot}`);

Deno.test({
  name: "disk full: a run stops with one exit-2 line and leaves the earlier results intact",
  ignore: whyNot !== undefined,
  async fn() {
    const { dir } = mountTmpfs("256k");
    try {
      const out = join(dir!, "x");
      const base = ["run", "scenarios/highway.yaml", "-p", "greedy", "-q", "-o", out];
      const small = await cli([...base, "-e", "1", "--no-csv"]);
      assert.equal(small.code, 0, small.err);
      const before = await Deno.readTextFile(join(out, "comparison.csv"));
      const big = await cli([...base, "-e", "50"]);
      assert.equal(big.code, 2);
      const lines = big.err.trim().split("\n");
      assert.equal(lines.length, 1, big.err);
      assert.match(
        lines[0],
        /^cannot write: No space left on device \(os error 28\).*; .* is unchanged/,
      );
      assert.equal(await Deno.readTextFile(join(out, "comparison.csv")), before);
      await assert.rejects(Deno.stat(`${out}.lock`), Deno.errors.NotFound, "the lock is released");
    } finally {
      unmount(dir!);
    }
  },
});

Deno.test({
  name: "disk full: training stops with one exit-2 line and resumes from its last good checkpoint",
  ignore: whyNot !== undefined,
  async fn() {
    // Room for about one full P-QMIX checkpoint (3.8 MB) and best/ (1.9 MB), not two.
    const { dir } = mountTmpfs("7m");
    const elsewhere = await Deno.makeTempDir();
    try {
      const out = join(dir!, "train");
      const args = [
        ...["train", "scenarios/highway.yaml", "-p", "pqmix", "-e", "3", "-q"],
        ...["--eval-every", "1", "--eval-episodes", "1", "--param", "batch=8"],
      ];
      const r = await cli([...args, "-o", out]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
      assert.match(
        r.err,
        /^cannot write: No space left on device.*keeps its last complete checkpoint/,
      );
      const latest = JSON.parse(await Deno.readTextFile(join(out, "latest.json")));
      assert.ok(latest.episode >= 1 && latest.episode < 3, `latest: ${latest.episode}`);
      // Moved where there is room, it resumes from that checkpoint and finishes.
      await new Deno.Command("cp", { args: ["-r", `${out}/.`, elsewhere] }).output();
      const resumed = await cli([...args, "-o", elsewhere, "--resume"]);
      assert.equal(resumed.code, 0, resumed.err);
      const done = JSON.parse(await Deno.readTextFile(join(elsewhere, "latest.json")));
      assert.equal(done.episode, 3);
    } finally {
      unmount(dir!);
    }
  },
});

Deno.test({
  name: "read-only folder: a run and an experiment stop with one exit-2 line",
  ignore: whyNot !== undefined,
  async fn() {
    const { dir } = mountTmpfs("1m", true);
    try {
      const run = await cli([
        "run",
        "scenarios/highway.yaml",
        "-e",
        "1",
        "-q",
        "-o",
        join(dir!, "x"),
      ]);
      assert.equal(run.code, 2);
      assert.match(
        run.err.trim(),
        /^(vecscene: )?cannot write: Read-only file system \(os error 30\)/,
      );
      const exp = await cli([
        ...["experiment", "tests/fixtures/experiments/tiny.yaml", "-q"],
        ...["--out", join(dir!, "exp")],
      ]);
      assert.equal(exp.code, 2);
      assert.equal(exp.err.trim().split("\n").length, 1, exp.err);
      assert.match(
        exp.err,
        /cannot (write|create its folder): Read-only file system \(os error 30\)/,
      );
    } finally {
      unmount(dir!);
    }
  },
});
