/**
 * Experiment figures for `deno task bench`: the quick profile of
 * experiments/fig8a.yaml (18 cells: 3 grid points x greedy, genetic, and a
 * train and an evaluation cell each of P-QMIX and MAD2RL), run from scratch
 * into a temporary folder with one worker and then with two.
 *
 * - `experiment.cells_per_s`: cells finished per second with `--jobs 1`
 *   (every cell in its own worker process, start-up included);
 * - `experiment.jobs2_speedup`: wall time with `--jobs 1` over `--jobs 2`.
 *
 * @module
 */
import { runExperiment } from "../app/experiment/run/runner.ts";

const FILE = "experiments/fig8a.yaml";
const PROFILE = "quick";

/** Runs the quick fig8a with `jobs` workers; returns the cells and the seconds. */
async function timed(jobs: number): Promise<{ cells: number; seconds: number }> {
  const out = await Deno.makeTempDir({ prefix: "vecscene-experiment-bench-" });
  try {
    const t0 = performance.now();
    const r = await runExperiment(FILE, { profile: PROFILE, out, jobs, quiet: true });
    const seconds = (performance.now() - t0) / 1000;
    if (r.failed > 0) throw new Error(`experiment bench: ${r.failed} cell(s) failed in ${out}`);
    return { cells: r.done, seconds };
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/** The two figures. */
export async function benchExperiment(): Promise<Record<string, number>> {
  const one = await timed(1);
  const two = await timed(2);
  return {
    "experiment.cells_per_s": one.cells / one.seconds,
    "experiment.jobs2_speedup": one.seconds / two.seconds,
  };
}

if (import.meta.main) console.log(JSON.stringify(await benchExperiment()));
