/**
 * Zod issues as path problems: the document's root is named as the caller
 * says (a scenario's "scenario", an experiment's "the experiment"), keys
 * below it by their own name, with did-you-mean hints.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { explainIssues, keysAt, type PathProblem } from "../../../engine/config/issues.ts";

const Doc = z.strictObject({
  name: z.string(),
  list: z.array(z.strictObject({ x: z.number().min(0) })),
  nested: z.strictObject({ depth: z.number() }).optional(),
});

/** The problems of `value` against `schema`, the document named `documentName`. */
function problems(schema: z.ZodType, value: unknown, documentName: string): PathProblem[] {
  const parsed = schema.safeParse(value, { reportInput: true });
  assert.ok(!parsed.success);
  return explainIssues(schema, parsed.error.issues, { documentName });
}

Deno.test("an unknown key at the root is named after the document", () => {
  const value = { name: "a", list: [], lst: 1 };
  const hint = ' (did you mean "list"?)';
  assert.deepEqual(problems(Doc, value, "scenario"), [
    { path: ["lst"], atKey: true, message: `unknown key "lst" in scenario${hint}` },
  ]);
  assert.deepEqual(problems(Doc, value, "the experiment"), [
    { path: ["lst"], atKey: true, message: `unknown key "lst" in the experiment${hint}` },
  ]);
});

Deno.test("below the root, keys are named by themselves whatever the document", () => {
  const value = { name: "a", list: [{ x: -1, zzz: 2 }], nested: { depht: 3 } };
  for (const documentName of ["scenario", "the experiment"]) {
    assert.deepEqual(problems(Doc, value, documentName), [
      { path: ["list", 0, "x"], message: "x must be >= 0 (got -1)" },
      { path: ["list", 0, "zzz"], atKey: true, message: 'unknown key "zzz" in list[0]' },
      { path: ["nested", "depth"], message: 'missing required key "depth"' },
      {
        path: ["nested", "depht"],
        atKey: true,
        message: 'unknown key "depht" in nested (did you mean "depth"?)',
      },
    ]);
  }
});

Deno.test("a list at the root is named after the document with its index", () => {
  const List = z.array(z.strictObject({ x: z.number() }));
  const value = [{ x: 1 }, { x: 2, zzz: 3 }];
  assert.deepEqual(problems(List, value, "scenario"), [
    { path: [1, "zzz"], atKey: true, message: 'unknown key "zzz" in scenario[1]' },
  ]);
  assert.deepEqual(problems(List, value, "the experiment"), [
    { path: [1, "zzz"], atKey: true, message: 'unknown key "zzz" in the experiment[1]' },
  ]);
});

Deno.test("keysAt lists the keys a schema accepts at a path", () => {
  assert.deepEqual(keysAt(Doc, []), ["name", "list", "nested"]);
  assert.deepEqual(keysAt(Doc, ["list", 0]), ["x"]);
  assert.deepEqual(keysAt(Doc, ["nested"]), ["depth"]);
  assert.deepEqual(keysAt(Doc, ["name"]), []);
});
