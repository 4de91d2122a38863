/**
 * Config YAML (scenarios, experiments) with resource limits: the one reader
 * of the files a user writes. A config is a few KB: longer text is refused
 * before it is parsed, duplicate keys are found in linear time (the
 * `yaml` package's own check is quadratic in the keys of a mapping), and
 * aliases may stand for at most {@linkcode MAX_ALIAS_NODES} nodes in all, so
 * that an alias bomb ("billion laughs") is refused before it is expanded;
 * there may be at most {@linkcode MAX_ALIASES} of them.
 * Every refusal is a located `UserError` (worded for a scenario, the commonest
 * config). `locatePath` of `locate.ts` finds where a path of the parsed
 * document is written.
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import { type Problem, quote, shorten, UserError } from "../errors.ts";

/**
 * The longest config text (bytes of a file, characters of a string). The
 * `yaml` package parses a few hundred thousand tokens a second, so the worst
 * text of this length is still refused or accepted well within a second.
 */
export const MAX_CONFIG_BYTES = 128 * 1024;

/** The most aliases a document may hold (`yaml` resolves each in time linear in their number). */
export const MAX_ALIASES = 1000;

/** The most YAML nodes all aliases of a document may stand for together. */
export const MAX_ALIAS_NODES = 10_000;

/** A parsed config document and its line index. */
export interface ConfigYaml {
  /** The file as messages name it. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain data (`{}` for an empty document). */
  value: unknown;
}

/**
 * Reads at most {@linkcode MAX_CONFIG_BYTES} (plus one) bytes of `file`;
 * throws `UserError`. Bytes that are not UTF-8 read as U+FFFD, the
 * replacement character, which the path check (`path.ts`) refuses in a path.
 */
export async function readConfigText(file: string): Promise<string> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(file);
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    const buf = new Uint8Array(MAX_CONFIG_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const got = await f.read(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    if (n > MAX_CONFIG_BYTES) {
      throw tooLong(file, new TextDecoder().decode(buf.subarray(0, MAX_CONFIG_BYTES)));
    }
    return new TextDecoder().decode(buf.subarray(0, n));
  } catch (e) {
    throw e instanceof UserError ? e : cannotRead(file, e);
  } finally {
    f.close();
  }
}

function cannotRead(file: string, e: unknown): UserError {
  const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
  return new UserError([{ file, message: `cannot read scenario: ${why}` }]);
}

/** The refusal of over-long text, located where the limit is crossed. */
function tooLong(file: string, head: string): UserError {
  const cut = Math.min(head.length, MAX_CONFIG_BYTES);
  const lastBreak = head.lastIndexOf("\n", cut - 1);
  let line = 1;
  for (let i = head.indexOf("\n"); i !== -1 && i < cut; i = head.indexOf("\n", i + 1)) line++;
  return new UserError([{
    file,
    line,
    col: cut - lastBreak,
    message: `the scenario is longer than the limit of ${MAX_CONFIG_BYTES / 1024} KiB, ` +
      "reached here; a scenario is a few KB (traces, networks and plugins live in files " +
      "of their own)",
  }]);
}

/** Parses config text within the limits; throws `UserError` listing the problems. */
export function parseConfigYaml(text: string, file: string): ConfigYaml {
  if (text.length > MAX_CONFIG_BYTES) throw tooLong(file, text);
  const lineCounter = new LineCounter();
  // Keys are checked for uniqueness below, in linear time.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number, message: string): Problem => ({
    file,
    ...lineCounter.linePos(offset),
    message,
  });
  if (doc.errors.length > 0) {
    throw new UserError(doc.errors.map((e) => {
      // One line of the parser's message, which may quote the text (a tag, a scalar).
      const what = shorten(
        e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""),
        200,
      );
      // The parser recurses once per level of nesting; it reports its stack running out.
      return at(
        e.pos[0],
        /Maximum call stack size exceeded/.test(what)
          ? "YAML nested too deeply: the parser ran out of stack here"
          : `YAML syntax error: ${what}`,
      );
    }));
  }
  const problems = structureProblems(doc.contents).map((p) => at(p.offset, p.message));
  if (problems.length > 0) throw new UserError(problems);
  let value: unknown;
  try {
    // The walk above bounds the expansion; the package's own guard is a second line.
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_NODES });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new UserError([at(0, `YAML error: ${shorten(e.message, 200)}`)]);
  }
  return { file, doc, lineCounter, value: value ?? {} };
}

interface OffsetProblem {
  offset: number;
  message: string;
}

/** An open collection of the walk: its children and the nodes they stand for so far. */
interface Frame {
  node: Node;
  children: Node[];
  next: number;
  size: number;
}

const startOf = (node: Node): number => node.range?.[0] ?? 0;

/**
 * Duplicate keys and alias problems of a document, in one iterative walk in
 * document order (as `yaml` resolves aliases: to the last anchor of that name
 * before the alias). `size` counts the nodes a node stands for, aliases
 * expanded; the aliases' sizes add up to at most `MAX_ALIAS_NODES`.
 */
function structureProblems(root: Node | null | undefined): OffsetProblem[] {
  if (!root) return [];
  const problems: OffsetProblem[] = [];
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  const stack: Frame[] = [];
  let aliases = 0;
  let aliased = 0;

  /** Visits `node`; returns the nodes it stands for, or -1 to stop the walk. */
  const visit = (node: Node): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const name = shorten(node.source, 40);
      if (target === undefined) {
        problems.push({
          offset: startOf(node),
          message: `YAML alias *${name} has no anchor &${name} before it`,
        });
        return -1;
      }
      if (open.has(target)) {
        problems.push({
          offset: startOf(node),
          message: `YAML alias *${name} stands for a value that contains it`,
        });
        return -1;
      }
      const size = sizes.get(target) ?? 1;
      aliased += size;
      if (++aliases > MAX_ALIASES) {
        problems.push({
          offset: startOf(node),
          message: `too many YAML aliases (more than ${MAX_ALIASES}): a scenario needs few; ` +
            "write repeated values out",
        });
        return -1;
      }
      if (aliased > MAX_ALIAS_NODES) {
        problems.push({
          offset: startOf(node),
          message: `too many YAML aliases (together they stand for more than ` +
            `${MAX_ALIAS_NODES} values): a scenario needs few; write repeated values out`,
        });
        return -1;
      }
      return size;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (!isCollection(node)) {
      sizes.set(node, 1);
      return 1;
    }
    const children: Node[] = [];
    const keys = new Set<string>();
    for (const item of node.items) {
      if (!isPair(item)) {
        if (item) children.push(item as Node);
        continue;
      }
      if (isMap(node) && isScalar(item.key)) {
        const key = String(item.key.value);
        if (keys.has(key)) {
          problems.push({
            offset: startOf(item.key),
            message: `YAML syntax error: Map keys must be unique; ${quote(key)} is repeated`,
          });
        }
        keys.add(key);
      }
      if (item.key) children.push(item.key as Node);
      if (item.value) children.push(item.value as Node);
    }
    open.add(node);
    stack.push({ node, children, next: 0, size: 1 });
    return 0;
  };

  if (visit(root) < 0) return problems;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.children.length) {
      const size = visit(top.children[top.next++]);
      if (size < 0) return problems;
      top.size += size;
      continue;
    }
    stack.pop();
    open.delete(top.node);
    sizes.set(top.node, top.size);
    if (stack.length > 0) stack[stack.length - 1].size += top.size;
  }
  return problems;
}
