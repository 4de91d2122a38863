/**
 * Soak figures: a long evaluation (10,000 slots of MAD2RL decisions with
 * the shipped highway checkpoint) and 1,000 training updates of MAD2RL at
 * the paper's sizes (batch 64, two threads), each reporting the live
 * tensor count and the process's resident memory at its start and end.
 * Both stay flat when nothing leaks. Each starts after a warm-up (10
 * episodes; 100 updates), over which the allocators reach their working
 * size. `SOAK_SLOTS` and `SOAK_UPDATES` change the counts.
 *
 * @module
 */
import { playEpisode } from "../host/episode.ts";
import { instantiate } from "../host/player.ts";
import { defaultRegistry } from "../host/registry.ts";
import { resolvePolicies } from "../host/resolve.ts";
import { Rng } from "../engine/rng.ts";
import { loadScenario } from "../engine/scenario/load.ts";
import { Env } from "../engine/sim/env.ts";
import { compileWorld } from "../engine/world.ts";
import { TwoThreadUpdate } from "../policies/learning/parallel.ts";
import { initBackend, tf } from "../policies/learning/tensor/backend.ts";
import { filledBuffer, paperLearner } from "./learning.ts";

const rssMb = () => Deno.memoryUsage().rss / (1 << 20);

/** The soak figures (`soak.*`). */
export async function benchSoak(): Promise<Record<string, number>> {
  await initBackend();
  const out: Record<string, number> = {};
  // 10,000 slots of MAD2RL decisions: 334 episodes of the highway scenario's 30 slots.
  const loaded = await loadScenario(new URL("../scenarios/highway.yaml", import.meta.url).pathname);
  const [p] = await resolvePolicies(loaded, defaultRegistry(), ["mad2rl"]);
  const world = compileWorld(loaded, 3);
  const env = new Env(world);
  const player = await instantiate(p, world);
  for (let e = 1; e <= 10; e++) playEpisode(env, player, 1_000 + e); // warm-up
  out["soak.decide_tensors_start"] = tf.memory().numTensors;
  out["soak.decide_rss_mb_start"] = rssMb();
  const slots = Number(Deno.env.get("SOAK_SLOTS") ?? 10_000);
  const T = world.scenario.time.slots;
  for (let e = 1; e <= Math.ceil(slots / T); e++) playEpisode(env, player, e);
  out["soak.decide_tensors_end"] = tf.memory().numTensors;
  out["soak.decide_rss_mb_end"] = rssMb();
  player.instance.dispose?.();
  // 1,000 training updates.
  const rng = new Rng([5, 6, 7, 8]);
  const buffer = filledBuffer(rng, 512);
  const learner = paperLearner("diffusion");
  learner.parallel = new TwoThreadUpdate(learner, 7, 64);
  for (let k = 0; k < 100; k++) learner.update(buffer, 64, rng); // warm-up
  out["soak.update_tensors_start"] = tf.memory().numTensors;
  out["soak.update_rss_mb_start"] = rssMb();
  for (let k = 0; k < Number(Deno.env.get("SOAK_UPDATES") ?? 1_000); k++) {
    learner.update(buffer, 64, rng);
  }
  out["soak.update_tensors_end"] = tf.memory().numTensors;
  out["soak.update_rss_mb_end"] = rssMb();
  learner.dispose();
  return out;
}
