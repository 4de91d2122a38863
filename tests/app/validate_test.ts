import assert from "node:assert/strict";
import { cli, tempScenario } from "../_helpers/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIX = `${ROOT}tests/fixtures/plugins/`;

async function validate(text: string, extra: string[] = []) {
  const file = await tempScenario(text);
  return { file, ...(await cli(["validate", file, ...extra])) };
}

Deno.test("validate: a learning policy without a checkpoint, at its scenario key", async () => {
  const r = await validate("name: v\npolicy:\n  - greedy\n  - pqmix\n");
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    new RegExp(`^${r.file}:4:5: policy "pqmix" needs a trained checkpoint: train it with`),
  );
});

Deno.test("validate: a checkpoint folder that does not exist, at its key", async () => {
  const r = await validate("name: v\npolicy: { use: mad2rl, checkpoint: nowhere }\n");
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    new RegExp(`^${r.file}:2:\\d+: checkpoint of policy "mad2rl": no such folder \\(looked for /`),
  );
});

Deno.test("validate: a checkpoint that does not fit the scenario's shapes, at its key", async () => {
  const r = await validate(
    `name: v\nvehicles: { clients: { count: 3 } }\n` +
      `policy: { use: pqmix, checkpoint: ${ROOT}scenarios/highway/pqmix }\n`,
  );
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^${r.file}:3:\\d+: checkpoint .* does not fit policy "pqmix"`));
  assert.match(r.err, /its agents is 7, here it is 3/);
});

Deno.test("validate: a plugin's own parameter check runs in its sandbox", async () => {
  const r = await validate(
    `name: v\npolicy: { use: ${ROOT}plugins/least_delay.ts, params: { assumedRateBps: -1 } }\n`,
  );
  assert.equal(r.code, 2);
  assert.match(r.err, /parameter "assumedRateBps" of policy "least-delay" must be > 0/);
});

Deno.test("validate: a plugin refused a permission at import", async () => {
  const r = await validate(`name: v\npolicy: { use: ${FIX}env_at_import.ts }\n`);
  assert.equal(r.code, 2);
  assert.match(r.err, /:2:\d+: plugin .*env_at_import\.ts was refused env access to "HOME"/);
});

Deno.test("validate: the shipped scenarios, their checkpoints loaded", async () => {
  for (const f of ["scenarios/highway.yaml", "scenarios/nyc.yaml"]) {
    const r = await cli(["validate", `${ROOT}${f}`]);
    assert.equal(r.code, 0, r.err);
  }
});
