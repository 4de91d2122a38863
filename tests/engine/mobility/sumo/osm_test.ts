import assert from "node:assert/strict";
import { cutCorridor, parseOsm, wayLengthM } from "../../../../engine/mobility/sumo/osm.ts";
import { TraceError } from "../../../../engine/mobility/sumo/trace_error.ts";
import { cutFdrNorth, FDR_NORTH } from "../../../../scenarios/nyc/osm/cut.ts";

const DIR = new URL("../../../../scenarios/nyc/osm/", import.meta.url).pathname;

Deno.test("the committed FDR cut is what the cut of the committed export gives", async () => {
  const { osm } = await cutFdrNorth();
  assert.equal(await Deno.readTextFile(`${DIR}fdr-north.osm`), osm);
});

Deno.test("the cut holds the northbound FDR Drive's ways with their OSM ids, lengths and ramps", async () => {
  const file = `${DIR}fdr-north.osm`;
  const cut = parseOsm(await Deno.readTextFile(file), file);
  assert.match(
    cut.head,
    /The data included in this document is from www\.openstreetmap\.org\. The data is made available under ODbL\./,
  );
  const lengths = FDR_NORTH.map((id) => Math.round(wayLengthM(cut, id)));
  assert.deepEqual(lengths, [160, 359, 451, 508, 368]); // metres, great-circle along the nodes
  const total = FDR_NORTH.reduce((m, id) => m + wayLengthM(cut, id), 0);
  assert.ok(Math.abs(total - 1846) < 1, `${total} m`);
  for (const id of FDR_NORTH) {
    const w = cut.ways.get(id)!;
    assert.equal(w.tags.name, "FDR Drive");
    assert.equal(w.tags.highway, "motorway");
    assert.equal(w.tags.lanes, "3");
    assert.equal(w.tags.oneway, "yes");
  }
  assert.equal(cut.ways.get("32939513")!.tags.tunnel, "yes", "the tunnel under the UN");
  const ramps = [...cut.ways.values()].filter((w) => !FDR_NORTH.includes(w.id));
  assert.equal(ramps.length, 10);
  for (const r of ramps) assert.equal(r.tags.highway, "motorway_link", r.id);
  // Every node a way uses is in the cut, with the export's coordinates.
  const full = parseOsm(await Deno.readTextFile(`${DIR}manhattan-midtown.osm`), "export");
  for (const w of cut.ways.values()) {
    assert.equal(w.text, full.ways.get(w.id)!.text, `way ${w.id} copied verbatim`);
    for (const n of w.nodes) assert.deepEqual(cut.nodes.get(n), full.nodes.get(n));
  }
});

Deno.test("a chain with a missing or a non-consecutive way is refused, naming it", async () => {
  const file = `${DIR}fdr-north.osm`;
  const cut = parseOsm(await Deno.readTextFile(file), file);
  assert.throws(
    () => cutCorridor(cut, ["960097006", "1"], file),
    (e) => e instanceof TraceError && /no way 1 \(chain position 2\)/.test(e.message),
  );
  assert.throws(
    () => cutCorridor(cut, ["960097006", "32939513"], file),
    (e) =>
      e instanceof TraceError &&
      /way 960097006 does not end where way 32939513 starts/.test(e.message),
  );
  assert.throws(() => parseOsm("<html></html>", "x.osm"), TraceError);
});
