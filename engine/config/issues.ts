/**
 * Turns zod issues into short, human messages with did-you-mean hints, at
 * paths of the document (`locatePath` of `locate.ts` places them in its file).
 * A message names a value by its key; the document's root by the name the
 * caller gives it (`unknown key "x" in scenario`, `... in the experiment`).
 *
 * @module
 */
import type { z } from "zod";
import { didYouMean, quote, shorten } from "../errors.ts";

/** A problem at a path inside a config document. */
export interface PathProblem {
  path: (string | number)[];
  message: string;
  /** Point at the key rather than the value (unknown keys). */
  atKey?: boolean;
}

type AnySchema = z.core.$ZodType;

function defOf(s: AnySchema): Record<string, unknown> & { type: string } {
  return (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
}

/** The object keys a schema accepts at `path` (through wrappers, unions, arrays). */
export function keysAt(schema: AnySchema, path: readonly (string | number)[]): string[] {
  const out = new Set<string>();
  const walk = (s: AnySchema, rest: readonly (string | number)[]) => {
    const def = defOf(s);
    switch (def.type) {
      case "optional":
      case "default":
      case "prefault":
      case "nullable":
      case "readonly":
      case "catch":
        return walk(def.innerType as AnySchema, rest);
      case "pipe":
        return walk(def.in as AnySchema, rest);
      case "union":
        for (const o of def.options as AnySchema[]) walk(o, rest);
        return;
      case "object": {
        const shape = def.shape as Record<string, AnySchema>;
        if (rest.length === 0) Object.keys(shape).forEach((k) => out.add(k));
        else if (typeof rest[0] === "string" && shape[rest[0]]) walk(shape[rest[0]], rest.slice(1));
        return;
      }
      case "array":
        if (rest.length > 0) walk(def.element as AnySchema, rest.slice(1));
        return;
      case "tuple":
        if (rest.length > 0 && typeof rest[0] === "number") {
          const items = def.items as AnySchema[];
          if (items[rest[0]]) walk(items[rest[0]], rest.slice(1));
        }
        return;
      case "record":
        if (rest.length > 0) walk(def.valueType as AnySchema, rest.slice(1));
        return;
    }
  };
  walk(schema, path);
  return [...out];
}

/** A number as written in messages: exponent form from a million up (`1e12`, not `1000000000000`). */
function showNumber(n: number | bigint): string {
  if (typeof n === "bigint" || !Number.isFinite(n) || Math.abs(n) < 1e6) return String(n);
  return n.toExponential().replace("e+", "e");
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return quote(v);
  if (typeof v === "number") return showNumber(v);
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return shorten(String(v));
}

/**
 * The last key of a path with any trailing indices: `cpuGflops[0]`; the
 * document's name when there is no key: `scenario`, `scenario[0]`.
 */
function lastKey(path: readonly PropertyKey[], documentName: string): string {
  let i = path.length - 1;
  let suffix = "";
  while (i >= 0 && typeof path[i] === "number") suffix = `[${String(path[i--])}]` + suffix;
  return i < 0 ? `${documentName}${suffix}` : shorten(String(path[i])) + suffix;
}

type Issue = z.core.$ZodIssue & { input?: unknown };

/** The types a union's branches expected at their root, nested unions included. */
function rootKinds(errs: readonly z.core.$ZodIssue[]): string[] {
  return errs.filter((e) => e.path.length === 0).flatMap((e) =>
    e.code === "invalid_type"
      ? [e.expected as string]
      : e.code === "invalid_union"
      ? rootKinds(e.errors.flat())
      : []
  );
}

/** Whether an issue of a union's branch says the value has the wrong type altogether. */
function failsAtRoot(e: z.core.$ZodIssue): boolean {
  if (e.path.length > 0) return false;
  if (e.code === "invalid_type") return true;
  // A nested union none of whose branches takes the value's type.
  return e.code === "invalid_union" && !("discriminator" in e && e.discriminator) &&
    e.errors.length > 0 && e.errors.every((errs) => errs.some(failsAtRoot));
}

/** How messages name the document. */
export interface ExplainOptions {
  /** The document's root in messages: `"scenario"` gives `unknown key "x" in scenario`. */
  documentName: string;
}

/** Converts zod issues into path problems. */
export function explainIssues(
  schema: AnySchema,
  issues: readonly Issue[],
  options: ExplainOptions,
): PathProblem[] {
  const out: PathProblem[] = [];
  for (const issue of issues) explain(schema, options.documentName, issue, [], out);
  return out;
}

function explain(
  schema: AnySchema,
  documentName: string,
  issue: Issue,
  prefix: PropertyKey[],
  out: PathProblem[],
) {
  const keyOf = (p: readonly PropertyKey[]) => lastKey(p, documentName);
  const path = [...prefix, ...issue.path].filter((k) => typeof k !== "symbol") as (
    | string
    | number
  )[];
  switch (issue.code) {
    case "unrecognized_keys":
      for (const key of issue.keys) {
        out.push({
          path: [...path, key],
          atKey: true,
          message: `unknown key ${quote(key)} in ${keyOf(path)}${
            didYouMean(key, keysAt(schema, path))
          }`,
        });
      }
      return;
    case "invalid_type":
      if (issue.input === undefined) {
        out.push({ path, message: `missing required key "${keyOf(path)}"` });
      } else {
        out.push({ path, message: `expected ${issue.expected}, got ${show(issue.input)}` });
      }
      return;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = showNumber(small ? issue.minimum : issue.maximum);
      const op = small ? (issue.inclusive ? ">=" : ">") : (issue.inclusive ? "<=" : "<");
      const input = issue.input;
      const what = issue.origin === "array"
        ? `must have ${small ? "at least" : "at most"} ${bound} item(s)`
        : issue.origin === "string"
        ? (small && bound === "1"
          ? "must not be empty"
          : `must have ${small ? "at least" : "at most"} ${bound} characters` +
            (typeof input === "string" ? ` (got ${input.length})` : ""))
        : `must be ${op} ${bound} (got ${show(input)})`;
      out.push({ path, message: `${keyOf(path)} ${what}` });
      return;
    }
    case "invalid_key": {
      // A record key the key schema refuses (a name too long): point at the key.
      const key = String(path[path.length - 1]);
      const parent = keyOf(path.slice(0, -1));
      const long = issue.issues.find((e) => e.code === "too_big" && e.origin === "string");
      out.push({
        path,
        atKey: true,
        message: long
          ? `the key ${quote(key)} in ${parent} must have at most ${
            showNumber((long as { maximum: number }).maximum)
          } characters (got ${key.length})`
          : `the key ${quote(key)} is not allowed in ${parent}`,
      });
      return;
    }
    case "invalid_value": {
      const allowed = issue.values.map(String);
      out.push({
        path,
        message: `${keyOf(path)} must be one of ${allowed.map((v) => quote(v)).join(", ")}, ` +
          `got ${show(issue.input)}${didYouMean(String(issue.input), allowed)}`,
      });
      return;
    }
    case "invalid_union": {
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (disc) {
        const allowed = (options ?? []).map(String);
        const input = issue.input;
        const value = input && typeof input === "object" && !Array.isArray(input)
          ? (input as Record<string, unknown>)[disc]
          : input;
        out.push({
          path: path[path.length - 1] === disc ? path : [...path, disc],
          message: `unknown ${disc} ${show(value)}; expected ${
            allowed.map((a) => `"${a}"`).join(" or ")
          }` +
            didYouMean(String(value), allowed),
        });
        return;
      }
      // Report the branch that came closest: fewest issues, not failing at its root.
      const branches = issue.errors.map((errs) => ({
        errs,
        score: errs.length + (errs.some(failsAtRoot) ? 1000 : 0),
      }));
      branches.sort((a, b) => a.score - b.score);
      if (branches.length === 0 || branches[0].score >= 1000) {
        const kinds = [...new Set(rootKinds(issue.errors.flat()))];
        out.push({
          path,
          message: `${keyOf(path)}: expected ${kinds.join(" or ")}, got ${show(issue.input)}`,
        });
        return;
      }
      for (const e of branches[0].errs) explain(schema, documentName, e as Issue, path, out);
      return;
    }
    default:
      out.push({ path, message: `${keyOf(path)}: ${issue.message}` });
  }
}
