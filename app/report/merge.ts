/**
 * Merging experiment output folders: the cells of any number of shards or
 * machines, united by content hash. The same hash must mean the same
 * result: two files of one hash that differ (but for wall-clock metrics, which
 * differ between any two runs; the first folder's copy is kept) are an error
 * naming both.
 * Only cells the manifests list are kept (a folder may hold results of an
 * earlier version of the experiment); failed cells and cells not yet run
 * are listed. Wall-clock measurements (`decide_ms_per_slot`, `wall_s`) the
 * runner keeps in `timings/<hash>.json` join the cell's metrics.
 *
 * @module
 */
import { openSealed } from "../../engine/output/integrity.ts";
import { dirname, join } from "node:path";
import type { z } from "zod";
import { quote, UserError } from "../../engine/errors.ts";
import { isDeepStrictEqual } from "node:util";
import {
  type Cell,
  cellSchema,
  type Experiment,
  experimentSchema,
  isWallClockMetric,
  type ManifestCell,
  manifestSchema,
} from "./contract.ts";

/** The union of experiment output folders. */
export interface Merged {
  /** The folders, as given. */
  dirs: string[];
  /** The resolved experiment (the first folder's). */
  experiment: Experiment;
  /** Every cell of the manifests, in manifest order (the first folder's first). */
  manifest: ManifestCell[];
  /** The finished cells, in manifest order. */
  done: Cell[];
  /** The failed cells, in manifest order. */
  failed: Cell[];
  /** Manifest cells without a result in any folder. */
  missing: ManifestCell[];
  /** Cell files whose hash no manifest lists (left out of the report). */
  stale: string[];
}

/** What to do about a damaged file of an experiment folder. */
const REMEDY = "delete it and run the experiment again to recompute it";

/** The keys of `experiment.json` that must agree between the folders. */
const IDENTITY = ["name", "profile", "vary", "figures", "reference"] as const;

/** Reads `file` as JSON of `schema`; a user error names the file and says what is wrong. */
async function load<T>(schema: z.ZodType<T>, file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError([{ file, message: `Cannot read ${what} as the file does not exist` }]);
    }
    throw e;
  }
  const data = openSealed(text, file, REMEDY).value;
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw new UserError([{ file, message: `not ${what}: ${at}${issue.message}` }]);
}

async function checkFolder(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(`${dir}: Cannot report on the folder as it does not exist`);
    }
    throw e;
  }
  if (!info.isDirectory) {
    throw new UserError(`${dir}: Cannot report on the path as it is not a folder`);
  }
  try {
    await Deno.stat(join(dir, "experiment.json"));
  } catch {
    throw new UserError(
      `${dir}: not an experiment folder: it has no experiment.json (write one with ` +
        `\`deno task experiment FILE --out ${dir}\`)`,
    );
  }
}

function sameExperiment(a: Folder, b: Folder): void {
  for (const key of IDENTITY) {
    if (isDeepStrictEqual(a.experiment[key], b.experiment[key])) continue;
    const show = (v: unknown) => quote(JSON.stringify(v) ?? "null");
    throw new UserError([{
      file: b.experimentFile,
      message: `Cannot merge as it is another experiment than ${a.experimentFile}: ${key} is ${
        show(b.experiment[key])
      }, there ${show(a.experiment[key])}`,
    }]);
  }
}

async function cellFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(join(dir, "cells"))) {
      if (e.isFile && e.name.endsWith(".json") && !e.name.startsWith(".")) names.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort();
}

/** One folder's files, read and checked. */
interface Folder {
  experiment: Experiment;
  experimentFile: string;
  manifest: ManifestCell[];
  manifestFile: string;
  cells: { cell: Cell; file: string }[];
}

async function readFolder(dir: string): Promise<Folder> {
  await checkFolder(dir);
  const experimentFile = join(dir, "experiment.json");
  const manifestFile = join(dir, "manifest.json");
  const cells = [];
  for (const name of await cellFiles(dir)) {
    const file = join(dir, "cells", name);
    const cell = await load(cellSchema, file, "a vecscene cell");
    if (`${cell.hash}.json` !== name) {
      throw new UserError([{ file, message: `not a cell file: its hash is ${quote(cell.hash)}` }]);
    }
    cells.push({ cell, file });
  }
  return {
    experiment: await load(experimentSchema, experimentFile, "an experiment"),
    experimentFile,
    manifest: (await load(manifestSchema, manifestFile, "a manifest")).cells,
    manifestFile,
    cells,
  };
}

/** Reads and merges experiment output folders; throws a `UserError` naming the file at fault. */
export async function mergeFolders(dirs: readonly string[]): Promise<Merged> {
  if (dirs.length === 0) throw new UserError("Cannot report as no experiment folder was given");
  const folders: Folder[] = [];
  for (const dir of dirs) folders.push(await readFolder(dir));
  const first = folders[0];
  for (const f of folders.slice(1)) sameExperiment(first, f);

  const manifest = new Map<string, { cell: ManifestCell; file: string }>();
  for (const f of folders) {
    for (const cell of f.manifest) {
      const seen = manifest.get(cell.hash);
      if (!seen) manifest.set(cell.hash, { cell, file: f.manifestFile });
      else if (!isDeepStrictEqual(seen.cell, cell)) {
        conflict(cell.hash, seen.file, f.manifestFile, "manifest entries");
      }
    }
  }
  const results = new Map<string, { cell: Cell; file: string }>();
  const stale: string[] = [];
  for (const r of folders.flatMap((f) => f.cells)) {
    const seen = results.get(r.cell.hash);
    if (!manifest.has(r.cell.hash)) stale.push(r.file);
    else if (!seen) results.set(r.cell.hash, r);
    else if (!isDeepStrictEqual(identity(seen.cell), identity(r.cell))) {
      conflict(r.cell.hash, seen.file, r.file, "results");
    }
  }
  for (const r of results.values()) r.cell = await withTimings(r.cell, r.file);
  const cells = [...manifest.values()].map((m) => m.cell);
  const result = (m: ManifestCell) => results.get(m.hash)?.cell;
  return {
    dirs: [...dirs],
    experiment: first.experiment,
    manifest: cells,
    done: cells.map(result).filter((c): c is Cell => c?.status === "done"),
    failed: cells.map(result).filter((c): c is Cell => c?.status === "failed"),
    missing: cells.filter((m) => !results.has(m.hash)),
    stale,
  };
}

/**
 * The cell with the wall-clock measurements of its `timings/<hash>.json` (beside its
 * `cells/` folder) among its metrics, where the cell file does not have them.
 */
async function withTimings(cell: Cell, file: string): Promise<Cell> {
  const timing = join(dirname(dirname(file)), "timings", `${cell.hash}.json`);
  let data: unknown;
  try {
    data = JSON.parse(await Deno.readTextFile(timing));
  } catch {
    return cell; // no timings (or unreadable ones): the cell's own metrics stand
  }
  if (!data || typeof data !== "object") return cell;
  const extra = Object.entries(data).filter(([k, v]) =>
    isWallClockMetric(k) && typeof v === "number" && !(k in cell.metrics)
  );
  return extra.length
    ? { ...cell, metrics: { ...cell.metrics, ...Object.fromEntries(extra) } }
    : cell;
}

/** A cell's content without its wall-clock metrics (two runs of a cell differ only there). */
function identity(cell: Cell): Cell {
  const metrics = Object.entries(cell.metrics).filter(([k]) => !isWallClockMetric(k));
  return { ...cell, metrics: Object.fromEntries(metrics) };
}

function conflict(hash: string, a: string, b: string, what: string): never {
  throw new UserError([{
    file: b,
    message: `Cannot merge as cell ${hash} has other ${what} in ${a}: the same hash must ` +
      `mean the same result (were they written by different software versions?)`,
  }]);
}
