import assert from "node:assert/strict";
import { join } from "node:path";
import { SMALL_PARAMS, SMALL_SCENARIO, smallScenarioFile } from "../_helpers/learning.ts";
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

Deno.test("train --pretrain: cloning is checkpoint 0, evaluated; a resumed run ends byte-identical", async () => {
  const data = await Deno.makeTempDir({ prefix: "vecscene-pre-data-" });
  const r = await cli(["expert", scenario, "-p", "genetic", "-e", "2", "-o", data, "-q"]);
  assert.equal(r.code, 0, r.err);
  const opts = (out: string): TrainOptions => ({
    ...options("mad2rl", out),
    episodes: 4,
    evalEvery: 2,
    pretrain: data,
    params: { ...SMALL_PARAMS.mad2rl, pretrainSteps: 30, mixerWarmup: 5 },
  });
  const full = await Deno.makeTempDir({ prefix: "vecscene-pre-full-" });
  await train(scenario, opts(full));
  const log = await readLog(full);
  assert.deepEqual(log.map((l) => `${l.type}:${l.episode}`), [
    "pretrain:0",
    "eval:0",
    "episode:1",
    "episode:2",
    "eval:2",
    "episode:3",
    "episode:4",
    "eval:4",
  ]);
  const pre = log[0].pretrain as Record<string, number>;
  assert.ok(pre.accuracy >= 0 && pre.accuracy <= 1 && pre.lastLoss > 0);
  // The first episode trains on a buffer the expert filled: exploration starts at epsStart.
  assert.equal(log[2].epsilon, 0.1 + (0.01 - 0.1) * (6 / 30));
  const cut = await Deno.makeTempDir({ prefix: "vecscene-pre-cut-" });
  const stop = new AbortController();
  await train(scenario, {
    ...opts(cut),
    onProgress: (p) => p.type === "episode" && p.episode === 1 && stop.abort(),
    signal: stop.signal,
  });
  assert.equal(JSON.parse(await Deno.readTextFile(join(cut, "latest.json"))).episode, 1);
  await train(scenario, { ...opts(cut), resume: true });
  for (const f of ["model.bin", "optimizer.bin", "replay.bin", "state.json"]) {
    const a = await Deno.readFile(join(full, "checkpoints", "ep-000004", f));
    const b = await Deno.readFile(join(cut, "checkpoints", "ep-000004", f));
    assert.deepEqual(a, b, f);
  }
  assert.deepEqual(await readLog(cut), log);
});

Deno.test("train --seeds: every seed trained and tested; seeds.json holds their mean and CI", async () => {
  const out = await Deno.makeTempDir({ prefix: "vecscene-seeds-" });
  // The small networks are the scenario's params, so that `run` below uses them too.
  const small = await smallScenarioFile(
    `${SMALL_SCENARIO}policy:\n  - { use: pqmix, params: ${JSON.stringify(SMALL_PARAMS.pqmix)} }\n`,
  );
  const args = ["train", small, "-p", "pqmix", "-e", "2", "--eval-every", "2"];
  const r = await cli([
    ...args,
    "--eval-episodes",
    "1",
    "--seeds",
    "4,5,6",
    "--test-episodes",
    "2",
    "--compare",
    "genetic",
    "-o",
    out,
    "-q",
  ]);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(await Deno.readTextFile(join(out, "seeds.json")));
  assert.deepEqual(s.seeds, [4, 5, 6]);
  const xs: number[] = s.perSeed.map((p: { meanDelayS: number }) => p.meanDelayS);
  assert.ok(Math.abs(s.meanDelayS.mean - (xs[0] + xs[1] + xs[2]) / 3) < 1e-12);
  assert.ok(s.meanDelayS.low <= s.meanDelayS.mean && s.meanDelayS.mean <= s.meanDelayS.high);
  assert.equal(s.compare[0].label, "genetic");
  // Each seed's test is what `run --seed 3 -e 2 --checkpoint OUT/seed-S` reports.
  const run = await cli([
    "run",
    small,
    "-p",
    "pqmix",
    "--seed",
    "3",
    "-e",
    "2",
    "--checkpoint",
    join(out, "seed-5"),
    "-o",
    join(out, "run"),
    "-q",
  ]);
  assert.equal(run.code, 0, run.err);
  const summary = JSON.parse(await Deno.readTextFile(join(out, "run", "summary.json")));
  assert.equal(summary.policies[0].aggregates.meanDelayS, xs[1]);
  assert.match(r.out, /pqmix: mean TCT .* 95 % CI \[/);
  const clash = await cli([...args, "--seeds", "1,2", "--seed", "3", "-o", out]);
  assert.equal(clash.code, 2);
  const bad = await cli([...args, "--seeds", "1,x", "-o", out]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--seeds: "x" is not a whole number/);
});
