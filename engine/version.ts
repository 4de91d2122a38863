/**
 * The software version, from deno.json (bundled by `deno compile`).
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };

/** vecscene's version string. */
export const VERSION: string = meta.version;
