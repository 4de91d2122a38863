/**
 * The locator of config documents: a nested path (a mapping in a list in a
 * mapping) at its value and at its key, a path whose end is missing, an
 * empty value, a key without a value, flow collections, and the reader's result it works on.
 * Every position below is counted by hand in `TEXT` (1-based line:col).
 */
import assert from "node:assert/strict";
import { type ConfigPath, locatePath } from "../../../engine/config/locate.ts";
import { parseConfigYaml } from "../../../engine/config/yaml.ts";

const TEXT = [
  "name: demo", // 1
  "policies:", // 2
  "  - use: greedy", // 3
  "    params:", // 4
  "      hidden: [8, 16]", // 5
  "  - label: b", // 6
  "    use: pqmix", // 7
  "empty:", // 8
  "seeds: { train: [1], eval: [11, 12] }", // 9
  "flags: { on, level: 2 }", // 10
  "? bare", // 11
  "",
].join("\n");

const yaml = parseConfigYaml(TEXT, "x.yaml");

/** `line:col` of `path`, checking the file it names. */
function at(path: ConfigPath, atKey = false): string {
  const l = locatePath(yaml, path, atKey);
  assert.equal(l.file, "x.yaml");
  return `${l.line}:${l.col}`;
}

Deno.test("a mapping in a list in a mapping: the value, or the key with atKey", () => {
  // "    use: pqmix": the key starts at column 5, the value after "use: " at column 10.
  assert.equal(at(["policies", 1, "use"]), "7:10");
  assert.equal(at(["policies", 1, "use"], true), "7:5");
  // "  - use: greedy": the entry's mapping starts at its first key, column 5.
  assert.equal(at(["policies", 0]), "3:5");
  assert.equal(at(["policies", 0, "use"]), "3:10");
  // "      hidden: [8, 16]": the list at column 15, its second item at column 19.
  assert.equal(at(["policies", 0, "params", "hidden"]), "5:15");
  assert.equal(at(["policies", 0, "params", "hidden"], true), "5:7");
  assert.equal(at(["policies", 0, "params", "hidden", 1]), "5:19");
  // atKey only moves the last step: a list index still points at the item.
  assert.equal(at(["policies", 0, "params", "hidden", 1], true), "5:19");
});

Deno.test("a path whose end is missing points at the deepest node that exists", () => {
  assert.equal(at([]), "1:1");
  assert.equal(at(["policies", 1, "nope"]), "6:5");
  assert.equal(at(["policies", 1, "nope"], true), "6:5");
  // An index past the end, or a key asked of a list: the list ("  - use", column 3).
  assert.equal(at(["policies", 5, "use"]), "3:3");
  assert.equal(at(["policies", "use"]), "3:3");
  // Below a scalar: the scalar ("demo" at column 7).
  assert.equal(at(["name", "first"]), "1:7");
  assert.equal(at(["nope"], true), "1:1");
});

Deno.test("an empty value is located where it would be written", () => {
  // "empty:": the parser places the null value right after the colon, column 7.
  assert.equal(at(["empty"]), "8:7");
  assert.equal(at(["empty"], true), "8:1");
  assert.equal(at(["empty", "x"]), "8:7");
});

Deno.test("a key without a value is located at the key", () => {
  // "flags: { on, level: 2 }": "on" at column 10; "? bare": "bare" at column 3.
  assert.equal(at(["flags", "on"]), "10:10");
  assert.equal(at(["flags", "on", "x"]), "10:10");
  assert.equal(at(["flags", "level"]), "10:21");
  assert.equal(at(["bare"]), "11:3");
  assert.equal(at(["bare", 0]), "11:3");
});

Deno.test("flow collections are located like block ones", () => {
  // "seeds: { train: [1], eval: [11, 12] }"
  assert.equal(at(["seeds"]), "9:8");
  assert.equal(at(["seeds", "eval"], true), "9:22");
  assert.equal(at(["seeds", "eval"]), "9:28");
  assert.equal(at(["seeds", "eval", 1]), "9:33");
});

Deno.test("the reader keeps the file name and reads an empty document as a mapping", () => {
  const empty = parseConfigYaml("", "e.yaml");
  assert.equal(empty.file, "e.yaml");
  assert.deepEqual(empty.value, {});
  assert.deepEqual(locatePath(empty, ["a", 0], true), { file: "e.yaml", line: 1, col: 1 });
});
