/** Closeness checks and small constructors of the model's hand-computed tests. */
import assert from "node:assert/strict";

/** `actual` within a relative `tol` of `expected` (absolute below 1). */
export function close(actual: number, expected: number, what: string, tol = 1e-9) {
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

/** Every entry of `actual` close to `expected`'s. */
export function closeAll(actual: ArrayLike<number>, expected: number[], what: string, tol = 1e-9) {
  assert.equal(actual.length, expected.length, `${what} length`);
  expected.forEach((e, i) => close(actual[i], e, `${what}[${i}]`, tol));
}

/** A Float64Array of `xs`. */
export const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
