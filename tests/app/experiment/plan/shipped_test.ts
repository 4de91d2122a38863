import assert from "node:assert/strict";
import { join } from "node:path";
import { experimentSchemaText } from "../../../../app/cli/schema.ts";
import { cli } from "../../../_helpers/mod.ts";
import { cellFiles, expandFile } from "../_helpers.ts";

const SHIPPED = ["fig6a", "fig6b", "fig7", "fig8a", "fig8b", "fig9", "table2"];
/** Worked examples (README "From Python"), with a quick profile only. */
const EXAMPLES = ["python-policy"];
/** Studies of this project's own (docs/results), with a quick profile only. */
const STUDIES = ["ga-budget", "paper-hypotheses", "paper-hypotheses-8b", "rsus"];

Deno.test("the committed experiment JSON Schema is up to date", async () => {
  assert.equal(
    await Deno.readTextFile("experiments/experiment.schema.json"),
    experimentSchemaText(),
  );
});

Deno.test("every shipped experiment expands under each profile; quick is the smallest", async () => {
  const found = [...Deno.readDirSync("experiments")].map((e) => e.name)
    .filter((n) => n.endsWith(".yaml")).map((n) => n.replace(/\.yaml$/, "")).sort();
  assert.deepEqual(found, [...SHIPPED, ...EXAMPLES, ...STUDIES].sort());
  for (const name of SHIPPED) {
    const file = `experiments/${name}.yaml`;
    const plain = await expandFile(file);
    const extra = name === "fig8a" ? ["drawn-mix"] : [];
    assert.deepEqual(plain.loaded.profiles.sort(), [...extra, "paper", "quick"], name);
    const quick = await expandFile(file, "quick");
    const paper = await expandFile(file, "paper");
    assert.ok(quick.cells.length < plain.cells.length || quick.cells.length < paper.cells.length);
    assert.ok(quick.cells.length <= 21, `${name}: ${quick.cells.length} quick cells`);
    for (const c of quick.cells) {
      if (c.train) assert.ok(c.train.episodes <= 3, `${name}: quick training is tiny`);
      if (c.kind === "eval") assert.ok(c.episodes! <= 2, `${name}: quick evaluation is tiny`);
    }
    // Table II times decisions, which cost the same whatever the weights: it trains briefly.
    const budget = name === "table2" ? 2 : 1000;
    for (const c of paper.cells) if (c.train) assert.equal(c.train.episodes, budget, name);
    assert.ok(plain.loaded.experiment.figures.length > 0, name);
  }
});

Deno.test("Fig. 8(a)'s drawn-mix profile changes the DNN mix and nothing else", async () => {
  const plain = await expandFile("experiments/fig8a.yaml");
  const drawn = await expandFile("experiments/fig8a.yaml", "drawn-mix");
  assert.equal(drawn.cells.length, plain.cells.length);
  const mixOf = (c: { scenario: Record<string, unknown> }) =>
    (c.scenario.vehicles as { clients: { dnn: unknown } }).clients.dnn;
  for (const [i, c] of drawn.cells.entries()) {
    assert.deepEqual(mixOf(c), { weights: { alexnet: 1, resnet18: 1, vgg16: 1 } });
    assert.equal(mixOf(plain.cells[i]), "round-robin");
    const { vehicles: _a, ...rest } = c.scenario;
    const { vehicles: _b, ...plainRest } = plain.cells[i].scenario;
    assert.deepEqual(rest, plainRest);
    assert.notEqual(c.hash, plain.cells[i].hash);
  }
  assert.match(plain.loaded.experiment.figures[0].caption ?? "", /round-robin/);
});

Deno.test("the quick Fig. 8(a) runs end to end, and the report reads its folder", async () => {
  const out = await Deno.makeTempDir({ prefix: "vecscene-fig8a-quick-" });
  const r = await cli([
    "experiment",
    "experiments/fig8a.yaml",
    "--profile",
    "quick",
    "--out",
    out,
    "-j",
    "2",
    "-q",
  ]);
  assert.equal(r.code, 0, r.err);
  const manifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
  assert.equal(manifest.cells.length, 21);
  const cells = [...(await cellFiles(out)).values()] as {
    status: string;
    kind: string;
    policy: { label: string };
  }[];
  assert.equal(cells.filter((c) => c.status === "done").length, 21);
  const evals = cells.filter((c) => c.kind === "eval").map((c) => c.policy.label).sort();
  assert.deepEqual(evals, [
    "genetic",
    "genetic",
    "genetic",
    "greedy",
    "greedy",
    "greedy",
    "local-search",
    "local-search",
    "local-search",
    "mad2rl",
    "mad2rl",
    "mad2rl",
    "pqmix",
    "pqmix",
    "pqmix",
  ]);
  const report = await cli(["report", out, "--no-png", "-q"]);
  assert.equal(report.code, 0, report.err);
  const html = await Deno.readTextFile(join(out, "report.html"));
  assert.match(html, /<p class="caption">Greedy lies [^<]*round-robin[^<]*<\/p>/);
  const csv = (await Deno.readTextFile(join(out, "results.csv"))).trim().split("\n");
  assert.ok(csv[0].startsWith("vehicles.clients.count,policy,"), csv[0]);
  assert.ok(
    csv.some((l) => /^7,mad2rl,1,101,eval,,mean_delay_s,/.test(l)),
    "a row per cell and metric",
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("every study expands, and its quick profile is tiny", async () => {
  for (const name of STUDIES) {
    const file = `experiments/${name}.yaml`;
    const plain = await expandFile(file);
    assert.deepEqual(plain.loaded.profiles, ["quick"], name);
    const quick = await expandFile(file, "quick");
    assert.ok(quick.cells.length < plain.cells.length, name);
    assert.ok(quick.cells.length <= 21, `${name}: ${quick.cells.length} quick cells`);
    for (const c of quick.cells) if (c.kind === "eval") assert.ok(c.episodes! <= 2, name);
  }
});

/** Runs a study's quick profile and its report; the output folder and results.csv's lines. */
async function runQuick(name: string): Promise<{ out: string; csv: string[] }> {
  const out = await Deno.makeTempDir({ prefix: `vecscene-${name}-quick-` });
  const args = [`experiments/${name}.yaml`, "--profile", "quick", "--out", out, "-j", "2"];
  const r = await cli(["experiment", ...args, "-q"]);
  assert.equal(r.code, 0, r.err);
  const report = await cli(["report", out, "--no-png", "-q"]);
  assert.equal(report.code, 0, report.err);
  return { out, csv: (await Deno.readTextFile(join(out, "results.csv"))).trim().split("\n") };
}

Deno.test("the quick paper-hypotheses study runs, and its report checks every reading", async () => {
  const { out, csv } = await runQuick("paper-hypotheses");
  const header = csv[0].split(",");
  for (const key of ["name", "dnn.inputBytes", "dnn.flopsPerCycle", "lyapunov.waiting"]) {
    assert.ok(header.includes(key), `results.csv has a ${key} column`);
  }
  // The small raw input lets Greedy offload, so its time falls far (the observation).
  const html = await Deno.readTextFile(join(out, "report.html"));
  for (const reading of ["as-shipped", "12kb-input-literal-waiting"]) {
    assert.ok(html.includes(`${reading}-optimum-greedy-7cv`), reading);
  }
});

Deno.test("the quick ga-budget study runs and draws both figures", async () => {
  const { out } = await runQuick("ga-budget");
  for (const id of ["ga-budget-tct", "ga-budget-time"]) {
    const svg = await Deno.readTextFile(join(out, "figures", `${id}.svg`));
    assert.match(svg, /<svg/);
  }
});

Deno.test("the quick several-RSU study runs: every policy on 1 and 3 RSUs, learners included", async () => {
  const { out, csv } = await runQuick("rsus");
  const header = csv[0].split(",");
  assert.deepEqual(header.slice(0, 4), ["rsus.count", "rsus.every", "rsus.coverageM", "policy"]);
  const delays = csv.filter((l) => l.includes(",eval,,mean_delay_s,"));
  for (const p of ["greedy", "genetic", "genetic-converged", "pqmix", "mad2rl"]) {
    for (const n of [1, 3]) {
      assert.ok(delays.some((l) => l.startsWith(`${n},`) && l.includes(`,${p},`)), `${p} ${n}`);
    }
  }
  await Deno.remove(out, { recursive: true });
});
