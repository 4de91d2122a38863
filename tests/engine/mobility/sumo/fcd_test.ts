import { assertEquals, assertThrows } from "../../../fixtures/sumo/_assert.ts";
import {
  parseDecimal,
  parseFcd,
  readFcd,
  readFcdSync,
} from "../../../../engine/mobility/sumo/fcd.ts";
import { recordAt, stepAtOrBefore } from "../../../../engine/mobility/sumo/trace.ts";
import { TraceError } from "../../../../engine/mobility/sumo/trace_error.ts";
import { TraceSampler } from "../../../../engine/mobility/sumo/_sampler.ts";

const FIXTURE = new URL("../../../fixtures/sumo/tiny.fcd.xml", import.meta.url).pathname;
const text = Deno.readTextFileSync(FIXTURE);

/** x of vehicle `id` at step `k`, or null. */
function xAt(t: ReturnType<typeof parseFcd>, id: string, k: number): number | null {
  const r = recordAt(t, t.ids.indexOf(id), k);
  return r < 0 ? null : t.recX[r];
}

Deno.test("FCD: ids, types, time steps and their lines", () => {
  const t = parseFcd(text, "tiny.fcd.xml");
  assertEquals([...t.timesS], [0, 1, 2, 3, 4, 5]);
  // 4, 4, 5, 4, 4, 4 vehicles per step, each step takes its vehicles + 2 lines
  assertEquals([...t.stepLine], [5, 11, 17, 24, 30, 36]);
  assertEquals([...t.stepStart], [0, 4, 8, 13, 17, 21, 25]);
  assertEquals(t.ids, ["a", "b", "c", "e", "d"]);
  assertEquals(t.types, ["car", "truck", "car", "bus", "car"]);
});

Deno.test("FCD: positions per vehicle and step, absent vehicles", () => {
  const t = parseFcd(text, "tiny.fcd.xml");
  assertEquals(xAt(t, "a", 3), 30);
  assertEquals(t.recY[recordAt(t, 1, 4)], 3.2);
  assertEquals(xAt(t, "b", 4), 85);
  assertEquals(xAt(t, "c", 2), -30);
  assertEquals(xAt(t, "c", 3), null); // c has left
  assertEquals(xAt(t, "d", 1), null); // d not yet there
  assertEquals(xAt(t, "d", 5), -70);
  assertEquals(t.recY[recordAt(t, t.ids.indexOf("e"), 0)], -3.2);
});

Deno.test("FCD: step lookup by time", () => {
  const t = parseFcd(text, "tiny.fcd.xml");
  assertEquals(stepAtOrBefore(t, -0.5), -1);
  assertEquals(stepAtOrBefore(t, 0), 0);
  assertEquals(stepAtOrBefore(t, 2.5), 2);
  assertEquals(stepAtOrBefore(t, 2.9999999), 3); // within 1 µs of a step counts as the step
  assertEquals(stepAtOrBefore(t, 99), 5);
});

Deno.test("FCD: streaming in tiny chunks gives the same trace as one buffer", async () => {
  const whole = parseFcd(text, FIXTURE);
  for (const chunk of [1, 7, 64, 1000]) {
    for (const t of [await readFcd(FIXTURE, chunk), readFcdSync(FIXTURE, chunk)]) {
      assertEquals([...t.recX], [...whole.recX]);
      assertEquals([...t.recVehicle], [...whole.recVehicle]);
      assertEquals([...t.stepLine], [...whole.stepLine]);
      assertEquals(t.lastLine, whole.lastLine);
    }
  }
});

Deno.test("FCD: decimal parsing matches parseFloat", () => {
  const enc = new TextEncoder();
  for (
    const s of [
      "0",
      "-0.5",
      "1234.56",
      "+7.25",
      "0.1",
      "-123456.789012",
      "1e3",
      "2.5E-2",
      "123456789012345678",
    ]
  ) {
    const b = enc.encode(s);
    assertEquals(parseDecimal(b, 0, b.length), parseFloat(s), s);
  }
  for (const s of ["", "-", "1.2.3", "abc", "1,5"]) {
    const b = enc.encode(s);
    assertEquals(Number.isNaN(parseDecimal(b, 0, b.length)), true, s);
  }
});

Deno.test("FCD: entities in ids and SUMO's geo/other elements", () => {
  const t = parseFcd(
    `<fcd-export><timestep time="0.5"><vehicle id="a&amp;b" x="1" y="2"/><person id="p" x="0" y="0"/></timestep>
<timestep time="1.5"/></fcd-export>`,
    "m.xml",
  );
  assertEquals(t.ids, ["a&b"]);
  assertEquals([...t.timesS], [0.5, 1.5]);
  assertEquals([...t.stepStart], [0, 1, 1]);
});

/** Parses `doc` and returns the TraceError's `file:line: message`. */
function traceError(doc: string): TraceError {
  return assertThrows(() => parseFcd(doc, "bad.xml"), TraceError);
}

Deno.test("FCD errors: truncated inside an element, with its line", () => {
  const cut = text.slice(0, text.indexOf('<vehicle id="b" x="45.00"'));
  const e = traceError(cut);
  assertEquals(e.line, cut.split("\n").length);
  assertEquals(
    e.message.startsWith("truncated XML: the file ends inside <timestep> opened on line 17"),
    true,
    e.message,
  );
});

Deno.test("FCD errors: truncated inside a tag", () => {
  const cut = text.slice(0, text.indexOf('y="3.20"') + 4);
  const e = traceError(cut);
  assertEquals(e.line, 7);
  assertEquals(e.message, "truncated XML: the file ends inside a tag that starts on this line");
});

Deno.test("FCD errors: truncated file read from disk in chunks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cut = text.slice(0, text.lastIndexOf("</timestep>"));
    await Deno.writeTextFile(`${dir}/cut.xml`, cut);
    const e = await readFcd(`${dir}/cut.xml`, 16).then(() => null, (err) => err);
    assertEquals(e instanceof TraceError, true);
    assertEquals(e.file, `${dir}/cut.xml`);
    assertEquals(e.line, 41);
    assertEquals(e.format().startsWith(`${dir}/cut.xml:41: truncated XML`), true, e.format());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FCD errors: no vehicles", () => {
  const e = traceError(
    '<?xml version="1.0"?>\n<fcd-export>\n  <timestep time="0.00"/>\n  <timestep time="1.00"/>\n</fcd-export>\n',
  );
  assertEquals(e.line, 2);
  assertEquals(e.message, "no vehicles: the trace has 2 time steps but no <vehicle> records");
});

Deno.test("FCD errors: empty file, wrong root, mismatched and misplaced tags", () => {
  assertEquals(
    traceError("").message.startsWith("not an FCD trace: the file has no <fcd-export>"),
    true,
  );
  const net = traceError('<?xml version="1.0"?>\n<net version="1.9">\n</net>\n');
  assertEquals([net.line, net.message.startsWith("not an FCD trace: the root element is <net>")], [
    2,
    true,
  ]);
  const mismatch = traceError('<fcd-export>\n<timestep time="0">\n</fcd-export>\n');
  assertEquals([mismatch.line, mismatch.message], [
    3,
    "malformed XML: </fcd-export> does not close <timestep> opened on line 2",
  ]);
  const outside = traceError('<fcd-export>\n<vehicle id="a" x="1" y="1"/>\n</fcd-export>');
  assertEquals([outside.line, outside.message], [
    2,
    "malformed FCD: <vehicle> outside a <timestep>",
  ]);
  const back = traceError(
    '<fcd-export>\n<timestep time="2"/>\n<timestep time="1"/>\n</fcd-export>',
  );
  assertEquals([back.line, back.message], [
    3,
    "malformed FCD: time 1 does not increase (previous step 2)",
  ]);
  const twice = traceError(
    '<fcd-export><timestep time="0">\n<vehicle id="a" x="1" y="1"/>\n<vehicle id="a" x="2" y="1"/></timestep></fcd-export>',
  );
  assertEquals(twice.line, 3);
  const geo = traceError(
    '<fcd-export><timestep time="0">\n<vehicle id="a" lon="1"/></timestep></fcd-export>',
  );
  assertEquals(geo.message.includes("no x/y attributes"), true);
  const nan = traceError(
    '<fcd-export><timestep time="0">\n<vehicle id="a" x="1,5" y="1"/></timestep></fcd-export>',
  );
  assertEquals([nan.line, nan.message], [2, 'malformed FCD: x="1,5" y="1" are not numbers']);
});

Deno.test("FCD errors: a missing file", async () => {
  const e = await readFcd("no/such/trace.fcd.xml").then(() => null, (err) => err);
  assertEquals(e instanceof TraceError, true);
  assertEquals(
    e.format(),
    "no/such/trace.fcd.xml: Cannot read the FCD trace as the file does not exist",
  );
});

Deno.test("FCD: the speed attribute is read; a trace without it gets speeds from positions", () => {
  const head = '<fcd-export>\n  <timestep time="0">\n';
  const withSpeed = parseFcd(
    head + '    <vehicle id="a" x="0" y="0" speed="12.5"/>\n  </timestep>\n</fcd-export>\n',
    "speed.xml",
  );
  assertEquals([...withSpeed.recSpeed], [12.5]);
  const bad = '    <vehicle id="a" x="0" y="0" speed="fast"/>\n  </timestep>\n</fcd-export>\n';
  assertThrows(() => parseFcd(head + bad, "bad.xml"), TraceError);
  // a: 3-4-5 triangle per 2 s step (2.5 m/s), then 10 m in 2 s; b: a single record.
  const t = parseFcd(
    '<fcd-export>\n  <timestep time="0">\n    <vehicle id="a" x="0" y="0"/>\n' +
      '    <vehicle id="b" x="7" y="7"/>\n  </timestep>\n' +
      '  <timestep time="2">\n    <vehicle id="a" x="3" y="4"/>\n  </timestep>\n' +
      '  <timestep time="4">\n    <vehicle id="a" x="13" y="4"/>\n  </timestep>\n</fcd-export>\n',
    "nospeed.xml",
  );
  assertEquals(Number.isNaN(t.recSpeed[0]), true);
  const s = new TraceSampler(t, "linear", [{ x: 0, y: 0, coverageM: 1e9 }]);
  const speedAt = (id: string, timeS: number) => {
    assertEquals(s.sample(t.ids.indexOf(id), timeS), true);
    return s.speedMps;
  };
  assertEquals(speedAt("a", 0), 2.5); // to the next record
  assertEquals(speedAt("a", 2), 5); // 10 m in the next 2 s
  assertEquals(speedAt("a", 4), 5); // the last record: from the previous one
  assertEquals(speedAt("a", 1), 3.75); // interpolated like positions
  assertEquals(speedAt("b", 0), 0); // a single record
});
