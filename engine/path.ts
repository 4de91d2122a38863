/**
 * Path helpers shared by the engine and the CLI.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A file URL for a local path (absolute or relative to the working directory). */
export function toFileUrl(path: string): URL {
  return pathToFileURL(resolve(path));
}
