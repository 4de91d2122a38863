/**
 * Cutting a corridor out of an OpenStreetMap export: a chain of ways (one
 * carriageway) together with the ramps (`highway=*_link` ways) that join or
 * leave it, followed link to link, written as a smaller `.osm` file. Every
 * element is copied verbatim, so the original ids, tags and the export's
 * attribution note stay as they were (ODbL).
 *
 * @module
 */
import { TraceError } from "./trace_error.ts";

/** A node of the export. */
export interface OsmNode {
  id: string;
  lat: number;
  lon: number;
  /** The element's text, as in the export. */
  text: string;
}

/** A way of the export. */
export interface OsmWay {
  id: string;
  nodes: string[];
  tags: Record<string, string>;
  text: string;
}

/** A parsed export: its header lines, nodes and ways in file order. */
export interface OsmDoc {
  /** Everything before the first node (XML declaration, `<osm>`, note, meta, bounds). */
  head: string;
  nodes: Map<string, OsmNode>;
  ways: Map<string, OsmWay>;
}

const ELEMENT = /<(node|way|relation)\s[^>]*?(\/>|>[\s\S]*?<\/\1>)/g;
const ATTR = (name: string) => new RegExp(`\\s${name}="([^"]*)"`);

/** Parses an OpenStreetMap XML export (nodes and ways; relations are left out). */
export function parseOsm(text: string, file: string): OsmDoc {
  const nodes = new Map<string, OsmNode>();
  const ways = new Map<string, OsmWay>();
  const first = text.search(/<(node|way|relation)\s/);
  if (!/<osm[\s>]/.test(text) || first < 0) {
    throw new TraceError(file, 1, "not an OpenStreetMap export (no <osm> with nodes and ways)");
  }
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  for (const m of text.matchAll(ELEMENT)) {
    const [el, kind] = m;
    const id = ATTR("id").exec(el)?.[1];
    if (!id) throw new TraceError(file, lineOf(m.index), `a <${kind}> without an id`);
    if (kind === "node") {
      const lat = Number(ATTR("lat").exec(el)?.[1]);
      const lon = Number(ATTR("lon").exec(el)?.[1]);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
        throw new TraceError(file, lineOf(m.index), `node ${id} has no valid lat/lon`);
      }
      nodes.set(id, { id, lat, lon, text: el });
    } else if (kind === "way") {
      const refs = [...el.matchAll(/<nd\s+ref="([^"]+)"/g)].map((r) => r[1]);
      const tags: Record<string, string> = {};
      for (const t of el.matchAll(/<tag\s+k="([^"]*)"\s+v="([^"]*)"/g)) tags[t[1]] = t[2];
      ways.set(id, { id, nodes: refs, tags, text: el });
    }
  }
  return { head: text.slice(0, first), nodes, ways };
}

/** Great-circle length of a way (m), from its nodes' coordinates. */
export function wayLengthM(doc: OsmDoc, id: string): number {
  const way = doc.ways.get(id);
  if (!way) throw new RangeError(`Cannot measure way ${id} as the export has no such way`);
  let m = 0;
  for (let k = 1; k < way.nodes.length; k++) {
    const a = doc.nodes.get(way.nodes[k - 1])!;
    const b = doc.nodes.get(way.nodes[k])!;
    m += haversineM(a.lat, a.lon, b.lat, b.lon);
  }
  return m;
}

function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const R = 6_371_008.8; // mean Earth radius (m)
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

const isLink = (w: OsmWay) => /_link$/.test(w.tags.highway ?? "");

/** The corridor: the chain's ways, then every link way reached from it through shared nodes. */
export interface Corridor {
  chain: string[];
  /** Link ways, in export order. */
  ramps: string[];
}

/**
 * The ways of `chain` (checked to be consecutive: each ends where the next
 * starts) and the link ways that touch it, followed link to link until
 * they meet a way that is not a link.
 */
export function cutCorridor(doc: OsmDoc, chain: string[], file: string): Corridor {
  for (const [k, id] of chain.entries()) {
    const way = doc.ways.get(id);
    if (!way) {
      throw new TraceError(file, 0, `the export has no way ${id} (chain position ${k + 1})`);
    }
    const next = chain[k + 1] && doc.ways.get(chain[k + 1]);
    if (next && way.nodes[way.nodes.length - 1] !== next.nodes[0]) {
      throw new TraceError(file, 0, `way ${id} does not end where way ${chain[k + 1]} starts`);
    }
  }
  const byNode = new Map<string, OsmWay[]>();
  for (const w of doc.ways.values()) {
    if (!isLink(w)) continue;
    for (const n of w.nodes) {
      const list = byNode.get(n) ?? [];
      list.push(w);
      byNode.set(n, list);
    }
  }
  const taken = new Set<string>();
  const frontier = chain.flatMap((id) => doc.ways.get(id)!.nodes);
  while (frontier.length > 0) {
    for (const w of byNode.get(frontier.pop()!) ?? []) {
      if (taken.has(w.id)) continue;
      taken.add(w.id);
      frontier.push(...w.nodes);
    }
  }
  const ramps = [...doc.ways.keys()].filter((id) => taken.has(id));
  return { chain, ramps };
}

/** The `.osm` text of the corridor: the export's head, the nodes the ways use, then the ways. */
export function writeCorridor(doc: OsmDoc, corridor: Corridor): string {
  const ways = new Set([...corridor.chain, ...corridor.ramps]);
  const used = new Set<string>();
  for (const id of ways) for (const n of doc.ways.get(id)!.nodes) used.add(n);
  const lines: string[] = [doc.head.trimEnd()];
  for (const n of doc.nodes.values()) if (used.has(n.id)) lines.push(`  ${n.text}`);
  for (const w of doc.ways.values()) if (ways.has(w.id)) lines.push(`  ${w.text}`);
  lines.push("</osm>", "");
  return lines.join("\n");
}
