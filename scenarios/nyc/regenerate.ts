/**
 * Regenerates the New York scenario's network and trace with SUMO from the
 * OpenStreetMap-format extract and the flows, using the `mobility.build`
 * block of scenarios/nyc.yaml (the same code path the engine uses), then
 * copies them to scenarios/nyc/fdr.net.xml and scenarios/nyc/fdr.fcd.xml and
 * prints what the trace holds.
 *
 *   SUMO_HOME=/usr/share/sumo deno run -A scenarios/nyc/regenerate.ts
 *
 * @module
 */
import { parse } from "yaml";
import { buildWithSumo, findSumo, INSTALL_HINT } from "../../engine/mobility/sumo/build.ts";
import { readFcd } from "../../engine/mobility/sumo/fcd.ts";
import { SumoMobilitySchema } from "../../engine/mobility/sumo/schema.ts";

const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const scenarioDir = here.replace(/\/nyc$/, "");
const scenario = parse(await Deno.readTextFile(`${scenarioDir}/nyc.yaml`));
const mobility = SumoMobilitySchema.parse(scenario.mobility);
if (mobility.build === undefined) throw new Error("scenarios/nyc.yaml has no mobility.build");

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
  const tidy = (text: string) =>
    text.replaceAll(cacheDir, "<cache>").replaceAll(scenarioDir, "scenarios");
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
  console.log(
    `${mobility.trace}: ${steps} steps (${trace.timesS[0]} to ${trace.timesS[steps - 1]} s), ` +
      `${trace.ids.length} vehicles, ${
        (trace.recX.length / steps).toFixed(1)
      } on the road per step, ` +
      `mean speed ${(dist / time).toFixed(2)} m/s, ${(size / 1e6).toFixed(2)} MB`,
  );
} finally {
  await Deno.remove(cacheDir, { recursive: true });
}
