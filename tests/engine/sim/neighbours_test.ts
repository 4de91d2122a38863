import assert from "node:assert/strict";
import { Rng } from "../../../engine/rng.ts";
import { NeighbourIndex } from "../../../engine/sim/neighbours.ts";

Deno.test("neighbours and the node mask equal brute force at every size, absent SVs left out", () => {
  const r = Rng.stream(5, "nb");
  const idx = new NeighbourIndex(150);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + r.int(60);
    const x = Float64Array.from({ length: n }, () => r.uniform(-1000, 1000));
    const y = Float64Array.from({ length: n }, () => r.uniform(-300, 300));
    const active = Uint8Array.from({ length: n }, () => (r.next() < 0.8 ? 1 : 0));
    idx.rebuild(x, y, active);
    for (let q = 0; q < 20; q++) {
      const qx = r.uniform(-1100, 1100);
      const qy = r.uniform(-350, 350);
      const want: number[] = [];
      for (let s = 0; s < n; s++) {
        if (active[s] && Math.hypot(x[s] - qx, y[s] - qy) <= 150) want.push(s + 1);
      }
      assert.deepEqual([...idx.query(qx, qy)], want);
      const mask = new Uint8Array(n + 1).fill(7); // entries out of range are left as they are
      idx.mark(qx, qy, mask);
      for (let s = 1; s <= n; s++) assert.equal(mask[s], want.includes(s) ? 1 : 7);
    }
  }
});
