/**
 * Several RSUs on SUMO networks (MODEL.md section 6.3): placed along
 * `road.edges`, at junctions, or as listed; checked against the network
 * (A37) at the scenario's key; the shipped corridor and city scenarios.
 */
import assert from "node:assert/strict";
import { randomTrips } from "../../../../engine/mobility/sumo/build.ts";
import { readNet } from "../../../../engine/mobility/sumo/net.ts";
import { UserError } from "../../../../engine/errors.ts";
import { loadScenario } from "../../../../engine/scenario/load.ts";
import { openEnv } from "../../../../engine/sim/env.ts";
import { compileWorld } from "../../../../engine/world.ts";
import { cli } from "../../../_helpers/mod.ts";

/** The corridor scenario with `rsus:` replaced (written beside it, so its paths resolve). */
async function corridor(rsus: string): Promise<string> {
  const text = (await Deno.readTextFile("scenarios/nyc-corridor.yaml"))
    .replace(/^rsus: .*$/m, `rsus: ${rsus}`);
  const file = `scenarios/.test-corridor-${crypto.randomUUID()}.yaml`;
  await Deno.writeTextFile(file, text);
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  try {
    compileWorld(await loadScenario(file));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  } finally {
    await Deno.remove(file);
  }
  return [];
}

Deno.test("nyc-corridor: an RSU every 400 m along the FDR cut, results handed over", async () => {
  const env = await openEnv("scenarios/nyc-corridor.yaml");
  const w = env.world;
  assert.deepEqual(w.rsus.map((r) => r.name), ["rsu1", "rsu2", "rsu3", "rsu4", "rsu5"]);
  // 400 m apart along the road, 0 at the first RSU.
  const road = (await readNet("scenarios/nyc/fdr.net.xml")).edges.size;
  assert.ok(road > 0);
  for (let r = 1; r < w.rsus.length; r++) {
    const d = Math.hypot(w.rsus[r].x - w.rsus[r - 1].x, w.rsus[r].y - w.rsus[r - 1].y);
    assert.ok(d > 380 && d <= 400.5, `rsu${r} to rsu${r + 1}: ${d} m`);
  }
  assert.equal(w.info.nodeCount, 5 + 5);
  let handovers = 0;
  env.on("slot", (e) => (handovers += e.detail.handovers));
  let obs = env.reset({ episode: 1 });
  for (let t = 0; t < 30; t++) {
    const I = obs.cvCount;
    const target = new Int32Array(I);
    for (let i = 0; i < I; i++) target[i] = Math.max(0, obs.nodes(i)[0] ?? 0);
    obs = env.step({ partition: new Int32Array(I).fill(1), target }).observation;
  }
  assert.ok(handovers > 0, "raw inputs to the nearest RSU: some results follow their CV");
});

Deno.test("midtown: at least 6 RSUs at junctions, 200 vehicles in the trace, 50 CVs", async () => {
  const env = await openEnv("scenarios/midtown.yaml");
  const w = env.world;
  assert.ok(w.rsus.length >= 6);
  for (const a of w.rsus) {
    for (const b of w.rsus) {
      if (a !== b) assert.ok(Math.hypot(a.x - b.x, a.y - b.y) >= 600, `${a.name} ${b.name}`);
    }
  }
  assert.ok(w.info.cvCount >= 50);
  const obs = env.reset({ episode: 1 });
  const ids = new Set<string>();
  env.on("episodeStart", (e) => e.vehicleIds?.forEach((v) => ids.add(v)));
  env.reset({ episode: 2 });
  assert.equal(ids.size, w.info.cvCount + w.info.svCount);
  // Every CV is covered at the window's start (eligible: present) and may reach an RSU.
  for (let i = 0; i < obs.cvCount; i++) assert.ok(obs.nodes(i)[0] < w.rsus.length);
  const text = await Deno.readTextFile("scenarios/midtown/midtown.fcd.xml");
  const vehicles = new Set(text.matchAll(/<vehicle id="([^"]+)"/g).map((m) => m[1]));
  assert.ok(vehicles.size >= 200, `${vehicles.size} vehicles in the trace`);
});

Deno.test("random trips: seeded, between distinct edges, departing evenly", async () => {
  const net = await Deno.readTextFile("scenarios/nyc/fdr.net.xml");
  const o = { vehicles: 5, departS: [0, 100] as [number, number], seed: 3 };
  const a = randomTrips(net, o);
  assert.equal(a, randomTrips(net, o));
  assert.notEqual(a, randomTrips(net, { ...o, seed: 4 }));
  const trips = [...a.matchAll(/<trip id="t(\d)" depart="([\d.]+)" from="([^"]+)" to="([^"]+)"/g)];
  assert.deepEqual(trips.map((m) => m[2]), ["0.00", "25.00", "50.00", "75.00", "100.00"]);
  for (const m of trips) assert.notEqual(m[3], m[4]);
});

Deno.test("RSUs that do not fit the network are errors at their key (A37)", async () => {
  const cases: [string, string][] = [
    [
      "{ every: 400, count: 9, coverageM: 250 }",
      "51:21: 9 RSUs every 400 m from 200 m do not fit before 1829 m of road.edges (5 fit)",
    ],
    [
      "[{ x: 0, y: 0, coverageM: 50 }, { x: 100000, y: 0, coverageM: 50 }]",
      "51:39: RSU 2 stands off the road: the nearest lane is 98994.4 m away, beyond its " +
      "coverage (50 m)",
    ],
    [
      '[{ edge: "32939514#0", positionM: 5, coverageM: 300 }, ' +
      '{ edge: "32939514#0", positionM: 6, coverageM: 100 }]',
      "51:62: RSU 2's coverage lies inside RSU 1's: it covers no vehicle the other does not; " +
      "move it or remove it",
    ],
    [
      "[{ edge: nowhere, positionM: 5, coverageM: 300 }, { x: 0, y: 0, coverageM: 9 }]",
      "51:10: edge 'nowhere' is not an edge of this network",
    ],
    [
      "{ junctions: 500, minSpacingM: 1000, coverageM: 250 }",
      "51:9: only 2 of the network's 18 junctions are at least 1000 m apart; ask for fewer " +
      "RSUs or a smaller minSpacingM",
    ],
  ];
  for (const [rsus, problem] of cases) {
    assert.deepEqual(await problemsOf(await corridor(rsus)), [problem], rsus);
  }
});

Deno.test("`validate` reports a several-RSU problem at its key, exit 2", async () => {
  const file = await corridor("{ every: 400, count: 9, coverageM: 250 }");
  try {
    const r = await cli(["validate", file]);
    assert.equal(r.code, 2);
    assert.match(r.err, /:51:21: 9 RSUs every 400 m from 200 m do not fit/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("one RSU along road.edges on SUMO is the one-RSU model, placed by the network", async () => {
  const file = await corridor("[{ positionM: 900, coverageM: 1200 }]");
  try {
    const w = compileWorld(await loadScenario(file));
    assert.deepEqual([w.info.rsuCount, w.info.trackSlots, w.rsus[0].name], [1, 0, "rsu"]);
    assert.equal(w.rsus[0].coverageM, 1200);
  } finally {
    await Deno.remove(file);
  }
});
