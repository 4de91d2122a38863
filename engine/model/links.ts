/**
 * The slot's links, computed once: a link's distance and rate (MODEL.md
 * eqs. (1)-(2), E3) depend on the slot (its fading counters) and on
 * positions and transmit powers, not on the decision, while a search scores
 * thousands of decisions in one slot. `sync` compares those inputs with the
 * ones the table was filled from, once per evaluation; any change forgets
 * every link. Exact by construction: a link is only ever reused for the
 * very inputs it was computed from.
 *
 * @module
 */
import type { SlotState } from "./slot.ts";

/** Distances and rates of the links (i, node) of the slot last synced. */
export class LinkTable {
  /** episode, slot, then cvX, cvY, cvTxPowerW (I each), rsuX, rsuY (R each), svX, svY (S each). */
  #seen = new Float64Array(0);
  /** Per link i J + node: the epoch its entry was computed in. */
  #stamp = new Int32Array(0);
  #epoch = 1;
  #rate = new Float64Array(0);
  #distanceM = new Float64Array(0);
  #J = 0;

  /** Makes the table describe `s`: forgets every link unless `s` has the inputs seen last. */
  sync(s: SlotState): void {
    const I = s.cvType.length, R = s.rsuX.length, S = s.svX.length;
    const J = R + S;
    const n = 2 + 3 * I + 2 * J;
    let seen = this.#seen;
    if (seen.length !== n || J !== this.#J) {
      this.#seen = seen = new Float64Array(n).fill(NaN);
      this.#J = J;
      this.#stamp = new Int32Array(I * J);
      this.#rate = new Float64Array(I * J);
      this.#distanceM = new Float64Array(I * J);
    }
    const same = seen[0] === s.episode && seen[1] === s.slot &&
      equal(seen, 2, s.cvX) && equal(seen, 2 + I, s.cvY) && equal(seen, 2 + 2 * I, s.cvTxPowerW) &&
      equal(seen, 2 + 3 * I, s.rsuX) && equal(seen, 2 + 3 * I + R, s.rsuY) &&
      equal(seen, 2 + 3 * I + 2 * R, s.svX) && equal(seen, 2 + 3 * I + 2 * R + S, s.svY);
    if (same) return;
    seen[0] = s.episode;
    seen[1] = s.slot;
    seen.set(s.cvX, 2);
    seen.set(s.cvY, 2 + I);
    seen.set(s.cvTxPowerW, 2 + 2 * I);
    seen.set(s.rsuX, 2 + 3 * I);
    seen.set(s.rsuY, 2 + 3 * I + R);
    seen.set(s.svX, 2 + 3 * I + 2 * R);
    seen.set(s.svY, 2 + 3 * I + 2 * R + S);
    // A new epoch forgets every link; stamps restart when the counter wraps.
    this.#epoch = this.#epoch === 0x7fffffff ? 1 : this.#epoch + 1;
    if (this.#epoch === 1) this.#stamp.fill(0);
  }

  /** Whether link `at` = i J + node was computed since the last change. */
  has(at: number): boolean {
    return this.#stamp[at] === this.#epoch;
  }

  /** Records link `at`'s distance and rate. */
  set(at: number, distanceM: number, rateBps: number): void {
    this.#stamp[at] = this.#epoch;
    this.#distanceM[at] = distanceM;
    this.#rate[at] = rateBps;
  }

  rateBps(at: number): number {
    return this.#rate[at];
  }

  distanceM(at: number): number {
    return this.#distanceM[at];
  }
}

/** Whether `seen` holds `from` at `at`. */
function equal(seen: Float64Array, at: number, from: ArrayLike<number>): boolean {
  for (let k = 0; k < from.length; k++) if (seen[at + k] !== from[k]) return false;
  return true;
}
