/**
 * Example learning plugin: "bandit". Each client vehicle treats its
 * actions (partition point phi, node) as the arms of a bandit shared by
 * every CV of the same DNN type: it keeps the running mean of the negative
 * delay d_i(t) (eq. (19)) each arm earned, explores uniformly with
 * probability `epsilon` while training, and otherwise pulls the best
 * feasible arm. It shows the whole learning contract in a few lines:
 * `observe` collects the slot's outcomes, `update` learns from them,
 * `stats` reports, `save` / `load` write and read a checkpoint.
 *
 * Train and evaluate it with:
 *   deno task train scenarios/highway.yaml -p bandit --plugin plugins/bandit.ts -e 50 -o out/train/bandit
 *   deno task run scenarios/highway.yaml -p bandit --plugin plugins/bandit.ts --checkpoint out/train/bandit
 *
 * @module
 */
import { join } from "node:path";
import {
  actionCount,
  definePolicy,
  type EpisodeContext,
  nodeOf,
  type Observation,
  outside,
  partitionOf,
  type Rng,
  type StepResult,
} from "../mod.ts";

/** The table of a checkpoint folder, or of a training folder's `best/` (else latest) checkpoint. */
async function tableFile(dir: string): Promise<string> {
  const exists = (f: string) => Deno.stat(f).then(() => true, () => false);
  if (await exists(join(dir, "bandit.json"))) return join(dir, "bandit.json");
  if (await exists(join(dir, "best", "bandit.json"))) return join(dir, "best", "bandit.json");
  const latest = JSON.parse(await Deno.readTextFile(join(dir, "latest.json")));
  return join(dir, latest.dir, "bandit.json");
}

export default definePolicy({
  id: "bandit",
  description: "Per-DNN-type bandit over (partition, node) arms, learned from each CV's delay.",
  defaults: {
    /** Exploration rate while training. */
    epsilon: 0.1,
  },
  check: (p) => ({ epsilon: outside(p.epsilon, 0, 1) }),
  async create(params, { info, checkpoint }) {
    // value[k][a], count[k][a]: arm a = action a of the agent encoding (MODEL.md A10) of DNN type k.
    const J = info.nodeCount;
    let value = info.tables.map((t) => new Array<number>(actionCount(t.L, J)).fill(0));
    let count = info.tables.map((t) => new Array<number>(actionCount(t.L, J)).fill(0));
    let rng: Rng | undefined;
    let training = false;
    let updates = 0;
    const chosen = new Int32Array(info.cvCount);
    let pending: {
      active: Uint8Array;
      types: Int32Array;
      arms: Int32Array;
      delays: Float64Array;
    }[] = [];
    const policy = {
      reset(ctx: EpisodeContext) {
        rng = ctx.rng;
        training = ctx.training;
        pending = [];
      },
      decide(obs: Observation) {
        const partition = new Int32Array(obs.cvCount);
        const target = new Int32Array(obs.cvCount);
        for (let i = 0; i < obs.cvCount; i++) {
          const k = obs.state.cvType[i];
          const arms = value[k].length;
          // An arm that keeps the whole DNN on board offloads nothing: any node will do.
          const feasible = (a: number) =>
            partitionOf(a, J) === obs.table(i).L + 1 || obs.feasible(i, nodeOf(a, J));
          let arm = -1;
          if (training && rng && rng.next() < params.epsilon) {
            do arm = rng.int(arms); while (!feasible(arm));
          } else {
            for (let a = 0; a < arms; a++) {
              if (feasible(a) && (arm < 0 || value[k][a] > value[k][arm])) arm = a;
            }
          }
          chosen[i] = arm;
          partition[i] = partitionOf(arm, J);
          target[i] = nodeOf(arm, J);
        }
        if (training) {
          const active = Uint8Array.from(obs.state.cvActive); // an absent CV has no task
          const types = Int32Array.from(obs.state.cvType);
          pending.push({
            active,
            types,
            arms: Int32Array.from(chosen),
            delays: new Float64Array(0),
          });
        }
        return { partition, target };
      },
      observe(step: StepResult) {
        const last = pending[pending.length - 1];
        if (training && last) last.delays = Float64Array.from(step.delayS);
      },
      update() {
        let error = 0;
        let n = 0;
        for (const { active, types, arms, delays } of pending) {
          for (let i = 0; i < arms.length; i++) {
            if (!active[i]) continue;
            const [k, a] = [types[i], arms[i]];
            const delta = -delays[i] - value[k][a];
            count[k][a]++;
            value[k][a] += delta / count[k][a]; // running mean
            error += Math.abs(delta);
            n++;
          }
        }
        pending = [];
        updates++;
        return n > 0 ? { loss: error / n } : undefined;
      },
      stats: () => ({ epsilon: training ? params.epsilon : 0, updates }),
      async save(dir: string) {
        await Deno.mkdir(dir, { recursive: true });
        const file = join(dir, "bandit.json");
        await Deno.writeTextFile(`${file}.tmp`, JSON.stringify({ value, count, updates }) + "\n");
        await Deno.rename(`${file}.tmp`, file); // atomic: a crash never leaves half a table
      },
      async load(dir: string) {
        const saved = JSON.parse(await Deno.readTextFile(await tableFile(dir)));
        [value, count, updates] = [saved.value, saved.count, saved.updates];
      },
    };
    if (checkpoint) await policy.load(checkpoint);
    return policy;
  },
});
