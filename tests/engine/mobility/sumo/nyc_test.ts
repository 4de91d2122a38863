import { assertAlmostEquals, assertEquals } from "../../../fixtures/sumo/_assert.ts";
import { parse } from "yaml";
import { createSumoMobility } from "../../../../engine/mobility/sumo/factory.ts";
import { SumoMobilitySchema } from "../../../../engine/mobility/sumo/schema.ts";
import type { PositionBuffers } from "../../../../engine/mobility/types.ts";
import { Rng } from "../../../../engine/rng.ts";

const SCENARIOS = new URL("../../../../scenarios", import.meta.url).pathname;

Deno.test("nyc: the committed trace of the real FDR Drive gives the paper's setting", async () => {
  const s = parse(await Deno.readTextFile(`${SCENARIOS}/nyc.yaml`));
  const config = SumoMobilitySchema.parse(s.mobility);
  const I = s.vehicles.clients.count, J = s.vehicles.services.count, T = s.time.slots;
  assertEquals([I, J, T, s.time.slotS, s.lyapunov.V], [7, 5, 30, 1, 10]);
  const src = await createSumoMobility(config, {
    baseDir: SCENARIOS,
    cvCount: I,
    svCount: J,
    slots: T,
    tauS: s.time.slotS,
    episodes: s.time.episodes,
    rsus: { kind: "one", coverageM: s.rsu.coverageM },
    seed: s.seed,
  });
  assertEquals(src.log, [
    `sumo: using the shipped trace ${SCENARIOS}/nyc/fdr.fcd.xml (build.prefer: shipped)`,
  ]);
  // the RSU is mid-segment on the 1829 m northbound carriageway (9 edges of 5 OSM ways)
  assertAlmostEquals(src.roadFromM, -958.7, 0.1);
  assertAlmostEquals(src.roadToM, 870.5, 0.1);
  const b: PositionBuffers = {
    cvX: new Float64Array(I),
    cvY: new Float64Array(I),
    cvRoadM: new Float64Array(I),
    cvSpeedMps: new Float64Array(I),
    svX: new Float64Array(J),
    svY: new Float64Array(J),
    svRoadM: new Float64Array(J),
    svSpeedMps: new Float64Array(J),
    cvActive: new Uint8Array(I),
    svActive: new Uint8Array(J),
  };
  let travelled = 0;
  for (let e = 0; e < 5; e++) {
    const ep = src.episode(e, Rng.stream(s.seed, "mobility", e));
    ep.positions(0, b);
    const start = [...b.cvRoadM, ...b.svRoadM];
    // roles.startRoadM: the group starts 200-700 m upstream of the RSU
    assertEquals(start.every((r) => r >= -700 && r <= -200), true, `${start}`);
    for (let slot = 0; slot < T; slot++) {
      ep.positions(slot, b);
      // eligible: staying: nobody leaves during an episode, and all are within coverage
      assertEquals([...b.cvActive, ...b.svActive].every((a) => a === 1), true);
      for (let k = 0; k < I; k++) {
        const d = Math.hypot(b.cvX[k] - src.rsuX, b.cvY[k] - src.rsuY);
        assertEquals(d <= s.rsu.coverageM, true);
      }
    }
    [...b.cvRoadM, ...b.svRoadM].forEach((r, k) => (travelled += r - start[k]));
  }
  // MODEL.md section 3: vehicles average 25 m/s
  const meanSpeed = travelled / (5 * (I + J) * (T - 1) * s.time.slotS);
  assertEquals(meanSpeed > 22 && meanSpeed < 28, true, `mean speed ${meanSpeed} m/s`);
});
