/**
 * DAgger (`train --dagger N`, issue 19): each round the policy plays its
 * own episodes while the dataset's expert labels the states it visits;
 * the round's dataset is checked against a replay of the policy as it was
 * before the round, and a stopped run resumes at the next round.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { recordExpert } from "../../app/expert.ts";
import { DAGGER_OFFSET, train, type TrainOptions } from "../../app/train.ts";
import { type ExpertData, readExpert } from "../../engine/output/expert.ts";
import type { PolicyInstance } from "../../engine/sim/policy.ts";
import { Rng } from "../../engine/rng.ts";
import { loadScenario } from "../../engine/scenario/load.ts";
import { encodeAction } from "../../engine/sim/encoding.ts";
import { Env } from "../../engine/sim/env.ts";
import { compileWorld, type World } from "../../engine/world.ts";
import { greedy, random } from "../../policies/heuristics.ts";
import { SMALL_PARAMS, smallPolicy, smallScenarioFile } from "../_helpers/learning.ts";
import { cli } from "../_helpers/mod.ts";

const PARAMS = { ...SMALL_PARAMS.pqmix, pretrainSteps: 30, mixerWarmup: 5, refineTopK: 0 };

async function setup() {
  const file = await smallScenarioFile();
  const dir = dirname(file);
  const loaded = await loadScenario(file);
  await recordExpert(loaded, { policy: "greedy", episodes: 3, out: join(dir, "expert") });
  const o: TrainOptions = {
    policy: "pqmix",
    episodes: 1,
    out: join(dir, "train"),
    evalEvery: 1,
    evalEpisodes: 1,
    keep: 10,
    pretrain: join(dir, "expert"),
    dagger: 2,
    daggerEpisodes: 2,
    params: PARAMS,
  };
  return { file, dir, loaded, o };
}

Deno.test("train --dagger: a round holds the policy's own states, labelled by the expert", async () => {
  const { loaded, o } = await setup();
  const lines: string[] = [];
  await train(loaded, { ...o, onProgress: (p) => lines.push(`${p.type}:${p.round ?? p.episode}`) });
  assert.deepEqual(lines, [
    "pretrain:0",
    "eval:0",
    "dagger:1",
    "eval:1",
    "dagger:2",
    "eval:2",
    "episode:1",
    "eval:1",
  ]);
  const round = await readExpert(join(o.out, "dagger", "round-1", "expert.bin"));
  const h = round.header;
  assert.deepEqual([h.episodes, h.episodeOffset, h.expert.id], [2, DAGGER_OFFSET, "greedy"]);
  assert.deepEqual(h.actor, { label: "pqmix", checkpoint: "round 0" });
  // The policy as it was before round 1 plays the round's episodes again.
  const world = compileWorld(loaded);
  const before = await smallPolicy(
    "pqmix",
    world,
    PARAMS,
    join(o.out, "checkpoints", "ep-000000"),
  );
  const expert = await greedy.create({}, { info: world.info, label: "greedy" });
  assertLabelled(round, world, before, expert);
  before.dispose();
  const latest = JSON.parse(await Deno.readTextFile(join(o.out, "latest.json")));
  assert.equal(latest.dir, join("checkpoints", "ep-000001"));
});

Deno.test("train --dagger: a run stopped in a round resumes there, to the same weights", async () => {
  const a = await setup();
  await train(a.loaded, a.o);
  const b = await setup();
  const stop = new AbortController();
  // Stop during round 2's labelling (after its first episode).
  await train(b.loaded, {
    ...b.o,
    signal: stop.signal,
    onDagger: (round, done) => (round === 2 && done === 1 ? stop.abort() : undefined),
  });
  const latest = JSON.parse(await Deno.readTextFile(join(b.o.out, "latest.json")));
  assert.deepEqual([latest.episode, latest.dagger], [0, 1]);
  await train(b.loaded, { ...b.o, resume: true });
  const weights = async (out: string) => await Deno.readFile(join(out, "best", "model.bin"));
  assert.deepEqual(await weights(b.o.out), await weights(a.o.out));
  const log = async (out: string) =>
    (await Deno.readTextFile(join(out, "train.jsonl"))).trim().split("\n").map((l) => {
      const { seconds: _, ...rest } = JSON.parse(l);
      return JSON.stringify(rest);
    });
  assert.deepEqual(await log(b.o.out), await log(a.o.out));
});

Deno.test("train --dagger needs --pretrain", async () => {
  const { loaded, o } = await setup();
  await assert.rejects(
    () => train(loaded, { ...o, pretrain: undefined }),
    /--dagger: DAgger labels with the expert of --pretrain/,
  );
});

Deno.test("expert --actor: the actor steps, the expert labels; a checkpoint alone is refused", async () => {
  const file = await smallScenarioFile();
  const out = join(dirname(file), "labels");
  const ok = await cli([
    "expert",
    file,
    "-p",
    "greedy",
    "-e",
    "2",
    "-o",
    out,
    "--actor",
    "rsu",
    "-q",
  ]);
  assert.equal(ok.code, 0, ok.err);
  const d = await readExpert(join(out, "expert.bin"));
  assert.deepEqual(d.header.actor, { label: "rsu" });
  // Every CV offloads its raw input to the RSU (the actor), so nothing stays in the local queues.
  for (let k = 0; k < d.arrays.state.length; k += d.header.stateDim) {
    assert.equal(d.arrays.state[k], 0);
  }
  const bad = await cli(["expert", file, "-p", "greedy", "-o", out, "--actor-checkpoint", out]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--actor-checkpoint needs --actor/);
  const again = await cli(["expert", file, "-p", "greedy", "-e", "3", "-o", out, "-q"]);
  assert.equal(again.code, 2);
  assert.match(again.err, /on the states of another actor/);
});

Deno.test("DAgger labelling: a stochastic actor plays as alone, the expert draws its own stream", async () => {
  const file = await smallScenarioFile();
  const dir = dirname(file);
  const loaded = await loadScenario(file);
  const world = compileWorld(loaded);
  const params = { ...SMALL_PARAMS.mad2rl, qNoise: "sample", refineTopK: 0 };
  const actor = await smallPolicy("mad2rl", world, params);
  actor.ready = true; // untrained weights, acting
  const player = { label: "mad2rl", instance: actor, untrusted: false };
  const labels = await recordExpert(loaded, {
    policy: "random",
    episodes: 2,
    out: join(dir, "labels"),
    actor: { player },
  });
  const expert = await random.create({}, { info: world.info, label: "random" });
  assertLabelled(labels, world, actor, expert);
  actor.dispose();
});

/**
 * Replays the episodes of `data` with `actor` stepping (its episode's policy
 * stream) and `expert` labelling (the `expert-label` stream): every row must
 * hold the visited state, the expert's decision on it and its objective.
 */
function assertLabelled(
  data: ExpertData,
  world: World,
  actor: PolicyInstance,
  expert: PolicyInstance,
): void {
  const env = new Env(world);
  const { agents: I, stateDim: D, nodes: J, episodeOffset, episodes } = data.header;
  const local = new Float64Array(D);
  const stream = (name: string, episode: number) => Rng.stream(world.info.seed, name, episode - 1);
  let row = 0;
  for (let e = 1; e <= episodes; e++) {
    const episode = episodeOffset + e;
    let obs = env.reset({ episode });
    actor.reset?.({ episode, training: false, rng: stream("policy", episode) });
    expert.reset?.({ episode, training: false, rng: stream("expert-label", episode) });
    for (let t = 0; t < data.header.slotsPerEpisode; t++, row++) {
      const label = expert.decide(obs);
      for (let i = 0; i < I; i++) {
        const r = row * I + i;
        const where = `episode ${episode}, slot ${t + 1}, cv ${i}`;
        assert.equal(
          data.arrays.actions[r],
          encodeAction(label.partition[i], label.target[i], J),
          where,
        );
        assert.deepEqual(
          [...data.arrays.state.subarray(r * D, (r + 1) * D)],
          [...Float32Array.from(obs.localState(i, local))],
          where,
        );
      }
      assert.equal(data.arrays.objective[row], obs.evaluate(label));
      obs = env.step(actor.decide(obs)).observation;
    }
  }
}
