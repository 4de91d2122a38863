import assert from "node:assert/strict";
import { join } from "node:path";
import { VERSION } from "../../engine/version.ts";
import { cli, tempScenario } from "../_helpers/mod.ts";

const FIX = new URL("../fixtures/plugins/", import.meta.url).pathname;

async function files(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, await Deno.readTextFile(join(d, e.name)));
    }
  };
  await walk(dir, "");
  return out;
}

async function run(args: string[]) {
  const r = await cli(["run", ...args, "-q"]);
  assert.equal(r.code, 0, r.err);
}

Deno.test("same scenario and seed give byte-identical outputs; another seed does not", async () => {
  const [a, b, c] = [await Deno.makeTempDir(), await Deno.makeTempDir(), await Deno.makeTempDir()];
  await run(["scenarios/highway.yaml", "-e", "2", "--out", a]);
  await run(["scenarios/highway.yaml", "-e", "2", "--out", b]);
  await run(["scenarios/highway.yaml", "-e", "2", "--out", c, "--seed", "2"]);
  const [fa, fb, fc] = [await files(a), await files(b), await files(c)];
  const perPolicy = ["queues.csv", "slots.csv", "steps.csv", "summary.json", "vehicles.csv"];
  const policies = [
    "genetic",
    "genetic-converged",
    "greedy",
    "local",
    "mad2rl",
    "pqmix",
    "pqmix-paper",
    "rsu",
  ];
  assert.deepEqual(
    [...fa.keys()].sort(),
    [
      "comparison.csv",
      ...policies.flatMap((p) => perPolicy.map((f) => `${p}/${f}`)),
      "summary.json",
    ]
      .sort(),
  );
  for (const [k, v] of fa) assert.equal(v, fb.get(k), `${k} differs between identical runs`);
  assert.notEqual(fa.get("genetic/slots.csv"), fc.get("genetic/slots.csv"));
});

Deno.test("output files have the documented columns and row counts", async () => {
  const dir = await Deno.makeTempDir();
  const file = await tempScenario(
    "name: cols\ntime: { episodes: 2, slots: 4 }\nvehicles: { clients: { count: 3 }, services: { count: 2 } }\npolicy: genetic\n",
  );
  await run([file, "--out", dir]);
  const f = await files(dir);
  const lines = (name: string) => f.get(name)!.trimEnd().split("\n");
  const slots = lines("slots.csv");
  assert.equal(
    slots[0],
    "episode,slot,cv,dnn,partition,target,distance_m,rate_bps,data_bytes,local_gflop,edge_gflop,t_local_s,t_tx_s,t_proc_s,t_wait_s,delay_s",
  );
  assert.equal(slots.length, 1 + 2 * 4 * 3);
  for (const row of slots.slice(1)) {
    const c = row.split(",");
    assert.equal(c.length, 16);
    assert.match(c[5], /^(rsu|sv[12]|local)$/);
    // delay = local + tx + proc + wait
    const sum = Number(c[11]) + Number(c[12]) + Number(c[13]) + Number(c[14]);
    assert.ok(Math.abs(sum - Number(c[15])) <= 1e-9 * Math.max(1, sum));
  }
  const queues = lines("queues.csv");
  assert.equal(queues[0], "episode,slot,queue,backlog_gflop,service_gflop_per_s");
  assert.equal(queues.length, 1 + 2 * 4 * (3 + 3 + 2));
  assert.deepEqual(
    queues.slice(1, 9).map((r) => r.split(",")[2]),
    ["cv1", "cv2", "cv3", "rsu:alexnet", "rsu:resnet18", "rsu:vgg16", "sv1", "sv2"],
  );
  // Queues start empty each episode (A9), and the RSU shares sum to its capacity.
  for (const r of queues.slice(1, 9)) assert.equal(r.split(",")[3], "0");
  const shares = queues.slice(4, 7).map((r) => Number(r.split(",")[4]));
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 30) < 1e-9);
  const steps = lines("steps.csv");
  assert.equal(steps[0], "episode,slot,objective,reward,mean_delay_s");
  assert.equal(steps.length, 1 + 2 * 4);
  for (const r of steps.slice(1)) {
    const [, , obj, reward] = r.split(",").map(Number);
    assert.equal(reward, -obj);
  }
  const summary = JSON.parse(f.get("summary.json")!);
  assert.equal(summary.software.version, VERSION);
  assert.equal(summary.seed, 1);
  assert.equal(summary.scenario.channel.bandwidthHz, 10e6);
  assert.equal(summary.scenario.rsu.cpuGflops, 30);
  assert.equal(summary.policies[0].episodes.length, 2);
  const meanDelay = slots.slice(1).reduce((a, r) => a + Number(r.split(",")[15]), 0) /
    (slots.length - 1);
  assert.ok(Math.abs(summary.policies[0].aggregates.meanDelayS - meanDelay) < 1e-9 * meanDelay);
});

Deno.test("a run that fails leaves earlier results intact and no temp files", async () => {
  const dir = await Deno.makeTempDir();
  const good = await tempScenario("name: keep\ntime: { episodes: 1, slots: 3 }\npolicy: greedy\n");
  await run([good, "--out", dir]);
  const before = await files(dir);
  const bad = await tempScenario(
    `name: keep\ntime: { episodes: 1, slots: 5 }\npolicy: { use: ${FIX}throws.ts }\n`,
  );
  const r = await cli(["run", bad, "--out", dir, "-q"]);
  assert.equal(r.code, 2);
  assert.deepEqual(await files(dir), before);
});
