/**
 * Replays Python's actions through the TypeScript `openEnv` (A10 decoding by
 * `engine/sim/encoding.ts`) and prints what the engine reported, for
 * test_equality.py. Input: a JSON file {scenario, seed, episodes: [{episode,
 * actions: number[slot][cv]}]}.
 */
import { nodeOf, partitionOf } from "../../engine/sim/encoding.ts";
import { openEnv } from "../../engine/sim/env.ts";

const job = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const env = await openEnv(job.scenario, { seed: job.seed });
const J = env.info.nodeCount;
const out = [];
for (const ep of job.episodes) {
  const rec = {
    reward: [] as number[],
    delay: [] as number[][],
    cvQueue: [] as number[][],
    mask: [] as number[][][],
  };
  let obs = env.reset({ episode: ep.episode });
  for (const actions of ep.actions) {
    rec.cvQueue.push([...obs.state.cvQueueGflop]);
    rec.mask.push(Array.from({ length: obs.cvCount }, (_, i) => [...obs.actionMask(i)]));
    const partition = Int32Array.from(actions, (a: number) => partitionOf(a, J));
    const target = Int32Array.from(actions, (a: number) => nodeOf(a, J));
    const step = env.step({ partition, target });
    rec.reward.push(step.reward);
    rec.delay.push([...step.delayS]);
    obs = step.observation;
  }
  out.push(rec);
}
console.log(JSON.stringify(out));
