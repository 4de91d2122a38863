/**
 * Scenario text -> validated config. Parses YAML keeping source positions
 * (within the resource limits of `_yaml.ts`), validates with the schema, runs
 * the semantic checks, and reports every problem as `file:line:col: message`.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { isMap, isPair, isScalar, type Node, type Pair, type YAMLMap } from "yaml";
import { type Problem, UserError } from "../errors.ts";
import { parseScenarioYaml, readScenarioText } from "./_yaml.ts";
import { explainIssues, type PathProblem } from "./_zod_issues.ts";
import { checkScenario } from "./check.ts";
import { type Scenario, ScenarioSchema } from "./schema.ts";

/** A scenario file, parsed and validated. */
export interface LoadedScenario {
  /** The path as given and its directory (absolute). */
  file: string;
  baseDir: string;
  scenario: Scenario;
  /** Locates a path of the document, for later (policy, trace) problems. */
  locate(path: readonly (string | number)[], atKey?: boolean): Problem;
}

/** Reads and validates a scenario file; throws `UserError` listing every problem. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  return parseScenario(await readScenarioText(file), file);
}

/** Validates scenario text; `file` names it in messages and anchors relative paths. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const { doc, lineCounter, value: raw } = parseScenarioYaml(text, file);
  const at = (offset: number) => lineCounter.linePos(offset);
  const locate = (path: readonly (string | number)[], atKey = false): Problem => {
    const { line, col } = at(nodeOffset(doc.contents, path, atKey));
    return { file, line, col, message: "" };
  };
  const toProblem = (p: PathProblem): Problem => ({
    ...locate(p.path, p.atKey),
    message: p.message,
  });
  const fail = (list: PathProblem[]) => {
    const problems = list.map(toProblem);
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    return new UserError(problems);
  };

  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new UserError([{ file, line: 1, col: 1, message: "a scenario must be a YAML mapping" }]);
  }
  const parsed = ScenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw fail(explainIssues(ScenarioSchema, parsed.error.issues));
  }
  const problems = checkScenario(parsed.data);
  if (problems.length > 0) throw fail(problems);
  return { file, baseDir: dirname(resolve(file)), scenario: parsed.data, locate };
}

/** Each mapping's pairs by key, built on first use: locating many problems stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

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
function nodeOffset(root: unknown, path: readonly (string | number)[], atKey: boolean): number {
  let node = root as Node | null;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
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
      next = pair.value ?? keyNode;
      if (!pair.value) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
    } else {
      next = typeof seg === "number" ? items[seg] : undefined;
    }
    if (!next) break;
    node = next as Node;
    offset = node.range?.[0] ?? offset;
  }
  return offset;
}
