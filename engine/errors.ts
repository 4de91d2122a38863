/**
 * User errors: bad scenarios, traces, plugins and flags. The CLI prints
 * their message (no stack trace) and exits with code 2. Programming errors
 * still throw ordinary errors.
 *
 * @module
 */

/** One problem, located in a file when it comes from one. */
export interface Problem {
  file?: string;
  /** 1-based line and column. */
  line?: number;
  col?: number;
  message: string;
}

/** Formats a problem as `file:line:col: message`. */
export function formatProblem(p: Problem): string {
  if (!p.file) return p.message;
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}${p.col ? `:${p.col}` : ""}`;
  return `${at}: ${p.message}`;
}

/** At most this many problems are listed in an error's message (all stay in `problems`). */
export const MAX_LISTED_PROBLEMS = 50;

/** An error the user can fix; carries one or more located problems. */
export class UserError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[] | string) {
    const list = typeof problems === "string" ? [{ message: problems }] : problems;
    const lines = list.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem);
    if (list.length > MAX_LISTED_PROBLEMS) {
      lines.push(`... and ${list.length - MAX_LISTED_PROBLEMS} more problem(s)`);
    }
    super(lines.join("\n"));
    this.name = "UserError";
    this.problems = list;
  }
}

/** At most this many characters of user text are echoed in a message. */
export const MAX_ECHO = 80;

/** `text` cut to `max` characters, the cut marked with an ellipsis. */
export function shorten(text: string, max: number = MAX_ECHO): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  // Do not split a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/**
 * User text for a message: shortened to {@linkcode MAX_ECHO} characters and
 * JSON-quoted, so that control characters and line breaks stay visible and a
 * message stays on one line.
 *
 * @example
 * ```ts
 * import { quote } from "./errors.ts";
 * console.assert(quote("greedyy") === '"greedyy"');
 * console.assert(quote("x".repeat(1000)).length === 82);
 * ```
 */
export function quote(text: string, max: number = MAX_ECHO): string {
  return JSON.stringify(shorten(text, max));
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** Words longer than this are not typos of a short name: no edit-distance search. */
const MAX_TYPO_LENGTH = 64;

/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_TYPO_LENGTH) return undefined;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    // The distance is at least the difference in length: skip hopeless candidates.
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= limit ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? "" : ` (did you mean ${quote(c)}?)`;
}

/** The `code` of an error the file system raises when it cannot write (full, read-only, refused). */
const CANNOT_WRITE = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"]);

/**
 * The message of a file system error that the user fixes (a full disk, a
 * read-only or refused folder), or undefined for any other error.
 */
export function cannotWrite(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  if (
    e instanceof Deno.errors.PermissionDenied ||
    (typeof code === "string" && CANNOT_WRITE.has(code))
  ) {
    return `cannot write: ${(e as Error).message}`;
  }
  return undefined;
}
