import assert from "node:assert/strict";
import { UserError } from "../../../engine/errors.ts";
import { loadScenario, parseScenario } from "../../../engine/scenario/load.ts";
import { tempScenario } from "../../_helpers/mod.ts";

/** The problems of scenario text as `line:col: message`. */
function problems(text: string): string[] {
  try {
    parseScenario(text, "s.yaml");
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
    return e.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  }
  return [];
}

Deno.test("every path-valued key of a scenario refuses a NUL or control character at its value", () => {
  const text = [
    "name: p",
    "mobility:",
    "  kind: sumo",
    '  net: "n\\0et.xml"',
    '  trace: "t\\x01.xml"',
    "  build:",
    '    osm: "o\\x7f.osm"',
    '    routes: [ok.rou.xml, "r\\x85.rou.xml"]',
    '    cacheDir: "c\\e"',
    "  rsu: { x: 0, y: 0 }",
    "policy:",
    '  - "./p\\x02.ts"',
    '  - { use: "./q\\x03.ts", checkpoint: "ck\\x04" }',
    'output: { dir: "o\\tut" }',
    "",
  ].join("\n");
  const nul = (n: number) => `a path must not contain a NUL byte (at character ${n})`;
  const control = (code: string, n: number, what = "a path") =>
    `${what} must not contain a control character (U+${code} at character ${n})`;
  const use = "a policy id or module path";
  assert.deepEqual(problems(text), [
    `4:8: net: ${nul(2)}`,
    `5:10: trace: ${control("0001", 2)}`,
    `7:10: osm: ${control("007F", 2)}`,
    `8:26: routes[1]: ${control("0085", 2)}`,
    `9:15: cacheDir: ${control("001B", 2)}`,
    `12:5: policy[0]: ${control("0002", 4, use)}`,
    `13:12: use: ${control("0003", 4, use)}`,
    `13:38: checkpoint: ${control("0004", 3)}`,
    `14:16: dir: ${control("0009", 2)}`,
  ]);
});

Deno.test("a policy given as one string is checked too; valid paths load as before", () => {
  assert.deepEqual(problems('policy: "gre\\x7fedy"\n'), [
    "1:9: policy: a policy id or module path must not contain a control character " +
    "(U+007F at character 4)",
  ]);
  const ok = parseScenario(
    "policy: { use: greedy, checkpoint: 'ck/é 1' }\noutput: { dir: 'out/ü x' }\n",
    "s.yaml",
  );
  assert.deepEqual(ok.scenario.policy, { use: "greedy", checkpoint: "ck/é 1", params: {} });
  assert.equal(ok.scenario.output.dir, "out/ü x");
});

Deno.test("raw bytes in the file: a NUL, and bytes that are not UTF-8, in a path are located", async () => {
  const enc = new TextEncoder();
  const file = await tempScenario("");
  const write = (...parts: (string | number[])[]) =>
    Deno.writeFile(
      file,
      new Uint8Array(
        parts.flatMap((p) => (typeof p === "string" ? [...enc.encode(p)] : p)),
      ),
    );
  const load = async () => {
    try {
      await loadScenario(file);
    } catch (e) {
      assert.ok(e instanceof UserError);
      return e.message;
    }
    return "loaded";
  };
  await write("name: b\noutput:\n  dir: out/", [0], "x\n");
  assert.equal(
    await load(),
    `${file}:3:8: dir: a path must not contain a NUL byte (at character 5)`,
  );
  // E2 82 is a euro sign cut short; FF is never UTF-8; ED A0 80 is a UTF-16 surrogate.
  for (const bytes of [[0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
    await write("name: b\npolicy:\n  - greedy\n  - { use: greedy, checkpoint: ck/", bytes, "x }\n");
    assert.equal(
      await load(),
      `${file}:4:32: checkpoint: a path must not contain invalid UTF-8: the file has bytes ` +
        "there that are not UTF-8 (at character 4, read as U+FFFD)",
      bytes.join(" "),
    );
  }
  // Bytes that are not UTF-8 outside paths keep today's behaviour (a description is free text).
  await write("name: b\ndescription: caf", [0xe9], "\n");
  assert.equal(await load(), "loaded");
});
