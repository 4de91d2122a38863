import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultRegistry } from "../../host/registry.ts";

/** Whether strace can trace a child here (it is a Debian package; CI installs it). */
async function hasStrace(): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("strace", { args: ["-o", "/dev/null", "true"] })
      .output();
    return code === 0;
  } catch {
    return false;
  }
}
const strace = await hasStrace();

/** The files a CLI run opens, as traced by strace. */
async function filesOpened(args: string[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-trace-" });
  const log = join(dir, "opens.log");
  const { code, stderr } = await new Deno.Command("strace", {
    args: [
      "-f",
      "-e",
      "trace=open,openat",
      "-o",
      log,
      Deno.execPath(),
      "run",
      "-A",
      "cli.ts",
      ...args,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const text = await Deno.readTextFile(log);
  return [...text.matchAll(/open(?:at)?\([^"]*"([^"]+)"/g)].map((m) => m[1]);
}

/**
 * TensorFlow.js's own files: its modules and wasm binaries, under a versioned
 * package folder. (Deno reads every npm package's `registry.json` metadata
 * at start-up to resolve the lock file; that loads no code.)
 */
const tfjs = (files: string[]) => files.filter((f) => /@tensorflow\/[^/]+\/\d[^/]*\//.test(f));

Deno.test({
  name: "a greedy run and a plugin run open no TensorFlow.js file; a learning run does",
  ignore: !strace,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "vecscene-lazy-" });
    const base = ["run", "scenarios/highway.yaml", "-e", "1", "-q", "-o", out];
    assert.deepEqual(tfjs(await filesOpened([...base, "-p", "greedy"])), []);
    const plugin = ["--plugin", "plugins/least_delay.ts", "-p", "least-delay"];
    assert.deepEqual(tfjs(await filesOpened([...base, ...plugin])), []);
    // The control: the same trace sees TensorFlow.js when a learning policy runs.
    const learned = tfjs(await filesOpened([...base, "-p", "pqmix"]));
    assert.ok(learned.some((f) => f.endsWith(".wasm") || f.includes("tfjs-core")), learned.join());
  },
});
if (!strace) console.warn("registry_test: strace is not installed; the file-open trace is skipped");

Deno.test("the registry lists every built-in without importing the learning policies", async () => {
  const r = defaultRegistry();
  assert.deepEqual(r.ids(), [
    "greedy",
    "genetic",
    "local",
    "rsu",
    "random",
    "exhaustive",
    "local-search",
    "pqmix",
    "mad2rl",
  ]);
  assert.equal((await r.get("greedy"))?.id, "greedy");
  const pqmix = await r.get("pqmix");
  assert.equal(pqmix?.id, "pqmix");
  assert.equal(pqmix?.learning, true);
  assert.equal(await r.get("nope"), undefined);
});
