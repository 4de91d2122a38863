/**
 * Regenerates the Midtown scenario from the real OpenStreetMap export in
 * scenarios/nyc/osm/manhattan-midtown.osm: builds the network and the trace
 * with SUMO using the `mobility.build` block of scenarios/midtown.yaml (the
 * same code path the engine uses: netconvert, random trips, sumo), copies them
 * to scenarios/midtown/ and prints what the trace holds and where the RSUs
 * stand.
 *
 *   SUMO_HOME=/usr/share/sumo deno run -A scenarios/midtown/regenerate.ts
 *
 * @module
 */
import { parse } from "yaml";
import { buildWithSumo, findSumo, INSTALL_HINT } from "../../engine/mobility/sumo/build.ts";
import { readFcd } from "../../engine/mobility/sumo/fcd.ts";
import { SumoMobilitySchema } from "../../engine/mobility/sumo/schema.ts";
import { loadScenario } from "../../engine/scenario/load.ts";
import { compileWorld } from "../../engine/world.ts";

const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const scenarioDir = here.replace(/\/midtown$/, "");
const scenario = parse(await Deno.readTextFile(`${scenarioDir}/midtown.yaml`));
const mobility = SumoMobilitySchema.parse(scenario.mobility);
if (mobility.build === undefined) throw new Error("scenarios/midtown.yaml has no mobility.build");

const tools = findSumo();
if (typeof tools === "string") {
  console.error(`Cannot regenerate as ${tools}: ${INSTALL_HINT}`);
  Deno.exit(2);
}
const cacheDir = await Deno.makeTempDir({ prefix: "vecscene-midtown-" });
try {
  const built = buildWithSumo({ ...mobility.build, cacheDir }, { baseDir: scenarioDir }, tools);
  for (const line of built.log) console.log(line);
  // SUMO records its configuration in a header comment: drop the temporary directory from it
  const tidy = (text: string) =>
    text.replaceAll(cacheDir, "<cache>").replaceAll(scenarioDir, "scenarios")
      .replace(/\.build-[0-9a-z_]+/gi, ".build");
  for (const [from, to] of [[built.net, mobility.net!], [built.trace, mobility.trace!]]) {
    await Deno.writeTextFile(`${scenarioDir}/${to}`, tidy(await Deno.readTextFile(from)));
  }
  const trace = await readFcd(`${scenarioDir}/${mobility.trace}`);
  const steps = trace.timesS.length;
  const size = (await Deno.stat(`${scenarioDir}/${mobility.trace}`)).size;
  console.log(
    `${mobility.trace}: ${steps} steps (${trace.timesS[0]} to ${trace.timesS[steps - 1]} s), ` +
      `${trace.ids.length} vehicles, ${(trace.recX.length / steps).toFixed(1)} on the road per ` +
      `step, ${(size / 1e6).toFixed(2)} MB`,
  );
  const world = compileWorld(await loadScenario(`${scenarioDir}/midtown.yaml`));
  for (const r of world.rsus) {
    console.log(`${r.name}: (${r.x.toFixed(1)}, ${r.y.toFixed(1)}), coverage ${r.coverageM} m`);
  }
} finally {
  await Deno.remove(cacheDir, { recursive: true });
}
