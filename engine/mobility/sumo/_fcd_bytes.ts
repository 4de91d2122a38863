/**
 * Byte-level helpers of the FCD reader: character codes, growable typed
 * columns, attribute text and decimal parsing straight from UTF-8 bytes.
 *
 * @module
 */

export const LT = 60, GT = 62, SLASH = 47, QUOTE = 34, APOS = 39, EQ = 61, NL = 10;
export const BANG = 33, QMARK = 63, DASH = 45, MINUS = 45, PLUS = 43, DOT = 46;
export const K_OTHER = 0, K_ROOT = 1, K_STEP = 2, K_VEHICLE = 3;

/** Growable typed column. */
export class Column<T extends Float64Array | Int32Array> {
  length = 0;
  constructor(public data: T, private readonly make: (n: number) => T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  trimmed(): T {
    return this.data.slice(0, this.length) as T;
  }
}
export const f64 = (n: number) => new Float64Array(n);
export const i32 = (n: number) => new Int32Array(n);

export const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;
export const utf8 = new TextDecoder();

/** Decodes an attribute value, resolving the five predefined XML entities. */
export function attrText(b: Uint8Array, s: number, e: number): string {
  const text = utf8.decode(b.subarray(s, e));
  if (!text.includes("&")) return text;
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, ent: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (ent in named) return named[ent];
    return String.fromCodePoint(
      ent[1] === "x" ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10),
    );
  });
}

/**
 * Parses a decimal number from bytes. Up to 15 significant digits without an
 * exponent it computes `(int * 10^f + frac) / 10^f` in doubles, which is
 * exactly what `parseFloat` returns (both operands are exact); anything else
 * goes through `parseFloat`. Returns NaN for a malformed number.
 */
export function parseDecimal(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === MINUS) {
    neg = true;
    i++;
  } else if (b[i] === PLUS) i++;
  let mant = 0;
  let scale = 1;
  let digits = 0;
  let c = 0;
  while (i < e && (c = b[i] - 48) >= 0 && c <= 9) {
    mant = mant * 10 + c;
    digits++;
    i++;
  }
  if (i < e && b[i] === DOT) {
    i++;
    while (i < e && (c = b[i] - 48) >= 0 && c <= 9) {
      mant = mant * 10 + c;
      scale *= 10;
      digits++;
      i++;
    }
  }
  if (i === e && digits > 0 && digits <= 15) return neg ? -mant / scale : mant / scale;
  const text = utf8.decode(b.subarray(s, e)).trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? parseFloat(text) : NaN;
}
