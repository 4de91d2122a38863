import assert from "node:assert/strict";
import { loadExperiment } from "../../../../app/experiment/plan/load.ts";
import { UserError } from "../../../../engine/errors.ts";
import { experimentFile, problemsOf } from "../_helpers.ts";

const control = (code: string, n: number, what = "a path") =>
  `${what} must not contain a control character (U+${code} at character ${n})`;

Deno.test("experiment: base, a policy's use and checkpoint refuse control characters at their values", async () => {
  const text = [
    "name: t",
    'base: "tiny\\x01.yaml"',
    "policies:",
    '  - "./p\\0.ts"',
    '  - { use: pqmix, checkpoint: "ck\\x1f" }',
    "",
  ].join("\n");
  assert.deepEqual(await problemsOf(text), [
    `exp.yaml:2:7: base: ${control("0001", 5)}`,
    "exp.yaml:4:5: policies[0]: a policy id or module path must not contain a NUL byte " +
    "(at character 4)",
    `exp.yaml:5:31: checkpoint: ${control("001F", 3)}`,
  ]);
});

Deno.test("experiment: a profile's path is checked as the file's, and a scenario path it sets", async () => {
  const ok = "name: t\nbase: tiny_scenario.yaml\npolicies: [greedy]\nseeds: { eval: [1] }\n";
  assert.deepEqual(await problemsOf(ok + 'profiles: { quick: { base: "b\\x7f" } }\n'), [
    `exp.yaml:5:28: base: ${control("007F", 2)} (profile quick)`,
  ]);
  const set = "set:\n  mobility.kind: sumo\n  mobility.rsu: { x: 0, y: 0 }\n" +
    '  mobility.trace: "t\\x02"\n';
  assert.deepEqual(await problemsOf(ok + set), [
    `exp.yaml:8:19: mobility.trace = "t\\u0002": trace: ${control("0002", 2)}`,
  ]);
});

Deno.test("experiment: bytes that are not UTF-8 in the base path are located", async () => {
  const file = await experimentFile("");
  const enc = new TextEncoder();
  await Deno.writeFile(
    file,
    new Uint8Array([
      ...enc.encode("name: t\nbase: tiny"),
      0xe2,
      0x82,
      ...enc.encode("_scenario.yaml\npolicies: [greedy]\n"),
    ]),
  );
  await assert.rejects(
    () => loadExperiment(file),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        `${file}:2:7: base: a path must not contain invalid UTF-8: the file has bytes there ` +
          "that are not UTF-8 (at character 5, read as U+FFFD)",
  );
});
