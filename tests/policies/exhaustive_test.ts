import assert from "node:assert/strict";
import { instantiate } from "../../host/player.ts";
import { simulate } from "../_helpers/mod.ts";
import { UserError } from "../../engine/errors.ts";
import { HEURISTIC_POLICIES } from "../../host/registry.ts";
import type { PolicyDefinition, PolicyInstance } from "../../engine/sim/policy.ts";
import { resolveParams } from "../../host/params.ts";
import { Rng } from "../../engine/rng.ts";
import leastDelay from "../../plugins/least_delay.ts";
import { worldOf } from "../_helpers/mod.ts";

const others = [
  ...HEURISTIC_POLICIES.filter((d) => d.id !== "exhaustive"),
  leastDelay as unknown as PolicyDefinition,
];

/** Small instances: a two-layer and a three-layer custom model keep the joint space small. */
function instance(cvs: number, svs: number, seed: number, V: number): string {
  return [
    `name: small`,
    `seed: ${seed}`,
    `time: { slots: 8 }`,
    `vehicles: { clients: { count: ${cvs}, cpuGflops: [0.5, 1] }, services: { count: ${svs}, cpuGflops: [1, 2] } }`,
    `mobility: { kind: highway, startM: [-400, -250] }`,
    `rsu: { cpuGflops: 3 }`,
    `lyapunov: { V: ${V} }`,
    `dnn:`,
    `  models: [a, b]`,
    `  inputShape: [16, 16, 3]`,
    `  custom:`,
    `    a: { layers: [{ type: conv, out: 8, kernel: 3, pad: 1 }, { type: maxpool, kernel: 2 }, { type: fc, out: 10 }] }`,
    `    b: { layers: [{ type: conv, out: 16, kernel: 5, pad: 2 }, { type: fc, out: 10 }] }`,
    `policy: exhaustive`,
  ].join("\n");
}

async function create(def: PolicyDefinition, world: ReturnType<typeof worldOf>) {
  const { params } = resolveParams(def, {});
  return (await instantiate({ label: def.id, def, params, plugin: false }, world)).instance;
}

Deno.test("exhaustive is never beaten per slot by any other policy", async () => {
  let compared = 0;
  for (const [cvs, svs, seed, V] of [[2, 1, 1, 10], [3, 1, 2, 10], [2, 2, 3, 50], [3, 2, 4, 0.5]]) {
    const world = worldOf(instance(cvs, svs, seed, V));
    const best = await create(HEURISTIC_POLICIES.find((d) => d.id === "exhaustive")!, world);
    const rivals: PolicyInstance[] = [];
    for (const d of others) rivals.push(await create(d, world));
    const sim = simulate(world, best, { label: "exhaustive" });
    sim.on("episodeStart", ({ episode }) => {
      rivals.forEach((r, k) =>
        r.reset?.({ episode, rng: Rng.stream(seed, `rival${k}`), training: false })
      );
    });
    sim.on("slot", (e) => {
      const obs = sim.observation;
      const opt = obs.evaluate(e.decision);
      assert.ok(Math.abs(opt - e.detail.objective) <= 1e-9 * Math.abs(opt));
      for (const r of rivals) {
        const v = obs.evaluate(r.decide(obs));
        assert.ok(v >= opt - 1e-9 * Math.abs(opt), `a rival scored ${v} < exhaustive ${opt}`);
        compared++;
      }
    });
    sim.runEpisode(0);
    sim.runEpisode(1);
  }
  assert.equal(compared, 4 * 2 * 8 * others.length);
});

Deno.test("exhaustive refuses a joint space above its limit", async () => {
  const world = worldOf("name: big\ntime: { slots: 2 }\npolicy: exhaustive\n");
  const def = HEURISTIC_POLICIES.find((d) => d.id === "exhaustive")!;
  const inst = await create(def, world);
  const sim = simulate(world, inst, { label: "exhaustive" });
  assert.throws(
    () => sim.runEpisode(0),
    (e: unknown) =>
      e instanceof UserError &&
      /^policy "exhaustive" \(exhaustive\): episode 1 slot 1 has [\d.]+e\+\d+ joint actions, above maxJointActions = 1000000/
        .test(e.message),
  );
});
