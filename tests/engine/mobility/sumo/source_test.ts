import { assertAlmostEquals, assertEquals, assertThrows } from "../../../fixtures/sumo/_assert.ts";
import { PolylineAxis } from "../../../../engine/mobility/sumo/axis.ts";
import {
  createSumoMobility,
  createSumoMobilitySync,
} from "../../../../engine/mobility/sumo/factory.ts";
import { parseFcd } from "../../../../engine/mobility/sumo/fcd.ts";
import {
  type SumoMobilityInput,
  SumoMobilitySchema,
} from "../../../../engine/mobility/sumo/schema.ts";
import { SumoSource, type SumoSourceOptions } from "../../../../engine/mobility/sumo/source.ts";
import { TraceError } from "../../../../engine/mobility/sumo/trace_error.ts";
import type { PositionBuffers } from "../../../../engine/mobility/types.ts";
import { Rng } from "../../../../engine/rng.ts";

const DIR = new URL("../../../fixtures/sumo", import.meta.url).pathname;
const tiny = parseFcd(Deno.readTextFileSync(`${DIR}/tiny.fcd.xml`), `${DIR}/tiny.fcd.xml`);
// the fixture's road is the x axis; the RSU stands at the origin, so po = x
const axis = () => new PolylineAxis([-200, 0, 300, 0], 0, 0);

function source(over: Partial<SumoSourceOptions> & { m?: Partial<SumoMobilityInput> }): SumoSource {
  const m = SumoMobilitySchema.parse({
    kind: "sumo",
    trace: "tiny.fcd.xml",
    rsu: { x: 0, y: 0 },
    ...over.m,
  });
  return new SumoSource({
    trace: tiny,
    rsuX: 0,
    rsuY: 0,
    rsus: [{ x: 0, y: 0, coverageM: 210 }],
    trackSlots: 0,
    axis: axis(),
    cvCount: 2,
    svCount: 1,
    slots: 5,
    tauS: 1,
    roles: m.roles,
    interpolation: m.interpolation,
    episodes: m.episodes,
    ...over,
  });
}

function buffers(cv: number, sv: number): PositionBuffers {
  return {
    cvX: new Float64Array(cv),
    cvY: new Float64Array(cv),
    cvRoadM: new Float64Array(cv),
    cvSpeedMps: new Float64Array(cv),
    svX: new Float64Array(sv),
    svY: new Float64Array(sv),
    svRoadM: new Float64Array(sv),
    svSpeedMps: new Float64Array(sv),
    cvActive: new Uint8Array(cv),
    svActive: new Uint8Array(sv),
  };
}

const rng = (e = 0, seed = 1) => Rng.stream(seed, "mobility", e);

Deno.test("SUMO source: linear interpolation at half-second slots", () => {
  const s = source({
    tauS: 0.5,
    m: {
      roles: { clients: { ids: ["a", "b"] }, services: { ids: ["e"] } },
      episodes: { starts: [0.5] },
    },
  });
  const ep = s.episode(0, rng());
  const b = buffers(2, 1);
  const seen: number[][] = [];
  for (let slot = 0; slot <= 4; slot++) {
    ep.positions(slot, b);
    seen.push([b.cvX[0], b.cvX[1], b.cvY[1], b.cvRoadM[1], b.svX[0], b.svActive[0]]);
  }
  // t = 0.5, 1, 1.5, 2, 2.5: a = 10t, b = 5 + 20t (y 3.2), e = 100 + 50t leaves 210 m coverage after 2 s
  assertEquals(seen, [
    [5, 15, 3.2, 15, 125, 1],
    [10, 25, 3.2, 25, 150, 1],
    [15, 35, 3.2, 35, 175, 1],
    [20, 45, 3.2, 45, 200, 1],
    [25, 55, 3.2, 55, 225, 0],
  ]);
});

Deno.test("SUMO source: 'previous' holds the last trace step", () => {
  const s = source({
    tauS: 0.5,
    m: {
      interpolation: "previous",
      roles: { clients: { ids: ["a", "b"] }, services: { ids: ["e"] } },
      episodes: { starts: [0.5] },
    },
  });
  const ep = s.episode(0, rng());
  const b = buffers(2, 1);
  const xs: number[] = [];
  for (let slot = 0; slot <= 4; slot++) {
    ep.positions(slot, b);
    xs.push(b.cvX[0]);
  }
  assertEquals(xs, [0, 10, 10, 20, 20]);
});

Deno.test("SUMO source: a vehicle that leaves the trace is inactive from then on, at its last position", () => {
  const s = source({
    m: {
      roles: { clients: { ids: ["c", "a"] }, services: { ids: ["b"] } },
      episodes: { starts: [0] },
    },
  });
  const ep = s.episode(0, rng());
  const b = buffers(2, 1);
  const rows: number[][] = [];
  for (let slot = 0; slot <= 4; slot++) {
    ep.positions(slot, b);
    rows.push([b.cvActive[0], b.cvX[0], b.cvRoadM[0], b.cvActive[1], b.svActive[0]]);
  }
  assertEquals(rows, [
    [1, -50, -50, 1, 1],
    [1, -40, -40, 1, 1],
    [1, -30, -30, 1, 1],
    [0, -30, -30, 1, 1],
    [0, -30, -30, 1, 1],
  ]);
  // between t = 2 and 3 c has no next record: absent at 2.5 s
  const half = source({
    tauS: 0.5,
    m: {
      roles: { clients: { ids: ["c", "a"] }, services: { ids: ["b"] } },
      episodes: { starts: [1] },
    },
  }).episode(0, rng());
  const active: number[] = [];
  for (let slot = 0; slot <= 4; slot++) {
    half.positions(slot, b);
    active.push(b.cvActive[0]);
  }
  assertEquals(active, [1, 1, 1, 0, 0]);
});

Deno.test("SUMO source: departure from coverage is final even if the vehicle comes back", () => {
  const t = parseFcd(
    `<fcd-export>
<timestep time="0"><vehicle id="f" x="0" y="0"/><vehicle id="g" x="1" y="0"/></timestep>
<timestep time="1"><vehicle id="f" x="300" y="0"/><vehicle id="g" x="2" y="0"/></timestep>
<timestep time="2"><vehicle id="f" x="0" y="0"/><vehicle id="g" x="3" y="0"/></timestep>
</fcd-export>`,
    "back.xml",
  );
  const m = SumoMobilitySchema.parse({
    kind: "sumo",
    trace: "x",
    rsu: { x: 0, y: 0 },
    roles: { clients: { ids: ["f", "g"] } },
    episodes: { starts: [0] },
  });
  const s = new SumoSource({
    trace: t,
    rsuX: 0,
    rsuY: 0,
    rsus: [{ x: 0, y: 0, coverageM: 210 }],
    trackSlots: 0,
    axis: axis(),
    cvCount: 2,
    svCount: 0,
    slots: 3,
    tauS: 1,
    roles: m.roles,
    interpolation: m.interpolation,
    episodes: m.episodes,
  });
  const ep = s.episode(0, rng());
  const b = buffers(2, 0);
  const f: number[] = [];
  for (let slot = 0; slot <= 2; slot++) {
    ep.positions(slot, b);
    f.push(b.cvActive[0], b.cvActive[1]);
  }
  assertEquals(f, [1, 1, 0, 1, 0, 1]);
});

Deno.test("SUMO roles: random choice is seeded, among vehicles present at the window start only", () => {
  const s = source({ cvCount: 1, svCount: 1, m: { episodes: { starts: [0] } } });
  const counts = new Map<string, number>();
  for (let seed = 0; seed < 300; seed++) {
    const r1 = s.windowOf(0, rng(0, seed));
    const r2 = s.windowOf(0, rng(0, seed));
    assertEquals(r1, r2); // the same stream gives the same roles
    const chosen = [...r1.clients, ...r1.services].map((v) => tiny.ids[v]);
    assertEquals(chosen[0] !== chosen[1], true);
    for (const id of chosen) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  // d enters at t = 2: never eligible at t = 0; the other four are each picked
  assertEquals([...counts.keys()].sort(), ["a", "b", "c", "e"]);
  for (const n of counts.values()) assertEquals(n > 90 && n < 210, true, `${[...counts]}`);
});

Deno.test("SUMO roles: by vehicle type, and 'staying' excludes vehicles that leave", () => {
  const byType = source({
    m: {
      roles: { clients: { vType: "car" }, services: { vType: ["truck"] } },
      episodes: { starts: [0] },
    },
  });
  const r = byType.windowOf(0, rng());
  assertEquals(r.clients.map((v) => tiny.ids[v]).sort(), ["a", "c"]);
  assertEquals(r.services.map((v) => tiny.ids[v]), ["b"]);
  // over 0..4 s, c leaves the trace and e the coverage: only a and b stay
  const staying = source({
    cvCount: 2,
    svCount: 0,
    m: { roles: { eligible: "staying" }, episodes: { starts: [0] } },
  });
  assertEquals(staying.windowOf(0, rng()).clients.map((v) => tiny.ids[v]).sort(), ["a", "b"]);
  // only a (x = 0) and b (x = 5) start in [0, 50] m
  const zone = source({
    cvCount: 2,
    svCount: 0,
    m: { roles: { startRoadM: [0, 50] }, episodes: { starts: [0] } },
  });
  assertEquals(zone.windowOf(0, rng()).clients.map((v) => tiny.ids[v]).sort(), ["a", "b"]);
  const zoneId = assertThrows(() =>
    source({
      cvCount: 1,
      svCount: 0,
      m: { roles: { clients: { ids: ["e"] }, startRoadM: [0, 50] }, episodes: { starts: [0] } },
    }).windowOf(0, rng()), TraceError);
  assertEquals(
    zoneId.message,
    "cannot choose the vehicles of episode 0: vehicle 'e' (mobility.roles.clients.ids) is at road coordinate 100.0 m at 0 s, outside roles.startRoadM [0,50]",
  );
  // found when the source is built, before any episode runs
  const tooMany = () =>
    source({
      cvCount: 2,
      svCount: 1,
      m: { roles: { eligible: "staying" }, episodes: { starts: [0] } },
    });
  const e = assertThrows(tooMany, TraceError);
  assertEquals(e.line, 5);
  assertEquals(
    e.message,
    "cannot choose the vehicles of episode 0: only 0 eligible vehicles are left for the 1 services at 0 s (roles.eligible: staying)",
  );
});

Deno.test("SUMO windows: seeded random starts on trace steps that fit the window", () => {
  const s = source({ slots: 3, cvCount: 1, svCount: 0, m: { roles: { clients: { ids: ["d"] } } } });
  const starts = new Set<number>();
  for (let e = 0; e < 60; e++) starts.add(s.windowOf(e, rng(e)).startS);
  // d appears at t = 2 and a 2 s window must end by t = 5
  assertEquals([...starts].sort(), [2, 3]);
  const bounded = source({ slots: 2, cvCount: 1, svCount: 0, m: { episodes: { startS: [1, 1] } } });
  assertEquals(bounded.windowOf(7, rng(7)).startS, 1);
});

Deno.test("SUMO errors: a window past the end of the trace, an absent id, no window at all", () => {
  const past = assertThrows(
    () => source({ slots: 3, m: { episodes: { starts: [0, 4] } } }).windowOf(1, rng()),
    TraceError,
  );
  assertEquals([past.line, past.message], [
    36,
    "the window of episode 1 (4 to 6 s) runs past the end of the trace (5 s)",
  ]);
  const notYet = assertThrows(
    () =>
      source({
        cvCount: 1,
        svCount: 0,
        m: { roles: { clients: { ids: ["d"] } }, episodes: { starts: [0] } },
      }).windowOf(0, rng()),
    TraceError,
  );
  assertEquals(
    notYet.message,
    "cannot choose the vehicles of episode 0: vehicle 'd' (mobility.roles.clients.ids) is not in the trace at 0 s",
  );
  const tooLong = assertThrows(() => source({ slots: 7 }).windowOf(0, rng()), TraceError);
  assertEquals(
    tooLong.message.endsWith("the window runs past the end of the trace"),
    true,
    tooLong.message,
  );
  const missing = assertThrows(
    () => source({ cvCount: 1, svCount: 0, m: { roles: { clients: { ids: ["bb"] } } } }),
    TraceError,
  );
  assertEquals([missing.line, missing.message], [
    5,
    "vehicle 'bb' (mobility.roles.clients.ids) does not occur in the trace; did you mean 'b'?",
  ]);
  const nowhere = assertThrows(
    () => source({ cvCount: 1, svCount: 0, m: { roles: { startRoadM: [400, 500] } } }),
    TraceError,
  );
  assertEquals([nowhere.line, nowhere.message.split("; e.g.")[0]], [
    5,
    "no window start in the trace has enough eligible vehicles",
  ]);
  assertThrows(() => source({ m: { roles: { clients: { ids: ["a"] } } } }), RangeError);
  assertThrows(
    () =>
      source({ m: { episodes: { starts: [0] } } }).episode(0, rng()).positions(5, buffers(2, 1)),
    RangeError,
  );
});

Deno.test("SUMO factory: files relative to the scenario, RSU on an edge, arc-length road axis", async () => {
  const config = SumoMobilitySchema.parse({
    kind: "sumo",
    net: "tiny.net.xml",
    trace: "tiny.fcd.xml",
    rsu: { edge: "E0", positionM: 50, offsetM: 10 },
    road: { edges: ["E0", "E1"] },
    roles: { clients: { ids: ["a"] }, services: { ids: ["b"] } },
    episodes: { starts: [1] },
  });
  const src = await createSumoMobility(config, {
    baseDir: DIR,
    cvCount: 1,
    svCount: 1,
    slots: 2,
    tauS: 1,
    episodes: 1,
    rsus: { kind: "one" as const, coverageM: 500 },
    seed: 1,
  });
  // 10 m to the right of eastbound E0 at 50 m is (50, -10); its foot on the chain is at arc 50 m
  assertEquals([src.rsuX, src.rsuY, src.roadFromM, src.roadToM], [50, -10, -50, 250]);
  assertEquals(src.files, { net: `${DIR}/tiny.net.xml`, trace: `${DIR}/tiny.fcd.xml` });
  const sync = createSumoMobilitySync(config, {
    baseDir: DIR,
    cvCount: 1,
    svCount: 1,
    slots: 2,
    tauS: 1,
    episodes: 1,
    rsus: { kind: "one" as const, coverageM: 500 },
    seed: 1,
  });
  for (const s of [src, sync]) {
    const b = buffers(1, 1);
    s.episode(0, rng()).positions(1, b);
    assertEquals([b.cvX[0], b.cvRoadM[0], b.svX[0], b.svY[0]], [20, -30, 45, 3.2]);
    assertAlmostEquals(b.svRoadM[0], -5);
  }
});

Deno.test("SUMO factory: missing files are TraceErrors naming them", async () => {
  const ctx = {
    baseDir: DIR,
    cvCount: 1,
    svCount: 0,
    slots: 2,
    tauS: 1,
    episodes: 1,
    rsus: { kind: "one" as const, coverageM: 500 },
    seed: 1,
  };
  const noTrace = SumoMobilitySchema.parse({
    kind: "sumo",
    trace: "gone.fcd.xml",
    rsu: { x: 0, y: 0 },
  });
  const e1 = await createSumoMobility(noTrace, ctx).then(() => null, (e) => e);
  assertEquals(
    e1?.format(),
    `${DIR}/gone.fcd.xml: Cannot read the FCD trace as the file does not exist`,
  );
  const noNet = SumoMobilitySchema.parse({
    kind: "sumo",
    net: "gone.net.xml",
    trace: "tiny.fcd.xml",
    rsu: { edge: "E0", positionM: 1 },
  });
  const e2 = await createSumoMobility(noNet, ctx).then(() => null, (e) => e);
  assertEquals(
    e2?.format(),
    `${DIR}/gone.net.xml: Cannot read the SUMO network as the file does not exist`,
  );
});
