import assert from "node:assert/strict";
import { parseExperiment } from "../../../../app/experiment/plan/load.ts";
import { UserError } from "../../../../engine/errors.ts";
import { cli } from "../../../_helpers/mod.ts";
import { experimentFile, problemsOf } from "../_helpers.ts";

const OK = `name: t
base: tiny_scenario.yaml
vary:
  vehicles.clients.count: [2, 3]
policies: [greedy]
seeds: { eval: [11] }
`;

Deno.test("a valid experiment has no problems", async () => {
  assert.deepEqual(await problemsOf(OK), []);
});

Deno.test("unknown keys are located, with did-you-mean, in the file and in a profile", async () => {
  assert.deepEqual(await problemsOf(OK + "polices: []\n"), [
    'exp.yaml:7:1: unknown key "polices" in the experiment (did you mean "policies"?)',
  ]);
  const profiled = OK + "profiles:\n  quick:\n    seeds: { eval: [12] }\n    evalute: {}\n";
  assert.deepEqual(await problemsOf(profiled), [
    'exp.yaml:10:5: unknown key "evalute" in profile "quick" (did you mean "evaluate"?)',
  ]);
  assert.deepEqual(await problemsOf(OK + "profiles: { quick: { evaluate: { episodes: 0 } } }\n"), [
    "exp.yaml:7:44: episodes must be >= 1 (got 0) (profile quick)",
  ]);
});

Deno.test("an unknown --profile names the file's profiles", async () => {
  const text = OK + "profiles: { quick: {}, paper: {} }\n";
  assert.deepEqual(await problemsOf(text, "quik"), [
    'exp.yaml:7:1: --profile: unknown profile "quik" (did you mean "quick"?); ' +
    "the file's profiles are quick, paper",
  ]);
});

Deno.test("dotted keys name scenario keys and policy parameters, with did-you-mean", async () => {
  const text = OK.replace(
    "  vehicles.clients.count: [2, 3]",
    "  vehicles.clients.cont: [2, 3]\n  policy.genetic.populaton: [4]\n  policy.greedyy.x: [1]\n" +
      "  seed: [1, 2]",
  ).replace("policies: [greedy]", "policies: [greedy, genetic]");
  assert.deepEqual(await problemsOf(text), [
    'exp.yaml:4:3: unknown scenario key "cont" in vehicles.clients (did you mean "count"?)',
    'exp.yaml:5:3: policy "genetic" has no parameter "populaton" (did you mean "population"?); ' +
    "its parameters are preset, population, generations, crossover, mutation, elitism, tournament",
    'exp.yaml:6:3: no policy is labelled "greedyy" (did you mean "greedy"?); ' +
    "the labels are greedy, genetic",
    "exp.yaml:7:3: seed is set by seeds: (seeds.train and seeds.eval)",
  ]);
});

Deno.test("a bad value of the grid is reported at that value, once", async () => {
  // The bad count meets both values of V: one problem, at the count.
  const text = OK.replace("[2, 3]", "[2, 0]\n  lyapunov.V: [1, 2]");
  assert.deepEqual(await problemsOf(text), [
    "exp.yaml:4:31: vehicles.clients.count = 0: count must be >= 1 (got 0)",
  ]);
  const zipped = OK.replace(
    "vary:\n  vehicles.clients.count: [2, 3]",
    "zip:\n  - { vehicles.clients.count: [2, 3], lyapunov.V: [1, -1] }",
  );
  assert.deepEqual(await problemsOf(zipped), [
    "exp.yaml:4:55: lyapunov.V = -1: V must be >= 0 (got -1)",
  ]);
});

Deno.test("policies: unknown ids, bad params, learning without weights, labels", async () => {
  const text = OK.replace(
    "policies: [greedy]",
    "policies:\n  - greedyy\n  - { use: genetic, params: { populaton: 4 } }\n  - mad2rl\n" +
      "  - { use: local, train: {} }\n  - { use: genetic }",
  );
  assert.deepEqual(await problemsOf(text), [
    'exp.yaml:6:5: unknown policy "greedyy" (did you mean "greedy"?); registered policies: ' +
    "greedy, genetic, local, rsu, random, exhaustive, local-search, pqmix, mad2rl (or give a module path)",
    'exp.yaml:7:31: unknown parameter "populaton" for policy "genetic" (did you mean ' +
    '"population"?); its parameters are preset, population, generations, crossover, mutation, ' +
    "elitism, tournament",
    'exp.yaml:8:5: policy "mad2rl" learns: give it a train block (train: {}) to train it at ' +
    "every grid point and train seed, or a trained checkpoint (checkpoint: DIR)",
    'exp.yaml:9:19: policy "local" does not learn: it takes no train block',
    'exp.yaml:10:5: two policies are labelled "genetic"; give one a distinct label',
  ]);
});

Deno.test("seeds: repeated, shared between training and evaluation, missing", async () => {
  const text = OK.replace("seeds: { eval: [11] }", "seeds: { train: [1, 1], eval: [1] }")
    .replace("policies: [greedy]", "policies: [greedy, { use: pqmix, train: {} }]");
  assert.deepEqual(await problemsOf(text), [
    "exp.yaml:6:21: seed 1 is listed twice",
    "exp.yaml:6:32: seed 1 is also a train seed: keep evaluation seeds apart from training's",
  ]);
  const none = OK.replace("seeds: { eval: [11] }\n", "");
  assert.deepEqual(await problemsOf(none), [
    'exp.yaml:5:12: policy "greedy" is only evaluated, but seeds.eval lists no seed',
  ]);
});

Deno.test("figures and references name varied keys, metrics, figures and policies", async () => {
  const text = OK + `figures:
  - { id: f, title: t, source: eval, x: vehicles.clients.cout, y: mean_dealy_s }
  - { id: g, title: t, source: curve, x: episode, y: [reward, backlog_cv1_gflop, rewad] }
reference:
  - { id: r, claim: c, figure: ff, metric: mean_delay_s, policy: greedyy, versus: greedy,
      margin: 0.5, source: s }
`;
  assert.deepEqual(await problemsOf(text), [
    'exp.yaml:8:41: x must be a varied key (did you mean "vehicles.clients.count"?); ' +
    "the varied keys are vehicles.clients.count",
    'exp.yaml:8:67: unknown eval metric "mean_dealy_s" (did you mean "mean_delay_s"?); ' +
    "the metrics are mean_delay_s, p95_delay_s, mean_objective, mean_reward, " +
    "backlog_local_gflop, backlog_rsu_gflop, backlog_sv_gflop, tasks, decide_ms_per_slot",
    'exp.yaml:9:82: unknown curve metric "rewad" (did you mean "reward"?); the metrics are ' +
    "reward, mean_delay_s, loss, epsilon, backlog_local_gflop, backlog_rsu_gflop, " +
    "backlog_sv_gflop, validation_reward, validation_mean_delay_s, " +
    "and backlog_<queue>_gflop per queue (cv1, rsu_alexnet, sv1, ...)",
    'exp.yaml:11:32: no figure has the id "ff" (did you mean "f"?)',
    'exp.yaml:11:66: no policy is labelled "greedyy" (did you mean "greedy"?)',
  ]);
});

Deno.test("figures: a log scale, panels of known policies, never with a facet", async () => {
  const good = OK + `figures:
  - { id: f, title: t, source: eval, x: vehicles.clients.count, y: mean_delay_s, scale: log,
      panels: [[greedy], [greedy]] }
`;
  assert.deepEqual(await problemsOf(good), []);
  const scale = OK + `figures:
  - { id: f, title: t, source: eval, x: vehicles.clients.count, y: mean_delay_s, scale: logg }
`;
  assert.deepEqual(await problemsOf(scale), [
    'exp.yaml:8:89: scale must be one of "linear", "log", got "logg" (did you mean "log"?)',
  ]);
  const bad = OK + `figures:
  - { id: f, title: t, source: eval, x: vehicles.clients.count, y: mean_delay_s,
      panels: [[greedy], [greedyy]] }
  - { id: g, title: t, source: eval, x: vehicles.clients.count, y: mean_delay_s,
      facet: vehicles.clients.count, panels: [[greedy], [greedy]] }
`;
  const problems = await problemsOf(bad);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(
    problems[0],
    /^exp\.yaml:9:27: no policy is labelled "greedyy" \(did you mean "greedy"\?\)/,
  );
  assert.match(problems[1], /^exp\.yaml:11:\d+: panels and facet exclude each other/);
});

Deno.test("profiles merge mappings and replace lists; policies by label", () => {
  const text = `name: t
base: b.yaml
vary: { vehicles.clients.count: [2, 3], lyapunov.V: [10] }
policies: [greedy, { use: pqmix, params: { batch: 8, hidden: [8] }, train: { episodes: 5 } }]
seeds: { train: [1], eval: [2, 3] }
profiles:
  quick:
    vary: { vehicles.clients.count: [4] }
    seeds: { eval: [9] }
    policies: { pqmix: { params: { batch: 2 }, train: { episodes: 1 } } }
`;
  const x = parseExperiment(text, "t.yaml", "quick").experiment;
  assert.deepEqual(x.vary, { "vehicles.clients.count": [4], "lyapunov.V": [10] });
  assert.deepEqual(x.seeds, { train: [1], eval: [9] });
  assert.deepEqual(x.policies, [
    "greedy",
    { use: "pqmix", params: { batch: 2, hidden: [8] }, train: { episodes: 1 } },
  ]);
  assert.deepEqual(parseExperiment(text, "t.yaml").experiment.seeds.eval, [2, 3]);
});

Deno.test("a profile cannot rename the experiment", () => {
  const text = "name: t\nbase: b.yaml\npolicies: [greedy]\nprofiles: { p: { name: u } }\n";
  assert.throws(() => parseExperiment(text, "t.yaml"), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, 't.yaml:4:18: a profile cannot change "name"');
    return true;
  });
});

Deno.test("the CLI exits with 2 and located lines for a bad experiment or flag", async () => {
  const file = await experimentFile(OK + "polices: []\n");
  const r = await cli(["experiment", file, "--dry-run"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    `${file}:7:1: unknown key "polices" in the experiment (did you mean "policies"?)`,
  );
  const good = await experimentFile(OK);
  const s = await cli(["experiment", good, "--dry-run", "--shard", "3/2"]);
  assert.equal(s.code, 2);
  assert.equal(s.err, '--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got "3/2"');
  const missing = await cli(["experiment", "no/such.yaml", "--dry-run"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.err, "no/such.yaml: cannot read experiment: no such file");
});
