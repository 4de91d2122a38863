import assert from "node:assert/strict";
import { z } from "zod";
import { pathCheck, pathFault } from "../../../engine/config/path.ts";

Deno.test("path check: paths a user means pass, in files and in flags", () => {
  for (
    const p of [
      "nyc/fdr.net.xml",
      "/abs/with space/x.yaml",
      "../up/é/ü/日本/😀.osm",
      "C:\\Users\\me\\x.ts",
      "a\u00a0b", // no-break space: printable, not a control character
      "",
    ]
  ) {
    assert.equal(pathFault(p), undefined, p);
    assert.equal(pathFault(p, { fromFile: false }), undefined, p);
  }
});

Deno.test("path check: a NUL byte is named with its 1-based position", () => {
  assert.equal(pathFault("\0"), "a path must not contain a NUL byte (at character 1)");
  assert.equal(
    pathFault("nyc/fd\0r.net.xml"),
    "a path must not contain a NUL byte (at character 7)",
  );
  // The position counts characters, not UTF-16 units: 😀 is one character.
  assert.equal(pathFault("😀/\0"), "a path must not contain a NUL byte (at character 3)");
  assert.equal(
    pathFault("x\0", { what: "a policy id or module path", fromFile: false }),
    "a policy id or module path must not contain a NUL byte (at character 2)",
  );
});

Deno.test("path check: every C0 control, DEL and every C1 control is refused; U+00A0 is not", () => {
  for (let c = 0; c <= 0xa0; c++) {
    const fault = pathFault(`ab${String.fromCharCode(c)}`, { fromFile: false });
    const control = c <= 0x1f || (c >= 0x7f && c <= 0x9f);
    if (!control) {
      assert.equal(fault, undefined, `U+${c.toString(16)}`);
    } else if (c === 0) {
      assert.equal(fault, "a path must not contain a NUL byte (at character 3)");
    } else {
      const code = c.toString(16).toUpperCase().padStart(4, "0");
      assert.equal(
        fault,
        `a path must not contain a control character (U+${code} at character 3)`,
      );
    }
  }
  // The first fault is the one named.
  assert.equal(
    pathFault("a\tb\0"),
    "a path must not contain a control character (U+0009 at character 2)",
  );
});

Deno.test("path check: U+FFFD is invalid UTF-8 in a file's path, a character in a flag's", () => {
  // What the config reader makes of the bytes E2 82 (a cut-off euro sign) before "r".
  const read = new TextDecoder().decode(new Uint8Array([0x66, 0x64, 0xe2, 0x82, 0x72]));
  assert.equal(read, "fd\ufffdr");
  assert.equal(
    pathFault(read),
    "a path must not contain invalid UTF-8: the file has bytes there that are not UTF-8 " +
      "(at character 3, read as U+FFFD)",
  );
  assert.equal(pathFault(read, { fromFile: false }), undefined);
});

Deno.test("path check: as a zod check it adds one custom issue at the key, and passes others", () => {
  const schema = z.object({ net: z.string().max(4096).check(pathCheck()) });
  assert.ok(schema.safeParse({ net: "a/b.xml" }).success);
  const r = schema.safeParse({ net: "a/\x01b.xml" });
  assert.ok(!r.success);
  assert.deepEqual(
    r.error.issues.map((i) => [i.code, i.path, i.message]),
    [["custom", ["net"], "a path must not contain a control character (U+0001 at character 3)"]],
  );
  // It leaves the JSON Schema as it is.
  assert.deepEqual(
    z.toJSONSchema(schema),
    z.toJSONSchema(z.object({ net: z.string().max(4096) })),
  );
});
