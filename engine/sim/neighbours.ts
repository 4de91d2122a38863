/**
 * A uniform-grid spatial index over service vehicles, so that finding the
 * SVs within the V2V range of every client costs O(I + S) per slot rather
 * than O(I * S). A few SVs (up to {@linkcode LINEAR_MAX}) are scanned
 * directly instead: nine cell look-ups cost more than checking them all.
 *
 * @module
 */

/** Up to this many SVs, a query checks every SV rather than the grid's cells. */
export const LINEAR_MAX = 16;

/** SV neighbour lists within a fixed radius, rebuilt once per slot. */
export class NeighbourIndex {
  readonly #radius: number;
  #cells = new Map<number, number[]>();
  #pool: number[][] = [];
  #x: ArrayLike<number> = new Float64Array(0);
  #y: ArrayLike<number> = new Float64Array(0);
  #active: ArrayLike<number> | undefined;
  #linear = true;
  readonly #out: number[] = [];
  /** The node number of SV 0: R, the number of RSUs (nodes 0..R-1). */
  readonly #first: number;

  constructor(radiusM: number, rsus = 1) {
    this.#radius = radiusM;
    this.#first = rsus;
  }

  #key(cx: number, cy: number): number {
    // Cells near the origin (|c| < 2^13 cells) fold into a small integer, which a Map
    // hashes fastest; farther ones into a safe integer above that range (26 bits each).
    if (cx >= -0x2000 && cx < 0x2000 && cy >= -0x2000 && cy < 0x2000) {
      return (cx + 0x2000) * 0x4000 + (cy + 0x2000);
    }
    return 0x10000000 + (cx + 0x2000000) * 0x4000000 + (cy + 0x2000000);
  }

  /** Indexes the SV positions of this slot; SVs with `active[s] = 0` are left out. */
  rebuild(svX: ArrayLike<number>, svY: ArrayLike<number>, active?: ArrayLike<number>): void {
    this.#x = svX;
    this.#y = svY;
    this.#active = active;
    this.#linear = svX.length <= LINEAR_MAX;
    if (this.#linear) return;
    for (const list of this.#cells.values()) {
      list.length = 0;
      this.#pool.push(list);
    }
    this.#cells.clear();
    const r = this.#radius;
    for (let s = 0; s < svX.length; s++) {
      if (active && !active[s]) continue;
      const k = this.#key(Math.floor(svX[s] / r), Math.floor(svY[s] / r));
      let list = this.#cells.get(k);
      if (!list) {
        list = this.#pool.pop() ?? [];
        this.#cells.set(k, list);
      }
      list.push(s);
    }
  }

  /**
   * Sets `mask[s] = 1` for every SV node s (R + the SV's 0-based index) within the radius of
   * (x, y) and leaves the other entries as they are: the node mask (A10)
   * without building a list (an array's length changes cost more than the
   * scan at a few SVs).
   */
  mark(x: number, y: number, mask: Uint8Array): void {
    const r = this.#radius;
    if (this.#linear) {
      const active = this.#active;
      const first = this.#first;
      for (let s = 0; s < this.#x.length; s++) {
        if (active && !active[s]) continue;
        const dx = this.#x[s] - x;
        const dy = this.#y[s] - y;
        if (dx * dx + dy * dy <= r * r) mask[s + first] = 1;
      }
      return;
    }
    for (const s of this.query(x, y)) mask[s] = 1;
  }

  /**
   * SV nodes (R + the SV's 0-based index; with one RSU node s is SV s) within the radius of (x, y), in
   * ascending order. The returned array is reused by the next call.
   */
  query(x: number, y: number): readonly number[] {
    const r = this.#radius;
    const out = this.#out;
    const first = this.#first;
    if (this.#linear) {
      const active = this.#active;
      let k = 0;
      for (let s = 0; s < this.#x.length; s++) {
        if (active && !active[s]) continue;
        const dx = this.#x[s] - x;
        const dy = this.#y[s] - y;
        if (dx * dx + dy * dy <= r * r) out[k++] = s + first;
      }
      if (out.length !== k) out.length = k;
      return out; // ascending already
    }
    out.length = 0;
    const cx = Math.floor(x / r);
    const cy = Math.floor(y / r);
    for (let gx = cx - 1; gx <= cx + 1; gx++) {
      for (let gy = cy - 1; gy <= cy + 1; gy++) {
        const list = this.#cells.get(this.#key(gx, gy));
        if (!list) continue;
        for (const s of list) {
          const dx = this.#x[s] - x;
          const dy = this.#y[s] - y;
          if (dx * dx + dy * dy <= r * r) out.push(s + first);
        }
      }
    }
    // Ascending by insertion: the lists are short, and a comparator sort costs more.
    for (let k = 1; k < out.length; k++) {
      const v = out[k];
      let m = k - 1;
      for (; m >= 0 && out[m] > v; m--) out[m + 1] = out[m];
      out[m + 1] = v;
    }
    return out;
  }
}
