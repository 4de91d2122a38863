/**
 * Fuzzing the whole CLI with hostile input: seeded random structural and
 * textual mutations of the shipped scenarios and of the New York trace,
 * extreme parameters, and faulty plugins. Every case must end either with
 * exit 0 and finite outputs, or with exit 2 and located messages (no stack
 * trace, no uncaught error).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { Rng } from "../../engine/rng.ts";
import { cli } from "../_helpers/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIX = `${ROOT}tests/fixtures/plugins/`;

/** The first line of an error names where: a file position, a policy, a plugin, an output. */
const LOCATED = [
  /^[^\s:][^:]*:\d+(:\d+)?: \S/, // file:line[:col]: message
  /^policy "[^"]+"/,
  /^plugin \S+/,
  /^output \S+/,
  /^[^\s:][^:]*\.(ya?ml|xml): \S/, // a file without a position (e.g. unreadable)
];
const INFO = /^(sumo: |warning: )/;

async function finiteOutputs(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) await finiteOutputs(path);
    else if (/\.(csv|json)$/.test(e.name)) {
      const text = await Deno.readTextFile(path);
      assert.doesNotMatch(text, /NaN|Infinity/, `${path} holds a non-finite value`);
    }
  }
}

/** Runs one case and checks the outcome; returns its exit code. */
async function check(what: string, scenario: string, extra: string[] = []): Promise<number> {
  return (await checked(what, scenario, extra)).code;
}

/** Runs one case and checks the outcome; returns what the CLI printed. */
async function checked(what: string, scenario: string, extra: string[] = []) {
  const out = join(await Deno.makeTempDir({ prefix: "vecscene-fuzz-out-" }), "r");
  const r = await cli(["run", scenario, "-e", "1", "-o", out, "-q", ...extra]);
  const context = `${what}\n--- stderr:\n${r.err}`;
  assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${context}`);
  assert.doesNotMatch(
    r.err,
    /\n\s+at \S+ \(|Uncaught|Stack backtrace/,
    `a stack trace: ${context}`,
  );
  if (r.code === 0) {
    await finiteOutputs(out);
  } else {
    const lines = r.err.split("\n").filter((l) => l.trim() && !INFO.test(l));
    assert.ok(lines.length > 0, `exit 2 without a message: ${context}`);
    assert.ok(LOCATED.some((p) => p.test(lines[0])), `not located: ${context}`);
    for (const l of lines) assert.ok(l.length <= 2000, `a message of ${l.length} characters`);
  }
  return r;
}

/** The leaf paths of a YAML value. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v && typeof v === "object") {
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
    const inner = entries.flatMap(([k, x]) => leaves(x, [...path, k]));
    return path.length > 0 ? [path, ...inner] : inner;
  }
  return [path];
}

const VALUES: unknown[] = [
  0,
  -1,
  1e-308,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  0.5,
  "x",
  "",
  "é".repeat(5000),
  true,
  null,
  [],
  {},
  [1, 2, 3],
  { use: "nope" },
];

/** One structural mutation of `doc` (in place): replace, delete, or add a key. */
function mutate(doc: Record<string, unknown>, rng: Rng, skip: RegExp): string {
  const paths = leaves(doc).filter((p) => !skip.test(p.join(".")));
  const path = paths[rng.int(paths.length)];
  let parent: Record<string | number, unknown> = doc;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  const kind = rng.int(4);
  if (kind === 0 && !Array.isArray(parent)) {
    delete parent[key];
    return `delete ${path.join(".")}`;
  }
  if (kind === 1 && !Array.isArray(parent)) {
    parent[`${key}X`] = parent[key];
    return `unknown key ${path.join(".")}X`;
  }
  const value = VALUES[rng.int(VALUES.length)];
  parent[key] = value;
  return `${path.join(".")} = ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** One textual mutation: drop, repeat or cut lines, or insert bytes. */
function garble(text: string, rng: Rng): [string, string] {
  const lines = text.split("\n");
  const i = rng.int(lines.length);
  switch (rng.int(5)) {
    case 0:
      lines.splice(i, 1);
      return [lines.join("\n"), `drop line ${i + 1}`];
    case 1:
      lines.splice(i, 0, lines[i]);
      return [lines.join("\n"), `repeat line ${i + 1}`];
    case 2:
      return [text.slice(0, rng.int(text.length)), "truncate"];
    case 3: {
      const at = rng.int(text.length);
      const junk = ["\t", ":", "- ", "{", "&a *a", "\u0000", "'", "!!binary x"][rng.int(8)];
      return [text.slice(0, at) + junk + text.slice(at), `insert ${JSON.stringify(junk)} at ${at}`];
    }
    default:
      lines[i] = lines[i].replace(/\S/g, (c) => (rng.next() < 0.3 ? "#" : c));
      return [lines.join("\n"), `scribble on line ${i + 1}`];
  }
}

/** The shipped scenarios in a temporary folder (relative paths kept), with the New York trace. */
async function copyShipped(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-fuzz-" });
  await Deno.mkdir(join(dir, "nyc"));
  for (const f of ["highway.yaml", "nyc.yaml"]) {
    await Deno.copyFile(`${ROOT}scenarios/${f}`, join(dir, f));
  }
  await Deno.mkdir(join(dir, "nyc", "osm"));
  for (const f of ["fdr.fcd.xml", "fdr.net.xml", "osm/fdr-north.osm", "fdr.flows.xml"]) {
    await Deno.copyFile(`${ROOT}scenarios/nyc/${f}`, join(dir, "nyc", f));
  }
  for (const sub of ["highway", "nyc"]) {
    for (const policy of ["pqmix", "mad2rl", "pqmix-paper"]) {
      const to = join(dir, sub === "nyc" ? "nyc" : "highway", policy);
      await Deno.mkdir(to, { recursive: true });
      for await (const e of Deno.readDir(`${ROOT}scenarios/${sub}/${policy}`)) {
        if (e.isFile) {
          await Deno.copyFile(`${ROOT}scenarios/${sub}/${policy}/${e.name}`, join(to, e.name));
        }
      }
    }
  }
  return dir;
}

const dir = await copyShipped();
// Rebuilding the trace with SUMO takes minutes: mutations leave `build` alone.
const SKIP = /^mobility\.build/;

Deno.test("fuzz: structural mutations of the shipped scenarios", async () => {
  const rng = Rng.stream(20261201, "fuzz-structure");
  const codes = { 0: 0, 2: 0 };
  for (let k = 0; k < 48; k++) {
    const name = k % 3 === 2 ? "nyc.yaml" : "highway.yaml";
    const doc = parse(await Deno.readTextFile(join(dir, name)));
    const steps = [mutate(doc, rng, SKIP)];
    if (rng.next() < 0.5) steps.push(mutate(doc, rng, SKIP));
    const file = join(dir, `s${k}-${name}`);
    await Deno.writeTextFile(file, stringify(doc));
    codes[await check(`${name}: ${steps.join("; ")}`, file) as 0 | 2]++;
  }
  assert.ok(codes[0] > 0 && codes[2] > 0, `both outcomes occur: ${JSON.stringify(codes)}`);
});

Deno.test("fuzz: textual mutations of the shipped scenarios", async () => {
  const rng = Rng.stream(20261201, "fuzz-text");
  for (let k = 0; k < 40; k++) {
    const name = k % 2 ? "nyc.yaml" : "highway.yaml";
    let text = await Deno.readTextFile(join(dir, name));
    const steps: string[] = [];
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const [t, step] = garble(text, rng);
      text = t;
      steps.push(step);
    }
    const file = join(dir, `t${k}-${name}`);
    await Deno.writeTextFile(file, text);
    await check(`${name}: ${steps.join("; ")}`, file);
  }
});

Deno.test("fuzz: mutations of the New York trace", async () => {
  const rng = Rng.stream(20261201, "fuzz-trace");
  const trace = await Deno.readTextFile(join(dir, "nyc", "fdr.fcd.xml"));
  const scenario = await Deno.readTextFile(join(dir, "nyc.yaml"));
  for (let k = 0; k < 12; k++) {
    let text = trace;
    let step: string;
    if (k % 3 === 0) {
      // An attribute's value replaced with garbage, somewhere in the file.
      const at = trace.indexOf(' x="', rng.int(trace.length - 100));
      const junk = ["abc", "-1e400", "", "NaN", "1e308"][rng.int(5)];
      text = trace.slice(0, at) + ` x="${junk}"` + trace.slice(trace.indexOf('"', at + 4) + 1);
      step = `x = ${junk} at ${at}`;
    } else {
      [text, step] = garble(trace, rng);
    }
    const name = `trace${k}.fcd.xml`;
    await Deno.writeTextFile(join(dir, "nyc", name), text);
    const file = join(dir, `trace${k}-nyc.yaml`);
    await Deno.writeTextFile(file, scenario.replace("nyc/fdr.fcd.xml", `nyc/${name}`));
    await check(`trace: ${step}`, file, ["-p", "greedy"]);
  }
});

/** What no path may hold: NUL, C0 and C1 controls, DEL, and bytes that are not UTF-8. */
const PATH_JUNK: (string | number[])[] = [
  "\0",
  "\x01",
  "\t",
  "\x1b",
  "\x7f",
  "\u0085",
  "\u009f",
  [0xe2, 0x82], // a euro sign cut short
  [0xff], // never UTF-8
  [0x80], // a continuation byte alone
  [0xc0, 0xaf], // an overlong "/"
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate
];

Deno.test("fuzz: paths with NUL bytes, control characters and bytes that are not UTF-8", async () => {
  const rng = Rng.stream(20261201, "fuzz-paths");
  const text = await Deno.readTextFile(join(dir, "nyc.yaml"));
  // The path-valued keys of the scenario (policy entries are ids or module paths).
  const values = [
    ...text.matchAll(
      /(?:\b(?:net|trace|osm|checkpoint|dir|use): |routes: \[|^ {2}- )([^\s#,{}\]]+)/dgm,
    ),
  ].map((m) => m.indices![1]!);
  assert.ok(values.length >= 12, `${values.length} path values`);
  const enc = new TextEncoder();
  // Every path value, each with three kinds of junk in turn, at seeded places inside it.
  for (let k = 0; k < 3 * values.length; k++) {
    const [start, end] = values[k % values.length];
    // Inside the value: YAML drops a tab at either end of a plain scalar.
    const at = start + 1 + rng.int(end - start - 1);
    const junk = PATH_JUNK[k % PATH_JUNK.length];
    const bytes = new Uint8Array([
      ...enc.encode(text.slice(0, at)),
      ...(typeof junk === "string" ? enc.encode(junk) : junk),
      ...enc.encode(text.slice(at)),
    ]);
    const file = join(dir, `p${k}-nyc.yaml`);
    await Deno.writeFile(file, bytes);
    const what = `${JSON.stringify(junk)} in ${JSON.stringify(text.slice(start, end))} at ${at}`;
    const r = await checked(what, file);
    assert.equal(r.code, 2, what);
    assert.match(
      r.err,
      /^[^\n]+:\d+:\d+: \S+: (a path|a policy id or module path) must not contain (a NUL byte|a control character|invalid UTF-8)/,
      what,
    );
  }
});

Deno.test("fuzz: extreme parameters", async () => {
  const cases = [
    "lyapunov: { V: 0 }",
    "lyapunov: { V: 1e9 }",
    "channel: { bandwidthHz: 1e-308 }",
    "channel: { bandwidthHz: 1 }",
    "channel: { noiseDbm: 30 }",
    "channel: { v2vRangeM: 1e-9 }",
    "rsu: { offsetM: 9e15 }",
    "rsu: { cpuGflops: 1e-3 }",
    "vehicles: { clients: { cpuGflops: 1e-3 }, services: { count: 0 } }",
    "time: { slots: 1, slotS: 1e-6 }",
    "mobility: { kind: highway, startM: [-1e7, 1e7] }",
    "mobility: { kind: highway, speedMps: { mean: 150, std: 0, min: 0, max: 150 } }",
  ];
  for (const c of cases) {
    const file = join(dir, `extreme-${cases.indexOf(c)}.yaml`);
    await Deno.writeTextFile(file, `name: x\n${c}\npolicy: [greedy, genetic, rsu, local]\n`);
    await check(c, file);
  }
});

Deno.test("fuzz: faulty plugins", async () => {
  const behaviours = [
    "return { partition: [NaN], target: [0] };",
    "return { partition: new Int32Array(obs.cvCount).fill(1), target: new Int32Array(obs.cvCount).fill(-1) };",
    "return { partition: Array(obs.cvCount).fill('1'), target: Array(obs.cvCount).fill(0) };",
    "throw 42;",
    "return Promise.resolve({});",
    "return { partition: new Int32Array(1e6).fill(1), target: new Int32Array(1e6) };",
    "(obs as any).state = null; return null;",
    "return { get partition() { throw new Error('getter'); }, target: [] };",
    "return JSON.parse('{');",
    "while (true) { /* forever */ }",
    "return { partition: new BigInt64Array(obs.cvCount), target: new BigInt64Array(obs.cvCount) };",
    "return { partition: Array(obs.cvCount).fill(1.5), target: Array(obs.cvCount).fill(0) };",
    "return { partition: new Float64Array(obs.cvCount).fill(1 + 1e-9), target: new Int32Array(obs.cvCount) };",
  ];
  for (const [k, body] of behaviours.entries()) {
    const file = join(dir, `faulty${k}.ts`);
    await Deno.writeTextFile(
      file,
      `import { definePolicy } from "${ROOT}mod.ts";\n` +
        `export default definePolicy({ id: "faulty", description: "fuzz", defaults: {},\n` +
        `  // deno-lint-ignore no-explicit-any\n` +
        `  create: () => ({ decide(obs: any): any { ${body} } }) });\n`,
    );
    const scenario = join(dir, `faulty${k}.yaml`);
    await Deno.writeTextFile(
      scenario,
      `name: f\ntime: { slots: 3 }\nsandbox: { callTimeoutMs: 500 }\npolicy: { use: ./faulty${k}.ts }\n`,
    );
    assert.equal(await check(body, scenario), 2, body);
  }
  // Hostile plugins: each refused by its sandbox (tests/host/sandbox_test.ts checks the messages).
  for (const attack of ["write", "read", "env", "run", "ffi"]) {
    const scenario = join(dir, `hostile-${attack}.yaml`);
    await Deno.writeTextFile(
      scenario,
      `name: h\ntime: { slots: 3 }\npolicy: { use: ${FIX}hostile.ts, params: { attack: ${attack} } }\n`,
    );
    assert.equal(await check(attack, scenario), 2, attack);
  }
});
