/**
 * Paths are data: a path a user writes, as a key of a scenario or an
 * experiment or as a CLI flag, is checked before it is used. A NUL byte or
 * a control character (U+0000-U+001F, U+007F, U+0080-U+009F) names no file
 * a user means, and the file system refuses a NUL with a `TypeError`. In a
 * path read from a file, U+FFFD is refused too: the config readers decode
 * bytes that are not UTF-8 as U+FFFD, the replacement character, so the
 * path would name another file than the one the text meant. (A U+FFFD the
 * file writes as valid UTF-8 is refused alike: no file name carries it on
 * purpose.) A flag is a JavaScript string and cannot hold invalid UTF-8.
 *
 * The scenario and experiment schemas add {@linkcode pathCheck} to every
 * path-valued key, so that the issue formatter (`issues.ts`) words the
 * problem at that key and `locate.ts` places it at the key's value.
 *
 * @example
 * ```ts
 * import { pathFault } from "./path.ts";
 *
 * console.assert(pathFault("nyc/fdr.net.xml") === undefined);
 * console.assert(
 *   pathFault("nyc/fd\0r.net.xml") === "a path must not contain a NUL byte (at character 7)",
 * );
 * console.assert(pathFault("a\ufffd", { fromFile: false }) === undefined);
 * ```
 *
 * @module
 */
import { z } from "zod";

/** How messages name a policy reference, a `use:` value or a `--policy` flag. */
export const POLICY_REF = "a policy id or module path";

/** How {@linkcode pathFault} reads a path. */
export interface PathFaultOptions {
  /** The value's name in the message (default `"a path"`). */
  what?: string;
  /** Read from a file, where U+FFFD stands for bytes that are not UTF-8 (default true). */
  fromFile?: boolean;
}

/** The control characters (Cc: U+0000-U+001F, U+007F-U+009F); U+FFFD too, read from a file. */
const IN_FLAG = /\p{Cc}/u;
const IN_FILE = /[\p{Cc}\ufffd]/u;

/**
 * Why `path` cannot be used as a path, worded for a message (`a path must
 * not contain a NUL byte (at character 7)`); undefined when it can. The
 * position counts characters (code points) from 1.
 */
export function pathFault(path: string, o: PathFaultOptions = {}): string | undefined {
  const found = (o.fromFile ?? true ? IN_FILE : IN_FLAG).exec(path);
  if (!found) return undefined;
  const what = o.what ?? "a path";
  const at = [...path.slice(0, found.index)].length + 1;
  const c = found[0];
  if (c === "\0") return `${what} must not contain a NUL byte (at character ${at})`;
  if (c === "\ufffd") {
    return `${what} must not contain invalid UTF-8: the file has bytes there that are not ` +
      `UTF-8 (at character ${at}, read as U+FFFD)`;
  }
  const code = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  return `${what} must not contain a control character (U+${code} at character ${at})`;
}

/**
 * The zod check of a path-valued key of a config schema:
 * `z.string().max(4096).check(pathCheck())`. It adds a custom issue at the
 * key, which the issue formatter words as `net: a path must not ...`; it
 * leaves the schema's JSON Schema as it is.
 */
export function pathCheck(what?: string): z.core.$ZodCheck<string> {
  return z.superRefine((value: string, ctx) => {
    const fault = pathFault(value, { what });
    if (fault !== undefined) ctx.addIssue({ code: "custom", message: fault, input: value });
  });
}
