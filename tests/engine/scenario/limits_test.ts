/**
 * Resource limits and finite ranges of scenario input: oversized text, alias
 * bombs and other alias faults, duplicate keys in long mappings, deep
 * nesting, out-of-range physical quantities and over-long strings. Each ends
 * in located `line:col: message` problems, with user text shortened.
 */
import assert from "node:assert/strict";
import { MAX_ALIAS_NODES, MAX_ALIASES, MAX_CONFIG_BYTES } from "../../../engine/config/yaml.ts";
import { UserError } from "../../../engine/errors.ts";
import { loadScenario, parseScenario } from "../../../engine/scenario/load.ts";
import { tempScenario } from "../../_helpers/mod.ts";

/** The problems of scenario text as `line:col: message`. */
function problems(text: string): string[] {
  try {
    parseScenario(text, "s.yaml");
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
    return e.problems.map((p) => {
      assert.equal(p.file, "s.yaml");
      return `${p.line}:${p.col}: ${p.message}`;
    });
  }
  return [];
}

/** The billion laughs: 9 levels of 9 aliases of the level above, 9^9 values in all. */
function aliasBomb(): string {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (const [prev, name] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi"]) {
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("an alias bomb is refused at the alias that crosses the limit", () => {
  // Sizes: a 10 nodes, b 91, c 820, d 7381; b..d's aliases stand for 90 + 819 + 7380 = 8289
  // values, and e's first *d (7381 more) crosses 10000: line 5, column 8.
  assert.equal(MAX_ALIAS_NODES, 10_000);
  assert.deepEqual(problems(aliasBomb()), [
    "5:8: too many YAML aliases (together they stand for more than 10000 values): " +
    "a scenario needs few; write repeated values out",
  ]);
});

Deno.test("more than MAX_ALIASES aliases are refused, fewer are fine", () => {
  const layers = (n: number) =>
    "dnn:\n  models: [m]\n  custom:\n    m:\n      layers:\n        - &l { type: fc, out: 2 }\n" +
    "        - *l\n".repeat(n);
  assert.deepEqual(problems(layers(MAX_ALIASES)), []);
  assert.deepEqual(problems(layers(MAX_ALIASES + 1)), [
    `${7 + MAX_ALIASES}:11: too many YAML aliases (more than ${MAX_ALIASES}): ` +
    "a scenario needs few; write repeated values out",
  ]);
});

Deno.test("an alias without an anchor, and one inside its own anchor", () => {
  assert.deepEqual(problems("seed: *nope\n"), [
    "1:7: YAML alias *nope has no anchor &nope before it",
  ]);
  assert.deepEqual(problems("policy: &p [greedy, *p]\n"), [
    "1:21: YAML alias *p stands for a value that contains it",
  ]);
});

Deno.test("aliases within the limits expand as YAML says", () => {
  const text =
    "vehicles:\n  clients: { cpuGflops: &cpu [5, 7] }\n  services: { cpuGflops: *cpu }\n";
  assert.deepEqual(parseScenario(text, "s.yaml").scenario.vehicles.services.cpuGflops, [5, 7]);
});

Deno.test("scenario text over the size limit is refused where the limit is crossed", () => {
  assert.equal(MAX_CONFIG_BYTES, 128 * 1024);
  const text = "name: big\n" + "# filler\n".repeat(20_000);
  const lines = text.slice(0, MAX_CONFIG_BYTES).split("\n");
  const at = `${lines.length}:${lines[lines.length - 1].length + 1}`;
  const message = "the scenario is longer than the limit of 128 KiB, reached here; a scenario " +
    "is a few KB (traces, networks and plugins live in files of their own)";
  assert.deepEqual(problems(text), [`${at}: ${message}`]);
});

Deno.test("a scenario file over the size limit is refused without reading it all", async () => {
  const file = await tempScenario("policy: " + "g".repeat(5 * 1024 * 1024) + "\n");
  await assert.rejects(
    loadScenario(file),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(
        e.message,
        `${file}:1:${MAX_CONFIG_BYTES + 1}: the scenario is longer than the limit of 128 KiB, ` +
          "reached here; a scenario is a few KB (traces, networks and plugins live in files " +
          "of their own)",
      );
      return true;
    },
  );
});

Deno.test("a long policy id is refused by length, not searched or echoed", () => {
  assert.deepEqual(problems("policy: " + "g".repeat(100_000) + "\n"), [
    "1:9: policy must have at most 1000 characters (got 100000)",
  ]);
  assert.deepEqual(problems(`policy: { use: ${"g".repeat(2000)} }\n`), [
    "1:16: use must have at most 1000 characters (got 2000)",
  ]);
});

Deno.test("user text in messages is shortened to 80 characters", () => {
  const long = "p".repeat(50_000);
  const shown = `"${"p".repeat(79)}…"`;
  assert.deepEqual(problems(`lyapunov: { gamma: ${long} }\n`), [
    `1:20: gamma must be one of "corrected", "printed", got ${shown}`,
  ]);
  assert.deepEqual(problems(`time: { ${"q".repeat(1000)}: 1 }\n`), [
    `1:9: unknown key "${"q".repeat(79)}…" in time`,
  ]);
  assert.deepEqual(problems(`dnn: { models: [${long.slice(0, 150)}] }\n`), [
    `1:17: unknown DNN model "${"p".repeat(79)}…"; built-in models are alexnet, resnet18, ` +
    "vgg16, others go under dnn.custom",
  ]);
  assert.deepEqual(
    problems(`dnn: { custom: { ${"m".repeat(300)}: { layers: [{ type: fc, out: 1 }] } } }\n`),
    [`1:18: the key "${"m".repeat(79)}…" in custom must have at most 200 characters (got 300)`],
  );
});

Deno.test("duplicate keys are found in linear time, even in a long mapping", () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join("\n");
  const p = problems(`${keys}\nk17: 2\nseed: 1\nseed: 2\n`);
  assert.deepEqual(p.slice(0, 2), [
    '5001:1: YAML syntax error: Map keys must be unique; "k17" is repeated',
    '5003:1: YAML syntax error: Map keys must be unique; "seed" is repeated',
  ]);
  // Keys that only look different to YAML are the same key in the scenario.
  assert.deepEqual(problems('time: { 1: a, "1": b }\n'), [
    '1:15: YAML syntax error: Map keys must be unique; "1" is repeated',
  ]);
});

Deno.test("nesting deeper than the parser's stack is a located error", () => {
  const p = problems("a: " + "[".repeat(50_000) + "]".repeat(50_000) + "\n");
  assert.ok(p.length >= 1);
  assert.match(p[0], /^1:\d+: YAML nested too deeply: the parser ran out of stack here$/);
});

Deno.test("physical quantities out of their finite ranges", () => {
  assert.deepEqual(
    problems(
      "channel: { bandwidthHz: 1.0e-308, noiseDbm: 31, v2vRangeM: 2e6 }\n" +
        "rsu: { offsetM: 9.0e15, cpuGflops: 1.0e-4, positionM: -2e7 }\n" +
        "lyapunov: { V: 2e9 }\n" +
        "time: { slotS: 1e5, slots: 2000000 }\n" +
        "vehicles: { clients: { txPowerDbm: 100 } }\n",
    ),
    [
      "1:25: bandwidthHz must be >= 1 (got 1e-308)",
      "1:45: noiseDbm must be <= 30 (got 31)",
      "1:60: v2vRangeM must be <= 1e6 (got 2e6)",
      "2:17: offsetM must be <= 100000 (got 9e15)",
      "2:36: cpuGflops must be >= 0.001 (got 0.0001)",
      "2:55: positionM must be >= -1e7 (got -2e7)",
      "3:16: V must be <= 1e9 (got 2e9)",
      "4:16: slotS must be <= 86400 (got 100000)",
      "4:28: slots must be <= 1e6 (got 2e6)",
      "5:36: txPowerDbm must be <= 60 (got 100)",
    ],
  );
  assert.deepEqual(
    problems(
      "mobility:\n  kind: highway\n  speedMps: { mean: 200, std: 60 }\n  laneWidthM: 0\n" +
        "dnn: { inputShape: [224, 224, 2000000], bytesPerElement: 128 }\n" +
        "channel: { pathLoss: { v2i: { interceptDb: 400, slopeDb: -1 } } }\n",
    ),
    [
      "3:21: mean must be <= 150 (got 200)",
      "3:31: std must be <= 50 (got 60)",
      "4:15: laneWidthM must be > 0 (got 0)",
      "5:31: inputShape[2] must be <= 1e6 (got 2e6)",
      "5:58: bytesPerElement must be <= 64 (got 128)",
      "6:44: interceptDb must be <= 300 (got 400)",
      "6:58: slopeDb must be >= 0 (got -1)",
    ],
  );
  // YAML's .inf and .nan are not numbers to the schema.
  assert.deepEqual(problems("rsu: { cpuGflops: .inf }\nlyapunov: { V: .nan }\n"), [
    "1:19: expected number, got Infinity",
    "2:16: expected number, got NaN",
  ]);
});

Deno.test("a SUMO RSU offset out of range is an error of the scenario key, not the trace", () => {
  const text = Deno.readTextFileSync(new URL("../../../scenarios/nyc.yaml", import.meta.url))
    .replace("positionM: 5, offsetM: 10", "positionM: 5, offsetM: 9.0e15");
  const p = problems(text);
  assert.equal(p.length, 1);
  assert.match(p[0], /^\d+:\d+: offsetM must be <= 100000 \(got 9e15\)$/);
  const line = text.split("\n").findIndex((l) => l.includes("offsetM: 9.0e15")) + 1;
  assert.equal(p[0].split(":")[0], String(line));
});
