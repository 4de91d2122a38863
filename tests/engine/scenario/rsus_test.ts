/**
 * Several RSUs as a scenario gives them (MODEL.md section 6.3): `rsus:` as a
 * list or a placement rule, `backhaul:`, and their checks (A37). One RSU,
 * however given, is the single-RSU model byte for byte (A31).
 */
import assert from "node:assert/strict";
import { UserError } from "../../../engine/errors.ts";
import { RSU_COLUMNS } from "../../../engine/output/recorder.ts";
import { scenarioHash } from "../../../engine/scenario/hash.ts";
import { loadScenario, parseScenario } from "../../../engine/scenario/load.ts";
import { Env } from "../../../engine/sim/env.ts";
import { compileWorld } from "../../../engine/world.ts";
import { cli, tempScenario } from "../../_helpers/mod.ts";

const BASE = "name: h\nseed: 4\ntime: { slots: 6 }\n";

/** The problems of a scenario text, as `line:col: message`. */
async function problems(text: string): Promise<string[]> {
  const file = await tempScenario(text);
  const e = await loadScenario(file).then(() => undefined, (e) => e);
  assert.ok(e instanceof UserError, `no error for:\n${text}`);
  return e.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
}

/** Every slot's objective and delays over two episodes, every CV offloading phi = 1 to an RSU. */
function slots(text: string): number[] {
  const env = new Env(compileWorld(parseScenario(text, "<test>")));
  const out: number[] = [];
  const I = env.info.cvCount;
  for (let e = 1; e <= 2; e++) {
    let obs = env.reset({ episode: e });
    for (let t = 0; t < 6; t++) {
      const target = new Int32Array(I);
      for (let i = 0; i < I; i++) target[i] = obs.nodeMask(i).indexOf(1);
      const r = env.step({ partition: new Int32Array(I).fill(1), target });
      out.push(r.objective, ...r.delayS);
      obs = r.observation;
    }
  }
  return out;
}

Deno.test("one RSU as `rsus:` is the `rsu:` scenario: the same object, hash and slots (A31)", () => {
  const a = BASE + "rsu: { positionM: 0, offsetM: 10, coverageM: 700, cpuGflops: 25 }\n";
  const b = BASE + "rsus: [{ positionM: 0, offsetM: 10, coverageM: 700, cpuGflops: 25 }]\n";
  const c = BASE + "rsus: { every: 2000, coverageM: 700, cpuGflops: 25 }\n" +
    "backhaul: { rateBps: 1e6 }\n";
  const [sa, sb, sc] = [a, b, c].map((t) => parseScenario(t, "<test>"));
  assert.deepEqual(sb.scenario, sa.scenario);
  assert.equal(JSON.stringify(sb.scenario), JSON.stringify(sa.scenario));
  assert.equal(JSON.stringify(sc.scenario), JSON.stringify(sa.scenario));
  assert.equal(scenarioHash(sb), scenarioHash(sa));
  assert.deepEqual(slots(b), slots(a));
  assert.deepEqual(slots(c), slots(a));
});

Deno.test("`rsus: {every: ...}` places RSUs along the highway; the world numbers its nodes", () => {
  const text = BASE + "rsus: { every: 400, coverageM: 250 }\n";
  const w = compileWorld(parseScenario(text, "<test>"));
  assert.deepEqual(w.rsus.map((r) => [r.name, r.x, r.y]), [
    ["rsu1", -800, -10],
    ["rsu2", -400, -10],
    ["rsu3", 0, -10],
    ["rsu4", 400, -10],
    ["rsu5", 800, -10],
  ]);
  assert.equal(w.info.rsuCount, 5);
  assert.equal(w.info.nodeCount, 5 + 5);
  assert.equal(w.info.trackSlots, 12);
  const counted = compileWorld(
    parseScenario(BASE + "rsus: { every: 500, fromM: -600, count: 3, coverageM: 300 }\n", "<t>"),
  );
  assert.deepEqual(counted.rsus.map((r) => r.x), [-600, -100, 400]);
});

Deno.test("a corridor: vehicles leave and enter coverage, results are handed over", () => {
  // RSUs every 300 m with 160 m of coverage: gaps of ~0 between them, 12 slots of driving.
  const text = "name: corridor\nseed: 2\ntime: { slots: 12, episodes: 2 }\n" +
    "mobility: { kind: highway, fromM: -1000, toM: 1000, startM: [-900, -500] }\n" +
    "rsus: { every: 300, coverageM: 160 }\n" +
    "vehicles: { clients: { count: 6 }, services: { count: 3 } }\n";
  const env = new Env(compileWorld(parseScenario(text, "<test>")));
  let handovers = 0;
  let backhaul = 0;
  env.on("slot", (e) => {
    handovers += e.detail.handovers;
    for (const t of e.detail.tBackhaulS) backhaul += t;
    for (let i = 0; i < 6; i++) {
      if (e.detail.handoverTo[i] >= 0) assert.ok(e.detail.tBackhaulS[i] > 0);
    }
  });
  for (let ep = 1; ep <= 2; ep++) {
    let obs = env.reset({ episode: ep });
    for (let t = 0; t < 12; t++) {
      const I = obs.cvCount;
      const target = new Int32Array(I);
      for (let i = 0; i < I; i++) target[i] = Math.max(0, obs.nodeMask(i).indexOf(1));
      // VGG16 and ResNet18 sent raw take seconds at the RSU: long enough to drive out.
      const r = env.step({ partition: new Int32Array(I).fill(1), target });
      obs = r.observation;
    }
  }
  assert.ok(handovers > 0, "some results are handed over");
  assert.ok(backhaul > 0);
});

Deno.test("`rsus:` problems are located at their key (A37)", async () => {
  assert.deepEqual(
    await problems(BASE + "rsu: { cpuGflops: 30 }\nrsus: [{ positionM: 0, coverageM: 100 }]\n"),
    ["5:1: give either `rsu:` (one RSU) or `rsus:` (several), not both"],
  );
  assert.deepEqual(
    await problems(
      BASE +
        "rsus:\n  - { positionM: 0, coverageM: 300 }\n  - { positionM: 5000, coverageM: 300 }\n",
    ),
    ["6:18: RSU 2 stands off the road: 5000 m is outside [-1000, 1000] m"],
  );
  assert.deepEqual(
    await problems(
      BASE +
        "rsus:\n  - { positionM: 0, coverageM: 300 }\n  - { positionM: 100, coverageM: 100 }\n",
    ),
    [
      "6:5: RSU 2's coverage lies inside RSU 1's: it covers no vehicle the other does not; " +
      "move it or remove it",
    ],
  );
  assert.deepEqual(
    await problems(
      BASE + "rsus:\n  - { positionM: 0, coverageM: 300 }\n  - { positionM: 0, coverageM: 300 }\n",
    ),
    [
      "6:5: RSU 2's coverage lies inside RSU 1's: it covers no vehicle the other does not; " +
      "move it or remove it",
    ],
  );
  assert.deepEqual(
    await problems(
      BASE +
        "rsus:\n  - { positionM: 0, coverageM: 300 }\n  - { positionM: 500, offsetM: 50, coverageM: 20 }\n",
    ),
    ["6:47: RSU 2's coverage (20 m) does not reach the road 50 m away"],
  );
  assert.deepEqual(
    await problems(BASE + "rsus: { every: 400, count: 6, coverageM: 250 }\n"),
    ["4:28: 6 RSUs every 400 m from -800 m do not fit before 1000 m (5 fit)"],
  );
  assert.deepEqual(
    await problems(BASE + "rsus: { every: 400, coverageM: 0 }\n"),
    ["4:32: coverageM must be > 0 (got 0)"],
  );
  assert.deepEqual(
    await problems(BASE + "rsus: { every: 400, coverageM: 250 }\nbackhaul: { rateBps: 0 }\n"),
    ["5:22: rateBps must be > 0 (got 0)"],
  );
  assert.deepEqual(
    await problems(BASE + "rsus: { junctions: 4, coverageM: 250 }\n"),
    ["4:9: RSUs at junctions need a SUMO network: on the highway, use `every:` or a list"],
  );
  assert.deepEqual(
    await problems(
      BASE +
        "rsus: [{ edge: e1, positionM: 5, coverageM: 250 }, { positionM: 9, coverageM: 50 }]\n",
    ),
    ["4:8: on the highway an RSU stands at `positionM` along the road; `edge` and `x`/`y` place RSUs on a SUMO network"],
  );
});

Deno.test("`run` on several RSUs writes rsus.csv, the backhaul time and the handovers (tidy CSV)", async () => {
  const file = await tempScenario(
    "name: corridor\nseed: 2\ntime: { slots: 12, episodes: 2 }\n" +
      "mobility: { kind: highway, fromM: -1000, toM: 1000, startM: [-900, -500] }\n" +
      "rsus: { every: 300, coverageM: 160 }\n" +
      "vehicles: { clients: { count: 4 }, services: { count: 2 } }\npolicy: [rsu, exhaustive]\n",
  );
  const out = await Deno.makeTempDir({ prefix: "vecscene-rsus-run-" });
  const r = await cli(["run", file, "-e", "2", "-o", out, "-q", "-p", "rsu", "-p", "greedy"]);
  assert.equal(r.code, 0, r.err);
  const read = async (f: string) =>
    (await Deno.readTextFile(`${out}/rsu/${f}`)).trim().split("\n").map((l) => l.split(","));
  const rsus = await read("rsus.csv");
  assert.deepEqual(rsus[0], [...RSU_COLUMNS]);
  assert.ok(rsus[0].includes("handovers_out") && rsus[0].includes("arrival_gflop"));
  assert.equal(rsus.length - 1, 2 * 12 * 7); // 7 RSUs (-850 to 950 m), every slot
  const slots = await read("slots.csv");
  assert.deepEqual(slots[0].slice(-3), ["delay_s", "t_backhaul_s", "handover_to"]);
  const handed = slots.slice(1).filter((row) => row[17] !== "");
  assert.ok(handed.length > 0, "some results are handed over");
  for (const row of handed) assert.ok(Number(row[16]) > 0 && /^rsu\d$/.test(row[17]));
  const steps = await read("steps.csv");
  assert.equal(steps[0].at(-1), "handovers");
  const perSlot = steps.slice(1).reduce((a, row) => a + Number(row.at(-1)), 0);
  const out_ = rsus.slice(1).reduce((a, row) => a + Number(row[6]), 0);
  const in_ = rsus.slice(1).reduce((a, row) => a + Number(row[7]), 0);
  assert.deepEqual([out_, in_], [perSlot, perSlot]);
  assert.equal(handed.length, perSlot);
  const queues = await read("queues.csv");
  assert.ok(queues.some((row) => row[2] === "rsu2:alexnet"));
  // The same scenario and seed: byte-identical files.
  const again = await cli([
    "run",
    file,
    "-e",
    "2",
    "-o",
    `${out}/again`,
    "-q",
    "-p",
    "rsu",
    "-p",
    "greedy",
  ]);
  assert.equal(again.code, 0, again.err);
  for (const f of ["slots.csv", "rsus.csv", "steps.csv", "queues.csv"]) {
    assert.equal(
      await Deno.readTextFile(`${out}/again/rsu/${f}`),
      await Deno.readTextFile(`${out}/rsu/${f}`),
      f,
    );
  }
  // The exhaustive search fits this size and searches every covering RSU.
  const small = await tempScenario(
    (await Deno.readTextFile(file)).replace(
      "count: 4 }, services: { count: 2",
      "count: 2 }, services: { count: 1",
    ),
  );
  const e = await cli(["run", small, "-e", "1", "-o", `${out}/ex`, "-q", "-p", "exhaustive"]);
  assert.equal(e.code, 0, e.err);
  await Deno.remove(out, { recursive: true });
});

Deno.test("the scenario hash tells apart RSU layouts and backhauls (what checkpoints are checked by)", () => {
  const hash = (text: string) => scenarioHash(parseScenario(BASE + text, "<test>"));
  const a = hash("rsus: { every: 400, coverageM: 250 }\n");
  assert.notEqual(hash("rsus: { every: 500, coverageM: 300 }\n"), a);
  assert.notEqual(hash("rsus: { every: 400, coverageM: 250 }\nbackhaul: { rateBps: 1e8 }\n"), a);
  assert.equal(hash("rsus: { every: 400, coverageM: 250 }\n"), a);
});
