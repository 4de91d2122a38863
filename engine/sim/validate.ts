/**
 * Every decision a policy returns is copied into the engine's own arrays
 * (each value read once, so a getter or a later write cannot change what
 * was checked) and checked against the engine's state, not the copy the
 * policy saw, before the engine applies it. A decision is whole numbers:
 * the copy is float64, so that a fraction (1.5, 1 + 1e-9) is refused, not
 * truncated as it goes into the engine's int32 arrays. Only a source that
 * can hold a fraction (a plain array, a float typed array) is looked at for
 * one, so that an Int32Array decision costs nothing more.
 *
 * @module
 */
import type { Decision } from "../model/slot.ts";
import type { Observation } from "./observation.ts";

/** The engine's copy of a decision: one entry per CV. */
export class DecisionBuffer implements Decision {
  readonly partition: Int32Array;
  readonly target: Int32Array;
  readonly #rawPartition: Float64Array;
  readonly #rawTarget: Float64Array;

  constructor(cvs: number) {
    this.partition = new Int32Array(cvs);
    this.target = new Int32Array(cvs);
    this.#rawPartition = new Float64Array(cvs);
    this.#rawTarget = new Float64Array(cvs);
  }

  /**
   * Copies `d` in and checks it against `obs` (an observation of the
   * engine's state); returns the first problem, or undefined when it is valid.
   */
  take(d: unknown, obs: Observation): string | undefined {
    if (typeof d !== "object" || d === null) {
      return `decide() returned ${d === null ? "null" : typeof d}, not { partition, target }`;
    }
    const I = obs.cvCount;
    const raw = { partition: this.#rawPartition, target: this.#rawTarget };
    let fractions = false;
    for (const name of ["partition", "target"] as const) {
      const arr = (d as Partial<Record<string, unknown>>)[name] as ArrayLike<unknown> | undefined;
      if (!arr || typeof arr !== "object" || typeof arr.length !== "number") {
        return `decide() returned no "${name}" array`;
      }
      if (arr.length !== I) {
        return `"${name}" has ${arr.length} entries for ${I} client vehicles; give exactly one per CV`;
      }
      const out = raw[name];
      const bigint = arr instanceof BigInt64Array || arr instanceof BigUint64Array;
      if (ArrayBuffer.isView(arr) && !(arr instanceof DataView) && !bigint) {
        out.set(arr as unknown as ArrayLike<number>); // a typed array holds numbers: one native copy
        fractions ||= !holdsIntegers(arr);
        continue;
      }
      fractions = true;
      for (let i = 0; i < I; i++) {
        const x = arr[i];
        if (typeof x !== "number") {
          return `"${name}" of cv${i + 1} is ${
            typeof x === "string" ? JSON.stringify(x.slice(0, 20)) : typeof x
          }, not a number`;
        }
        out[i] = x;
      }
    }
    const problem = decisionProblem(raw, obs) ??
      (fractions ? fractionProblem(raw, obs) : undefined);
    if (problem) return problem;
    this.partition.set(raw.partition);
    this.target.set(raw.target);
    return undefined;
  }
}

/** Whether a typed array holds integers only. */
function holdsIntegers(a: ArrayBufferView): boolean {
  return a instanceof Int32Array || a instanceof Uint8Array || a instanceof Int16Array ||
    a instanceof Uint16Array || a instanceof Int8Array || a instanceof Uint32Array ||
    a instanceof Uint8ClampedArray;
}

/**
 * The first value of an inactive CV that is not a whole number, or
 * undefined: an inactive CV's values are free, but whole numbers all the
 * same (the active CVs' were checked with their ranges).
 */
function fractionProblem(d: Decision, obs: Observation): string | undefined {
  const active = obs.state.cvActive;
  for (const name of ["partition", "target"] as const) {
    const values = d[name];
    for (let i = 0; i < obs.cvCount; i++) {
      if (!active[i] && !Number.isInteger(values[i])) {
        return `cv${i + 1} (inactive this slot) got ${name} ${
          values[i]
        }; it must be a whole number`;
      }
    }
  }
  return undefined;
}

/** The first problem with the values of `d` in this slot (inactive CVs are free), or undefined. */
function decisionProblem(d: Decision, obs: Observation): string | undefined {
  const { partition, target } = d;
  const I = obs.cvCount;
  const J = obs.nodeCount;
  const active = obs.state.cvActive;
  for (let i = 0; i < I; i++) {
    if (!active[i]) continue;
    const phi = partition[i];
    const node = target[i];
    const t = obs.table(i);
    if (!Number.isInteger(phi) || phi < 1 || phi > t.L + 1) {
      return `cv${
        i + 1
      } (${t.name}, L = ${t.L}) got partition ${phi}; it must be an integer in 1..${t.L + 1}`;
    }
    const R = obs.rsuCount;
    if (!Number.isInteger(node) || node < 0 || node >= J) {
      return R === 1
        ? `cv${i + 1} got target ${node}; it must be 0 (RSU) or an SV number in 1..${J - 1}`
        : `cv${i + 1} got target ${node}; it must be an RSU in 0..${R - 1} or an SV in ` +
          `${R}..${J - 1}`;
    }
    if (phi <= t.L && !obs.feasible(i, node)) {
      const far = obs.distanceM(i, node).toFixed(1);
      return node < R
        ? `cv${i + 1} offloads to RSU ${node}, ${far} m away, outside its coverage ` +
          `(${obs.state.rsuCoverageM[node]} m)`
        : `cv${i + 1} offloads to sv${node - R + 1}, ${far} m away, beyond the V2V range or ` +
          "not present";
    }
  }
  return undefined;
}
