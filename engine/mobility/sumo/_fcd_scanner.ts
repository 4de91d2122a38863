/**
 * The XML side of the FCD reader: finds tags in byte chunks, counts lines,
 * keeps the element stack (so truncation and mismatched tags are caught),
 * and hands `<timestep>` and `<vehicle>` attributes to `FcdRecords`.
 *
 * @module
 */
import {
  APOS,
  BANG,
  DASH,
  EQ,
  GT,
  isSpace,
  K_OTHER,
  K_ROOT,
  K_STEP,
  K_VEHICLE,
  LT,
  NL,
  QMARK,
  QUOTE,
  SLASH,
  utf8,
} from "./_fcd_bytes.ts";
import { FcdRecords } from "./_fcd_records.ts";
import type { Trace } from "./trace.ts";
import { TraceError } from "./trace_error.ts";

/** The incremental scanner; feed it buffers with `scan`, then call `finish`. */
export class FcdScanner {
  line = 1;
  #root = false;
  #rootClosed = false;
  #rootLine = 0;
  readonly #stackKind: number[] = [];
  readonly #stackName: string[] = [];
  readonly #stackLine: number[] = [];
  // attribute ranges of the tag being read: [start, end, hash]
  #a = new Int32Array(13);

  readonly #records: FcdRecords;

  constructor(readonly file: string) {
    this.#records = new FcdRecords(file);
  }

  #error(line: number, message: string): TraceError {
    return new TraceError(this.file, line, message);
  }

  /**
   * Consumes complete markup in `b[pos, len)` and returns the offset of the
   * first byte not consumed (the start of an incomplete tag). With `eof`,
   * an incomplete tag is a truncation error.
   */
  scan(b: Uint8Array, pos: number, len: number, eof: boolean): number {
    while (true) {
      let i = pos;
      while (i < len && b[i] !== LT) {
        if (b[i] === NL) this.line++;
        i++;
      }
      if (i >= len) return len;
      const end = this.#tag(b, i, len);
      if (end < 0) {
        if (eof) {
          throw this.#error(
            this.line,
            "truncated XML: the file ends inside a tag that starts on this line",
          );
        }
        return i;
      }
      pos = end;
    }
  }

  /** Reads one tag starting at `s` ('<'); returns the offset after '>' or -1. */
  #tag(b: Uint8Array, s: number, len: number): number {
    if (s + 1 >= len) return -1;
    const c = b[s + 1];
    if (c === QMARK || c === BANG) return this.#special(b, s, len);
    if (c === SLASH) return this.#closeTag(b, s, len);
    let i = s + 1;
    while (i < len && !isSpace(b[i]) && b[i] !== GT && b[i] !== SLASH) i++;
    if (i >= len) return -1;
    const kind = this.#kindOf(b, s + 1, i);
    const a = this.#a;
    a.fill(-1);
    let nl = 0;
    let selfClosing = false;
    while (true) {
      while (i < len && isSpace(b[i])) {
        if (b[i] === NL) nl++;
        i++;
      }
      if (i >= len) return -1;
      const ch = b[i];
      if (ch === GT) {
        i++;
        break;
      }
      if (ch === SLASH) {
        if (i + 1 >= len) return -1;
        if (b[i + 1] !== GT) {
          throw this.#error(this.line + nl, "malformed tag: '/' not followed by '>'");
        }
        selfClosing = true;
        i += 2;
        break;
      }
      const ns = i;
      while (i < len && b[i] !== EQ && !isSpace(b[i]) && b[i] !== GT && b[i] !== SLASH) i++;
      const ne = i;
      while (i < len && isSpace(b[i])) {
        if (b[i] === NL) nl++;
        i++;
      }
      if (i >= len) return -1;
      if (b[i] !== EQ || ne === ns) {
        throw this.#error(this.line + nl, 'malformed attribute: expected name="value"');
      }
      i++;
      while (i < len && isSpace(b[i])) i++;
      if (i >= len) return -1;
      const q = b[i];
      if (q !== QUOTE && q !== APOS) {
        throw this.#error(this.line + nl, "malformed attribute: value is not quoted");
      }
      const vs = ++i;
      let h = 0x811c9dc5;
      while (i < len && b[i] !== q) {
        h = Math.imul(h ^ b[i], 0x01000193);
        i++;
      }
      if (i >= len) return -1;
      this.#attr(kind, b, ns, ne, vs, i, h);
      i++;
    }
    this.#open(kind, b, s, selfClosing);
    this.line += nl;
    return i;
  }

  /** Which element a name is: only the three FCD elements matter. */
  #kindOf(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n === 7 && b[s] === 118 && b[s + 1] === 101 && b[s + 6] === 101) return K_VEHICLE; // vehicle
    if (n === 8 && b[s] === 116 && b[s + 4] === 115 && b[s + 7] === 112) return K_STEP; // timestep
    if (n === 10 && b[s] === 102 && b[s + 3] === DASH && b[s + 9] === 116) return K_ROOT; // fcd-export
    return K_OTHER;
  }

  /** Records the value range of an attribute the engine reads. */
  #attr(kind: number, b: Uint8Array, ns: number, ne: number, vs: number, ve: number, h: number) {
    const n = ne - ns;
    const a = this.#a;
    if (kind === K_VEHICLE) {
      if (n === 1) {
        if (b[ns] === 120) (a[0] = vs), (a[1] = ve); // x
        else if (b[ns] === 121) (a[2] = vs), (a[3] = ve); // y
      } else if (n === 2 && b[ns] === 105 && b[ns + 1] === 100) { // id
        a[4] = vs;
        a[5] = ve;
        a[6] = h;
      } else if (n === 4 && b[ns] === 116 && b[ns + 1] === 121) (a[7] = vs), (a[8] = ve); // type
      else if (n === 5 && b[ns] === 115 && b[ns + 1] === 112) (a[11] = vs), (a[12] = ve); // speed
    } else if (kind === K_STEP && n === 4 && b[ns] === 116 && b[ns + 1] === 105) {
      a[9] = vs; // time
      a[10] = ve;
    }
  }

  /** Acts on a complete start tag. */
  #open(kind: number, b: Uint8Array, s: number, selfClosing: boolean): void {
    const line = this.line;
    const top = this.#stackKind.length === 0 ? -1 : this.#stackKind[this.#stackKind.length - 1];
    if (!this.#root) {
      if (kind !== K_ROOT) {
        throw this.#error(
          line,
          `not an FCD trace: the root element is <${
            this.#nameAt(b, s)
          }>, expected <fcd-export> (sumo --fcd-output)`,
        );
      }
    } else if (this.#rootClosed) {
      throw this.#error(line, "malformed XML: markup after the closing </fcd-export>");
    }
    if (kind === K_VEHICLE) {
      if (top !== K_STEP) throw this.#error(line, "malformed FCD: <vehicle> outside a <timestep>");
      this.#records.vehicle(b, this.#a, line);
    } else if (kind === K_STEP) {
      if (top !== K_ROOT) {
        throw this.#error(line, "malformed FCD: <timestep> must be a child of <fcd-export>");
      }
      this.#records.step(b, this.#a, line);
    } else if (kind === K_ROOT) {
      if (this.#root) throw this.#error(line, "malformed FCD: nested <fcd-export>");
      this.#root = true;
      this.#rootLine = line;
    }
    if (!selfClosing) {
      this.#stackKind.push(kind);
      this.#stackName.push(kind === K_OTHER ? this.#nameAt(b, s) : "");
      this.#stackLine.push(line);
    } else if (kind === K_ROOT) this.#rootClosed = true;
  }

  #nameAt(b: Uint8Array, s: number): string {
    let e = s + 1;
    while (e < b.length && !isSpace(b[e]) && b[e] !== GT && b[e] !== SLASH) e++;
    return utf8.decode(b.subarray(s + 1, e));
  }

  #closeTag(b: Uint8Array, s: number, len: number): number {
    let i = s + 2;
    while (i < len && !isSpace(b[i]) && b[i] !== GT) i++;
    const ne = i;
    let nl = 0;
    while (i < len && b[i] !== GT) {
      if (b[i] === NL) nl++;
      i++;
    }
    if (i >= len) return -1;
    const name = utf8.decode(b.subarray(s + 2, ne));
    const kind = this.#kindOf(b, s + 2, ne);
    const depth = this.#stackKind.length;
    if (depth === 0) throw this.#error(this.line, `malformed XML: </${name}> closes nothing`);
    const openKind = this.#stackKind[depth - 1];
    const openName = this.#stackName[depth - 1];
    if (openKind !== kind || (kind === K_OTHER && openName !== name)) {
      const open = openKind === K_OTHER
        ? openName
        : ["", "fcd-export", "timestep", "vehicle"][openKind];
      throw this.#error(
        this.line,
        `malformed XML: </${name}> does not close <${open}> opened on line ${
          this.#stackLine[depth - 1]
        }`,
      );
    }
    this.#stackKind.pop();
    this.#stackName.pop();
    this.#stackLine.pop();
    if (kind === K_ROOT) this.#rootClosed = true;
    this.line += nl;
    return i + 1;
  }

  /** Skips `<?...?>`, `<!--...-->`, `<![CDATA[...]]>` and `<!DOCTYPE ...>`. */
  #special(b: Uint8Array, s: number, len: number): number {
    let terminator: number[];
    if (b[s + 1] === QMARK) terminator = [QMARK, GT];
    else if (s + 3 >= len) return -1;
    else if (b[s + 2] === DASH && b[s + 3] === DASH) terminator = [DASH, DASH, GT];
    else if (b[s + 2] === 91) terminator = [93, 93, GT]; // <![CDATA[ ... ]]>
    else terminator = [GT];
    let nl = 0;
    for (let i = s + 2; i + terminator.length <= len; i++) {
      if (b[i] === NL) nl++;
      let hit = true;
      for (let k = 0; hit && k < terminator.length; k++) hit = b[i + k] === terminator[k];
      if (hit) {
        this.line += nl;
        return i + terminator.length;
      }
    }
    return -1;
  }

  /** Checks the end of the document and returns the trace. */
  finish(): Trace {
    const depth = this.#stackKind.length;
    if (!this.#root) {
      throw this.#error(
        this.line,
        "not an FCD trace: the file has no <fcd-export> element (empty or not XML)",
      );
    }
    if (depth > 0) {
      const k = this.#stackKind[depth - 1];
      const name = k === K_OTHER
        ? this.#stackName[depth - 1]
        : ["", "fcd-export", "timestep", "vehicle"][k];
      throw this.#error(
        this.line,
        `truncated XML: the file ends inside <${name}> opened on line ${
          this.#stackLine[depth - 1]
        } (was SUMO stopped before it finished writing?)`,
      );
    }
    return this.#records.finish(this.#rootLine, this.line);
  }
}
