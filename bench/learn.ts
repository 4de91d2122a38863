/**
 * Time to quality: `learn.seconds_to_beat_genetic` is the wall time from an
 * empty folder (recording the expert dataset, pre-training, then fine-tuning
 * in rounds, at the experiments' budget: {@linkcode RECIPE}) until MAD2RL's
 * mean task completion time on held-out highway episodes beats the paper's
 * genetic algorithm on the same episodes; `learn.pqmix_seconds_to_beat_genetic`
 * the same for P-QMIX. Both act in their default regime (`refined`). The
 * genetic reference is measured first and not counted. A policy that does
 * not get there within `MAX_ROUNDS` reports NaN.
 *
 * @module
 */
import { join } from "node:path";
import { recordExpert } from "../app/expert.ts";
import { runScenario } from "../app/run.ts";
import { train } from "../app/train.ts";
import { loadScenario } from "../engine/scenario/load.ts";

/** The experiments' budget (experiments/fig8a.yaml: 25 expert episodes, short cloning). */
export const RECIPE = {
  expert: { policy: "genetic", params: { preset: "converged" }, episodes: 25 },
  params: { pretrainSteps: 1000, mixerWarmup: 200 } as Record<string, unknown>,
  /** MAD2RL's cloning through its reverse chain. */
  mad2rl: { pretrainChain: 400 },
  /** Fine-tuning episodes per round after pre-training; evaluation every 2. */
  roundEpisodes: 2,
};

/** Held-out episodes of the check: seed 3, episodes 1..30. */
const TEST = { seed: 3, episodes: 30 };
const MAX_ROUNDS = 10;

export async function benchLearn(): Promise<Record<string, number>> {
  const loaded = await loadScenario(new URL("../scenarios/highway.yaml", import.meta.url).pathname);
  const test = async (policies: string[], checkpoint?: string) =>
    (await runScenario(loaded, { policies, checkpoint, ...TEST })).results[0].aggregates
      .meanDelayS;
  const genetic = await test(["genetic"]);
  const out: Record<string, number> = { "learn.genetic_heldout_tct_s": genetic };
  for (const policy of ["mad2rl", "pqmix"]) {
    const dir = await Deno.makeTempDir({ prefix: "vecscene-learn-" });
    try {
      const t0 = performance.now();
      await recordExpert(loaded, { ...RECIPE.expert, out: join(dir, "expert") });
      let tct = Infinity;
      for (let round = 0; round <= MAX_ROUNDS && !(tct < genetic); round++) {
        await train(loaded, {
          policy,
          episodes: round * RECIPE.roundEpisodes,
          params: { ...RECIPE.params, ...(policy === "mad2rl" ? RECIPE.mad2rl : {}) },
          out: join(dir, "train"),
          resume: round > 0,
          pretrain: join(dir, "expert"),
          evalEvery: RECIPE.roundEpisodes,
        });
        tct = await test([policy], join(dir, "train"));
      }
      const s = (performance.now() - t0) / 1000;
      const key = policy === "mad2rl" ? "learn" : "learn.pqmix";
      out[`${key}.seconds_to_beat_genetic`] = tct < genetic ? s : NaN;
      out[`${key}.heldout_tct_s`] = tct;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  return out;
}
