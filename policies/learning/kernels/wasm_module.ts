/**
 * A minimal WebAssembly binary writer: just enough of the format (types,
 * one imported memory, functions with i32/v128 locals, structured control,
 * scalar and SIMD loads, stores and arithmetic) to generate the GEMM kernels
 * of `gemm.ts` at start-up, so the project ships no prebuilt binary and
 * needs no wasm toolchain.
 *
 * Reference: the WebAssembly core specification, binary format (section 5),
 * the fixed-width SIMD proposal and the relaxed SIMD proposal (opcodes
 * `0xfd` + LEB128).
 *
 * @module
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit values). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = new TextEncoder().encode(s);
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** SIMD opcodes used by the kernels (prefix 0xfd). */
export const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  and: 0x4e,
  f32x4Gt: 0x44,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Max: 0xe9,
  /** Relaxed SIMD: a * b + c, fused where the hardware has FMA. */
  f32x4RelaxedMadd: 0x105,
} as const;

/** Builds one function body. Locals are numbered after the parameters. */
export class Body {
  readonly bytes: number[] = [];

  get(i: number): this {
    this.bytes.push(0x20, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.bytes.push(0x21, ...uleb(i));
    return this;
  }
  tee(i: number): this {
    this.bytes.push(0x22, ...uleb(i));
    return this;
  }
  i32(n: number): this {
    this.bytes.push(0x41, ...sleb(n));
    return this;
  }
  add(): this {
    this.bytes.push(0x6a);
    return this;
  }
  sub(): this {
    this.bytes.push(0x6b);
    return this;
  }
  mul(): this {
    this.bytes.push(0x6c);
    return this;
  }
  eqz(): this {
    this.bytes.push(0x45);
    return this;
  }
  ltU(): this {
    this.bytes.push(0x49);
    return this;
  }
  leU(): this {
    this.bytes.push(0x4d);
    return this;
  }
  /** f32.load / f32.store with a static byte offset. */
  f32Load(offset = 0): this {
    this.bytes.push(0x2a, 2, ...uleb(offset));
    return this;
  }
  f32Store(offset = 0): this {
    this.bytes.push(0x38, 2, ...uleb(offset));
    return this;
  }
  /** A SIMD instruction; memory instructions take (align log2, offset). */
  simd(op: number, ...immediates: number[]): this {
    this.bytes.push(0xfd, ...uleb(op), ...immediates);
    return this;
  }
  v128Load(offset = 0): this {
    return this.simd(SIMD.load, 4, ...uleb(offset));
  }
  v128Store(offset = 0): this {
    return this.simd(SIMD.store, 4, ...uleb(offset));
  }
  v128Zero(): this {
    return this.simd(SIMD.const, ...new Array(16).fill(0));
  }
  /** `if` with no result; `then` and `otherwise` emit the two arms. */
  ifElse(then: () => void, otherwise?: () => void): this {
    this.bytes.push(0x04, 0x40);
    then();
    if (otherwise) {
      this.bytes.push(0x05);
      otherwise();
    }
    this.bytes.push(0x0b);
    return this;
  }
  /** `block` + `loop`: `body` runs, then `again` leaves an i32 that continues the loop when non-zero. */
  doWhile(body: () => void, again: () => void): this {
    this.bytes.push(0x03, 0x40);
    body();
    again();
    this.bytes.push(0x0d, 0, 0x0b);
    return this;
  }
  /** `while (cond) body`: `cond` leaves an i32. */
  whileLoop(cond: () => void, body: () => void): this {
    this.bytes.push(0x02, 0x40, 0x03, 0x40);
    cond();
    this.bytes.push(0x45, 0x0d, 1); // br_if out when !cond
    body();
    this.bytes.push(0x0c, 0, 0x0b, 0x0b);
    return this;
  }
}

/** One exported function: its i32 parameter count, extra locals and body. */
export interface FunctionDef {
  name: string;
  params: number;
  /** Extra locals as [count, type] runs, numbered after the parameters. */
  locals: [number, number][];
  body: Body;
}

/**
 * A module importing `env.memory` and exporting `fns` (each takes i32
 * parameters and returns nothing).
 */
export function moduleBytes(fns: FunctionDef[]): Uint8Array<ArrayBuffer> {
  const arities = [...new Set(fns.map((f) => f.params))];
  const types = arities.map((n) => [0x60, ...vec(new Array(n).fill([I32])), 0]);
  const code = fns.map((f) => {
    const body = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]])),
    ...section(3, vec(fns.map((f) => uleb(arities.indexOf(f.params))))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ]);
}
