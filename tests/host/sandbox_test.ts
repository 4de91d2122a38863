import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempScenario } from "../_helpers/mod.ts";

const FIX = new URL("../fixtures/plugins/", import.meta.url).pathname;
const SCENARIO = await tempScenario("name: sb\ntime: { episodes: 1, slots: 4 }\n");

async function run(args: string[], scenario = SCENARIO) {
  const out = await Deno.makeTempDir({ prefix: "vecscene-sandbox-" });
  const r = await cli(["run", scenario, "-o", join(out, "r"), "-q", ...args]);
  return { dir: out, code: r.code, err: r.err };
}

const hostile = (attack: string, extra: string[] = []) =>
  run(["--plugin", `${FIX}hostile.ts`, "-p", "hostile", ...extra], SCENARIOS[attack]);
const SCENARIOS: Record<string, string> = {};
for (const attack of ["write", "read", "env", "run", "net", "ffi", "none"]) {
  SCENARIOS[attack] = await tempScenario(
    `name: sb\ntime: { episodes: 1, slots: 4 }\n` +
      `policy: { use: hostile, params: { attack: ${attack}, target: ${await Deno
        .makeTempDir()}/x } }\n`,
  );
}

const REFUSED = {
  write: /was refused write access to "[^"]+\/x"/,
  read: /was refused read access to "\/etc\/hostname"/,
  env: /was refused env access to "HOME"/,
  run: /was refused run access to "true"/,
  net: /was refused net access to "127\.0\.0\.1:9"/,
  ffi: /was refused ffi access/,
};

for (const [attack, pattern] of Object.entries(REFUSED)) {
  Deno.test(`sandbox: a plugin that tries ${attack} is stopped with exit 2, naming it and the permission`, async () => {
    const r = await hostile(attack);
    assert.equal(r.code, 2, r.err);
    const line = r.err.split("\n")[0];
    assert.match(line, /^policy "hostile" \(plugin \/.*hostile\.ts\) was refused /);
    assert.match(line, pattern);
    assert.match(line, /--trust-plugins/);
    assert.match(line, attack === "net" ? /\(in create\(\)\)$/ : /\(episode 1, slot 2\)$/);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  });
}

Deno.test("sandbox: --trust-plugins runs the plugin in-process with the CLI's permissions, with a warning", async () => {
  const r = await hostile("write", ["--trust-plugins"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /warning: plugins are trusted/);
  const target = (await Deno.readTextFile(SCENARIOS.write)).match(/target: (\S+) /)![1];
  assert.equal(await Deno.readTextFile(target), "pwned");
});

Deno.test("sandbox: a well-behaved plugin gives the same results sandboxed and trusted", async () => {
  const a = await hostile("none");
  const b = await hostile("none", ["--trust-plugins"]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  for (const f of ["slots.csv", "steps.csv", "queues.csv", "comparison.csv"]) {
    assert.equal(
      await Deno.readTextFile(join(a.dir, "r", f)),
      await Deno.readTextFile(join(b.dir, "r", f)),
      f,
    );
  }
});

Deno.test("sandbox: a decision over the time limit is stopped with a named error", async () => {
  const scenario = await tempScenario(
    "name: sb\ntime: { episodes: 1, slots: 4 }\nsandbox: { callTimeoutMs: 300 }\n" +
      "policy: { use: hostile, params: { attack: sleep } }\n",
  );
  const t0 = performance.now();
  const r = await run(["--plugin", `${FIX}hostile.ts`], scenario);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /^policy "hostile" \(plugin \/.*hostile\.ts\) exceeded the time limit of 300 ms in decide\(\) and was stopped \(episode 1, slot 2\)/,
  );
  assert.ok(seconds < 10, `stopped after ${seconds} s, not after the plugin's 30 s`);
});

Deno.test("sandbox: in-process, a decision over the time limit is an error once it returns", async () => {
  const scenario = await tempScenario(
    "name: sb\ntime: { episodes: 1, slots: 4 }\nsandbox: { callTimeoutMs: 50, trustPlugins: true }\n" +
      "policy: { use: hostile, params: { attack: sleep, sleepMs: 200 } }\n",
  );
  const r = await run(["--plugin", `${FIX}hostile.ts`], scenario);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /policy "hostile" took \d+ ms in decide\(\), over the time limit of 50 ms \(episode 1, slot 2\)/,
  );
});

Deno.test("sandbox: a plugin that reads the environment at import is refused when loaded", async () => {
  const r = await run(["--plugin", `${FIX}env_at_import.ts`, "-p", "env-at-import"]);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /^plugin \/.*env_at_import\.ts was refused env access to "HOME": plugins run sandboxed/,
  );
});

Deno.test("sandbox: a trusted plugin may read the environment at import", async () => {
  const r = await run([
    "--plugin",
    `${FIX}env_at_import.ts`,
    "-p",
    "env-at-import",
    "--trust-plugins",
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /warning: plugins are trusted/);
});

for (const where of ["create", "reset", "decide"]) {
  for (const how of ["--plugin", "use:"]) {
    Deno.test(`a plugin that throws in ${where} (${how}) ends with exit 2 and one line, no stack trace`, async () => {
      const scenario = await tempScenario(
        `name: sb\ntime: { episodes: 1, slots: 4 }\npolicy: { use: ${
          how === "use:" ? `${FIX}faults.ts` : "faults"
        }, params: { where: ${where} } }\n`,
      );
      const r = await run(how === "use:" ? [] : ["--plugin", `${FIX}faults.ts`], scenario);
      assert.equal(r.code, 2, r.err);
      const expected = where === "create"
        ? /^policy "faults": create\(\) threw: bad create$/m
        : new RegExp(
          `^policy "faults" threw RangeError: bad ${where} \\(episode 1${
            where === "decide" ? ", slot 2" : ""
          }\\)$`,
          "m",
        );
      assert.match(r.err, expected);
      assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
    });
  }
}

Deno.test("sandbox: a plugin cannot import a file outside its folder and the project", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-peek-" });
  const secret = join(await Deno.makeTempDir(), "secret.json");
  await Deno.writeTextFile(secret, '{ "secret": 42 }');
  await Deno.writeTextFile(
    join(dir, "peek.ts"),
    `import { definePolicy } from "${new URL("../../mod.ts", import.meta.url).pathname}";\n` +
      `export default definePolicy({ id: "peek", description: "x", defaults: {}, create: async () => {\n` +
      `  await import("${secret}", { with: { type: "json" } });\n` +
      `  return { decide: () => ({ partition: [], target: [] }) };\n} });\n`,
  );
  const scenario = await tempScenario(`name: p\npolicy: { use: ${join(dir, "peek.ts")} }\n`);
  const r = await run([], scenario);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`was refused read access to "${secret}"`));
});

Deno.test("a plugin cannot take a built-in's id", async () => {
  const r = await run(["--plugin", `${FIX}greedy_clash.ts`, "-p", "greedy"]);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /^plugin \/.*greedy_clash\.ts: its id "greedy" is already taken by a built-in policy; give the plugin another id$/,
  );
});
