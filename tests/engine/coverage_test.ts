import assert from "node:assert/strict";
import { CoverageIndex, withinM } from "../../engine/coverage.ts";
import { Rng } from "../../engine/rng.ts";

Deno.test("the coverage index answers as a scan of every RSU with withinM", () => {
  const rng = Rng.stream(5, "coverage-test");
  const rsus = Array.from({ length: 30 }, () => ({
    x: rng.uniform(-3000, 3000),
    y: rng.uniform(-500, 500),
    coverageM: rng.uniform(50, 600),
  }));
  const index = new CoverageIndex(rsus);
  let covered = 0;
  for (let k = 0; k < 20_000; k++) {
    const x = rng.uniform(-4000, 4000), y = rng.uniform(-1200, 1200);
    const scan = rsus.some((r) => withinM(x - r.x, y - r.y, r.coverageM));
    assert.equal(index.covers(x, y), scan, `(${x}, ${y})`);
    if (scan) covered++;
  }
  assert.ok(covered > 1000 && covered < 19_000, `${covered} covered`);
  // On a coverage edge: squared distances, exactly.
  const edge = new CoverageIndex([{ x: 0, y: 0, coverageM: 5 }]);
  assert.deepEqual([edge.covers(3, 4), edge.covers(3, 4.000001)], [true, false]);
});
