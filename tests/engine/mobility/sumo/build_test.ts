import { assertAlmostEquals, assertEquals } from "../../../fixtures/sumo/_assert.ts";
import { findSumo } from "../../../../engine/mobility/sumo/build.ts";
import { createSumoMobility, type SumoContext } from "../../../../engine/mobility/sumo/factory.ts";
import { readFcd } from "../../../../engine/mobility/sumo/fcd.ts";
import { SumoMobilitySchema } from "../../../../engine/mobility/sumo/schema.ts";
import type { PositionBuffers } from "../../../../engine/mobility/types.ts";
import { Rng } from "../../../../engine/rng.ts";

const DIR = new URL("../../../fixtures/sumo", import.meta.url).pathname;
const FACTORY = new URL("../../../../engine/mobility/sumo/factory.ts", import.meta.url).href;
const SCHEMA = new URL("../../../../engine/mobility/sumo/schema.ts", import.meta.url).href;
const tools = findSumo();
const hasSumo = typeof tools !== "string";
if (!hasSumo) {
  console.log(
    `sumo_build_test: skipping the SUMO end-to-end test as ${tools} (apt-get install sumo sumo-tools)`,
  );
}

const ctx: SumoContext = {
  baseDir: DIR,
  cvCount: 2,
  svCount: 1,
  slots: 5,
  tauS: 1,
  episodes: 2,
  rsus: { kind: "one", coverageM: 300 },
  seed: 1,
};

const buffers = (): PositionBuffers => ({
  cvX: new Float64Array(2),
  cvY: new Float64Array(2),
  cvRoadM: new Float64Array(2),
  cvSpeedMps: new Float64Array(2),
  svX: new Float64Array(1),
  svY: new Float64Array(1),
  svRoadM: new Float64Array(1),
  svSpeedMps: new Float64Array(1),
  cvActive: new Uint8Array(2),
  svActive: new Uint8Array(1),
});

/** Runs `body` in a child deno whose PATH has no SUMO; returns its stdout. */
async function withoutSumo(body: string): Promise<string> {
  const code = `import { createSumoMobility } from "${FACTORY}";
import { SumoMobilitySchema } from "${SCHEMA}";
${body}`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--quiet",
      "--config",
      new URL("../../../../deno.json", import.meta.url).pathname,
      code,
    ],
    env: { PATH: "/nonexistent", NO_COLOR: "1", DENO_DIR: Deno.env.get("DENO_DIR") ?? "" },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(text);
  return text.trim();
}

Deno.test("SUMO build without SUMO: says how to install it", async () => {
  const text = await withoutSumo(`
const m = SumoMobilitySchema.parse({ kind: "sumo", build: { osm: "line.osm", routes: ["line.flows.xml"] }, rsu: { x: 0, y: 0 } });
try {
  await createSumoMobility(m, { baseDir: "${DIR}", cvCount: 1, svCount: 0, slots: 2, tauS: 1, episodes: 1, rsus: { kind: "one", coverageM: 300 }, seed: 1 });
  console.log("no error");
} catch (e) { console.log(e.format()); }`);
  assertEquals(
    text,
    `${DIR}/line.osm: building the trace needs SUMO, but \`sumo\` is not on PATH: install SUMO (Debian/Ubuntu: \`apt-get install sumo sumo-tools\`, then SUMO_HOME=/usr/share/sumo), and allow the engine to run it (\`--allow-run=sumo,netconvert\`), or give a shipped \`trace\``,
  );
});

Deno.test("SUMO build without SUMO: falls back to the shipped trace and says so", async () => {
  const text = await withoutSumo(`
const m = SumoMobilitySchema.parse({ kind: "sumo", trace: "tiny.fcd.xml", build: { osm: "line.osm", routes: ["line.flows.xml"], prefer: "sumo" }, rsu: { x: 0, y: 0 } });
const s = await createSumoMobility(m, { baseDir: "${DIR}", cvCount: 1, svCount: 0, slots: 2, tauS: 1, episodes: 1, rsus: { kind: "one", coverageM: 300 }, seed: 1 });
console.log(s.files.trace + "\\n" + s.log.join("\\n"));`);
  const [trace, log] = text.split("\n");
  assertEquals(trace, `${DIR}/tiny.fcd.xml`);
  assertEquals(
    log.startsWith(
      `sumo: cannot build (\`sumo\` is not on PATH); using the shipped trace ${DIR}/tiny.fcd.xml. To rebuild: install SUMO`,
    ),
    true,
    log,
  );
});

Deno.test({
  name: "SUMO end to end: netconvert + sumo build a network and trace, cached by content",
  ignore: !hasSumo,
  async fn() {
    const cacheDir = await Deno.makeTempDir({ prefix: "vecscene-sumo-test-" });
    try {
      const m = SumoMobilitySchema.parse({
        kind: "sumo",
        build: {
          osm: "line.osm",
          routes: ["line.flows.xml"],
          endS: 60,
          recordFromS: 20,
          cacheDir,
          netconvertArgs: ["--geometry.remove"],
        },
        rsu: { edge: "10", positionM: 200, offsetM: 10 },
        road: { edges: ["10"] },
        roles: { eligible: "staying" },
      });
      const lines: string[] = [];
      const src = await createSumoMobility(m, { ...ctx, log: (l) => lines.push(l) });
      assertEquals(lines.length, 3, lines.join("\n"));
      assertEquals(
        lines[0].startsWith("netconvert --xml-validation never --osm-files "),
        true,
        lines[0],
      );
      assertEquals(lines[1].startsWith("sumo --xml-validation never --net-file "), true, lines[1]);
      assertEquals(lines[1].includes("--fcd-output "), true);
      assertEquals(lines[2].startsWith(`sumo: built ${cacheDir}/sumo-`), true, lines[2]);
      const trace = await readFcd(src.files.trace);
      assertEquals(trace.timesS[0], 20);
      assertEquals(trace.timesS[trace.timesS.length - 1], 59);
      // the RSU is mid-edge: the edge runs from -200 m to about +200 m of it
      assertAlmostEquals(src.roadFromM, -200, 0.5);
      assertAlmostEquals(src.roadToM, 200, 1);
      // cars keep 25 m/s (sigma 0, speed factor 1): 25 m of road per 1 s slot, all in coverage
      const ep = src.episode(0, Rng.stream(1, "mobility", 0));
      const b = buffers();
      ep.positions(0, b);
      const start = [...b.cvRoadM, ...b.svRoadM];
      for (let slot = 1; slot <= 4; slot++) {
        ep.positions(slot, b);
        const now = [...b.cvRoadM, ...b.svRoadM];
        now.forEach((r, k) =>
          assertAlmostEquals(r - start[k], 25 * slot, 0.5, `vehicle ${k} slot ${slot}`)
        );
        assertEquals([...b.cvActive, ...b.svActive], [1, 1, 1]);
      }
      const again: string[] = [];
      const cached = await createSumoMobility(m, { ...ctx, log: (l) => again.push(l) });
      assertEquals(again, [
        `sumo: using the cached build ${lines[2].slice("sumo: built ".length)}`,
      ]);
      assertEquals(cached.files, src.files);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "SUMO build: a broken flows file is a TraceError naming it",
  ignore: !hasSumo,
  async fn() {
    const cacheDir = await Deno.makeTempDir({ prefix: "vecscene-sumo-test-" });
    try {
      await Deno.writeTextFile(
        `${cacheDir}/bad.flows.xml`,
        '<routes>\n<flow id="f" from="nope" to="nope" period="2"/>\n</routes>\n',
      );
      const m = SumoMobilitySchema.parse({
        kind: "sumo",
        build: { osm: "line.osm", routes: [`${cacheDir}/bad.flows.xml`], endS: 10, cacheDir },
        rsu: { x: 0, y: 0 },
      });
      const e = await createSumoMobility(m, ctx).then(() => null, (err) => err);
      assertEquals(e?.name, "TraceError");
      assertEquals(e.file, `${cacheDir}/bad.flows.xml`);
      assertEquals(/^sumo failed \(exit \d+\): .*nope/.test(e.message), true, e.message);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
