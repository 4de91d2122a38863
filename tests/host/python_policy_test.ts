import assert from "node:assert/strict";
import { join } from "node:path";
import { loadPythonPolicy } from "../../host/python/policy.ts";
import { runPolicyConformance } from "../_helpers/conformance.ts";
import { cli } from "../_helpers/mod.ts";

const FIX = new URL("../fixtures/python/", import.meta.url).pathname;
const CSV = ["slots.csv", "steps.csv", "queues.csv", "vehicles.csv", "comparison.csv"];

/** A fresh folder with copies of the fixtures: its path names this test's Python processes. */
async function folder(tag: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `vecscene-py-${tag}-` });
  for (const e of Deno.readDirSync(FIX)) await Deno.copyFile(join(FIX, e.name), join(dir, e.name));
  return dir;
}

/** Writes scenario `body` (after a 4-slot episode) as `dir/s.yaml`; returns its path. */
async function scenario(dir: string, body: string): Promise<string> {
  const path = join(dir, "s.yaml");
  await Deno.writeTextFile(path, `name: py\ntime: { episodes: 1, slots: 4 }\n${body}`);
  return path;
}

/** Runs the CLI; `lines` is what it printed to stderr, trust warnings left out. */
async function run(args: string[]) {
  const r = await cli(args);
  const lines = r.err.split("\n").filter((l) => l && !l.startsWith("warning: plugins are trusted"));
  return { ...r, lines };
}

/**
 * The Python policy hosts whose command line holds `dir` (`ps`: reading
 * /proc needs more than the test task's permissions).
 */
function hosts(dir: string): number[] {
  const out = new Deno.Command("ps", { args: ["-eo", "pid=,stat=,args="] }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([, stat, ...args]) =>
      stat && !stat.startsWith("Z") && args.some((a) => a.endsWith("policy_host.py")) &&
      args.some((a) => a.includes(dir))
    )
    .map(([pid]) => Number(pid));
}

/** Asserts that no Python process of `dir` is left (allowing `ms` for one to end). */
async function noneLeft(dir: string, ms = 3000): Promise<void> {
  const t0 = performance.now();
  while (hosts(dir).length > 0 && performance.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(hosts(dir), [], "no Python process is left");
}

/** Every file of a folder, by name. */
async function files(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile) out.set(e.name, await Deno.readTextFile(join(dir, e.name)));
  }
  return out;
}

/** The 1-based line of `faults.py` that holds `text`. */
function lineOf(text: string): number {
  const lines = Deno.readTextFileSync(join(FIX, "faults.py")).split("\n");
  const n = lines.findIndex((l) => l.includes(text));
  assert.ok(n >= 0, text);
  return n + 1;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

Deno.test("python policy: the same results CSVs as its TypeScript twin", async () => {
  const dir = await folder("twin");
  const s = await scenario(dir, "policy: python:twin.py\n");
  const py = await run(["run", s, "-o", join(dir, "py"), "-q", "--trust-plugins"]);
  assert.equal(py.code, 0, py.err);
  assert.equal(py.err.split("\n").filter((l) => l.startsWith("warning:")).length, 1);
  assert.match(py.err, /^warning: plugins are trusted: python policy \/.*twin\.py runs as a child/);
  const ts = await run([
    "run",
    s,
    "-o",
    join(dir, "ts"),
    "-q",
    "--plugin",
    `${FIX}twin.ts`,
    "-p",
    "twin",
  ]);
  assert.equal(ts.code, 0, ts.err);
  for (const f of CSV) {
    assert.equal(
      await Deno.readTextFile(join(dir, "py", f)),
      await Deno.readTextFile(join(dir, "ts", f)),
      f,
    );
  }
  // The decisions vary (partitions and nodes), so equal files say something.
  const slots = (await Deno.readTextFile(join(dir, "py", "slots.csv"))).split("\n").slice(1);
  assert.ok(new Set(slots.map((l) => l.split(",")[4])).size > 3, "partitions vary");
  assert.ok(new Set(slots.map((l) => l.split(",")[5])).size > 1, "targets vary");
  // Params reach the policy: another shift, other decisions.
  await Deno.writeTextFile(
    s,
    "name: py\ntime: { episodes: 1, slots: 4 }\n" +
      "policy: { use: python:twin.py, params: { shift: 1 } }\n",
  );
  const shifted = await run(["run", s, "-o", join(dir, "shifted"), "-q", "--trust-plugins"]);
  assert.equal(shifted.code, 0, shifted.err);
  assert.notEqual(
    await Deno.readTextFile(join(dir, "shifted", "slots.csv")),
    await Deno.readTextFile(join(dir, "py", "slots.csv")),
  );
  await noneLeft(dir);
});

Deno.test("python policy: module functions via --python-policy match the built-in local", async () => {
  const dir = await folder("local");
  const s = await scenario(dir, "");
  const py = await run([
    "run",
    s,
    "-o",
    join(dir, "py"),
    "-q",
    "--trust-plugins",
    "--python-policy",
    join(dir, "local.py"),
  ]);
  assert.equal(py.code, 0, py.err);
  const ts = await run(["run", s, "-o", join(dir, "ts"), "-q", "-p", "local"]);
  assert.equal(ts.code, 0, ts.err);
  for (const f of CSV) {
    assert.equal(
      await Deno.readTextFile(join(dir, "py", f)),
      await Deno.readTextFile(join(dir, "ts", f)),
      f,
    );
  }
});

Deno.test("python policy: an action array decodes as its partition and node; prints go to stderr", async () => {
  const dir = await folder("action");
  const out: Record<string, string> = {};
  for (const fault of ["none", "action", "print"]) {
    const s = await scenario(
      dir,
      `sandbox: { trustPlugins: true }\npolicy: { use: python:faults.py, params: { fault: ${fault} } }\n`,
    );
    const r = await run(["run", s, "-o", join(dir, fault), "-q"]);
    assert.equal(r.code, 0, r.err);
    out[fault] = await Deno.readTextFile(join(dir, fault, "slots.csv"));
  }
  assert.equal(out.action, out.none);
  assert.equal(out.print, out.none);
});

Deno.test("python policy: refused without trust, one located line, nothing started", async () => {
  const dir = await folder("trust");
  const s = await scenario(dir, "policy: [greedy, python:twin.py]\n");
  const r = await run(["run", s, "-o", join(dir, "r"), "-q"]);
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(r.lines, [
    `${s}:3:18: python policy twin.py: a Python policy runs as a child process with your ` +
    "permissions and cannot be sandboxed; pass --trust-plugins (or sandbox.trustPlugins: true) " +
    "to run it",
  ]);
  const flag = await run(["run", s, "-q", "--python-policy", join(dir, "local.py")]);
  assert.equal(flag.code, 2);
  assert.match(flag.lines[0], /^python policy \/.*local\.py: a Python policy runs as a child/);
  assert.equal(flag.lines.length, 1);
  await noneLeft(dir, 0);
});

const FAULTS: { fault: string; line: () => number; message: string }[] = [
  {
    fault: "raise",
    line: () => lineOf('raise ValueError("bad decide")'),
    message: `policy "faults": decide() raised ValueError: bad decide`,
  },
  {
    fault: "shape",
    line: () => lineOf("def decide"),
    message: `policy "faults": decide() returned partition of shape (3,) for 7 client vehicles`,
  },
  {
    fault: "text",
    line: () => lineOf("def decide"),
    message: `policy "faults": decide() returned a partition that is not numeric ` +
      `(could not convert string to float: 'x')`,
  },
  {
    fault: "nan",
    line: () => lineOf("def decide"),
    message: `policy "faults" returned an invalid decision: cv1 (alexnet, L = 11) got ` +
      "partition NaN; it must be an integer in 1..12",
  },
  {
    fault: "sleep",
    line: () => lineOf("time.sleep(30)"),
    message: `policy "faults": exceeded the time limit of 300 ms in decide() and was stopped`,
  },
  {
    fault: "kill",
    line: () => lineOf("def decide"),
    message: `policy "faults": its Python process exited (signal SIGKILL) during decide()`,
  },
];

for (const { fault, line, message } of FAULTS) {
  Deno.test(`python policy: ${fault} in decide() is one located line, exit 2, earlier results kept, no process left`, async () => {
    const dir = await folder(fault);
    const out = join(dir, "r");
    const trusted = "sandbox: { trustPlugins: true, callTimeoutMs: 300 }\n";
    const good = await scenario(dir, `${trusted}policy: python:faults.py\n`);
    assert.equal((await run(["run", good, "-o", out, "-q"])).code, 0);
    const before = await files(out);
    const s = await scenario(
      dir,
      `${trusted}policy: { use: python:faults.py, params: { fault: ${fault} } }\n`,
    );
    const t0 = performance.now();
    const r = await run(["run", s, "-o", out, "-q"]);
    assert.ok(performance.now() - t0 < 10_000, "stopped, not waited for");
    assert.equal(r.code, 2, r.err);
    assert.equal(r.lines[0], `${dir}/faults.py:${line()}: ${message} (episode 1, slot 2)`);
    assert.equal(r.lines.length, 2, r.err);
    assert.match(r.lines[1], new RegExp(`^${escape(out)} is unchanged`));
    assert.deepEqual(await files(out), before, "the earlier results are intact");
    await noneLeft(dir);
  });
}

Deno.test("python policy: a hang at import is stopped at its line; an import error is located", async () => {
  const dir = await folder("import");
  // Long enough for the interpreter to start (and so to say where it hangs), on a busy machine.
  const trusted = "sandbox: { trustPlugins: true, loadTimeoutMs: 1500 }\n";
  let s = await scenario(dir, `${trusted}policy: python:hang_at_import.py\n`);
  const t0 = performance.now();
  let r = await run(["run", s, "-o", join(dir, "r"), "-q"]);
  assert.ok(performance.now() - t0 < 5000, "stopped, not waited for");
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(r.lines, [
    `${dir}/hang_at_import.py:3: python policy hang_at_import.py: did not finish loading ` +
    "within 1500 ms and was stopped",
  ]);
  s = await scenario(dir, `${trusted}policy: python:import_error.py\n`);
  r = await run(["run", s, "-o", join(dir, "r"), "-q"]);
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(r.lines, [
    `${dir}/import_error.py:3: python policy import_error.py: importing it raised ` +
    "ZeroDivisionError: division by zero",
  ]);
  await noneLeft(dir);
});

Deno.test("python policy: validate checks params and create() of a --python-policy", async () => {
  const dir = await folder("validate");
  const s = await scenario(dir, "policy: { use: python:faults.py, params: { fault: create } }\n");
  let r = await run(["validate", s, "--trust-plugins"]);
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(r.lines, [
    `${dir}/faults.py:${
      lineOf('raise RuntimeError("bad create")')
    }: policy "faults": create() raised ` +
    "RuntimeError: bad create",
  ]);
  const ok = await scenario(dir, "policy: greedy\n");
  r = await run(["validate", ok, "--trust-plugins", "--python-policy", join(dir, "twin.py")]);
  assert.equal(r.code, 0, r.err);
  await Deno.writeTextFile(
    s,
    "name: py\npolicy: { use: python:twin.py, params: { shfit: 1 } }\nsandbox: { trustPlugins: true }\n",
  );
  r = await run(["validate", s]);
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(r.lines, [
    `${s}:2:42: unknown parameter "shfit" for policy "twin" (did you mean "shift"?); ` +
    "its parameters are shift",
  ]);
  await noneLeft(dir);
});

Deno.test("python policy: an experiment runs it in its cells (use: python:, --python-policy)", async () => {
  const dir = await folder("exp");
  await Deno.writeTextFile(
    join(dir, "base.yaml"),
    "name: b\nseed: 1\ntime: { slots: 4 }\nvehicles: { clients: { count: 3 }, services: { count: 2 } }\n",
  );
  const exp = join(dir, "exp.yaml");
  await Deno.writeTextFile(
    exp,
    "name: e\nbase: base.yaml\npolicies:\n  - { use: python:twin.py, label: tw }\n" +
      "seeds: { eval: [11] }\nevaluate: { episodes: 1 }\n",
  );
  let r = await run(["experiment", exp, "-o", join(dir, "o1"), "-q"]);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.lines[0],
    new RegExp(
      `^${escape(exp)}:4:12: python policy ${escape(dir)}/twin\\.py: a Python policy runs`,
    ),
  );
  r = await run([
    "experiment",
    exp,
    "-o",
    join(dir, "o2"),
    "-q",
    "--trust-plugins",
    "--python-policy",
    join(dir, "local.py"),
  ]);
  assert.equal(r.code, 0, r.err);
  const cells = [...Deno.readDirSync(join(dir, "o2", "cells"))].map((e) =>
    JSON.parse(Deno.readTextFileSync(join(dir, "o2", "cells", e.name)))
  );
  assert.deepEqual(cells.map((c) => `${c.policy.label} ${c.status}`).sort(), [
    "local done",
    "tw done",
  ]);
  for (const c of cells) assert.ok(c.metrics.mean_delay_s > 0);
  await noneLeft(dir);
});

Deno.test("python policy: train --seeds compares it on the held-out test; without --seeds it is refused", async () => {
  const dir = await folder("train");
  const s = await scenario(
    dir,
    "seed: 1\nvehicles: { clients: { count: 3 }, services: { count: 2 } }\n" +
      "policy: { use: pqmix, params: { hidden: [8], mixEmbed: 4, hyperHidden: 4, threads: 1, " +
      "batch: 8, epsSteps: 20 } }\n",
  );
  const common = ["train", s, "-p", "pqmix", "-e", "2", "--eval-every", "0", "-q"];
  const py = ["--python-policy", join(dir, "local.py"), "--trust-plugins"];
  let r = await run([...common, "-o", join(dir, "t1"), ...py]);
  assert.equal(r.code, 2);
  assert.match(r.lines[0], /^--python-policy: a Python policy is compared on the held-out test/);
  r = await run([...common, "-o", join(dir, "t2"), "--seeds", "1", "--test-episodes", "1", ...py]);
  assert.equal(r.code, 0, r.err);
  const seeds = JSON.parse(await Deno.readTextFile(join(dir, "t2", "seeds.json")));
  assert.deepEqual(seeds.compare.map((c: { label: string }) => c.label), ["local"]);
  assert.ok(seeds.compare[0].meanDelayS > 0);
  await noneLeft(dir);
});

Deno.test("python policy: its process ends when vecscene is killed mid-call", async () => {
  const dir = await folder("orphan");
  const s = await scenario(
    dir,
    "sandbox: { trustPlugins: true, callTimeoutMs: 60000 }\n" +
      "policy: { use: python:faults.py, params: { fault: sleep, slot: 1 } }\n",
  );
  const root = new URL("../../", import.meta.url).pathname;
  const deno = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}cli.ts`, "run", s, "-o", join(dir, "r"), "-q"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Past the process that described the module, the instance's process sleeps in decide().
  const t0 = performance.now();
  let seen: number | undefined;
  while (performance.now() - t0 < 20_000) {
    if (hosts(dir).length === 0) seen = undefined;
    else if ((seen ??= performance.now()) < performance.now() - 1500) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(hosts(dir).length > 0, "the policy runs");
  deno.kill("SIGKILL");
  await deno.status;
  await noneLeft(dir);
});

// The shared policy suite, on Python policies (a factory with hooks, and module functions).
for (const file of ["twin.py", "local.py"]) {
  const def = await loadPythonPolicy(join(FIX, file), Deno.cwd(), { trust: true });
  runPolicyConformance({ def, name: `${def.id}, python` });
}
