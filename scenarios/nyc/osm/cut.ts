/**
 * Cuts the northbound FDR Drive corridor out of the Midtown Manhattan
 * export: the five ways of the carriageway (OSM ways 960097006 -> 32939512
 * -> 32939513 (the tunnel under the UN) -> 32939514 -> 34769017) with every
 * on- and off-ramp joined to them, link to link (engine/mobility/sumo/osm.ts),
 * into `fdr-north.osm`, and prints the ways with their lengths.
 *
 *   deno run -A scenarios/nyc/osm/cut.ts
 *
 * Map data (c) OpenStreetMap contributors, ODbL 1.0 (see README.md here).
 *
 * @module
 */
import {
  cutCorridor,
  parseOsm,
  wayLengthM,
  writeCorridor,
} from "../../../engine/mobility/sumo/osm.ts";

/** The northbound carriageway, in driving order. */
export const FDR_NORTH = ["960097006", "32939512", "32939513", "32939514", "34769017"];

const here = new URL(".", import.meta.url).pathname;
const source = `${here}manhattan-midtown.osm`;

/** The corridor's `.osm` text and a line per way (id, kind, length, name). */
export async function cutFdrNorth(): Promise<{ osm: string; lines: string[] }> {
  const doc = parseOsm(await Deno.readTextFile(source), source);
  const corridor = cutCorridor(doc, FDR_NORTH, source);
  const line = (id: string, kind: string) => {
    const w = doc.ways.get(id)!;
    const name = w.tags.name ?? w.tags.destination ?? "";
    return `${kind.padEnd(8)} way ${id.padEnd(10)} ${
      wayLengthM(doc, id).toFixed(1).padStart(7)
    } m  ` +
      `${w.tags.highway}${w.tags.tunnel === "yes" ? " (tunnel)" : ""}  ${name}`;
  };
  return {
    osm: writeCorridor(doc, corridor),
    lines: [
      ...corridor.chain.map((id) => line(id, "road")),
      ...corridor.ramps.map((id) => line(id, "ramp")),
    ],
  };
}

if (import.meta.main) {
  const { osm, lines } = await cutFdrNorth();
  await Deno.writeTextFile(`${here}fdr-north.osm`, osm);
  for (const l of lines) console.log(l);
  console.log(`wrote ${here}fdr-north.osm (${osm.length} bytes)`);
}
