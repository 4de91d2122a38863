/**
 * End to end on the real export: a small piece of the northbound FDR Drive
 * (its first two OSM ways and their ramps) cut by code, converted by
 * netconvert, driven by sumo, and read back as a trace. Skipped, saying
 * why, where SUMO is not installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildWithSumo, findSumo } from "../../../../engine/mobility/sumo/build.ts";
import { readFcd } from "../../../../engine/mobility/sumo/fcd.ts";
import { cutCorridor, parseOsm, writeCorridor } from "../../../../engine/mobility/sumo/osm.ts";
import { SumoBuildSchema } from "../../../../engine/mobility/sumo/schema.ts";

const EXPORT = new URL("../../../../scenarios/nyc/osm/manhattan-midtown.osm", import.meta.url)
  .pathname;
const tools = findSumo();
if (typeof tools === "string") console.log(`osm_build_test: skipped as ${tools}`);

Deno.test({
  name: "a piece of the real export builds into a network with OSM ids and a trace along it",
  ignore: typeof tools === "string",
  async fn() {
    if (typeof tools === "string") return;
    const dir = await Deno.makeTempDir({ prefix: "vecscene-osm-build-" });
    const doc = parseOsm(await Deno.readTextFile(EXPORT), EXPORT);
    const piece = cutCorridor(doc, ["960097006", "32939512"], EXPORT);
    await Deno.writeTextFile(join(dir, "piece.osm"), writeCorridor(doc, piece));
    await Deno.writeTextFile(
      join(dir, "flows.xml"),
      `<routes><vType id="car" speedFactor="1.4"/>` +
        `<flow id="f" type="car" begin="0" end="60" vehsPerHour="1800" from="960097006" ` +
        `to="32939512#1" departLane="best" departSpeed="desired"/></routes>`,
    );
    const build = SumoBuildSchema.parse({
      osm: "piece.osm",
      routes: ["flows.xml"],
      endS: 60,
      netconvertArgs: ["--ramps.guess"],
      sumoArgs: ["--fcd-output.attributes", "x,y,speed,type"],
      cacheDir: join(dir, "cache"),
    });
    const built = buildWithSumo(build, { baseDir: dir }, tools);
    const net = await Deno.readTextFile(built.net);
    for (const id of ["960097006", "32939512#0", "32939512#1"]) {
      assert.match(net, new RegExp(`<edge id="${id}" `), `edge ${id} keeps its OSM way id`);
    }
    const trace = await readFcd(built.trace);
    assert.ok(trace.ids.length >= 10, `${trace.ids.length} vehicles`);
    // The vehicles drive along the piece: within its bounding box (junction centres, in SUMO's
    // projection) widened by the lanes' width.
    const box = /<location netOffset="[^"]*" convBoundary="([^"]+)"/.exec(net)![1].split(",")
      .map(Number);
    for (let r = 0; r < trace.recX.length; r++) {
      assert.ok(trace.recX[r] >= box[0] - 20 && trace.recX[r] <= box[2] + 20, `x ${trace.recX[r]}`);
      assert.ok(trace.recY[r] >= box[1] - 20 && trace.recY[r] <= box[3] + 20, `y ${trace.recY[r]}`);
    }
  },
});
