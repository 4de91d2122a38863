/**
 * Reads the parts of a SUMO network (`.net.xml`) that mobility needs: the
 * lane shapes of each edge. Networks are small next to traces, so this uses
 * `xml-js` on the whole text.
 *
 * @module
 */
import { xml2js } from "xml-js";
import { readTextFile, readTextFileSync, TraceError } from "./trace_error.ts";

/** One lane: index and shape `[x0, y0, x1, y1, ...]` (m). */
export interface NetLane {
  index: number;
  shape: number[];
  lengthM: number;
}

/** A junction of the network (not internal, not a dead end): where RSUs may stand. */
export interface NetJunction {
  id: string;
  x: number;
  y: number;
  /** The number of lanes that enter it: how busy it is. */
  incomingLanes: number;
}

/** A network: its normal (non-internal) edges by id, and its junctions. */
export interface Net {
  file: string;
  edges: Map<string, NetLane[]>;
  junctions: NetJunction[];
  /** Line of the `<net>` element (for errors about the network as a whole). */
  rootLine: number;
}

type Attrs = Record<string, string | number | undefined>;
interface Elem {
  _attributes?: Attrs;
  lane?: Elem | Elem[];
  edge?: Elem | Elem[];
  junction?: Elem | Elem[];
}

const asArray = <T>(
  v: T | T[] | undefined,
): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Parses `x,y x,y ...` into a flat array. */
function parseShape(text: string, file: string, line: number): number[] {
  const out: number[] = [];
  for (const pair of text.trim().split(/\s+/)) {
    const [x, y] = pair.split(",").map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new TraceError(file, line, `malformed network: lane shape point '${pair}' is not x,y`);
    }
    out.push(x, y);
  }
  return out;
}

/** 1-based line of the first occurrence of `needle`, or 1. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) return 1;
  let line = 1;
  for (let k = 0; k < i; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** Parses network XML text. */
export function parseNet(text: string, file: string): Net {
  let doc: { net?: Elem };
  try {
    doc = xml2js(text, { compact: true, ignoreComment: true, ignoreDeclaration: true }) as {
      net?: Elem;
    };
  } catch (e) {
    // sax reports "message\nLine: n\nColumn: c\nChar: x" with 0-based line and column
    const msg = String((e as Error).message);
    const m = /Line:\s*(\d+)\s*Column:\s*(\d+)/.exec(msg);
    const first = msg.split("\n")[0];
    throw new TraceError(
      file,
      m ? Number(m[1]) + 1 : 1,
      `malformed network XML: ${first}`,
      m ? Number(m[2]) + 1 : 0,
    );
  }
  const rootLine = lineOf(text, "<net");
  if (doc.net === undefined) {
    throw new TraceError(file, 1, "not a SUMO network: no <net> root element (netconvert output)");
  }
  const edges = new Map<string, NetLane[]>();
  for (const edge of asArray(doc.net.edge)) {
    const a = edge._attributes ?? {};
    if (a.function === "internal" || a.id === undefined) continue;
    const id = String(a.id);
    const lanes = asArray(edge.lane).map((lane): NetLane => {
      const la = lane._attributes ?? {};
      const shape = parseShape(String(la.shape ?? ""), file, lineOf(text, `id="${la.id}"`));
      return { index: Number(la.index ?? 0), shape, lengthM: Number(la.length ?? 0) };
    });
    lanes.sort((p, q) => p.index - q.index);
    if (lanes.length > 0) edges.set(id, lanes);
  }
  if (edges.size === 0) {
    throw new TraceError(file, rootLine, "not a usable SUMO network: it has no edges");
  }
  const junctions: NetJunction[] = [];
  for (const j of asArray(doc.net.junction)) {
    const a = j._attributes ?? {};
    if (a.type === "internal" || a.type === "dead_end" || a.id === undefined) continue;
    const x = Number(a.x), y = Number(a.y);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const inc = String(a.incLanes ?? "").trim();
    junctions.push({
      id: String(a.id),
      x,
      y,
      incomingLanes: inc === "" ? 0 : inc.split(/\s+/).length,
    });
  }
  return { file, edges, junctions, rootLine };
}

/** Reads and parses a network file. */
export async function readNet(path: string): Promise<Net> {
  return parseNet(await readTextFile(path, "SUMO network"), path);
}

/** Reads and parses a network file, synchronously. */
export function readNetSync(path: string): Net {
  return parseNet(readTextFileSync(path, "SUMO network"), path);
}

/** Closest known names to `name` (for "did you mean"). */
export function suggest(name: string, known: Iterable<string>): string {
  let best = "";
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best === "" || bestD > Math.max(2, name.length / 2) ? "" : `; did you mean '${best}'?`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The lanes of edge `id`, or a `TraceError` naming the nearest edge. */
export function edgeLanes(net: Net, id: string, what: string): NetLane[] {
  const lanes = net.edges.get(id);
  if (lanes === undefined) {
    throw new TraceError(
      net.file,
      net.rootLine,
      `${what} '${id}' is not an edge of this network${suggest(id, net.edges.keys())}`,
    );
  }
  return lanes;
}

/**
 * The point `positionM` along lane 0 of `edge`, moved `offsetM` to the right
 * of the driving direction.
 */
export function pointOnEdge(
  net: Net,
  edge: string,
  positionM: number,
  offsetM: number,
  what = "mobility.rsu",
): [number, number] {
  const lane = edgeLanes(net, edge, `${what}.edge`)[0];
  const at = pointAlong(lane.shape, positionM, offsetM);
  if (at) return at;
  const total = lane.lengthM || polylineLengthM(lane.shape);
  throw new TraceError(
    net.file,
    net.rootLine,
    `${what}.positionM ${positionM} m is past the end of edge '${edge}' (${
      total.toFixed(2)
    } m long)`,
  );
}

/**
 * The point `positionM` along the polyline `s` (`[x0, y0, x1, y1, ...]`),
 * moved `offsetM` to the right of its direction; undefined past its end
 * (by more than 0.5 m).
 */
export function pointAlong(
  s: ArrayLike<number>,
  positionM: number,
  offsetM: number,
): [number, number] | undefined {
  let left = positionM;
  for (let i = 0; i + 3 < s.length; i += 2) {
    const dx = s[i + 2] - s[i], dy = s[i + 3] - s[i + 1];
    const len = Math.hypot(dx, dy);
    if (left <= len || i + 4 >= s.length) {
      if (left > len + 0.5) break;
      const u = len === 0 ? 0 : Math.min(left, len) / len;
      // right of direction (dx, dy) is (dy, -dx)
      return [s[i] + u * dx + (offsetM * dy) / len, s[i + 1] + u * dy - (offsetM * dx) / len];
    }
    left -= len;
  }
  return undefined;
}

/** The length (m) of the polyline `s`. */
export function polylineLengthM(s: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i + 3 < s.length; i += 2) {
    total += Math.hypot(s[i + 2] - s[i], s[i + 3] - s[i + 1]);
  }
  return total;
}

/** The distance (m) from (x, y) to the nearest lane of the network. */
export function distanceToNetM(net: Net, x: number, y: number): number {
  let best = Infinity;
  for (const lanes of net.edges.values()) {
    for (const lane of lanes) {
      const p = lane.shape;
      for (let i = 0; i + 3 < p.length; i += 2) {
        const dx = p[i + 2] - p[i], dy = p[i + 3] - p[i + 1];
        const len2 = dx * dx + dy * dy;
        const u = len2 === 0
          ? 0
          : Math.min(1, Math.max(0, ((x - p[i]) * dx + (y - p[i + 1]) * dy) / len2));
        best = Math.min(best, Math.hypot(p[i] + u * dx - x, p[i + 1] + u * dy - y));
      }
    }
  }
  return best;
}

/** The centre-line polyline of an edge chain: each edge's middle lane, joined in order. */
export function chainPolyline(net: Net, edges: readonly string[]): number[] {
  const out: number[] = [];
  for (const id of edges) {
    const lanes = edgeLanes(net, id, "mobility.road.edges entry");
    out.push(...lanes[Math.floor((lanes.length - 1) / 2)].shape);
  }
  return out;
}
