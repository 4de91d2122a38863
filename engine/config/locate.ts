/**
 * Where a path of a config document is written: the one locator of the
 * problems of scenarios and experiments. Each mapping's pairs are indexed by
 * key on first use, so that locating many problems stays linear.
 *
 * @module
 */
import { isMap, isPair, isScalar, type Node, type Pair, type YAMLMap } from "yaml";
import type { ConfigYaml } from "./yaml.ts";

/** A path of keys and list indices into a document: `["policies", 0, "use"]`. */
export type ConfigPath = readonly (string | number)[];

/** A place in a config file: 1-based line and column. */
export interface Location {
  file: string;
  line: number;
  col: number;
}

/**
 * Where `path` is written in `yaml`: the start of its value, or of its key
 * when `atKey` (an unknown key); the deepest node of the path that exists
 * when the rest is missing.
 *
 * @example
 * ```ts
 * import { parseConfigYaml } from "./yaml.ts";
 * import { locatePath } from "./locate.ts";
 *
 * const yaml = parseConfigYaml("a:\n  - b: 1\n", "x.yaml");
 * const at = locatePath(yaml, ["a", 0, "b"]);
 * console.assert(at.file === "x.yaml" && at.line === 2 && at.col === 8);
 * console.assert(locatePath(yaml, ["a", 0, "b"], true).col === 5);
 * ```
 */
export function locatePath(
  yaml: Pick<ConfigYaml, "file" | "doc" | "lineCounter">,
  path: ConfigPath,
  atKey = false,
): Location {
  const { line, col } = yaml.lineCounter.linePos(nodeOffset(yaml.doc.contents, path, atKey));
  return { file: yaml.file, line, col };
}

/** Each mapping's pairs by key, built on first use. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

/** The first pair of `map` with the scalar key `key`. */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) {
        index.set(String(p.key.value), p);
      }
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

/** Offset of the deepest node along `path` (the key itself when `atKey`). */
function nodeOffset(root: unknown, path: ConfigPath, atKey: boolean): number {
  let node = root as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (!node || !("items" in node)) break;
    const seg = path[i];
    const items = (node as { items: unknown[] }).items;
    let next: unknown;
    if (isMap(node)) {
      const pair = pairOf(node, String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (i === path.length - 1 && atKey) return keyNode.range?.[0] ?? offset;
      if (!pair.value) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      next = pair.value;
    } else {
      next = typeof seg === "number" ? items[seg] : undefined;
    }
    if (!next) break;
    node = next as Node;
    offset = node.range?.[0] ?? offset;
  }
  return offset;
}
