import assert from "node:assert/strict";
import { join } from "node:path";
import { UserError } from "../../engine/errors.ts";
import { decodeExpert } from "../../engine/output/expert.ts";
import { openSealed, sealJson } from "../../engine/output/integrity.ts";
import { parseScenario } from "../../engine/scenario/load.ts";
import { compileWorld } from "../../engine/world.ts";
import { readSealed } from "../../app/experiment/run/cell.ts";
import { defaultRegistry } from "../../host/registry.ts";
import { cli, tempScenario } from "../_helpers/mod.ts";

const TINY = "name: tiny\nseed: 4\ntime: { slots: 5, episodes: 2 }\npolicy: [greedy]\n";

/** A small training folder (P-QMIX, two episodes) and an expert dataset, made once. */
let made: Promise<{ scenario: string; train: string; expert: string }> | undefined;
function fixtures() {
  made ??= (async () => {
    const scenario = await tempScenario(TINY);
    const root = await Deno.makeTempDir({ prefix: "vecscene-integrity-" });
    const expert = join(root, "expert");
    const train = join(root, "train");
    let r = await cli(["expert", scenario, "-p", "greedy", "-e", "2", "-o", expert, "-q"]);
    assert.equal(r.code, 0, r.err);
    r = await cli([
      ...["train", scenario, "-p", "pqmix", "-e", "2", "-o", train, "-q"],
      ...["--eval-every", "1", "--eval-episodes", "1", "--param", "batch=8"],
    ]);
    assert.equal(r.code, 0, r.err);
    return { scenario, train, expert };
  })();
  return made;
}

/** Loads a P-QMIX checkpoint folder as `run` and `train --resume` do. */
async function loadPqmix(scenario: string, dir: string): Promise<void> {
  const world = compileWorld(parseScenario(await Deno.readTextFile(scenario), scenario));
  const def = (await defaultRegistry().get("pqmix"))!;
  const inst = await def.create({ ...def.defaults, batch: 8 }, { info: world.info, label: "p" });
  try {
    await inst.load!(dir);
  } finally {
    inst.dispose?.();
  }
}

/** Copies `dir` to a fresh folder. */
async function copyDir(dir: string): Promise<string> {
  const to = await Deno.makeTempDir({ prefix: "vecscene-copy-" });
  await new Deno.Command("cp", { args: ["-r", `${dir}/.`, to] }).output();
  return to;
}

/** The damage done to a file in the tests: one bit flipped at the start, middle or end, or halved. */
const DAMAGE: [string, (b: Uint8Array) => Uint8Array][] = [
  ["a bit flipped at the start", (b) => flip(b, 0)],
  ["a bit flipped in the middle", (b) => flip(b, b.length >> 1)],
  ["a bit flipped at the end", (b) => flip(b, b.length - 1)],
  ["truncated", (b) => b.slice(0, b.length >> 1)],
];

function flip(b: Uint8Array, at: number): Uint8Array {
  const out = b.slice();
  out[at] ^= 0x01;
  return out;
}

async function damageFile(file: string, how: (b: Uint8Array) => Uint8Array): Promise<void> {
  await Deno.writeFile(file, how(await Deno.readFile(file)));
}

Deno.test("integrity: every checkpoint file, damaged at its start, middle or end or truncated, is refused naming it", async () => {
  const { scenario, train } = await fixtures();
  const latest = (await readSealed<{ dir: string }>(join(train, "latest.json"))).dir;
  await loadPqmix(scenario, join(train, latest)); // intact: loads
  const files = ["model.json", "model.bin", "optimizer.json", "optimizer.bin", "state.json"];
  for (const name of [...files, "replay.bin"]) {
    for (const [what, how] of DAMAGE) {
      const copy = await copyDir(train);
      await damageFile(join(copy, latest, name), how);
      await assert.rejects(
        loadPqmix(scenario, join(copy, latest)),
        (e: Error) => e instanceof UserError && e.message.includes(join(copy, latest)),
        `${name}, ${what}`,
      );
    }
  }
  for (const [what, how] of DAMAGE) {
    const copy = await copyDir(train);
    await damageFile(join(copy, "latest.json"), how);
    const r = await cli([
      ...["train", scenario, "-p", "pqmix", "-e", "3", "-o", copy, "--resume", "-q"],
      ...["--param", "batch=8"],
    ]);
    assert.equal(r.code, 2, `latest.json, ${what}: ${r.err}`);
    assert.match(r.err, /latest\.json: .*(SHA-256|not valid JSON|not a JSON object)/, what);
  }
});

Deno.test("integrity: a damaged expert dataset is refused; the intact one reads verified", async () => {
  const { expert } = await fixtures();
  const bytes = await Deno.readFile(join(expert, "expert.bin"));
  assert.equal(decodeExpert(bytes, "x.bin").verified, true);
  for (const [what, how] of DAMAGE) {
    assert.throws(() => decodeExpert(how(bytes), "x.bin"), /x\.bin: /, what);
  }
});

Deno.test("integrity: sealed JSON refuses any change of its content, and reads an unsealed file unverified", () => {
  const text = sealJson({ format: "x/1", episode: 12, values: [1.5, 2e-9] });
  assert.deepEqual(openSealed(text, "f.json", "fix it"), {
    value: { format: "x/1", episode: 12, values: [1.5, 2e-9] },
    verified: true,
  });
  assert.throws(
    () => openSealed(text.replace("12", "13"), "f.json", "fix it"),
    /^UserError: f\.json: content does not match its recorded SHA-256 \(damaged or edited\); fix it$/,
  );
  assert.deepEqual(openSealed('{"episode": 3}', "old.json", "fix it"), {
    value: { episode: 3 },
    verified: false,
  });
});

Deno.test("integrity: a checkpoint of before the digests loads with one line saying so", async () => {
  const dir = await copyDir("scenarios/highway/pqmix");
  const meta = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
  delete meta.sha256;
  delete meta.files;
  await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(meta, null, 2) + "\n");
  const out = await Deno.makeTempDir();
  const args = ["run", "scenarios/highway.yaml", "-p", "pqmix", "-e", "1", "-q"];
  const r = await cli([...args, "--checkpoint", dir, "-o", join(out, "old")]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /note: checkpoint .* records no SHA-256 \(written before vecscene recorded them\): loaded without verifying it/,
  );
  const shipped = await cli([...args, "-o", join(out, "new")]);
  assert.equal(shipped.code, 0, shipped.err);
  assert.doesNotMatch(
    shipped.err,
    /records no SHA-256/,
    "the shipped checkpoints record their digests",
  );
  assert.equal(
    await Deno.readTextFile(join(out, "old", "steps.csv")),
    await Deno.readTextFile(join(out, "new", "steps.csv")),
  );
});

Deno.test("integrity: the issue's case: 100 bytes of 0xff in a shipped model.bin is an exit-2 error, old or new", async () => {
  const dir = await copyDir("scenarios/highway/pqmix");
  const bin = await Deno.readFile(join(dir, "model.bin"));
  bin.fill(0xff, 4000, 4100);
  await Deno.writeFile(join(dir, "model.bin"), bin);
  const out = await Deno.makeTempDir();
  const args = ["run", "scenarios/highway.yaml", "-p", "pqmix", "--checkpoint", dir, "-e", "1"];
  let r = await cli([...args, "-o", join(out, "a")]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /model\.bin: content does not match its recorded SHA-256 \(damaged or edited\); retrain or restore it/,
  );
  // Without a recorded digest (a checkpoint of before), the NaN weights are refused.
  const meta = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
  delete meta.sha256;
  delete meta.files;
  await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(meta));
  r = await cli([...args, "-o", join(out, "b")]);
  assert.equal(r.code, 2);
  assert.match(r.err, /model\.bin: weight "[^"]+" holds non-finite values \(NaN or infinity\)/);
  // Truncated: the length is checked before tfjs sees it.
  await Deno.writeFile(join(dir, "model.bin"), bin.slice(0, 52908));
  r = await cli([...args, "-o", join(out, "c")]);
  assert.equal(r.code, 2);
  assert.match(r.err, /model\.bin: 52908 bytes where its manifest needs \d+/);
});

Deno.test("integrity: a damaged cell, manifest or experiment.json stops a resumed run and the report, naming it", async () => {
  const out = join(await Deno.makeTempDir(), "exp");
  const run = ["experiment", "tests/fixtures/experiments/tiny.yaml", "--out", out, "-q"];
  const first = await cli(run);
  assert.equal(first.code, 0, first.err);
  const cells = [...Deno.readDirSync(join(out, "cells"))].map((e) => join("cells", e.name));
  for (const name of [cells[0], "manifest.json", "experiment.json"]) {
    for (const [what, how] of DAMAGE) {
      const copy = await copyDir(out);
      await damageFile(join(copy, name), how);
      const report = await cli(["report", copy, "--out", join(copy, "report"), "-q"]);
      assert.equal(report.code, 2, `report, ${name}, ${what}`);
      assert.match(report.err, new RegExp(`${join(copy, name)}: `), `report, ${name}, ${what}`);
      if (name === "manifest.json") continue; // a rerun writes the manifest anew
      const again = await cli([...run.slice(0, 2), "--out", copy, "-q"]);
      assert.equal(again.code, 2, `rerun, ${name}, ${what}: ${again.err}`);
      assert.match(again.err, new RegExp(`${join(copy, name)}: `), `rerun, ${name}, ${what}`);
    }
  }
});
