import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { expand } from "../../../../app/experiment/plan/expand.ts";
import { digestPath, hashOf } from "../../../../app/experiment/plan/hash.ts";
import { loadExperiment } from "../../../../app/experiment/plan/load.ts";
import { defaultRegistry } from "../../../../host/registry.ts";
import { experimentFile } from "../_helpers.ts";

const BASE = `name: t
base: tiny_scenario.yaml
vary: { vehicles.clients.count: [2, 3] }
policies: [greedy, { use: pqmix, params: { hidden: [8] }, train: { episodes: 2 } }]
seeds: { train: [1], eval: [11] }
evaluate: { episodes: 2 }
`;

/** The hashes of the experiment `text`, by kind, policy, seeds and point. */
async function hashes(text: string, version = "1.2.3"): Promise<Map<string, string>> {
  const x = await expand(
    await loadExperiment(await experimentFile(text)),
    defaultRegistry(),
    version,
  );
  return new Map(x.cells.map((c) => [
    `${c.kind} ${c.policy.label} ${c.seeds.train}/${c.seeds.eval} ${JSON.stringify(c.point)}`,
    c.hash,
  ]));
}

/** The names of the cells whose hash differs between `a` and `b` (same names in both). */
function changed(a: Map<string, string>, b: Map<string, string>): string[] {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  return [...a.keys()].filter((k) => a.get(k) !== b.get(k));
}

const CV2 = '{"vehicles.clients.count":2}';
const CV3 = '{"vehicles.clients.count":3}';

Deno.test("a cell hash is the SHA-256 of the canonical JSON, cut to 32 hex digits", async () => {
  const content = { b: [1, { d: null, c: "x" }], a: true, skipped: undefined };
  const text = '{"a":true,"b":[1,{"c":"x","d":null}]}';
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(hashOf(content), hex.slice(0, 32));
  assert.equal(hashOf({ a: true, b: [1, { c: "x", d: null }] }), hashOf(content));
});

Deno.test("hashes are stable: the same content, however written, gives the same cells", async () => {
  const a = await hashes(BASE);
  assert.equal(a.size, 6);
  assert.deepEqual(await hashes(BASE), a);
  // Block style, other key order, a default written out, comments: the same content.
  const rewritten = `# a comment
seeds:
  eval: [11]
  train: [1]
name: t
evaluate: { episodes: 2 }
policies:
  - greedy
  - use: pqmix
    train: { episodes: 2 }
    params: { hidden: [8] }
set: { lyapunov.gamma: corrected }
vary:
  vehicles.clients.count:
    - 2
    - 3
base: ./tiny_scenario.yaml
`;
  assert.deepEqual(await hashes(rewritten), a);
});

Deno.test("hashes change with what determines a cell, and only for the cells it determines", async () => {
  const a = await hashes(BASE);
  const all = [...a.keys()];
  assert.deepEqual(changed(a, await hashes(BASE, "1.2.4")), all);
  assert.deepEqual(changed(a, await hashes(BASE + "set: { lyapunov.V: 20 }\n")), all);
  // Evaluation episodes: evaluation cells, not training.
  assert.deepEqual(changed(a, await hashes(BASE.replace("episodes: 2 }\n", "episodes: 3 }\n"))), [
    `eval greedy null/11 ${CV2}`,
    `eval pqmix 1/11 ${CV2}`,
    `eval greedy null/11 ${CV3}`,
    `eval pqmix 1/11 ${CV3}`,
  ]);
  // Training episodes: the train cells and the evaluations of their weights.
  const trained = [
    `train pqmix 1/null ${CV2}`,
    `train pqmix 1/null ${CV3}`,
    `eval pqmix 1/11 ${CV2}`,
    `eval pqmix 1/11 ${CV3}`,
  ];
  assert.deepEqual(
    changed(a, await hashes(BASE.replace("train: { episodes: 2 }", "train: { episodes: 3 }"))),
    trained,
  );
  assert.deepEqual(changed(a, await hashes(BASE.replace("hidden: [8]", "hidden: [9]"))), trained);
  assert.deepEqual(changed(a, await hashes(BASE + "train: { params: { batch: 9 } }\n")), trained);
});

Deno.test("a grid point's cells, renamed seeds, a label: what changes", async () => {
  const a = await hashes(BASE);
  const b = await hashes(BASE.replace("[2, 3]", "[2, 4]"));
  // The point 2 keeps its hashes; the point 4 is new.
  for (const [k, v] of a) if (k.endsWith(CV2)) assert.equal(b.get(k), v);
  const seeds = await hashes(BASE.replace("eval: [11]", "eval: [12]"));
  assert.equal(seeds.get(`train pqmix 1/null ${CV2}`), a.get(`train pqmix 1/null ${CV2}`));
  assert.notEqual(seeds.get(`eval greedy null/12 ${CV2}`), a.get(`eval greedy null/11 ${CV2}`));
  const relabelled = await hashes(BASE.replace("[greedy,", "[{ use: greedy, label: g },"));
  assert.notEqual(relabelled.get(`eval g null/11 ${CV2}`), a.get(`eval greedy null/11 ${CV2}`));
});

Deno.test("a fixed checkpoint is hashed by content", async () => {
  const text = BASE.replace("train: { episodes: 2 }", "checkpoint: ckpt")
    .replace("seeds: { train: [1], eval: [11] }", "seeds: { eval: [11] }");
  const file = await experimentFile(text);
  const ckpt = join(dirname(file), "ckpt");
  await Deno.mkdir(join(ckpt, "best"), { recursive: true });
  await Deno.writeTextFile(join(ckpt, "best", "model.json"), "{}");
  const load = async () =>
    (await expand(await loadExperiment(file), defaultRegistry())).cells.map((c) => c.hash);
  const before = await load();
  const digest = await digestPath(ckpt);
  await Deno.writeTextFile(join(ckpt, "best", "model.json"), "{ }");
  assert.notEqual(await digestPath(ckpt), digest);
  const after = await load();
  assert.deepEqual(after.map((h, i) => h === before[i]), [true, false, true, false]);
});
