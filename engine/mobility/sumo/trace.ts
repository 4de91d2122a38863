/**
 * An FCD trace held in columns: one record per (time step, vehicle), kept
 * in time order, plus a per-vehicle index for lookups.
 *
 * @module
 */

/** A parsed FCD trace. */
export interface Trace {
  /** The file it came from (for error messages). */
  readonly file: string;
  /** Time of each step (s), strictly increasing. */
  readonly timesS: Float64Array;
  /** 1-based line of each `<timestep>` element. */
  readonly stepLine: Int32Array;
  /** Records of step k are `stepStart[k] .. stepStart[k+1]-1` (length steps + 1). */
  readonly stepStart: Int32Array;
  /** Per record: vehicle index, step index, position (m, SUMO's projected x/y). */
  readonly recVehicle: Int32Array;
  readonly recStep: Int32Array;
  readonly recX: Float64Array;
  readonly recY: Float64Array;
  /** Per record: the `speed` attribute (m/s), NaN where the trace has none. */
  readonly recSpeed: Float64Array;
  /** Vehicle ids and `type` attributes, by vehicle index. */
  readonly ids: readonly string[];
  readonly types: readonly string[];
  /** Records of vehicle v, in time order: `vehRec[vehStart[v] .. vehStart[v+1]-1]`. */
  readonly vehStart: Int32Array;
  readonly vehRec: Int32Array;
  /** Last line of the file. */
  readonly lastLine: number;
}

/** Number of time steps. */
export function stepCount(t: Trace): number {
  return t.timesS.length;
}

/**
 * Index of the last step whose time is <= `timeS` (within 1 µs), or -1 when
 * `timeS` precedes the trace.
 */
export function stepAtOrBefore(t: Trace, timeS: number): number {
  const times = t.timesS;
  const target = timeS + 1e-6;
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || times[0] > target) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid] <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The record of vehicle `v` at step `k`, or -1 when it is absent then. */
export function recordAt(t: Trace, v: number, k: number): number {
  let lo = t.vehStart[v];
  let hi = t.vehStart[v + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = t.vehRec[mid];
    const s = t.recStep[r];
    if (s === k) return r;
    if (s < k) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Builds the per-vehicle index (a counting sort of the time-ordered records). */
export function indexByVehicle(
  recVehicle: Int32Array,
  vehicles: number,
): { vehStart: Int32Array; vehRec: Int32Array } {
  const vehStart = new Int32Array(vehicles + 1);
  for (let r = 0; r < recVehicle.length; r++) vehStart[recVehicle[r] + 1]++;
  for (let v = 0; v < vehicles; v++) vehStart[v + 1] += vehStart[v];
  const fill = vehStart.slice(0, vehicles);
  const vehRec = new Int32Array(recVehicle.length);
  for (let r = 0; r < recVehicle.length; r++) vehRec[fill[recVehicle[r]]++] = r;
  return { vehStart, vehRec };
}
