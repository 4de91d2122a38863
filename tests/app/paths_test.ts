/**
 * Paths are data, end to end: a NUL byte, a control character or bytes that
 * are not UTF-8 in a path of a scenario, an experiment or a flag end with
 * exit 2 and one located message, before the path is used.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli } from "../_helpers/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NYC = `${ROOT}scenarios/nyc/`;

/** scenarios/nyc.yaml with its relative paths made absolute, so that a copy anywhere works. */
async function nycText(): Promise<string> {
  const text = await Deno.readTextFile(`${ROOT}scenarios/nyc.yaml`);
  return text.replace(/(?<=[\s[])nyc\//g, NYC);
}

/** Writes `bytes` as a scenario in a temp folder; runs it with greedy for one episode. */
async function runBytes(bytes: Uint8Array) {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-paths-" });
  const file = join(dir, "nyc.yaml");
  await Deno.writeFile(file, bytes);
  const r = await cli(["run", file, "-p", "greedy", "-e", "1", "-q", "-o", join(dir, "out")]);
  return { ...r, file };
}

const enc = new TextEncoder();
/** The text with `inserted` (text or raw bytes) placed after the first `after`. */
function inserting(text: string, after: string, inserted: string | number[]): Uint8Array {
  const at = text.indexOf(after) + after.length;
  assert.ok(at >= after.length, after);
  const mid = typeof inserted === "string" ? enc.encode(inserted) : new Uint8Array(inserted);
  return new Uint8Array([...enc.encode(text.slice(0, at)), ...mid, ...enc.encode(text.slice(at))]);
}

/** Where "fd" ends in the net's path: the inserted character is the next one. */
const NET_AT = [...`${NYC}fd`].length + 1;

Deno.test("paths: the absolute copy of nyc.yaml runs (the cases below change only its net)", async () => {
  const r = await runBytes(enc.encode(await nycText()));
  assert.equal(r.code, 0, r.err);
});

Deno.test("paths: a NUL in mobility.net of nyc.yaml is a located user error, not a crash", async () => {
  const r = await runBytes(inserting(await nycText(), `net: ${NYC}fd`, "\0"));
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `${r.file}:17:8: net: a path must not contain a NUL byte (at character ${NET_AT})`,
  );
});

Deno.test("paths: bytes E2 82 in mobility.net of nyc.yaml are located as invalid UTF-8", async () => {
  const r = await runBytes(inserting(await nycText(), `net: ${NYC}fd`, [0xe2, 0x82]));
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `${r.file}:17:8: net: a path must not contain invalid UTF-8: the file has bytes there ` +
      `that are not UTF-8 (at character ${NET_AT}, read as U+FFFD)`,
  );
});

Deno.test("paths: a control character in an experiment's base path is located", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-paths-" });
  const file = join(dir, "exp.yaml");
  await Deno.writeTextFile(
    file,
    `name: p\nbase: "${ROOT}scenarios/high\\x1bway.yaml"\npolicies: [greedy]\n` +
      "seeds: { eval: [1] }\n",
  );
  const r = await cli(["experiment", file, "--dry-run", "-o", join(dir, "out")]);
  assert.equal(r.code, 2, r.err);
  const at = [...`${ROOT}scenarios/high`].length + 1;
  assert.equal(
    r.err,
    `${file}:2:7: base: a path must not contain a control character (U+001B at character ${at})`,
  );
});

Deno.test("paths: a NUL in --out is a user error before anything is written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-paths-" });
  const out = join(dir, "o\0ut");
  const r = await cli(["run", "scenarios/highway.yaml", "-e", "1", "-q", "--out", out]);
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `--out ${JSON.stringify(out)}: a path must not contain a NUL byte (at character ${
      [...dir].length + 3
    })`,
  );
  assert.deepEqual([...Deno.readDirSync(dir)], []);
});

Deno.test("paths: every command checks the paths of its flags and arguments first", async () => {
  const bad = "a\x01b";
  const fault = "a path must not contain a control character (U+0001 at character 2)";
  const policy = "a policy id or module path must not contain a control character " +
    "(U+0001 at character 2)";
  const h = "scenarios/highway.yaml";
  const cases: [string[], string][] = [
    [["run", bad], `file "a\\u0001b": ${fault}`],
    [
      ["run", h, "--plugin", "plugins/least_delay.ts", "--plugin", bad],
      `--plugin "a\\u0001b": ${fault}`,
    ],
    [["run", h, "--checkpoint", bad], `--checkpoint "a\\u0001b": ${fault}`],
    [["run", h, "-p", "greedy", "-p", bad], `--policy "a\\u0001b": ${policy}`],
    [["train", h, "-p", "mad2rl", "--pretrain", bad], `--pretrain "a\\u0001b": ${fault}`],
    [["train", h, "-p", "mad2rl", "--out", bad], `--out "a\\u0001b": ${fault}`],
    [["train", h, "-p", bad], `--policy "a\\u0001b": ${policy}`],
    [["expert", h, "-p", "genetic", "-o", bad], `--out "a\\u0001b": ${fault}`],
    [["validate", h, bad], `file "a\\u0001b": ${fault}`],
    [["policies", "--plugin", bad], `--plugin "a\\u0001b": ${fault}`],
    [["models", "--scenario", bad], `--scenario "a\\u0001b": ${fault}`],
    [["experiment", bad, "--dry-run"], `file "a\\u0001b": ${fault}`],
    [["experiment", "experiments/x.yaml", "--out", bad], `--out "a\\u0001b": ${fault}`],
    [["report", "out", bad], `dir "a\\u0001b": ${fault}`],
    [["report", "out", "-o", bad], `--out "a\\u0001b": ${fault}`],
    [["schema", "--check", "--experiment-out", bad], `--experiment-out "a\\u0001b": ${fault}`],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.equal(r.err, message, args.join(" "));
  }
});
