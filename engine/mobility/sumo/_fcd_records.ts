/**
 * The columns an FCD trace is read into, and the interning of vehicle ids.
 *
 * @module
 */
import { attrText, Column, f64, i32, parseDecimal } from "./_fcd_bytes.ts";
import { indexByVehicle, type Trace } from "./trace.ts";
import { TraceError } from "./trace_error.ts";

/** Growing columns of one trace; attribute ranges come from the scanner. */
export class FcdRecords {
  readonly #times = new Column(f64(1024), f64);
  readonly #stepLine = new Column(i32(1024), i32);
  readonly #stepStart = new Column(i32(1024), i32);
  readonly #recVehicle = new Column(i32(1 << 16), i32);
  readonly #recStep = new Column(i32(1 << 16), i32);
  readonly #recX = new Column(f64(1 << 16), f64);
  readonly #recY = new Column(f64(1 << 16), f64);
  readonly #recSpeed = new Column(f64(1 << 16), f64);
  readonly #ids: string[] = [];
  readonly #types: string[] = [];
  readonly #idBytes: Uint8Array[] = [];
  readonly #lastStepOf = new Column(i32(256), i32);
  readonly #byHash = new Map<number, number>();
  readonly #byName = new Map<string, number>();

  constructor(readonly file: string) {}

  #error(line: number, message: string): TraceError {
    return new TraceError(this.file, line, message);
  }

  /** A `<timestep>` with attribute ranges `a`. */
  step(b: Uint8Array, a: Int32Array, line: number): void {
    if (a[9] < 0) throw this.#error(line, "malformed FCD: <timestep> has no time attribute");
    const t = parseDecimal(b, a[9], a[10]);
    if (!Number.isFinite(t)) {
      throw this.#error(line, `malformed FCD: time="${attrText(b, a[9], a[10])}" is not a number`);
    }
    const n = this.#times.length;
    if (n > 0 && t <= this.#times.data[n - 1]) {
      throw this.#error(
        line,
        `malformed FCD: time ${t} does not increase (previous step ${this.#times.data[n - 1]})`,
      );
    }
    this.#times.push(t);
    this.#stepLine.push(line);
    this.#stepStart.push(this.#recX.length);
  }
  /** A `<vehicle>` with attribute ranges `a`. */
  vehicle(b: Uint8Array, a: Int32Array, line: number): void {
    if (a[4] < 0) throw this.#error(line, "malformed FCD: <vehicle> has no id attribute");
    if (a[0] < 0 || a[2] < 0) {
      throw this.#error(
        line,
        "malformed FCD: <vehicle> has no x/y attributes (was the trace written with --fcd-output.geo or a reduced --fcd-output.attributes?)",
      );
    }
    const x = parseDecimal(b, a[0], a[1]);
    const y = parseDecimal(b, a[2], a[3]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw this.#error(
        line,
        `malformed FCD: x="${attrText(b, a[0], a[1])}" y="${
          attrText(b, a[2], a[3])
        }" are not numbers`,
      );
    }
    const speed = a[11] < 0 ? NaN : parseDecimal(b, a[11], a[12]);
    if (a[11] >= 0 && !Number.isFinite(speed)) {
      throw this.#error(
        line,
        `malformed FCD: speed="${attrText(b, a[11], a[12])}" is not a number`,
      );
    }
    const v = this.#intern(b, a, a[4], a[5], a[6]);
    const step = this.#times.length - 1;
    if (this.#lastStepOf.data[v] === step) {
      throw this.#error(
        line,
        `malformed FCD: vehicle '${this.#ids[v]}' appears twice in the time step at ${
          this.#times.data[step]
        } s`,
      );
    }
    this.#lastStepOf.data[v] = step;
    this.#recVehicle.push(v);
    this.#recStep.push(step);
    this.#recX.push(x);
    this.#recY.push(y);
    this.#recSpeed.push(speed);
  }
  #intern(b: Uint8Array, a: Int32Array, s: number, e: number, h: number): number {
    const v = this.#byHash.get(h);
    if (v !== undefined) {
      const known = this.#idBytes[v];
      let same = known.length === e - s;
      for (let i = 0; same && i < known.length; i++) same = known[i] === b[s + i];
      if (same) return v;
    }
    const id = attrText(b, s, e);
    const again = this.#byName.get(id);
    if (again !== undefined) return again;
    const nv = this.#ids.length;
    this.#ids.push(id);
    this.#idBytes.push(b.slice(s, e));
    this.#types.push(a[7] < 0 ? "" : attrText(b, a[7], a[8]));
    this.#lastStepOf.push(-1);
    if (v === undefined) this.#byHash.set(h, nv);
    this.#byName.set(id, nv);
    return nv;
  }
  /** The trace; `rootLine` locates a "no vehicles" error, `lastLine` ends the file. */
  finish(rootLine: number, lastLine: number): Trace {
    if (this.#recX.length === 0) {
      throw this.#error(
        rootLine,
        `no vehicles: the trace has ${this.#times.length} time steps but no <vehicle> records`,
      );
    }
    this.#stepStart.push(this.#recX.length);
    const recVehicle = this.#recVehicle.trimmed();
    const { vehStart, vehRec } = indexByVehicle(recVehicle, this.#ids.length);
    return {
      file: this.file,
      timesS: this.#times.trimmed(),
      stepLine: this.#stepLine.trimmed(),
      stepStart: this.#stepStart.trimmed(),
      recVehicle,
      recStep: this.#recStep.trimmed(),
      recX: this.#recX.trimmed(),
      recY: this.#recY.trimmed(),
      recSpeed: this.#recSpeed.trimmed(),
      ids: this.#ids,
      types: this.#types,
      vehStart,
      vehRec,
      lastLine,
    };
  }
}
