import assert from "node:assert/strict";
import { join } from "node:path";
import { recordExpert } from "../../app/expert.ts";
import { decodeExpert, encodeExpert, EXPERT_FILE, readExpert } from "../../engine/output/expert.ts";
import { scenarioHash } from "../../engine/scenario/hash.ts";
import { loadScenario, parseScenario } from "../../engine/scenario/load.ts";
import { SMALL_SCENARIO } from "../_helpers/learning.ts";
import { cli } from "../_helpers/mod.ts";

async function scenarioFile(text = SMALL_SCENARIO): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-expert-" });
  await Deno.writeTextFile(join(dir, "small.yaml"), text);
  return join(dir, "small.yaml");
}

Deno.test("expert dataset: recorded slots round-trip through expert.bin", async () => {
  const file = await scenarioFile();
  const out = join(file, "..", "data");
  const loaded = await loadScenario(file);
  const data = await recordExpert(loaded, { policy: "greedy", episodes: 2, out });
  const back = await readExpert(join(out, EXPERT_FILE));
  assert.deepEqual(back, { ...data, verified: true });
  const h = back.header;
  assert.equal(h.scenarioHash, scenarioHash(loaded));
  assert.deepEqual([h.episodes, h.slotsPerEpisode, h.agents, h.nodes, h.stateDim], [2, 6, 3, 3, 7]);
  assert.equal(back.arrays.actions.length, 2 * 6 * 3);
  assert.deepEqual(Array.from(back.arrays.terminal).map((t, k) => [k, t]).filter(([, t]) => t), [
    [5, 1],
    [11, 1],
  ]);
  // Every recorded action is feasible: its node is reachable (A10: node = a mod J).
  for (let r = 0; r < back.arrays.actions.length; r++) {
    assert.equal(back.arrays.feasible[r * 3 + (back.arrays.actions[r] % 3)], 1);
  }
  // Encoding is byte-stable, and a damaged file is refused with a reason.
  const bytes = encodeExpert(back);
  assert.deepEqual(encodeExpert(decodeExpert(bytes, "x")), bytes);
  assert.throws(() => decodeExpert(bytes.subarray(0, bytes.length - 8), "x.bin"), /truncated/);
  assert.throws(() => decodeExpert(new TextEncoder().encode("hello"), "x.bin"), /not a vecscene/);
});

Deno.test("expert dataset: an interrupted recording resumes to the same bytes", async () => {
  const file = await scenarioFile();
  const loaded = await loadScenario(file);
  const whole = join(file, "..", "whole");
  const parts = join(file, "..", "parts");
  await recordExpert(loaded, { policy: "genetic", episodes: 3, out: whole });
  const stop = new AbortController();
  await recordExpert(loaded, {
    policy: "genetic",
    episodes: 3,
    out: parts,
    flushEvery: 1,
    signal: stop.signal,
    onProgress: (done) => done === 1 && stop.abort(),
  });
  assert.equal((await readExpert(join(parts, EXPERT_FILE))).header.episodes, 1);
  await recordExpert(loaded, { policy: "genetic", episodes: 3, out: parts });
  assert.deepEqual(
    await Deno.readFile(join(parts, EXPERT_FILE)),
    await Deno.readFile(join(whole, EXPERT_FILE)),
  );
  // Another expert in the same folder is refused.
  await assert.rejects(
    () => recordExpert(loaded, { policy: "greedy", episodes: 4, out: parts }),
    /with another expert/,
  );
});

Deno.test("scenario hash: the world decides it, not the name, policies or seed", () => {
  const h = (text: string) => scenarioHash(parseScenario(text, "/tmp/a.yaml"));
  const base = h(SMALL_SCENARIO);
  assert.equal(h(SMALL_SCENARIO.replace("conformance", "other") + "policy: genetic\n"), base);
  assert.equal(h(SMALL_SCENARIO.replace("seed: 11", "seed: 12")), base);
  assert.notEqual(h(SMALL_SCENARIO + "lyapunov: { V: 20 }\n"), base);
  assert.notEqual(h(SMALL_SCENARIO.replace("count: 2", "count: 3")), base);
});

Deno.test("CLI: expert records a dataset; train --pretrain refuses another scenario's", async () => {
  const file = await scenarioFile();
  const out = join(file, "..", "ds");
  const r = await cli(["expert", file, "-p", "genetic", "-e", "1", "-o", out, "-q"]);
  assert.equal(r.code, 0, r.err);
  const other = await scenarioFile(SMALL_SCENARIO.replace("count: 2", "count: 1"));
  const t = await cli(["train", other, "-p", "pqmix", "-e", "1", "--pretrain", out, "-q"]);
  assert.equal(t.code, 2);
  assert.match(t.err, /recorded on another scenario/);
  const none = await cli(["train", other, "-p", "pqmix", "-e", "1", "--pretrain", "/nonexistent"]);
  assert.equal(none.code, 2);
  assert.match(none.err, /no expert dataset/);
  const bad = await cli(["expert", file, "-p", "genetic", "--param", "preset=fast", "-o", out]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown preset "fast"/);
});
