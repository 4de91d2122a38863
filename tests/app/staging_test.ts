import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempScenario } from "../_helpers/mod.ts";

const FIX = new URL("../fixtures/plugins/", import.meta.url).pathname;

/** Every file under `dir` with its bytes, by relative path. */
async function snapshot(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) Object.assign(out, await snapshot(join(dir, e.name), `${rel}/`));
    else out[rel] = await Deno.readTextFile(join(dir, e.name));
  }
  return out;
}

const scenario = (policies: string) =>
  tempScenario(`name: st\ntime: { episodes: 1, slots: 4 }\npolicy: [${policies}]\n`);

Deno.test("a failed run leaves the earlier results byte-identical and says where its partial results are", async () => {
  const out = join(await Deno.makeTempDir({ prefix: "vecscene-stage-" }), "results");
  let r = await cli(["run", await scenario("greedy, rsu"), "-o", out, "-q"]);
  assert.equal(r.code, 0, r.err);
  const before = await snapshot(out);
  assert.ok("greedy/slots.csv" in before && "comparison.csv" in before);
  const failing = await scenario(`greedy, { use: ${FIX}faults.ts, params: { where: decide } }`);
  r = await cli(["run", failing, "-o", out, "-q"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^policy "faults" threw RangeError: bad decide \(episode 1, slot 2\)$/m);
  assert.match(
    r.err,
    new RegExp(
      `^${out} is unchanged; the failed run's partial results are in ${out}\\.failed$`,
      "m",
    ),
  );
  assert.deepEqual(await snapshot(out), before, "the earlier results, byte for byte");
  const partial = await snapshot(`${out}.failed`);
  assert.ok("greedy/slots.csv" in partial, "the policy that finished");
  assert.ok(!("comparison.csv" in partial), "no comparison of a run that did not finish");
  const left = [];
  for await (const e of Deno.readDir(join(out, ".."))) left.push(e.name);
  assert.deepEqual(left.sort(), ["results", "results.failed"], "no staging folder left behind");
});

Deno.test("a finished run replaces the earlier results whole: no folder mixes two runs", async () => {
  const out = join(await Deno.makeTempDir({ prefix: "vecscene-stage-" }), "results");
  assert.equal((await cli(["run", await scenario("greedy, rsu"), "-o", out, "-q"])).code, 0);
  assert.equal((await cli(["run", await scenario("local"), "-o", out, "-q"])).code, 0);
  assert.deepEqual(Object.keys(await snapshot(out)).sort(), [
    "comparison.csv",
    "queues.csv",
    "slots.csv",
    "steps.csv",
    "summary.json",
    "vehicles.csv",
  ]);
});

Deno.test("an output folder holding other files is refused before anything runs", async () => {
  const out = await Deno.makeTempDir({ prefix: "vecscene-stage-" });
  await Deno.writeTextFile(join(out, "notes.txt"), "mine");
  const r = await cli(["run", await scenario("greedy"), "-o", out, "-q"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /holds 1 entry that is not a vecscene result \(notes\.txt\); a run replaces/);
  assert.equal(await Deno.readTextFile(join(out, "notes.txt")), "mine");
});

Deno.test("an output path under a file is a located error, exit 2", async () => {
  const file = join(await Deno.makeTempDir(), "a-file");
  await Deno.writeTextFile(file, "x");
  const r = await cli(["run", await scenario("greedy"), "-o", join(file, "out"), "-q"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^output .*a-file\/out: cannot create its folder: /);
});
