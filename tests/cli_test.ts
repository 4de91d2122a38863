import assert from "node:assert/strict";
import { schemaText } from "../app/cli/schema.ts";
import { cli } from "./_helpers/mod.ts";
import { program } from "../cli.ts";

Deno.test("the committed JSON Schema is up to date", async () => {
  assert.equal(await Deno.readTextFile("scenarios/scenario.schema.json"), schemaText());
});

Deno.test("models prints a per-layer table computed from layer tuples", async () => {
  const r = await cli(["models", "alexnet"]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split("\n");
  assert.equal(lines[0], "alexnet: L = 11, L^con = 8, total 4.533 GFLOP");
  assert.match(lines[2], /^1\s+conv1\s+conv\s+224x224x3\s+602112\s+2\.337800$/);
  assert.match(lines[13], /^12\s+\(fully local\)/);
});

Deno.test("models --json with the exact FLOP convention", async () => {
  const r = await cli(["models", "vgg16", "--json", "--flops", "exact"]);
  assert.equal(r.code, 0, r.err);
  const t = JSON.parse(r.out);
  assert.equal(t.L, 21);
  assert.equal(t.Lcon, 18);
  assert.equal(Math.round(t.layers[2].workGflop * 1e9), 3_211_264);
  assert.equal(t.layers[18].dBytes, 100_352);
});

Deno.test("models of an unknown name suggest the closest", async () => {
  const r = await cli(["models", "alexnte"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown model "alexnte" \(did you mean "alexnet"\?\)/);
});

Deno.test("every command has --help", async () => {
  const names = program().commands.map((c) => c.name());
  for (const c of ["run", "train", "expert", "experiment", "report", "validate"]) {
    assert.ok(names.includes(c), c);
  }
  for (const c of names) {
    const proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli.ts", c, "--help"],
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stdout } = await proc.output();
    assert.equal(code, 0);
    assert.match(new TextDecoder().decode(stdout), new RegExp(`^Usage: vecscene ${c}`));
  }
});

Deno.test("a user error in a real process: exit 2, one line, no stack trace", async () => {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli.ts", "run", "tests/fixtures/scenarios/bad_v.yaml"],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await proc.output();
  assert.equal(code, 2);
  assert.equal(
    new TextDecoder().decode(stderr),
    "tests/fixtures/scenarios/bad_v.yaml:3:6: V must be >= 0 (got -10)\n",
  );
});

Deno.test("the New York scenario runs every policy with its shipped checkpoints", async () => {
  const out = await Deno.makeTempDir();
  const r = await cli(["run", "scenarios/nyc.yaml", "-e", "1", "--out", out, "--no-csv"]);
  assert.equal(r.code, 0, r.err);
  const rows = (await Deno.readTextFile(`${out}/comparison.csv`)).trim().split("\n").slice(1);
  assert.deepEqual(rows.map((r) => r.split(",")[0]), [
    "greedy",
    "genetic",
    "genetic-converged",
    "pqmix",
    "mad2rl",
    "pqmix-paper",
  ]);
  for (const row of rows) assert.ok(Number(row.split(",")[1]) > 0);
});
