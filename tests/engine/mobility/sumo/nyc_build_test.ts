/**
 * With SUMO installed, the New York scenario's build (the `mobility.build`
 * block of scenarios/nyc.yaml, as regenerate.ts runs it) reproduces the
 * committed network and trace from the committed OSM cut, byte for byte
 * below SUMO's header comment. Skipped, saying why, without SUMO.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { buildWithSumo, findSumo } from "../../../../engine/mobility/sumo/build.ts";
import { SumoMobilitySchema } from "../../../../engine/mobility/sumo/schema.ts";

const SCENARIOS = new URL("../../../../scenarios", import.meta.url).pathname;
const tools = findSumo();
if (typeof tools === "string") console.log(`nyc_build_test: skipped as ${tools}`);

/** The file below SUMO's header comment (which holds the date and the build's paths). */
const body = (text: string) => text.slice(text.indexOf("-->") + 3);

Deno.test({
  name: "nyc: the build reproduces the committed network and trace",
  ignore: typeof tools === "string",
  async fn() {
    if (typeof tools === "string") return;
    const s = parse(await Deno.readTextFile(`${SCENARIOS}/nyc.yaml`));
    const m = SumoMobilitySchema.parse(s.mobility);
    const cacheDir = await Deno.makeTempDir({ prefix: "vecscene-nyc-build-" });
    const built = buildWithSumo({ ...m.build!, cacheDir }, { baseDir: SCENARIOS }, tools);
    const pairs: [string, string][] = [[built.net!, m.net!], [built.trace, m.trace!]];
    for (const [made, committed] of pairs) {
      const want = body(await Deno.readTextFile(`${SCENARIOS}/${committed}`));
      assert.ok(body(await Deno.readTextFile(made)) === want, `${committed} differs`);
    }
    await Deno.remove(cacheDir, { recursive: true });
  },
});
