/**
 * The error a bad trace, network or SUMO run raises: a user error with a
 * location, reported by the CLI as `file:line: message` with exit code 2.
 *
 * @module
 */

/** A user error in a SUMO input file, located at `file:line[:col]`. */
export class TraceError extends Error {
  override name = "TraceError";

  /**
   * @param file the file as the user named it (joined with the scenario directory)
   * @param line 1-based line; 0 when the error has no line (a missing file)
   * @param message what is wrong, and a hint where one helps
   * @param col 1-based column, 0 when unknown
   */
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
    readonly col = 0,
  ) {
    super(message);
  }

  /** `file:line:col: message`, dropping a zero column or line. */
  format(): string {
    const where = this.line > 0
      ? `${this.file}:${this.line}${this.col > 0 ? `:${this.col}` : ""}`
      : this.file;
    return `${where}: ${this.message}`;
  }
}

/** Reads a whole text file, turning a missing file into a `TraceError`. */
export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw fileError(e, path, what);
  }
}

/** Reads a whole text file synchronously, turning a missing file into a `TraceError`. */
export function readTextFileSync(path: string, what: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    throw fileError(e, path, what);
  }
}

/** Maps a filesystem error on `path` to a `TraceError`; rethrows anything else. */
export function fileError(e: unknown, path: string, what: string): Error {
  if (e instanceof Deno.errors.NotFound) {
    return new TraceError(path, 0, `Cannot read the ${what} as the file does not exist`);
  }
  if (e instanceof Deno.errors.IsADirectory) {
    return new TraceError(path, 0, `Cannot read the ${what} as it is a directory`);
  }
  if (e instanceof Deno.errors.PermissionDenied) {
    return new TraceError(path, 0, `Cannot read the ${what} as permission is denied`);
  }
  return e instanceof Error ? e : new Error(String(e));
}
