/**
 * Regenerates the New York scenario from the real OpenStreetMap export in
 * scenarios/nyc/osm/: cuts the northbound FDR Drive corridor out of it
 * (`osm/cut.ts` -> `osm/fdr-north.osm`), builds the network and the trace
 * with SUMO from that cut and the flows, using the `mobility.build` block of
 * scenarios/nyc.yaml (the same code path the engine uses), copies them to
 * scenarios/nyc/fdr.net.xml and scenarios/nyc/fdr.fcd.xml and prints what the
 * trace holds.
 *
 *   SUMO_HOME=/usr/share/sumo deno run -A scenarios/nyc/regenerate.ts
 *
 * @module
 */
import { parse } from "yaml";
import { buildWithSumo, findSumo, INSTALL_HINT } from "../../engine/mobility/sumo/build.ts";
import { readFcd } from "../../engine/mobility/sumo/fcd.ts";
import { SumoMobilitySchema } from "../../engine/mobility/sumo/schema.ts";
import { cutFdrNorth } from "./osm/cut.ts";

const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const scenarioDir = here.replace(/\/nyc$/, "");
const scenario = parse(await Deno.readTextFile(`${scenarioDir}/nyc.yaml`));
const mobility = SumoMobilitySchema.parse(scenario.mobility);
if (mobility.build === undefined) throw new Error("scenarios/nyc.yaml has no mobility.build");

// The corridor, cut from the full export by code.
const cut = await cutFdrNorth();
await Deno.writeTextFile(`${scenarioDir}/${mobility.build.osm}`, cut.osm);
for (const line of cut.lines) console.log(line);

const tools = findSumo();
if (typeof tools === "string") {
  console.error(`Cannot regenerate as ${tools}: ${INSTALL_HINT}`);
  Deno.exit(2);
}
const cacheDir = await Deno.makeTempDir({ prefix: "vecscene-nyc-" });
try {
  const built = buildWithSumo(
    { ...mobility.build, cacheDir },
    { baseDir: scenarioDir },
    tools,
  );
  for (const line of built.log) console.log(line);
  // SUMO records its configuration in a header comment: drop the temporary directory from it
  // (and the build's random folder name), so a rebuild differs only by SUMO's header date
  const tidy = (text: string) =>
    text.replaceAll(cacheDir, "<cache>").replaceAll(scenarioDir, "scenarios")
      .replace(/\.build-[0-9a-f]+/g, ".build");
  await Deno.writeTextFile(
    `${scenarioDir}/${mobility.net}`,
    tidy(await Deno.readTextFile(built.net)),
  );
  await Deno.writeTextFile(
    `${scenarioDir}/${mobility.trace}`,
    tidy(await Deno.readTextFile(built.trace)),
  );
  const trace = await readFcd(`${scenarioDir}/${mobility.trace}`);
  // mean speed from consecutive positions of the same vehicle
  let dist = 0, time = 0;
  for (let v = 0; v < trace.ids.length; v++) {
    for (let i = trace.vehStart[v] + 1; i < trace.vehStart[v + 1]; i++) {
      const a = trace.vehRec[i - 1], b = trace.vehRec[i];
      dist += Math.hypot(trace.recX[b] - trace.recX[a], trace.recY[b] - trace.recY[a]);
      time += trace.timesS[trace.recStep[b]] - trace.timesS[trace.recStep[a]];
    }
  }
  const steps = trace.timesS.length;
  const size = (await Deno.stat(`${scenarioDir}/${mobility.trace}`)).size;
  // road length of the network: the carriageway (mobility.road.edges) and the ramps
  const net = await Deno.readTextFile(`${scenarioDir}/${mobility.net}`);
  const carriageway = new Set(
    typeof mobility.road === "object" && "edges" in mobility.road ? mobility.road.edges : [],
  );
  let roadKm = 0, carriagewayKm = 0;
  for (const m of net.matchAll(/<edge id="([^":]+)"[^>]*>\s*<lane [^>]*length="([\d.]+)"/g)) {
    roadKm += Number(m[2]) / 1000;
    if (carriageway.has(m[1])) carriagewayKm += Number(m[2]) / 1000;
  }
  const perStep = trace.recX.length / steps;
  console.log(
    `${mobility.trace}: ${steps} steps (${trace.timesS[0]} to ${trace.timesS[steps - 1]} s), ` +
      `${trace.ids.length} vehicles, ${perStep.toFixed(1)} on the road per step ` +
      `(${(perStep / roadKm).toFixed(1)} per km of its ${roadKm.toFixed(2)} km: carriageway ` +
      `${carriagewayKm.toFixed(2)} km, ramps ${(roadKm - carriagewayKm).toFixed(2)} km), ` +
      `mean speed ${(dist / time).toFixed(2)} m/s, ${(size / 1e6).toFixed(2)} MB`,
  );
} finally {
  await Deno.remove(cacheDir, { recursive: true });
}
