import assert from "node:assert/strict";
import { join } from "node:path";
import { Env, InvalidDecisionError, openEnv } from "../../../engine/sim/env.ts";
import type { Observation } from "../../../engine/sim/observation.ts";
import { cli, worldOf } from "../../_helpers/mod.ts";

/** The `local` policy's decision: every CV keeps its whole DNN on board. */
function allLocal(obs: Observation) {
  const partition = new Int32Array(obs.cvCount);
  for (let i = 0; i < obs.cvCount; i++) partition[i] = obs.table(i).L + 1;
  return { partition, target: new Int32Array(obs.cvCount) };
}

Deno.test("env: stepping with local's decisions gives exactly the rewards of `run --policy local`", async () => {
  const out = await Deno.makeTempDir({ prefix: "vecscene-env-" });
  const r = await cli(["run", "scenarios/highway.yaml", "-p", "local", "-e", "3", "-o", out, "-q"]);
  assert.equal(r.code, 0, r.err);
  const rows = (await Deno.readTextFile(join(out, "steps.csv"))).trim().split("\n").slice(1);
  const expected = rows.map((l) => {
    const [episode, slot, objective, reward, meanDelay] = l.split(",").map(Number);
    return { episode, slot, objective, reward, meanDelay };
  });
  const env = await openEnv("scenarios/highway.yaml");
  const got = [];
  for (let episode = 1; episode <= 3; episode++) {
    let obs = env.reset({ episode });
    for (let slot = 1;; slot++) {
      assert.equal(obs.episode, episode);
      assert.equal(obs.slot, slot);
      const step = env.step(allLocal(obs));
      const meanDelay = step.delayS.reduce((a, b) => a + b, 0) / step.delayS.length;
      got.push({ episode, slot, objective: step.objective, reward: step.reward, meanDelay });
      assert.equal(step.terminated, false, "no state of the model is absorbing");
      assert.equal(step.truncated, slot === 30, "the time limit ends the episode");
      if (step.truncated) break;
      obs = step.observation;
    }
  }
  assert.equal(got.length, 90);
  assert.deepEqual(got, expected);
});

Deno.test("env: the same seed and episode replay the same slots; another seed, others", async () => {
  const play = (env: Env, episode: number, seed?: number) => {
    const rewards: number[] = [];
    let obs = env.reset({ episode, seed });
    for (;;) {
      const step = env.step(allLocal(obs));
      rewards.push(step.reward);
      if (step.truncated) return rewards;
      obs = step.observation;
    }
  };
  const env = await openEnv("scenarios/highway.yaml");
  const first = play(env, 2);
  play(env, 5);
  assert.deepEqual(play(env, 2), first, "episode 2 again");
  assert.deepEqual(play(new Env(env.world), 2), first, "a fresh environment");
  const other = play(env, 2, 9);
  assert.notDeepEqual(other, first, "another seed");
  assert.equal(env.info.seed, 9);
  assert.deepEqual(play(env, 2, 1), first, "back to the scenario's seed");
  assert.deepEqual(env.reset().slot, 1, "reset without options starts the next episode");
  assert.equal(env.observation.episode, 3);
});

Deno.test("env: the final observation holds the queues after the last slot's update", () => {
  const env = new Env(worldOf("name: e\ntime: { slots: 2 }\n"));
  let obs = env.reset({ episode: 1 });
  const step1 = env.step(allLocal(obs));
  obs = step1.observation;
  const before = Float64Array.from(obs.state.cvQueueGflop);
  const step2 = env.step(allLocal(obs));
  assert.equal(step2.truncated, true);
  const after = step2.observation.state.cvQueueGflop;
  for (let i = 0; i < before.length; i++) {
    // (8): Q(t+1) = max(Q(t) - f^loc tau + B_local, 0), the whole DNN on board
    const t = obs.table(i);
    const f = obs.state.cvCpuGflops[i];
    assert.equal(after[i], Math.max(before[i] - f * 1 + t.localGflop[t.L + 1], 0));
  }
  assert.throws(() => env.step(allLocal(obs)), /call reset\(\) first/);
});

Deno.test("env: an invalid decision is refused with what is wrong, the episode and the slot", () => {
  const env = new Env(worldOf("name: e\ntime: { slots: 3 }\n"));
  const obs = env.reset({ episode: 4 });
  const d = allLocal(obs);
  d.partition[0] = 0;
  assert.throws(
    () => env.step(d),
    (e: unknown) =>
      e instanceof InvalidDecisionError && e.episode === 4 && e.slot === 1 &&
      /cv1 \(alexnet, L = 11\) got partition 0/.test(e.message),
  );
  assert.throws(() => env.reset({ episode: 0 }), RangeError);
});
