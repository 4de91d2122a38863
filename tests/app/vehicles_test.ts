/**
 * `vehicles.csv` and the trace identity in `summary.json`: the highway's
 * rows against `slots.csv` and its speed bounds, a SUMO run's rows against
 * SUMO's own sumolib reading the same trace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openEnv } from "../../engine/sim/env.ts";
import { cli } from "../_helpers/mod.ts";

const SUMO_HOME = Deno.env.get("SUMO_HOME") ?? "/usr/share/sumo";
const SUMOLIB_SCRIPT = new URL("../fixtures/sumo/sumolib_positions.py", import.meta.url).pathname;
const COLUMNS = "episode,slot,vehicle,trace_id,x_m,y_m,road_m,speed_mps,active";

interface VehicleRow {
  episode: number;
  slot: number;
  vehicle: string;
  traceId: string;
  x: number;
  y: number;
  road: number;
  speed: number;
  active: number;
}

interface EpisodeSummary {
  episode: number;
  windowStartS: number | null;
  vehicles: Record<string, string> | null;
}

async function runTo(args: string[]): Promise<string> {
  const dir = await Deno.makeTempDir();
  const r = await cli(["run", ...args, "--out", dir, "-q"]);
  assert.equal(r.code, 0, r.err);
  return dir;
}

async function vehicleRows(dir: string): Promise<VehicleRow[]> {
  const lines = (await Deno.readTextFile(join(dir, "vehicles.csv"))).trimEnd().split("\n");
  assert.equal(lines[0], COLUMNS);
  return lines.slice(1).map((line) => {
    const c = line.split(",");
    assert.equal(c.length, 9, line);
    return {
      episode: Number(c[0]),
      slot: Number(c[1]),
      vehicle: c[2],
      traceId: c[3],
      x: Number(c[4]),
      y: Number(c[5]),
      road: Number(c[6]),
      speed: Number(c[7]),
      active: Number(c[8]),
    };
  });
}

async function episodeSummaries(dir: string): Promise<EpisodeSummary[]> {
  const s = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  return s.policies[0].episodes;
}

const names = (cvs: number, svs: number) => [
  ...Array.from({ length: cvs }, (_, i) => `cv${i + 1}`),
  ...Array.from({ length: svs }, (_, j) => `sv${j + 1}`),
];

Deno.test("vehicles.csv of a highway run: one row per vehicle and slot, the slots' distances, constant speeds", async () => {
  const dir = await runTo(["scenarios/highway.yaml", "-p", "rsu", "-e", "2"]);
  const rows = await vehicleRows(dir);
  const env = await openEnv("scenarios/highway.yaml");
  const { rsuX, rsuY } = env.world.mobility;
  const sc = env.world.scenario;
  const [E, T, I, S] = [2, sc.time.slots, sc.vehicles.clients.count, sc.vehicles.services.count];
  assert.equal(rows.length, E * T * (I + S));
  const who = names(I, S);
  rows.forEach((r, n) => {
    assert.equal(r.episode, 1 + Math.floor(n / (T * (I + S))));
    assert.equal(r.slot, 1 + (Math.floor(n / (I + S)) % T));
    assert.equal(r.vehicle, who[n % (I + S)]);
    assert.equal(r.traceId, "");
    assert.equal(r.active, 1);
    assert.equal(r.road, r.x); // on the highway po of eq. (54) is x
  });
  // Every CV offloads to the RSU, so distance_m of slots.csv is its distance to the RSU.
  const slots = (await Deno.readTextFile(join(dir, "slots.csv"))).trimEnd().split("\n").slice(1);
  assert.equal(slots.length, E * T * I);
  const cvRows = rows.filter((r) => r.vehicle.startsWith("cv"));
  slots.forEach((line, n) => {
    const c = line.split(",");
    const r = cvRows[n];
    assert.deepEqual([Number(c[0]), Number(c[1]), `cv${c[2]}`], [r.episode, r.slot, r.vehicle]);
    const d = Math.hypot(r.x - rsuX, r.y - rsuY);
    assert.ok(Math.abs(d - Number(c[6])) <= 1e-9 * d, `${line}: ${d}`);
  });
  const { min, max } = (sc.mobility as { speedMps: { min: number; max: number } }).speedMps;
  const speeds = new Set<number>();
  for (const r of rows) {
    const first = rows.find((q) => q.episode === r.episode && q.vehicle === r.vehicle)!;
    assert.equal(r.speed, first.speed, `${r.vehicle} changes speed in episode ${r.episode}`);
    assert.ok(r.speed >= min && r.speed <= max, `${r.speed} outside [${min}, ${max}]`);
    // A17: x advances by speed x tau per slot.
    const dx = r.x - first.x - r.speed * (r.slot - 1) * sc.time.slotS;
    assert.ok(Math.abs(dx) <= 1e-9 * Math.max(1, Math.abs(r.x)), `${r.vehicle}: ${dx}`);
    speeds.add(r.speed);
  }
  assert.ok(speeds.size > 1, "speeds are drawn per vehicle");
  for (const e of await episodeSummaries(dir)) {
    assert.equal(e.windowStartS, null);
    assert.equal(e.vehicles, null);
  }
});

async function sumolibMissing(): Promise<string | false> {
  try {
    await Deno.stat(join(SUMO_HOME, "tools", "sumolib"));
  } catch {
    return `no sumolib at ${SUMO_HOME}/tools/sumolib`;
  }
  try {
    const r = await new Deno.Command("python3", { args: ["--version"], stdout: "null" }).output();
    return r.success ? false : "python3 does not run";
  } catch {
    return "no python3 on PATH";
  }
}

/** x, y, speed of `[id, timeS]` queries read by sumolib (null where the vehicle is absent). */
async function sumolibSample(
  trace: string,
  queries: [string, number][],
): Promise<({ x: number; y: number; speed: number } | null)[]> {
  const child = new Deno.Command("python3", {
    args: [SUMOLIB_SCRIPT, trace],
    env: { SUMO_HOME },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(queries)));
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const sumoSkip = await sumolibMissing();
if (sumoSkip) console.warn(`vehicles_test: skipping the sumolib comparison: ${sumoSkip}`);

Deno.test({
  name:
    "vehicles.csv of a SUMO run matches sumolib's reading of the trace; summary.json names the vehicles",
  ignore: sumoSkip !== false,
  fn: async () => {
    const dir = await runTo(["scenarios/nyc.yaml", "-p", "greedy", "-e", "2"]);
    const rows = await vehicleRows(dir);
    const summaries = await episodeSummaries(dir);
    const env = await openEnv("scenarios/nyc.yaml");
    const sc = env.world.scenario;
    const [T, I, S] = [sc.time.slots, sc.vehicles.clients.count, sc.vehicles.services.count];
    const tau = sc.time.slotS;
    assert.equal(rows.length, 2 * T * (I + S));
    assert.deepEqual(summaries.map((e) => e.episode), [1, 2]);
    for (const e of summaries) {
      assert.equal(typeof e.windowStartS, "number");
      assert.deepEqual(Object.keys(e.vehicles!), names(I, S));
      const ids = Object.values(e.vehicles!);
      assert.equal(new Set(ids).size, I + S, "each trace vehicle plays one role");
      for (const r of rows.filter((q) => q.episode === e.episode)) {
        assert.equal(r.traceId, e.vehicles![r.vehicle], `${r.vehicle} of episode ${e.episode}`);
      }
    }
    const active = rows.filter((r) => r.active === 1);
    assert.ok(active.length > rows.length / 2);
    const timeOf = (r: VehicleRow) => summaries[r.episode - 1].windowStartS! + (r.slot - 1) * tau;
    const trace = join("scenarios", (sc.mobility as { trace: string }).trace);
    const ref = await sumolibSample(trace, active.map((r) => [r.traceId, timeOf(r)]));
    active.forEach((r, n) => {
      const at = `${r.vehicle} (${r.traceId}) at ${timeOf(r)} s`;
      assert.ok(ref[n], `${at} is absent from the trace by sumolib`);
      assert.ok(Math.abs(r.x - ref[n]!.x) <= 1e-6, `${at}: x ${r.x} vs ${ref[n]!.x}`);
      assert.ok(Math.abs(r.y - ref[n]!.y) <= 1e-6, `${at}: y ${r.y} vs ${ref[n]!.y}`);
      assert.ok(Math.abs(r.speed - ref[n]!.speed) <= 1e-6, `${at}: ${r.speed} vs ${ref[n]!.speed}`);
    });
    assert.ok(active.some((r) => r.speed > 0), "the trace's speeds are read");
  },
});
