/**
 * The cases of non-finite results, end to end: each now ends with
 * finite results (exit 0) or a located error (exit 2), never a NaN or an
 * infinity written as a result.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempScenario } from "../_helpers/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function run(text: string, args: string[] = []) {
  const file = await tempScenario(text);
  const out = join(await Deno.makeTempDir(), "r");
  const r = await cli(["run", file, "-e", "2", "-o", out, "-q", ...args]);
  return { file, out, code: r.code, err: r.err };
}

Deno.test("V = 0 (MODEL.md A24): genetic and rsu give finite delays", async () => {
  const r = await run("name: v0\nlyapunov: { V: 0 }\npolicy: [genetic, rsu, greedy]\n");
  assert.equal(r.code, 0, r.err);
  for (const p of ["genetic", "rsu", "greedy"]) {
    const slots = await Deno.readTextFile(join(r.out, p, "slots.csv"));
    assert.doesNotMatch(slots, /NaN|Infinity/, p);
  }
  const summary = await Deno.readTextFile(join(r.out, "summary.json"));
  // The highway has no trace: its episodes' windowStartS and vehicles are null by design.
  const figures = summary.replaceAll(/"(windowStartS|vehicles)": null/g, "");
  assert.doesNotMatch(figures, /NaN|Infinity|null/);
});

Deno.test("a bandwidth of 1e-308 Hz is refused at its key", async () => {
  const r = await run("name: b\nchannel:\n  bandwidthHz: 1e-308\n");
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^${r.file}:3:16: bandwidthHz must be >= 1 \\(got 1e-308\\)`));
});

Deno.test("an absurd RSU offset of the New York scenario is refused at its key, not in the trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-nyc-" });
  await Deno.mkdir(join(dir, "nyc"));
  for (const f of ["fdr.fcd.xml", "fdr.net.xml"]) {
    await Deno.copyFile(`${ROOT}scenarios/nyc/${f}`, join(dir, "nyc", f));
  }
  const text = (await Deno.readTextFile(`${ROOT}scenarios/nyc.yaml`))
    .replace("offsetM: 10 }", "offsetM: 9e15 }");
  const file = join(dir, "nyc.yaml");
  await Deno.writeTextFile(file, text);
  const r = await cli(["run", file, "-p", "greedy", "-e", "1", "-o", join(dir, "out"), "-q"]);
  assert.equal(r.code, 2);
  const line = text.split("\n").findIndex((l) => l.includes("9e15")) + 1;
  assert.match(
    r.err,
    new RegExp(`^${file}:${line}:\\d+: offsetM must be <= 100000 \\(got 9e15\\)`),
  );
});

Deno.test("a non-finite value the bounds cannot prevent stops the run, naming it, and writes nothing", async () => {
  // Within every bound, yet the SNR underflows: the rate is 0 and the upload time infinite.
  const r = await run(
    "name: snr\nvehicles: { clients: { txPowerDbm: -100 } }\nchannel: { noiseDbm: 30 }\npolicy: rsu\n",
  );
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /^policy "rsu": the model produced a non-finite t_tx_s of cv1 \(Infinity\) \(episode 1, slot 1\); nothing was written/,
  );
  await assert.rejects(Deno.stat(r.out), Deno.errors.NotFound);
});
