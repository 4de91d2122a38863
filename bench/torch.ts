/**
 * The PyTorch anchor (`deno task bench --only torch.`): the project's
 * learner updates and decisions (TensorFlow.js wasm with the project's SIMD
 * kernels, `bench/learning.ts`'s learners) and the same computations in
 * PyTorch (`bench/torch_side.py`, whose docstring maps each part to
 * networks.ts and qmix.ts), in one run, at the paper's sizes and regime
 * (7 agents, J = 6, 13 state values, actions [72, 78, 132], M = 7, batch 64,
 * `qmixPresets.paper`).
 *
 * Each figure X is printed as `torch.vecscene_X` (this project),
 * `torch.X` (PyTorch) and `torch.ratio_X` (vecscene / PyTorch; below 1:
 * vecscene is faster):
 *
 * - `mad2rl_update_ms`, `pqmix_update_ms`: one update on two threads
 *   (vecscene's two-thread update, PyTorch's two intra-op threads);
 *   `*_update_1thread_ms` on one;
 * - `mad2rl_decide_ms`, `pqmix_decide_ms`: one slot's decisions of 7
 *   agents (the agent network, MAD2RL's whole reverse chain, and the masked
 *   argmax (56)); vecscene decides on one thread, PyTorch's figure is the
 *   faster of its one- and two-thread medians;
 * - `<learner>_1thread_<phase>_ms`: one-thread updates cut into phases:
 *   `sample` (the mini-batch), `target` (TD target (61): the target agents
 *   and mixer), `agents` (the online agents' values, A12), `mixer` (the
 *   online mixer (59) and the loss (60)), `backward` (the gradients) and
 *   `adam` (clip, Adam, soft updates (62)-(63)). PyTorch's are clocked
 *   inside one update; vecscene's learner computes loss and gradients in
 *   one call (`QmixLearner.gradients`), so its forward phases are the
 *   learner's public pieces run alone and `backward` is that call's time
 *   less the three forward phases (the tape's overhead lands there).
 *
 * Machine drift: vecscene is measured just before and just after the
 * PyTorch side, and its figure is the mean of the two, so a change of the
 * machine's speed during the run biases neither side.
 *
 * The interpreter: `VECSCENE_TORCH_PYTHON`, else `/usr/bin/python3`
 * (Debian's python3-torch). When it cannot import torch the suite prints
 * one line on stderr saying why and returns no figures.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { Rng } from "../engine/rng.ts";
import { maskedLogits } from "../policies/learning/networks.ts";
import { TwoThreadUpdate } from "../policies/learning/parallel.ts";
import type { QmixLearner } from "../policies/learning/qmix.ts";
import type { Batch, ReplayBuffer } from "../policies/learning/replay.ts";
import { initBackend, tf } from "../policies/learning/tensor/backend.ts";
import { withViews } from "../policies/learning/tensor/params.ts";
import { BATCH, decideMs, filledBuffer, paperLearner, timeMs } from "./learning.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const HINT = "apt install python3-torch libopenblas0-pthread";
/** Learner, agent network, timed updates (bench/learning.ts's counts; torch_side.py's too). */
const LEARNERS = [["mad2rl", "diffusion", 10], ["pqmix", "mlp", 40]] as const;
const PHASES = ["sample", "target", "agents", "mixer", "backward", "adam"] as const;

/** The figures set side by side, in print order (without `torch.` and its prefixes). */
export const FIGURES: readonly string[] = LEARNERS.flatMap(([name]) => [
  `${name}_update_ms`,
  `${name}_update_1thread_ms`,
  `${name}_decide_ms`,
  ...PHASES.map((p) => `${name}_1thread_${p}_ms`),
]);

/** The keys of torch_side.py's JSON that PyTorch's figure `name` is the least of. */
export function torchSideKeys(name: string): string[] {
  if (!name.endsWith("_decide_ms")) return [name];
  return ["_1thread_ms", "_2thread_ms"].map((t) => name.replace(/_ms$/, t));
}

/** The interpreter to run PyTorch with, or why there is none. */
export type TorchPython = { python: string } | { skip: string };

/**
 * `given` (default: `VECSCENE_TORCH_PYTHON`) when set, else `/usr/bin/python3`,
 * if `import torch` works there; otherwise the reason to skip.
 */
export function torchPython(
  given: string | undefined = Deno.env.get("VECSCENE_TORCH_PYTHON"),
): TorchPython {
  const python = given || "/usr/bin/python3";
  const who = given ? `VECSCENE_TORCH_PYTHON=${given}` : python;
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command(python, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "piped",
    }).outputSync();
  } catch (e) {
    return { skip: `${who} cannot be run (${(e as Error).message}; ${HINT})` };
  }
  if (out.success) return { python };
  const why = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
  return { skip: `${who} has no torch (${why}; ${HINT})` };
}

/** Runs the suite; `{}` (and one line on stderr) when PyTorch is not there. */
export async function benchTorch(): Promise<Record<string, number>> {
  const choice = torchPython();
  if ("skip" in choice) {
    console.error(`bench torch.: ${choice.skip}: skipped`);
    return {};
  }
  await initBackend();
  const buf = filledBuffer(new Rng([1, 2, 3, 4]), 512);
  const rng = new Rng([5, 6, 7, 8]);
  const before = vecsceneFigures(buf, rng);
  const torch = await torchFigures(choice.python);
  const after = vecsceneFigures(buf, rng);
  const out: Record<string, number> = {};
  for (const key of FIGURES) {
    const theirs = Math.min(...torchSideKeys(key).map((k) => torch[k] ?? NaN));
    const vecscene = (before[key] + after[key]) / 2;
    out[`torch.vecscene_${key}`] = vecscene;
    out[`torch.${key}`] = theirs;
    out[`torch.ratio_${key}`] = vecscene / theirs;
  }
  return out;
}

/** bench/torch_side.py's figures (its stderr goes to ours); throws when it fails. */
async function torchFigures(python: string): Promise<Record<string, number>> {
  const res = await new Deno.Command(python, {
    args: [`${ROOT}bench/torch_side.py`],
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!res.success) throw new Error(`bench/torch_side.py failed (exit ${res.code})`);
  const figures = JSON.parse(new TextDecoder().decode(res.stdout));
  console.error(
    `bench torch.: ${python}, PyTorch ${figures.torch_version}, BLAS ${figures.blas}, OMP_WAIT_POLICY=${figures.omp_wait_policy}`,
  );
  return figures;
}

/** vecscene's figures, named as torch_side.py names PyTorch's (without `torch.`). */
function vecsceneFigures(buf: ReplayBuffer, rng: Rng): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, kind, runs] of LEARNERS) {
    for (const threads of [2, 1]) {
      const learner = paperLearner(kind);
      if (threads === 2) learner.parallel = new TwoThreadUpdate(learner, 7, BATCH);
      const key = threads === 2 ? `${name}_update_ms` : `${name}_update_1thread_ms`;
      out[key] = timeMs(() => learner.update(buf, BATCH, rng), 3, runs);
      if (threads === 1) {
        out[`${name}_decide_ms`] = decideMs(learner, buf, rng);
        const phases = phasesMs(learner, buf, rng, runs);
        PHASES.forEach((p, k) => (out[`${name}_1thread_${p}_ms`] = phases[k]));
      }
      learner.dispose();
    }
  }
  return out;
}

/** Median ms of each of PHASES over `runs` one-thread updates, after 3 warm-ups. */
function phasesMs(learner: QmixLearner, buf: ReplayBuffer, rng: Rng, runs: number): number[] {
  const times: number[][] = PHASES.map(() => []);
  for (let k = 0; k < 3 + runs; k++) {
    const t = [performance.now()];
    const b = buf.sample(BATCH, rng);
    t.push(performance.now());
    const y = learner.targets(b, rng);
    t.push(performance.now());
    const q = onlineValues(learner, b, rng);
    t.push(performance.now());
    mixerLoss(learner, q, y, b.state, b.size);
    t.push(performance.now());
    tf.dispose([q, y]);
    const { grads } = learner.gradients(b, rng);
    t.push(performance.now());
    learner.step(grads);
    tf.dispose(grads);
    t.push(performance.now());
    if (k < 3) continue;
    const [sample, target, agents, mixer, gradients, adam] = t.slice(1).map((v, i) => v - t[i]);
    const backward = gradients - target - agents - mixer;
    [sample, target, agents, mixer, backward, adam].forEach((v, i) => times[i].push(v));
  }
  return times.map((ts) => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]);
}

/** The online agents' values [B, I] of the chosen actions (qmix.ts `gradients`, A12). */
function onlineValues(L: QmixLearner, b: Batch, rng: Rng): tf.Tensor {
  const rows = b.size * L.shape.agents;
  const A = L.maxActions;
  const noise = L.noise(rows, rng);
  const chosen = new Float32Array(rows * A);
  for (let r = 0; r < rows; r++) chosen[r * A + b.actions[r]] = 1;
  const q = tf.tidy(() => {
    const x = tf.tensor2d(L.inputs(b.state, b.types, rows), [rows, L.inputDim]);
    const m = tf.tensor2d(L.masks(b.feasible, b.types, rows), [rows, A]);
    const a = tf.tensor2d(chosen, [rows, A]);
    return withViews([L.agent.params], () => {
      const masked = maskedLogits(L.agentLogits(L.agent, x, noise), m);
      const v = L.opts.qHead === "softmax" ? tf.softmax(masked) : masked;
      return tf.reshape(tf.sum(tf.mul(v, a), 1), [-1, L.shape.agents]);
    });
  });
  tf.dispose(noise);
  return q;
}

/** The online mixer (59) and the loss (60), read back as the learner reads it. */
function mixerLoss(L: QmixLearner, q: tf.Tensor, y: tf.Tensor, state: Float32Array, batch: number) {
  tf.tidy(() => {
    const s = tf.tensor2d(state, [batch, L.shape.agents * L.shape.stateDim]);
    const tot = withViews([L.mixer.params], () => tf.reshape(L.mixer.mix(q, s), [batch]));
    return tf.div(tf.sum(tf.mul(tf.square(tf.sub(y, tot)), 0.5)), batch).dataSync()[0];
  });
}

if (import.meta.main) console.log(JSON.stringify(await benchTorch(), null, 2));
