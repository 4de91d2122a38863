/**
 * The reproduction hypotheses of MODEL.md section 6.2 (issue 20): the raw
 * input's transmitted size (`dnn.inputBytes`, A29) and FLOPs per CPU cycle
 * (`dnn.flopsPerCycle`, A30). Absent, nothing changes (hash, tables, slots);
 * present, exactly the quantities they name change.
 */
import assert from "node:assert/strict";
import { UserError } from "../../../engine/errors.ts";
import { scenarioHash } from "../../../engine/scenario/hash.ts";
import { loadScenario, parseScenario } from "../../../engine/scenario/load.ts";
import { Env } from "../../../engine/sim/env.ts";
import { Rng } from "../../../engine/rng.ts";
import { compileWorld } from "../../../engine/world.ts";
import { tempScenario } from "../../_helpers/mod.ts";

const BASE = "name: h\nseed: 4\ntime: { slots: 6 }\n";

function world(dnn = "") {
  return compileWorld(parseScenario(BASE + (dnn ? `dnn: { ${dnn} }\n` : ""), "<test>"));
}

/** Every slot's objective and per-CV delays over two episodes, every CV offloading phi = 1 to the RSU. */
function slots(w: ReturnType<typeof world>): number[] {
  const env = new Env(w);
  const out: number[] = [];
  const I = w.info.cvCount;
  const d = { partition: new Int32Array(I).fill(1), target: new Int32Array(I) };
  for (let e = 1; e <= 2; e++) {
    env.reset({ episode: e });
    for (let t = 0; t < 6; t++) {
      const r = env.step(d);
      out.push(r.objective, ...r.delayS);
    }
  }
  return out;
}

Deno.test("hypotheses absent: the hash, the tables and every slot are today's", () => {
  const plain = world();
  const k1 = world("flopsPerCycle: 1");
  const raw = plain.tables[0].dBytes[1];
  const same = world(`inputBytes: ${raw}`);
  assert.equal(raw, 224 * 224 * 3 * 4); // eq. (3) at the default input shape
  assert.equal(
    scenarioHash(parseScenario(BASE, "<a>")),
    scenarioHash(parseScenario(BASE + "dnn: {}\n", "<b>")),
  );
  assert.deepEqual(slots(k1), slots(plain));
  assert.deepEqual(slots(same), slots(plain));
  assert.notEqual(
    scenarioHash(parseScenario(BASE + "dnn: { flopsPerCycle: 4 }\n", "<c>")),
    scenarioHash(parseScenario(BASE, "<a>")),
    "a dataset recorded under another hypothesis is another world",
  );
});

Deno.test("dnn.inputBytes sets D_1 of every DNN and nothing else (A29)", () => {
  const plain = world();
  const small = world("inputBytes: 12288");
  for (const [k, t] of small.tables.entries()) {
    const p = plain.tables[k];
    assert.equal(t.dBytes[1], 12288);
    assert.equal(t.layers[0].dBytes, 12288);
    assert.deepEqual([...t.dBytes.subarray(2)], [...p.dBytes.subarray(2)]);
    assert.deepEqual([...t.localGflop], [...p.localGflop]);
    assert.deepEqual([...t.edgeGflop], [...p.edgeGflop]);
  }
  assert.notDeepEqual(slots(small), slots(plain)); // less to send at phi = 1
});

Deno.test("dnn.flopsPerCycle multiplies every CPU capacity (A30)", () => {
  const plain = world();
  const k4 = world("flopsPerCycle: 4");
  assert.equal(k4.rsus[0].cpuGflops, 4 * plain.rsus[0].cpuGflops);
  const a = plain.drawHardware(Rng.stream(4, "hardware", 0));
  const b = k4.drawHardware(Rng.stream(4, "hardware", 0));
  assert.deepEqual([...b.cvCpuGflops], [...a.cvCpuGflops].map((c) => 4 * c));
  assert.deepEqual([...b.svCpuGflops], [...a.svCpuGflops].map((c) => 4 * c));
  assert.equal(new Env(k4).reset({ episode: 1 }).state.rsuCpuGflops[0], 4 * 30);
});

Deno.test("the hypothesis keys are validated and located", async () => {
  const file = await tempScenario("name: x\ndnn:\n  inputBytes: -5\n  flopsPerCycle: 0\n");
  const e = await loadScenario(file).then(() => undefined, (e) => e);
  assert.ok(e instanceof UserError, String(e));
  assert.deepEqual(e.problems.map((p) => `${p.line}:${p.col}: ${p.message}`), [
    "3:15: inputBytes must be > 0 (got -5)",
    "4:18: flopsPerCycle must be > 0 (got 0)",
  ]);
});
