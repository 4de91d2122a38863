import assert from "node:assert/strict";
import { loadScenario } from "../../engine/scenario/load.ts";
import { runScenario } from "../../app/run.ts";
import { UserError } from "../../engine/errors.ts";
import { shapeProblems } from "../../host/plugin.ts";
import { cli, tempScenario } from "../_helpers/mod.ts";

const FIX = new URL("../fixtures/plugins/", import.meta.url).pathname;

async function runWith(use: string, extra = ""): Promise<unknown> {
  const file = await tempScenario(
    `name: p\ntime: { episodes: 1, slots: 5 }\nmobility: { kind: highway, startM: [-500, -200] }\n` +
      `policy: { use: ${use} }\n${extra}`,
  );
  try {
    await runScenario(await loadScenario(file));
  } catch (e) {
    return e;
  }
  return undefined;
}

Deno.test("shape check lists every problem of a plugin object", () => {
  assert.deepEqual(shapeProblems(null), [
    "its default export is not a policy object; export `definePolicy({...})` as default",
  ]);
  const p = shapeProblems({ id: "Bad Id", defaults: [], create: 1, observe: "x" });
  assert.equal(p.length, 5);
  assert.match(p.join("\n"), /"id" must be/);
  assert.match(p.join("\n"), /"observe" must be a function/);
});

Deno.test("a plugin without create is refused with its path and line", async () => {
  const e = await runWith(`${FIX}no_create.ts`);
  assert.ok(e instanceof UserError);
  assert.match(e.message, /:4:16: not a valid policy plugin: "create" must be a function/);
});

Deno.test("a plugin that throws is reported with its name and slot", async () => {
  const e = await runWith(`${FIX}throws.ts`);
  assert.ok(e instanceof UserError);
  assert.equal(e.message, 'policy "throws" threw TypeError: boom (episode 1, slot 3)');
});

Deno.test("an invalid decision is reported with the plugin name and slot", async () => {
  const e = await runWith(`${FIX}bad_partition.ts`);
  assert.ok(e instanceof UserError);
  assert.match(
    e.message,
    /^policy "bad-partition" returned an invalid decision: cv1 \(alexnet, L = 11\) got partition 0; it must be an integer in 1\.\.12 \(episode 1, slot 2\)$/,
  );
});

Deno.test("offloading beyond the V2V range is refused", async () => {
  const e = await runWith(`${FIX}far_sv.ts`);
  assert.ok(e instanceof UserError);
  assert.match(
    e.message,
    /^policy "far-sv" returned an invalid decision: cv\d+ offloads to sv\d+, [\d.]+ m away, beyond the V2V range/,
  );
});

Deno.test("CLI --plugin registers the example plugin by id", async () => {
  const out = await Deno.makeTempDir();
  const r = await cli([
    "run",
    "scenarios/highway.yaml",
    "--plugin",
    "plugins/least_delay.ts",
    "--policy",
    "least-delay",
    "--episodes",
    "1",
    "--out",
    out,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /least-delay\s+\d+\.\d{3}/);
  const csv = await Deno.readTextFile(`${out}/comparison.csv`);
  assert.match(csv, /^policy,mean_delay_s,/);
  assert.match(csv, /\nleast-delay,/);
});

Deno.test("CLI: a bad plugin exits 2", async () => {
  const r = await cli(["policies", "--plugin", `${FIX}no_create.ts`]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no_create\.ts: not a valid policy plugin/);
});

Deno.test("a plugin that writes into its state and tables changes nobody's results", async () => {
  const text = (policies: string) =>
    `name: iso\ntime: { episodes: 2, slots: 8 }\npolicy: [${policies}]\n`;
  const file = await tempScenario(text(`{ use: ${FIX}vandal.ts }, greedy, rsu`));
  const report = await runScenario(await loadScenario(file));
  const [vandal, greedy, rsu] = report.results.map((r) => r.aggregates);
  const alone = await runScenario(await loadScenario(await tempScenario(text("greedy, rsu"))));
  assert.deepEqual(greedy, alone.results[0].aggregates, "greedy after the vandal");
  assert.deepEqual(vandal, rsu, "the vandal decides as rsu and scores exactly as rsu");
  assert.ok(vandal.meanDelayS > 1, `${vandal.meanDelayS}`);
});

Deno.test("clearing the activity flags does not disable the decision check", async () => {
  const e = await runWith(`${FIX}vandal.ts, params: { lie: true }`);
  assert.ok(e instanceof UserError);
  assert.match(
    e.message,
    /^policy "vandal" returned an invalid decision: cv1 \(alexnet, L = 11\) got partition 999/,
  );
});

Deno.test("a decision with more entries than client vehicles is refused", async () => {
  const e = await runWith(`${FIX}vandal.ts, params: { extra: 2 }`);
  assert.ok(e instanceof UserError);
  assert.match(
    e.message,
    /"partition" has 9 entries for 7 client vehicles; give exactly one per CV/,
  );
});
