/**
 * A real one-node Slurm cluster (experiments/slurm/one-node.sh) runs a small
 * experiment as a 2-task job array plus the dependent report job
 * (experiments/slurm/submit.sh), and gives the results.csv of a local,
 * unsharded run. Skipped, saying why, where Slurm cannot start (not root,
 * packages missing, a slurm.conf of someone else's).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { isWallClockMetric } from "../../app/report/contract.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SLURM = join(ROOT, "experiments/slurm");
const dec = new TextDecoder();

async function sh(cmd: string, args: string[], cwd = ROOT) {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function cannotStart(): Promise<string | undefined> {
  try {
    const r = await sh(join(SLURM, "one-node.sh"), ["check"]);
    return r.code === 0 ? undefined : r.err.trim() || `one-node.sh check exited ${r.code}`;
  } catch (e) {
    return `one-node.sh cannot run: ${(e as Error).message}`;
  }
}

const skip = await cannotStart();
if (skip) console.log(`slurm_test: skipped as ${skip}`);

/** 2 grid points x 2 policies x 2 evaluation seeds, 1 episode of 5 slots each. */
const EXPERIMENT = (base: string) =>
  `name: slurm-check
base: ${base}
set:
  time.slots: 5
vary:
  vehicles.clients.count: [2, 3]
policies: [greedy, local]
seeds:
  eval: [1, 2]
evaluate:
  episodes: 1
figures:
  - id: delay
    title: Mean delay vs number of CVs
    source: eval
    x: vehicles.clients.count
    y: mean_delay_s
`;

/** results.csv without the rows of wall-clock metrics (they differ between any two runs). */
async function results(dir: string): Promise<string[]> {
  const lines = (await Deno.readTextFile(join(dir, "results.csv"))).trimEnd().split("\n");
  const metric = lines[0].split(",").indexOf("metric");
  return lines.filter((l) => !isWallClockMetric(l.split(",")[metric]));
}

Deno.test({
  name:
    "a 2-task Slurm job array and its dependent report give the local run's results.csv; a failing cell cancels the report",
  ignore: skip !== undefined,
  async fn() {
    const wasUp = (await sh(join(SLURM, "one-node.sh"), ["status"])).code === 0;
    const start = await sh(join(SLURM, "one-node.sh"), ["start"]);
    assert.equal(start.code, 0, start.err + start.out);
    try {
      const dir = await Deno.makeTempDir({ prefix: "vecscene-slurm-" });
      const file = join(dir, "check.yaml");
      await Deno.writeTextFile(
        file,
        EXPERIMENT(relative(dir, join(ROOT, "scenarios/highway.yaml"))),
      );
      const deno = Deno.execPath();
      const local = join(dir, "local");
      let r = await sh(deno, ["task", "-q", "experiment", file, "--out", local, "--quiet"]);
      assert.equal(r.code, 0, r.err);
      r = await sh(deno, ["task", "-q", "report", local, "--no-png", "--quiet"]);
      assert.equal(r.code, 0, r.err);

      const out = join(dir, "slurm");
      const logs = join(dir, "logs");
      r = await sh(join(SLURM, "submit.sh"), [
        "--tasks",
        "2",
        "--out",
        out,
        "--logs",
        logs,
        "--wait",
        file,
      ]);
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      const [, cells, report] = r.out.match(/cells: job (\d+) \(2 task\(s\)\); report: job (\d+)/)!;
      assert.match(r.out, new RegExp(`report job ${report}: COMPLETED`));
      // Each task ran its own shard; the report job wrote the report.
      const taskLogs = await Promise.all(
        [0, 1].map((i) => Deno.readTextFile(join(logs, `vecscene-cells-${cells}_${i}.out`))),
      );
      assert.match(taskLogs[0], /vecscene: shard 1\/2 of /);
      assert.match(taskLogs[1], /vecscene: shard 2\/2 of /);
      const reportLog = await Deno.readTextFile(join(logs, `vecscene-report-${report}.out`));
      assert.match(reportLog, /slurm-check: 8 of 8 cells done, 0 failed, 0 not run yet/);

      const [a, b] = [await results(local), await results(out)];
      assert.equal(a.length, 1 + 8 * 8);
      assert.deepEqual(b, a);

      // A failing cell fails its task: the report job is cancelled, and --wait says so.
      const failing = join(dir, "failing.yaml");
      const throws = join(ROOT, "tests/fixtures/plugins/throws.ts");
      await Deno.writeTextFile(
        failing,
        (await Deno.readTextFile(file)).replace("[greedy, local]", `[greedy, ${throws}]`),
      );
      r = await sh(join(SLURM, "submit.sh"), [
        "--tasks",
        "2",
        "--out",
        join(dir, "failing"),
        "--logs",
        logs,
        "--wait",
        failing,
      ]);
      assert.equal(r.code, 1, `${r.out}\n${r.err}`);
      assert.match(r.out, /report job \d+: CANCELLED/);
    } finally {
      if (!wasUp) await sh(join(SLURM, "one-node.sh"), ["stop"]);
    }
  },
});
