/**
 * Checkpoint I/O of {@linkcode QmixPolicy}: `model.json` + `model.bin`
 * (online and target weights, tfjs weight-manifest format), `optimizer.json`
 * + `optimizer.bin` (Adam moments and step), `replay.bin`, `state.json`
 * (training RNG state and counters). Every file is written atomically.
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../../engine/errors.ts";
import { writeFileAtomic } from "../../engine/output/atomic.ts";
import { Rng, type RngState } from "../../engine/rng.ts";
import type { tf } from "./backend.ts";
import { disposeAll, hasWeights, readWeights, writeWeights } from "./checkpoint.ts";
import type { LearnerConfig } from "./learner.ts";
import type { QmixPolicy } from "./qmix_policy.ts";
import { ReplayBuffer } from "./replay.ts";

/** Writes the online and target weights (tfjs format) into `dir`: what a run needs. */
export async function saveModel(
  policy: QmixPolicy,
  dir: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const L = policy.learner;
  const nets = [L.agent.params, L.mixer.params, L.targetAgent.params, L.targetMixer.params];
  const named = nets.flatMap((p) =>
    p.snapshot().map((t) => ({ ...t, name: `${p.scope}/${t.name}` }))
  );
  try {
    await writeWeights(dir, "model", named, {
      format: "vecscene-qmix/1",
      policy: policy.policyId,
      config: L.cfg,
      queueScaleGflop: policy.opts.queueScaleGflop,
      generatedBy: "vecscene",
      ...extra,
    });
  } finally {
    for (const t of named) t.tensor.dispose();
  }
}

/** Writes the full training state into `dir` (every file atomically). */
export async function saveTraining(policy: QmixPolicy, dir: string): Promise<void> {
  await saveModel(policy, dir);
  const L = policy.learner;
  const opt = L.optimizer.snapshot();
  try {
    await writeWeights(dir, "optimizer", opt, {
      format: "vecscene-adam/1",
      step: L.optimizer.step,
    });
  } finally {
    for (const t of opt) t.tensor.dispose();
  }
  await writeFileAtomic(join(dir, "replay.bin"), policy.buffer.toBytes());
  const state = {
    format: "vecscene-qmix-state/1",
    trainRng: policy.trainRng.state,
    epsilonSteps: policy.epsilonSteps,
    trainSlots: policy.trainSlots,
    updates: L.updates,
  };
  await writeFileAtomic(join(dir, "state.json"), JSON.stringify(state, null, 2) + "\n");
}

/** Loads weights from `dir` (or a training directory), and the training state when it is there. */
export async function loadCheckpoint(policy: QmixPolicy, dir: string): Promise<void> {
  dir = await resolveCheckpoint(dir);
  const L = policy.learner;
  let model;
  try {
    model = await readWeights(dir, "model");
  } catch (e) {
    throw new UserError(`Cannot load checkpoint ${dir}: ${(e as Error).message}`);
  }
  const { meta, tensors } = model;
  try {
    const problem = mismatch(meta, policy.policyId, L.cfg, policy.opts.queueScaleGflop);
    if (problem) {
      throw new UserError(
        `checkpoint ${dir} does not fit policy "${policy.policyId}" here: ${problem}; ` +
          `train it for this scenario (\`deno task train FILE --policy ${policy.policyId}\`) ` +
          `or set the same params in the scenario`,
      );
    }
    for (const p of [L.agent.params, L.mixer.params]) p.restore(scoped(tensors, p.scope));
    for (
      const [target, online] of [[L.targetAgent.params, L.agent.params], [
        L.targetMixer.params,
        L.mixer.params,
      ]]
    ) {
      const saved = scoped(tensors, target.scope);
      if (saved.size > 0) target.restore(saved);
      else target.copyFrom(online);
    }
  } finally {
    disposeAll(tensors);
  }
  if (!(await hasWeights(dir, "optimizer"))) return;
  const opt = await readWeights(dir, "optimizer");
  try {
    L.optimizer.restore(opt.tensors, opt.meta.step as number);
  } finally {
    disposeAll(opt.tensors);
  }
  policy.buffer = ReplayBuffer.fromBytes(await Deno.readFile(join(dir, "replay.bin")));
  const st = JSON.parse(await Deno.readTextFile(join(dir, "state.json")));
  policy.trainRng = Rng.fromState(st.trainRng as RngState);
  policy.epsilonSteps = st.epsilonSteps;
  policy.trainSlots = st.trainSlots;
  L.updates = st.updates;
}

function scoped(tensors: Map<string, tf.Tensor>, scope: string) {
  const out = new Map<string, tf.Tensor>();
  const prefix = `${scope}/`;
  for (const [name, t] of tensors) {
    if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t);
  }
  return out;
}

/** Settings that change what a network computes (training-only ones may differ). */
const INFERENCE_KEYS = [
  "agent",
  "agents",
  "nodes",
  "stateDim",
  "actionCounts",
  "hidden",
  "diffusion",
  "mixEmbed",
  "hyperHidden",
] as const;

/** Why a checkpoint's meta does not fit this policy, or undefined. */
function mismatch(
  meta: Record<string, unknown>,
  policyId: string,
  cfg: LearnerConfig,
  queueScaleGflop: number,
): string | undefined {
  if (meta.policy !== policyId) return `it was written by policy "${meta.policy}"`;
  const saved = (meta.config ?? {}) as Record<string, unknown>;
  for (const k of INFERENCE_KEYS) {
    const a = JSON.stringify(saved[k]);
    const b = JSON.stringify(cfg[k]);
    if (a !== b) return `its ${k} is ${a}, here it is ${b}`;
  }
  if (meta.queueScaleGflop !== undefined && meta.queueScaleGflop !== queueScaleGflop) {
    return `its queueScaleGflop is ${meta.queueScaleGflop}, here it is ${queueScaleGflop}`;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A checkpoint directory, or a training directory's best / latest one. */
export async function resolveCheckpoint(dir: string): Promise<string> {
  if (await exists(join(dir, "model.json"))) return dir;
  if (await exists(join(dir, "best", "model.json"))) return join(dir, "best");
  if (await exists(join(dir, "latest.json"))) {
    const latest = JSON.parse(await Deno.readTextFile(join(dir, "latest.json")));
    return join(dir, latest.dir);
  }
  return dir;
}
