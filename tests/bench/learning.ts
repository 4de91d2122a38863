/**
 * Bench figures of the learning policies at the paper's sizes (7 agents,
 * 5 SVs so J = 6, local state of 13 values, up to 132 actions, M = 7,
 * batch 64): one training update of MAD2RL and of P-QMIX, and one slot's
 * MAD2RL decisions for all 7 agents.
 *
 * Run alone: `deno run --allow-read --allow-env tests/bench/learning.ts`.
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";
import { initBackend } from "../../policies/learning/backend.ts";
import { Learner, type LearnerConfig } from "../../policies/learning/learner.ts";
import { TwoThreadUpdate } from "../../policies/learning/parallel.ts";
import { ReplayBuffer } from "../../policies/learning/replay.ts";

const AGENTS = 7;
const NODES = 6;
const STATE = 2 * NODES + 1;
/** AlexNet (L = 11), ResNet18 (L = 12), VGG16 (L = 21): (L + 1) J actions. */
const ACTIONS = [12 * NODES, 13 * NODES, 22 * NODES];
const BATCH = 64;

export function config(agent: "mlp" | "diffusion"): LearnerConfig {
  return {
    agent,
    agents: AGENTS,
    nodes: NODES,
    stateDim: STATE,
    actionCounts: ACTIONS,
    hidden: [256, 256, 256],
    diffusion: { steps: 7, betaMin: 0.1, betaMax: 10, embedDim: 16 },
    mixEmbed: 32,
    hyperHidden: 64,
    lr: 5e-4,
    discount: 0.99,
    tau: 0.001,
    gradClip: 10,
    qHead: "softmax",
  };
}

export function filledBuffer(rng: Rng, size: number): ReplayBuffer {
  const buf = new ReplayBuffer(size, { agents: AGENTS, nodes: NODES, stateDim: STATE });
  const types = Int32Array.from({ length: AGENTS }, (_, i) => i % 3);
  for (let k = 0; k < size; k++) {
    const state = Float32Array.from({ length: AGENTS * STATE }, () => rng.next());
    const feasible = Uint8Array.from(
      { length: AGENTS * NODES },
      (_, j) => (j % NODES === 0 || rng.next() < 0.5 ? 1 : 0),
    );
    const actions = Int32Array.from(types, (t) => NODES * rng.int(ACTIONS[t] / NODES));
    buf.push({
      state,
      feasible,
      types,
      actions,
      reward: -rng.next(),
      nextState: Float32Array.from(state, (v) => v + 0.01),
      nextFeasible: feasible,
      terminal: k % 30 === 29,
    });
  }
  return buf;
}

function timeMs(fn: () => void, warmup: number, runs: number): number {
  for (let k = 0; k < warmup; k++) fn();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median milliseconds of the learning figures: `*.update_ms` with the
 * policies' default two-thread update, `*.update_1thread_ms` on one thread,
 * and `mad2rl.decide_ms` for one slot of 7 agents.
 */
export async function benchLearning(): Promise<Record<string, number>> {
  await initBackend();
  const rng = new Rng([1, 2, 3, 4]);
  const buf = filledBuffer(rng, 512);
  const out: Record<string, number> = {};
  for (const [name, kind, runs] of [["mad2rl", "diffusion", 10], ["pqmix", "mlp", 40]] as const) {
    for (const threads of [2, 1]) {
      const learner = new Learner(config(kind), 7);
      if (threads === 2) learner.parallel = new TwoThreadUpdate(learner, 7, BATCH);
      const key = threads === 2 ? `${name}.update_ms` : `${name}.update_1thread_ms`;
      out[key] = timeMs(() => learner.update(buf, BATCH, rng), 3, runs);
      if (kind === "diffusion" && threads === 1) {
        out["mad2rl.decide_ms"] = decideMs(learner, buf, rng);
      }
      learner.dispose();
    }
  }
  return out;
}

function decideMs(learner: Learner, buf: ReplayBuffer, rng: Rng): number {
  const t = buf.get(0);
  const input = learner.inputs(t.state, t.types, AGENTS);
  const mask = learner.masks(t.feasible, t.types, AGENTS);
  const A = learner.maxActions;
  return timeMs(
    () => {
      const logits = learner.act(input, mask, AGENTS, rng);
      for (let i = 0; i < AGENTS; i++) {
        let best = 0;
        for (let a = 1; a < A; a++) if (logits[i * A + a] > logits[i * A + best]) best = a;
      }
    },
    20,
    200,
  );
}

if (import.meta.main) {
  const backend = await initBackend();
  console.log(JSON.stringify({ backend, ...(await benchLearning()) }, null, 2));
}
