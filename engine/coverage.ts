/**
 * The one test of RSU coverage with several RSUs (MODEL.md E1): the
 * mobility sources (who is in the system) and the model (who may offload
 * where, where a result is delivered) must agree on it to the last bit, so
 * both call this. Squared distances: no square root, no `Math.hypot`.
 *
 * @module
 */

/** Whether the offset (dx, dy) lies within `radiusM` of the origin. */
export function withinM(dx: number, dy: number, radiusM: number): boolean {
  return dx * dx + dy * dy <= radiusM * radiusM;
}

/** The RSUs as a coverage index: which of them covers a point, in about constant time. */
export class CoverageIndex {
  readonly #cell: number;
  readonly #cells = new Map<number, number[]>();
  readonly #rsus: readonly { x: number; y: number; coverageM: number }[];

  /** Indexes `rsus` on a grid of cells as wide as the largest coverage. */
  constructor(rsus: readonly { x: number; y: number; coverageM: number }[]) {
    this.#rsus = rsus;
    this.#cell = Math.max(1, ...rsus.map((r) => r.coverageM));
    rsus.forEach((r, i) => {
      const c = this.#cell;
      for (
        let gx = Math.floor((r.x - r.coverageM) / c);
        gx <= Math.floor((r.x + r.coverageM) / c);
        gx++
      ) {
        for (
          let gy = Math.floor((r.y - r.coverageM) / c);
          gy <= Math.floor((r.y + r.coverageM) / c);
          gy++
        ) {
          const key = this.#key(gx, gy);
          const list = this.#cells.get(key);
          if (list) list.push(i);
          else this.#cells.set(key, [i]);
        }
      }
    });
  }

  #key(gx: number, gy: number): number {
    // Cells near the origin fold into a small integer, which a Map hashes fastest.
    if (gx >= -0x2000 && gx < 0x2000 && gy >= -0x2000 && gy < 0x2000) {
      return (gx + 0x2000) * 0x4000 + (gy + 0x2000);
    }
    return 0x10000000 + (gx + 0x2000000) * 0x4000000 + (gy + 0x2000000);
  }

  /** Whether an RSU covers (x, y) (`withinM`, as the model's test). */
  covers(x: number, y: number): boolean {
    const list = this.#cells.get(this.#key(Math.floor(x / this.#cell), Math.floor(y / this.#cell)));
    if (!list) return false;
    for (const i of list) {
      const r = this.#rsus[i];
      if (withinM(x - r.x, y - r.y, r.coverageM)) return true;
    }
    return false;
  }
}

/**
 * A37: the index of the RSU whose coverage contains RSU `i`'s (an earlier
 * one when two coincide), or -1. An RSU inside another covers no vehicle the
 * other does not.
 */
export function containingRsu(
  rsus: readonly { x: number; y: number; coverageM: number }[],
  i: number,
): number {
  const a = rsus[i];
  return rsus.findIndex((b, j) => {
    const d = Math.hypot(a.x - b.x, a.y - b.y);
    return j !== i && d + a.coverageM <= b.coverageM && (j < i || d + b.coverageM > a.coverageM);
  });
}

/**
 * Positions every `every` metres from `start`, none past `end`: `count` of
 * them when given, else as many as fit. `fit` says how many fit; the
 * positions are empty when `count` does not fit (or none does).
 */
export function spacedPositions(
  start: number,
  end: number,
  every: number,
  count?: number,
): { positions: number[]; fit: number; asked: number } {
  const fit = start > end ? 0 : Math.floor((end - start) / every + 1e-9) + 1;
  const asked = count ?? fit;
  const positions = asked > fit || fit === 0
    ? []
    : Array.from({ length: asked }, (_, k) => start + k * every);
  return { positions, fit, asked };
}
