import assert from "node:assert/strict";
import { UserError } from "../../../engine/errors.ts";
import { loadScenario } from "../../../engine/scenario/load.ts";
import { defaultRegistry } from "../../../host/registry.ts";
import { resolvePolicies } from "../../../host/resolve.ts";
import { cli, tempScenario } from "../../_helpers/mod.ts";

/** Loads and resolves policies; returns the problems as `line:col: message` strings. */
async function problems(text: string): Promise<string[]> {
  const file = await tempScenario(text);
  try {
    const loaded = await loadScenario(file);
    await resolvePolicies(loaded, defaultRegistry());
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
    return e.problems.map((p) => {
      assert.equal(p.file, file);
      return `${p.line}:${p.col}: ${p.message}`;
    });
  }
  return [];
}

Deno.test("a valid scenario has no problems", async () => {
  assert.deepEqual(await problems("name: ok\npolicy: [greedy, genetic]\n"), []);
});

Deno.test("YAML syntax errors are located", async () => {
  const p = await problems("name: x\ntime: { slots: 3\nseed: 1\n");
  assert.equal(p.length, 1);
  assert.match(p[0], /^3:1: YAML syntax error: /);
});

Deno.test("duplicate keys are YAML errors", async () => {
  const p = await problems("seed: 1\nseed: 2\n");
  assert.match(p[0], /^2:1: YAML syntax error: .*[Mm]ap keys must be unique/);
});

Deno.test("wrong types name the expected type", async () => {
  const p = await problems("time:\n  slots: ten\n");
  assert.deepEqual(p, ['2:10: expected number, got "ten"']);
});

Deno.test("unknown keys get did-you-mean at the key", async () => {
  const p = await problems("time:\n  slot: 3\nlyapunov: { V: 1, gama: printed }\n");
  assert.deepEqual(p, [
    '2:3: unknown key "slot" in time (did you mean "slots"?)',
    '3:19: unknown key "gama" in lyapunov (did you mean "gamma"?)',
  ]);
});

Deno.test("out-of-range values: negative CPU, zero slots, V < 0", async () => {
  const p = await problems(
    "time: { slots: 0 }\nvehicles:\n  clients: { cpuGflops: [-1, 6] }\nlyapunov: { V: -0.5 }\n",
  );
  assert.deepEqual(p, [
    "1:16: slots must be >= 1 (got 0)",
    "3:26: cpuGflops[0] must be >= 0.001 (got -1)",
    "4:16: V must be >= 0 (got -0.5)",
  ]);
});

Deno.test("a reversed range is an error", async () => {
  const p = await problems("vehicles: { services: { cpuGflops: [8, 6] } }\n");
  assert.match(p[0], /^1:36: .*lower bound must not exceed its upper bound/);
});

Deno.test("probabilities outside [0, 1] in policy params", async () => {
  const p = await problems(
    "policy:\n  use: genetic\n  params: { crossover: 1.5, mutation: -0.1 }\n",
  );
  assert.deepEqual(p, [
    '3:13: parameter "crossover" of policy "genetic" must be in [0, 1], got 1.5',
    '3:29: parameter "mutation" of policy "genetic" must be in [0, 1], got -0.1',
  ]);
});

Deno.test("unknown and mistyped policy params", async () => {
  const p = await problems(
    "policy:\n  - use: genetic\n    params: { populaton: 10, generations: many }\n",
  );
  assert.equal(p.length, 2);
  assert.match(p[0], /^3:15: unknown parameter "populaton" .*\(did you mean "population"\?\)/);
  assert.match(p[1], /^3:30: parameter "generations" of policy "genetic" must be a number/);
});

Deno.test("unknown policy ids get did-you-mean", async () => {
  const p = await problems("policy: [greedy, genetc]\n");
  assert.equal(p.length, 1);
  assert.match(p[0], /^1:18: unknown policy "genetc" \(did you mean "genetic"\?\)/);
});

Deno.test("unknown DNN models get did-you-mean", async () => {
  const p = await problems("dnn: { models: [alexnet, resnet19] }\n");
  assert.match(p[0], /^1:26: unknown DNN model "resnet19" \(did you mean "resnet18"\?\)/);
});

Deno.test("a layer list whose shapes do not chain", async () => {
  const p = await problems(
    "dnn:\n  models: [tiny]\n  custom:\n    tiny:\n      inputShape: [8, 8, 3]\n      layers:\n" +
      "        - { type: conv, out: 4, kernel: 3, pad: 1 }\n        - { type: fc, out: 10, in: 100 }\n",
  );
  assert.deepEqual(p, [
    '8:36: model "tiny": declares 100 inputs but the previous layer gives 256',
  ]);
});

Deno.test("a conv layer after an FC layer, and a kernel that does not fit", async () => {
  const p = await problems(
    "dnn:\n  models: [a]\n  custom:\n    a:\n      inputShape: [4, 4, 1]\n      layers:\n" +
      "        - { type: conv, out: 2, kernel: 9 }\n",
  );
  assert.match(p[0], /^7:41: model "a": kernel 9 .* does not fit the 4x4 input/);
  const q = await problems(
    "dnn:\n  models: [a]\n  custom:\n    a:\n      layers:\n" +
      "        - { type: fc, out: 2 }\n        - { type: maxpool, kernel: 2 }\n",
  );
  assert.match(q[0], /^7:19: model "a": a maxpool layer cannot follow a fully connected layer/);
});

Deno.test("the DNN mix must fit the population and the model list", async () => {
  const p = await problems(
    "vehicles:\n  clients:\n    count: 3\n    dnn: { list: [alexnet, vgg61] }\n",
  );
  assert.deepEqual(p, [
    "4:18: the list names 2 model(s) but there are 3 client vehicles; give one per client",
    '4:28: "vgg61" is not one of dnn.models (alexnet, resnet18, vgg16) (did you mean "vgg16"?)',
  ]);
});

Deno.test("vehicles that would leave RSU coverage are refused", async () => {
  const p = await problems("rsu: { coverageM: 300 }\n");
  assert.match(p[0], /^1:19: vehicles can be 620 m from the RSU .* coverage is 300 m/);
});

Deno.test("a missing scenario file", async () => {
  await assert.rejects(
    loadScenario("/nonexistent/x.yaml"),
    /x\.yaml: cannot read scenario: no such file/,
  );
});

Deno.test("a missing plugin file is located in the scenario", async () => {
  const p = await problems("policy: { use: ./nope.ts }\n");
  assert.match(p[0], /^1:16: plugin \.\/nope\.ts: no such file/);
});

Deno.test("CLI: invalid scenario exits 2 with file:line:col and no stack trace", async () => {
  const file = await tempScenario("time:\n  slots: 0\n");
  const r = await cli(["validate", file]);
  assert.equal(r.code, 2);
  assert.equal(r.err, `${file}:2:10: slots must be >= 1 (got 0)`);
  assert.doesNotMatch(r.err, /\bat .*\.ts:\d+/);
});

Deno.test("CLI: bad flags exit 2", async () => {
  const file = await tempScenario("name: ok\n");
  assert.equal((await cli(["run", file, "--episodes", "0"])).code, 2);
  assert.equal((await cli(["run", file, "--frobnicate"])).code, 2);
  assert.equal((await cli(["nosuchcommand"])).code, 2);
  assert.equal((await cli(["run", file, "--policy", "greedyy", "-q"])).code, 2);
});

Deno.test("CLI: validate accepts the shipped scenarios", async () => {
  const r = await cli(["validate", "scenarios/highway.yaml"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /highway\.yaml: ok/);
});
