import assert from "node:assert/strict";
import { runScenario } from "../../app/run.ts";
import { parseScenario } from "../../engine/scenario/load.ts";
import { definePolicy, type PolicyInstance } from "../../engine/sim/policy.ts";
import { compileWorld } from "../../engine/world.ts";
import { evaluate } from "../../host/evaluate.ts";
import { defaultRegistry } from "../../host/registry.ts";
import { resolvePolicies } from "../../host/resolve.ts";

const TEXT = "name: ev\npolicy: [greedy, genetic]\ntime: { slots: 5, episodes: 3 }";

Deno.test("evaluate: a resolved policy over episodes 1..N gives run's figures", async () => {
  const loaded = parseScenario(TEXT, "ev.yaml");
  const report = await runScenario(loaded);
  const policies = await resolvePolicies(loaded, defaultRegistry());
  const world = compileWorld(loaded);
  for (const [k, p] of policies.entries()) {
    const ev = await evaluate(world, p, { episodes: 3 });
    assert.equal(ev.label, p.label);
    assert.deepEqual(ev.aggregates, report.results[k].aggregates);
    assert.deepEqual(ev.episodes, report.results[k].episodes);
    assert.equal(ev.slots, 15);
    assert.equal(ev.decideMs, 0, "decisions are timed only when asked");
  }
});

Deno.test("evaluate: hooks see every decision and step, episodes in order, awaited; first numbers them", async () => {
  const loaded = parseScenario(TEXT, "ev.yaml");
  const [greedy] = await resolvePolicies(loaded, defaultRegistry(), ["greedy"]);
  const world = compileWorld(loaded);
  const seen: string[] = [];
  let decisions = 0;
  let steps = 0;
  const ev = await evaluate(world, greedy, {
    first: 11,
    episodes: 2,
    timeDecisions: true,
    hooks: {
      decision(obs, d, ms) {
        assert.equal(d.partition.length, obs.cvCount);
        assert.ok(ms >= 0);
        decisions++;
      },
      step: () => void steps++,
    },
    onEpisode: async (f, k) => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push(`${k}:${f.episode}`);
    },
  });
  assert.deepEqual(seen, ["1:11", "2:12"]);
  assert.equal(decisions, 10);
  assert.equal(steps, 10);
  assert.ok(ev.decideMs > 0);
  // Episodes 11 and 12 are those of a run of 12 episodes.
  const all = await evaluate(world, greedy, { episodes: 12 });
  assert.deepEqual(ev.episodes, all.episodes.slice(10));
});

Deno.test("evaluate: a resolved policy is disposed even when it fails; a live player is left to its owner", async () => {
  let disposed = 0;
  let decided = 0;
  const def = definePolicy({
    id: "flaky",
    description: "fails on its fourth decision",
    defaults: {},
    create: (): PolicyInstance => ({
      decide(obs) {
        if (++decided === 4) throw new Error("boom");
        const partition = new Int32Array(obs.cvCount);
        for (let i = 0; i < obs.cvCount; i++) partition[i] = obs.table(i).L + 1;
        return { partition, target: new Int32Array(obs.cvCount) };
      },
      dispose: () => void disposed++,
    }),
  });
  const world = compileWorld(parseScenario(TEXT, "ev.yaml"));
  const resolved = { label: "flaky", def, params: {}, plugin: false };
  await assert.rejects(evaluate(world, resolved, { episodes: 1 }), /boom/);
  assert.equal(disposed, 1);
  decided = -1000;
  const instance = await def.create({}, { info: world.info, label: "flaky" });
  const player = { label: "flaky", instance, untrusted: false };
  const controller = new AbortController();
  const ev = await evaluate(world, player, {
    episodes: 3,
    signal: controller.signal,
    onEpisode: () => controller.abort(),
  });
  assert.equal(ev.episodes.length, 1, "an aborted evaluation stops before the next episode");
  assert.equal(disposed, 1, "the caller owns a live player");
});
