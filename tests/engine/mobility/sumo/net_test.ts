import { assertAlmostEquals, assertEquals, assertThrows } from "../../../fixtures/sumo/_assert.ts";
import { FittedAxis, PolylineAxis } from "../../../../engine/mobility/sumo/axis.ts";
import { parseFcd } from "../../../../engine/mobility/sumo/fcd.ts";
import {
  chainPolyline,
  parseNet,
  pointOnEdge,
  readNet,
} from "../../../../engine/mobility/sumo/net.ts";
import { TraceError } from "../../../../engine/mobility/sumo/trace_error.ts";

const NET = new URL("../../../fixtures/sumo/tiny.net.xml", import.meta.url).pathname;

Deno.test("net: normal edges and lane shapes, internal edges skipped", async () => {
  const net = await readNet(NET);
  assertEquals([...net.edges.keys()], ["E0", "E1"]);
  assertEquals(net.edges.get("E1"), [{ index: 0, shape: [100, 0, 100, 200], lengthM: 200 }]);
  assertEquals(net.rootLine, 3);
});

Deno.test("net: a point along an edge, offset to the right of the driving direction", async () => {
  const net = await readNet(NET);
  assertEquals(pointOnEdge(net, "E0", 50, 10), [50, -10]); // eastbound: right is south
  assertEquals(pointOnEdge(net, "E1", 50, 10), [110, 50]); // northbound: right is east
  assertEquals(pointOnEdge(net, "E1", 200, 0), [100, 200]);
  const past = assertThrows(() => pointOnEdge(net, "E1", 250, 0), TraceError);
  assertEquals(
    past.message,
    "mobility.rsu.positionM 250 m is past the end of edge 'E1' (200.00 m long)",
  );
  const typo = assertThrows(() => pointOnEdge(net, "E2", 5, 0), TraceError);
  assertEquals(
    typo.format(),
    `${NET}:3: mobility.rsu.edge 'E2' is not an edge of this network; did you mean 'E0'?`,
  );
});

Deno.test("net: malformed XML is reported with line and column", () => {
  const e = assertThrows(
    () => parseNet('<net>\n  <edge id="E0">\n</net>\n', "bad.net.xml"),
    TraceError,
  );
  assertEquals([e.file, e.line], ["bad.net.xml", 3]);
  assertEquals(e.message.startsWith("malformed network XML: "), true, e.message);
  const notNet = assertThrows(() => parseNet("<routes/>", "r.xml"), TraceError);
  assertEquals(notNet.message, "not a SUMO network: no <net> root element (netconvert output)");
});

Deno.test("axis: arc length along an edge chain, 0 at the RSU's foot point", async () => {
  const net = await readNet(NET);
  const axis = new PolylineAxis(chainPolyline(net, ["E0", "E1"]), 50, -10);
  assertEquals([axis.fromM, axis.toM], [-50, 250]);
  assertEquals(axis.roadM(100, 50), 100); // 50 m up E1: 150 m along the chain
  assertEquals(axis.roadM(20, 3), -30);
  assertEquals(axis.roadM(-40, 0), -50); // clamped to the chain's start
});

Deno.test("axis: fitted line is oriented along the traffic", () => {
  const doc = (sign: number) =>
    `<fcd-export>${
      [0, 1, 2].map((t) =>
        `<timestep time="${t}"><vehicle id="a" x="${sign * 30 * t}" y="${
          sign * 40 * t
        }"/></timestep>`
      ).join("")
    }</fcd-export>`;
  const up = new FittedAxis(parseFcd(doc(1), "up.xml"), 0, 0);
  assertAlmostEquals(up.ux, 0.6);
  assertAlmostEquals(up.uy, 0.8);
  assertAlmostEquals(up.roadM(30, 40), 50);
  assertAlmostEquals(up.toM, 100);
  const down = new FittedAxis(parseFcd(doc(-1), "down.xml"), 0, 0);
  assertAlmostEquals(down.roadM(-30, -40), 50);
  assertAlmostEquals(down.fromM, 0);
});
