import assert from "node:assert/strict";
import { join } from "node:path";
import { SMALL_PARAMS, smallScenarioFile } from "../_helpers/learning.ts";
import { train, type TrainOptions } from "../../app/train.ts";
import { cli } from "../_helpers/mod.ts";

const scenario = await smallScenarioFile();

/** The log of six training episodes with an evaluation every three. */
const SIX_EPISODES = [
  "episode:1",
  "episode:2",
  "episode:3",
  "eval:3",
  "episode:4",
  "episode:5",
  "episode:6",
  "eval:6",
];

function options(id: "pqmix" | "mad2rl", out: string): TrainOptions {
  return { policy: id, episodes: 6, out, evalEvery: 3, evalEpisodes: 1, params: SMALL_PARAMS[id] };
}

async function readLog(out: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(join(out, "train.jsonl"));
  return text.trim().split("\n").map((l) => {
    const { seconds: _, ...rest } = JSON.parse(l);
    return rest;
  });
}

for (const id of ["pqmix", "mad2rl"] as const) {
  Deno.test(`train (${id}): log, evaluations, checkpoints and best weights`, async () => {
    const out = await Deno.makeTempDir({ prefix: "vecscene-train-" });
    const seen: string[] = [];
    await train(scenario, {
      ...options(id, out),
      onProgress: (p) => seen.push(`${p.type}:${p.episode}`),
    });
    const log = await readLog(out);
    assert.deepEqual(seen, SIX_EPISODES);
    assert.deepEqual(log.map((l) => `${l.type}:${l.episode}`), seen);
    for (const l of log.filter((l) => l.type === "episode")) {
      for (const k of ["meanReward", "meanDelayS", "epsilon", "backlogGflop", "updates"]) {
        assert.ok(k in l, k);
      }
    }
    assert.ok(typeof log[log.length - 2].loss === "number", "updates ran and logged a loss");
    const latest = JSON.parse(await Deno.readTextFile(join(out, "latest.json")));
    assert.equal(latest.episode, 6);
    const kept = [];
    for await (const e of Deno.readDir(join(out, "checkpoints"))) kept.push(e.name);
    assert.deepEqual(kept.sort(), ["ep-000005", "ep-000006"]);
    for (
      const f of [
        "model.json",
        "model.bin",
        "optimizer.json",
        "optimizer.bin",
        "replay.bin",
        "state.json",
      ]
    ) {
      await Deno.stat(join(out, latest.dir, f));
    }
    await Deno.stat(join(out, "best", "model.json"));
  });

  Deno.test(`train (${id}): --resume after an interrupted run ends byte-identical to an uninterrupted one`, async () => {
    const full = await Deno.makeTempDir({ prefix: "vecscene-full-" });
    await train(scenario, options(id, full));
    const cut = await Deno.makeTempDir({ prefix: "vecscene-cut-" });
    const stop = new AbortController();
    await train(scenario, {
      ...options(id, cut),
      onProgress: (p) => p.type === "episode" && p.episode === 2 && stop.abort(),
      signal: stop.signal,
    });
    assert.equal(JSON.parse(await Deno.readTextFile(join(cut, "latest.json"))).episode, 2);
    // A line of an episode in flight past the checkpoint is dropped on resume.
    await Deno.writeTextFile(join(cut, "train.jsonl"), '{"type":"episode","episode":3}\n', {
      append: true,
    });
    await train(scenario, { ...options(id, cut), resume: true });
    for (const f of ["model.bin", "optimizer.bin", "replay.bin", "state.json"]) {
      const a = await Deno.readFile(join(full, "checkpoints", "ep-000006", f));
      const b = await Deno.readFile(join(cut, "checkpoints", "ep-000006", f));
      assert.deepEqual(a, b, f);
    }
    assert.deepEqual(await readLog(cut), await readLog(full));
  });
}

Deno.test("train: a plugin learner trains, resumes byte-identically and evaluates from its checkpoint", async () => {
  const base = ["train", scenario, "-p", "bandit", "--plugin", "plugins/bandit.ts", "-q"];
  const flags = ["-e", "6", "--eval-every", "3", "--eval-episodes", "1"];
  const full = await Deno.makeTempDir({ prefix: "vecscene-bandit-" });
  let r = await cli([...base, ...flags, "-o", full]);
  assert.equal(r.code, 0, r.err);
  const log = await readLog(full);
  assert.deepEqual(log.map((l) => `${l.type}:${l.episode}`), SIX_EPISODES);
  for (const l of log.filter((l) => l.type === "episode")) {
    assert.ok(typeof l.loss === "number" && l.loss > 0, "update() reported a loss");
    assert.equal(l.epsilon, 0.1, "stats() reported the exploration rate");
  }
  assert.equal(log[6].updates, 6 * 6, "one update per slot");
  const table = JSON.parse(await Deno.readTextFile(join(full, "best", "bandit.json")));
  assert.ok(table.count.flat().some((c: number) => c > 0), "the arms' counts grew");
  // Interrupted after 2 episodes, then resumed: the same table as the uninterrupted run.
  const cut = await Deno.makeTempDir({ prefix: "vecscene-bandit-cut-" });
  r = await cli([...base, "-e", "2", "--eval-every", "3", "--eval-episodes", "1", "-o", cut]);
  assert.equal(r.code, 0, r.err);
  r = await cli([...base, ...flags, "-o", cut, "--resume"]);
  assert.equal(r.code, 0, r.err);
  const last = (dir: string) =>
    Deno.readTextFile(join(dir, "checkpoints", "ep-000006", "bandit.json"));
  assert.equal(await last(cut), await last(full));
  r = await cli([
    "run",
    scenario,
    "-p",
    "bandit",
    "--plugin",
    "plugins/bandit.ts",
    "--checkpoint",
    full,
    "-e",
    "1",
    "-o",
    join(full, "run"),
    "-q",
  ]);
  assert.equal(r.code, 0, r.err);
});

Deno.test("train: a policy without update/save/load is refused with exit 2", async () => {
  const out = await Deno.makeTempDir({ prefix: "vecscene-greedy-" });
  const r = await cli(["train", scenario, "-p", "greedy", "-e", "1", "-o", out, "-q"]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /policy "greedy" cannot be trained: its instance needs update\(\), save\(\) and load\(\)/,
  );
});
