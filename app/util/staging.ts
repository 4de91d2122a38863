/**
 * All-or-nothing results: a run writes into a staging folder beside the
 * output folder and swaps it in only when every policy has finished, so a
 * failed run leaves the earlier results byte-identical. The failed run's
 * partial results are kept beside it (`<out>.failed/`) for inspection.
 *
 * The swap replaces the output folder whole, so it is refused up front when
 * the folder holds anything that is not a vecscene result (a user's own
 * files are never deleted).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../../engine/errors.ts";

/** The files a run writes into an output folder (and into each policy's subfolder). */
const RESULT_FILES = new Set([
  "summary.json",
  "comparison.csv",
  "slots.csv",
  "queues.csv",
  "steps.csv",
  "vehicles.csv",
]);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Entries of `dir` that are not results of an earlier run. */
async function foreignEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && RESULT_FILES.has(e.name)) continue;
    if (e.isFile && /^\.[0-9a-f-]{36}\.tmp$/.test(e.name)) continue; // an interrupted write
    if (e.isDirectory && (await exists(join(dir, e.name, "summary.json")))) {
      const inner = await foreignEntries(join(dir, e.name));
      if (inner.length === 0) continue;
    }
    out.push(e.name);
  }
  return out;
}

/** A staging folder for a run's results. */
export interface Stage {
  /** Where the run writes. */
  dir: string;
  /** Replaces the output folder with the staged results. */
  publish(): Promise<void>;
  /** Keeps the staged (partial) results as `<out>.failed`; returns that path. */
  keepFailed(): Promise<string>;
  /** Whether the output folder held earlier results. */
  readonly existed: boolean;
}

/** Prepares staging for `outDir`; refuses an output folder that holds other files. */
export async function stage(outDir: string): Promise<Stage> {
  const out = resolve(outDir);
  const parent = dirname(out);
  const name = basename(out);
  if (await exists(out)) {
    const stat = await Deno.stat(out);
    if (!stat.isDirectory) {
      throw new UserError(`output ${outDir}: it is a file, not a folder; choose another --out`);
    }
    const foreign = await foreignEntries(out);
    if (foreign.length > 0) {
      const n = foreign.length;
      const listed = foreign.slice(0, 3).join(", ") + (n > 3 ? ", ..." : "");
      throw new UserError(
        `output ${outDir}: it holds ${n} ${
          n === 1 ? "entry that is not a vecscene result" : "entries that are not vecscene results"
        } ` +
          `(${listed}); a run replaces its output folder whole: choose an empty or new folder with --out`,
      );
    }
  }
  try {
    await Deno.mkdir(parent, { recursive: true });
  } catch (e) {
    throw new UserError(`output ${outDir}: cannot create its folder: ${(e as Error).message}`);
  }
  const dir = await Deno.makeTempDir({ dir: parent, prefix: `.${name}.staging-` });
  const existed = await exists(out);
  return {
    dir,
    existed,
    async publish() {
      const old = `${dir}.old`;
      const had = await exists(out);
      if (had) await Deno.rename(out, old);
      await Deno.rename(dir, out);
      if (had) await Deno.remove(old, { recursive: true });
    },
    async keepFailed() {
      const failed = `${out}.failed`;
      await Deno.remove(failed, { recursive: true }).catch(() => {});
      await Deno.rename(dir, failed);
      return failed;
    },
  };
}
