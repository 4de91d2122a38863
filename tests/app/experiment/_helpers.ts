/**
 * Helpers of the experiment tests: experiment files in temporary folders
 * beside a copy of the small test scenario, expansion with the default
 * registry, and the cell files of an output folder as compared between runs
 * (wall-clock metrics left out).
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../../../engine/errors.ts";
import { expand, type Expansion } from "../../../app/experiment/plan/expand.ts";
import { loadExperiment } from "../../../app/experiment/plan/load.ts";
import { WALL_CLOCK_METRICS } from "../../../app/experiment/plan/metrics.ts";
import { defaultRegistry } from "../../../host/registry.ts";

/** The experiment fixtures' folder. */
export const FIXTURES = "tests/fixtures/experiments";

/** Writes `text` as `exp.yaml` beside a copy of the test scenario; returns its path. */
export async function experimentFile(text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-exp-" });
  await Deno.copyFile(join(FIXTURES, "tiny_scenario.yaml"), join(dir, "tiny_scenario.yaml"));
  const file = join(dir, "exp.yaml");
  await Deno.writeTextFile(file, text);
  return file;
}

/** Loads and expands an experiment file. */
export async function expandFile(file: string, profile?: string): Promise<Expansion> {
  return await expand(await loadExperiment(file, profile), defaultRegistry());
}

/** The problems (as printed, without the folder) of expanding `text`, or [] when it is valid. */
export async function problemsOf(text: string, profile?: string): Promise<string[]> {
  const file = await experimentFile(text);
  try {
    await expandFile(file, profile);
    return [];
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.message.split("\n").map((l) => l.replace(file, "exp.yaml"));
  }
}

/** Each cell file of `out` by name, its wall-clock metrics removed (they differ between runs). */
export async function cellFiles(out: string): Promise<Map<string, unknown>> {
  const files = new Map<string, unknown>();
  for await (const e of Deno.readDir(join(out, "cells"))) {
    const cell = JSON.parse(await Deno.readTextFile(join(out, "cells", e.name)));
    for (const m of WALL_CLOCK_METRICS) delete cell.metrics[m];
    files.set(e.name, cell);
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The attempts of a cell: header lines of its log. */
export async function attempts(out: string, hash: string): Promise<number> {
  const text = await Deno.readTextFile(join(out, "logs", `${hash}.log`)).catch(() => "");
  return text.split("\n").filter((l) => l.startsWith("== vecscene experiment cell")).length;
}
