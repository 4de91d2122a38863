import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { entryOf } from "../../../../app/experiment/plan/expand.ts";
import { expandFile, experimentFile } from "../_helpers.ts";

const GRID = `name: t
base: tiny_scenario.yaml
set: { lyapunov.V: 5 }
vary:
  vehicles.clients.count: [2, 3]
  channel.fading: [rayleigh, none]
zip:
  - { vehicles.services.count: [1, 2], rsu.cpuGflops: [20, 40] }
exclude:
  - { vehicles.clients.count: 3, channel.fading: none }
  - { vehicles.services.count: 2, policy: local }
policies: [greedy, local]
seeds: { eval: [11] }
profiles:
  quick: { vary: { channel.fading: [none] }, exclude: [] }
`;

const point = (cvs: number, fading: string, svs: number, cpu: number) => ({
  "vehicles.clients.count": cvs,
  "channel.fading": fading,
  "vehicles.services.count": svs,
  "rsu.cpuGflops": cpu,
});

Deno.test("the grid is the product of vary keys and zip groups, less the exclusions", async () => {
  const x = await expandFile(await experimentFile(GRID));
  assert.deepEqual(x.grid.keys, [
    "vehicles.clients.count",
    "channel.fading",
    "vehicles.services.count",
    "rsu.cpuGflops",
  ]);
  const cells = x.cells.map((c) => [c.policy.label, c.point]);
  assert.deepEqual(cells, [
    ["greedy", point(2, "rayleigh", 1, 20)],
    ["local", point(2, "rayleigh", 1, 20)],
    ["greedy", point(2, "rayleigh", 2, 40)],
    ["greedy", point(2, "none", 1, 20)],
    ["local", point(2, "none", 1, 20)],
    ["greedy", point(2, "none", 2, 40)],
    ["greedy", point(3, "rayleigh", 1, 20)],
    ["local", point(3, "rayleigh", 1, 20)],
    ["greedy", point(3, "rayleigh", 2, 40)],
  ]);
  // The cell's scenario: the base, the fixed keys, the point, the seed and the episodes.
  const s = x.cells[2].scenario as Record<string, Record<string, unknown>>;
  assert.deepEqual(s.vehicles, { clients: { count: 2 }, services: { count: 2 } });
  assert.deepEqual(s.rsu, { cpuGflops: 40 });
  assert.deepEqual(s.lyapunov, { V: 5 });
  assert.deepEqual(s.time, { slots: 5, episodes: 10 });
  assert.equal(s.seed, 11);
  assert.equal(s.output, undefined);
  assert.deepEqual(s.policy, { use: "greedy", label: "greedy", params: {} });
});

Deno.test("a profile is applied before the expansion", async () => {
  const x = await expandFile(await experimentFile(GRID), "quick");
  assert.deepEqual(x.cells.map((c) => [c.policy.label, c.point]), [
    ["greedy", point(2, "none", 1, 20)],
    ["local", point(2, "none", 1, 20)],
    ["greedy", point(2, "none", 2, 40)],
    ["local", point(2, "none", 2, 40)],
    ["greedy", point(3, "none", 1, 20)],
    ["local", point(3, "none", 1, 20)],
    ["greedy", point(3, "none", 2, 40)],
    ["local", point(3, "none", 2, 40)],
  ]);
});

Deno.test("train cells come first; evaluations of a trained policy depend on them", async () => {
  const x = await expandFile(
    await experimentFile(`name: t
base: tiny_scenario.yaml
policies: [greedy, { use: pqmix, train: { episodes: 3 } }]
seeds: { train: [1, 2], eval: [11, 12] }
evaluate: { episodes: 4 }
`),
  );
  const view = x.cells.map((c) => [c.kind, c.policy.label, c.seeds.train, c.seeds.eval]);
  assert.deepEqual(view, [
    ["train", "pqmix", 1, null],
    ["train", "pqmix", 2, null],
    ["eval", "greedy", null, 11],
    ["eval", "greedy", null, 12],
    ["eval", "pqmix", 1, 11],
    ["eval", "pqmix", 1, 12],
    ["eval", "pqmix", 2, 11],
    ["eval", "pqmix", 2, 12],
  ]);
  const [t1, t2] = x.cells;
  assert.deepEqual(x.cells.map((c) => c.deps), [[], [], [], [], [t1.hash], [t1.hash], [
    t2.hash,
  ], [t2.hash]]);
  assert.equal(t1.train?.episodes, 3);
  // Training's validation defaults to the train seed (its episodes 500,001.. are never evaluated).
  assert.deepEqual(t2.train?.validation, { every: 10, episodes: 3, seeds: [2] });
  assert.equal(t1.scenario.seed, 1);
  assert.equal(x.cells[4].episodes, 4);
  assert.deepEqual(Object.keys(entryOf(x.cells[4])), [
    "hash",
    "kind",
    "point",
    "policy",
    "seeds",
    "deps",
  ]);
});

Deno.test("a policy's parameter varies its own cells only; equal cells are one", async () => {
  const x = await expandFile(
    await experimentFile(`name: t
base: tiny_scenario.yaml
vary: { policy.genetic.generations: [1, 2] }
policies: [greedy, genetic]
seeds: { eval: [11] }
`),
  );
  assert.deepEqual(x.cells.map((c) => [c.policy.label, c.point, c.policy.params]), [
    ["greedy", {}, {}],
    ["genetic", { "policy.genetic.generations": 1 }, { generations: 1 }],
    ["genetic", { "policy.genetic.generations": 2 }, { generations: 2 }],
  ]);
});

Deno.test("pre-training: one expert cell per point and train seed, shared by the learners", async () => {
  const x = await expandFile(
    await experimentFile(`name: t
base: tiny_scenario.yaml
vary: { policy.mad2rl.steps: [3, 5] }
policies:
  - { use: pqmix, train: {} }
  - { use: mad2rl, train: {} }
train: { episodes: 2, pretrain: { policy: genetic, params: { generations: 2 }, episodes: 3 } }
seeds: { train: [1] }
`),
  );
  const [expert, ...trains] = x.cells;
  assert.deepEqual(
    x.cells.map((c) => [c.kind, c.policy.label, c.point]),
    [
      ["expert", "genetic", {}],
      ["train", "pqmix", {}],
      ["train", "mad2rl", { "policy.mad2rl.steps": 3 }],
      ["train", "mad2rl", { "policy.mad2rl.steps": 5 }],
    ],
  );
  assert.deepEqual(expert.policy, { label: "genetic", id: "genetic", params: { generations: 2 } });
  assert.equal(expert.episodes, 3);
  for (const t of trains) assert.deepEqual(t.deps, [expert.hash]);
});

Deno.test("an absolute base is read as it is, with the cells of the same base given relatively", async () => {
  const relative = await experimentFile(GRID);
  const base = resolve(dirname(relative), "tiny_scenario.yaml");
  // The experiment file in another folder, naming the base by its absolute path.
  const elsewhere = join(await Deno.makeTempDir({ prefix: "vecscene-exp-abs-" }), "exp.yaml");
  await Deno.writeTextFile(elsewhere, GRID.replace("base: tiny_scenario.yaml", `base: ${base}`));
  const a = await expandFile(elsewhere);
  const r = await expandFile(relative);
  assert.equal(a.cells.length, 9);
  assert.deepEqual(a.cells.map((c) => c.hash), r.cells.map((c) => c.hash));
});

Deno.test("pretrain: null trains from scratch, in a profile or for one policy", async () => {
  const file = await experimentFile(`name: t
base: tiny_scenario.yaml
policies:
  - { use: pqmix, train: {} }
  - { use: mad2rl, train: { pretrain: null } }
train: { episodes: 2, pretrain: { policy: genetic, params: { generations: 2 }, episodes: 3 } }
seeds: { train: [1] }
profiles:
  scratch: { train: { pretrain: null } }
`);
  const kinds = (x: Awaited<ReturnType<typeof expandFile>>) =>
    x.cells.map((c) => [c.kind, c.policy.label, c.deps.length]);
  assert.deepEqual(kinds(await expandFile(file)), [
    ["expert", "genetic", 0],
    ["train", "pqmix", 1],
    ["train", "mad2rl", 0],
  ]);
  assert.deepEqual(kinds(await expandFile(file, "scratch")), [
    ["train", "pqmix", 0],
    ["train", "mad2rl", 0],
  ]);
});
