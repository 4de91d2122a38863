/**
 * The worked example of a Python policy in an experiment
 * (experiments/python-policy.yaml with examples/python/least_queue.py),
 * run at its quick profile, then reported.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli } from "../../_helpers/mod.ts";

const EXPERIMENT = new URL("../../../experiments/python-policy.yaml", import.meta.url).pathname;

Deno.test({
  name: "experiments/python-policy.yaml: the Python policy beside the built-ins, and its report",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "vecscene-pyexp-" });
    try {
      const refused = await cli(["experiment", EXPERIMENT, "--profile", "quick", "--out", out]);
      assert.equal(refused.code, 2);
      assert.match(
        refused.err,
        /python-policy\.yaml:\d+:\d+: .*cannot be sandboxed.*--trust-plugins/,
      );
      const exp = join(out, "exp");
      const run = await cli([
        "experiment",
        EXPERIMENT,
        "--profile",
        "quick",
        "--trust-plugins",
        "--out",
        exp,
        "--quiet",
      ]);
      assert.equal(run.code, 0, run.err);
      const report = join(out, "report");
      const r = await cli(["report", exp, "--out", report, "--no-png", "--quiet"]);
      assert.equal(r.code, 0, r.err);
      const summary = await Deno.readTextFile(join(report, "summary.csv"));
      const rows = summary.trim().split("\n");
      const header = rows[0].split(",");
      const policy = header.indexOf("policy");
      const labels = new Set(rows.slice(1).map((l) => l.split(",")[policy]));
      assert.deepEqual([...labels].sort(), ["genetic", "greedy", "least-queue", "local"]);
      const html = await Deno.readTextFile(join(report, "report.html"));
      assert.match(html, /least-queue/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
