/**
 * Checkpoint I/O of the QMIX policies: `model.json` + `model.bin`
 * (online and target weights, tfjs weight-manifest format), `optimizer.json`
 * + `optimizer.bin` (Adam moments and step), `replay.bin`, `state.json`
 * (training RNG state and counters). Every file is written atomically, and
 * every file is checked before it is used: the JSON files are sealed and
 * record the SHA-256 of the binaries written before them
 * (engine/output/integrity.ts). A checkpoint of before the digests loads
 * with one line saying it was not verified.
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../../engine/errors.ts";
import { writeFileAtomic } from "../../engine/output/atomic.ts";
import { checkDigest, openSealed, sealJson, sha256Hex } from "../../engine/output/integrity.ts";
import type { RngState } from "../../engine/rng.ts";
import { ReplayBuffer } from "./replay.ts";
import type { Adam } from "./tensor/adam.ts";
import type { tf } from "./tensor/backend.ts";
import type { ParamSet } from "./tensor/params.ts";
import { disposeAll, hasWeights, readWeights, writeWeights } from "./tensor/weights.ts";

/** What a checkpoint holds of a policy's networks. */
export interface QmixParts {
  policyId: string;
  /** The networks' config (shapes and settings), recorded and checked on load. */
  config: Record<string, unknown>;
  queueScaleGflop: number;
  nets: { agent: ParamSet; mixer: ParamSet; targetAgent: ParamSet; targetMixer: ParamSet };
  optimizer: Adam;
}

/** The training state beyond the weights. */
export interface TrainingState {
  buffer: ReplayBuffer;
  trainRng: RngState;
  epsilonSteps: number;
  trainSlots: number;
  updates: number;
}

/** What `state.json` holds. */
interface SavedState extends Record<string, unknown> {
  trainRng: RngState;
  epsilonSteps: number;
  trainSlots: number;
  updates: number;
  files?: Record<string, string>;
}

/** Writes the online and target weights (tfjs format) into `dir`: what a run needs. */
export async function saveWeights(
  dir: string,
  parts: QmixParts,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const n = parts.nets;
  const named = [n.agent, n.mixer, n.targetAgent, n.targetMixer].flatMap((p) =>
    p.snapshot().map((t) => ({ ...t, name: `${p.scope}/${t.name}` }))
  );
  try {
    await writeWeights(dir, "model", named, {
      format: "vecscene-qmix/1",
      policy: parts.policyId,
      config: parts.config,
      queueScaleGflop: parts.queueScaleGflop,
      generatedBy: "vecscene",
      ...extra,
    });
  } finally {
    for (const t of named) t.tensor.dispose();
  }
}

/** Writes the weights and the full training state into `dir` (every file atomically). */
export async function saveTraining(
  dir: string,
  parts: QmixParts,
  state: TrainingState,
): Promise<void> {
  await saveWeights(dir, parts);
  const opt = parts.optimizer.snapshot();
  try {
    await writeWeights(dir, "optimizer", opt, {
      format: "vecscene-adam/1",
      step: parts.optimizer.steps,
    });
  } finally {
    for (const t of opt) t.tensor.dispose();
  }
  const replay = state.buffer.toBytes();
  await writeFileAtomic(join(dir, "replay.bin"), replay);
  const json = {
    format: "vecscene-qmix-state/1",
    trainRng: state.trainRng,
    epsilonSteps: state.epsilonSteps,
    trainSlots: state.trainSlots,
    updates: state.updates,
    files: { "replay.bin": sha256Hex(replay) },
  };
  await writeFileAtomic(join(dir, "state.json"), sealJson(json));
}

/**
 * Loads weights from `dir` (or a training directory) into `parts`; returns
 * the training state when the checkpoint has one.
 */
export async function loadCheckpoint(
  dir: string,
  parts: QmixParts,
): Promise<TrainingState | undefined> {
  dir = await resolveCheckpoint(dir);
  let model;
  try {
    model = await readWeights(dir, "model");
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`Cannot load checkpoint ${dir}: ${(e as Error).message}`);
  }
  if (!model.verified) {
    console.error(
      `note: checkpoint ${dir} records no SHA-256 (written before vecscene recorded them): ` +
        "loaded without verifying it",
    );
  }
  const { meta, tensors } = model;
  const n = parts.nets;
  try {
    const problem = mismatch(meta, parts);
    if (problem) {
      throw new UserError(
        `checkpoint ${dir} does not fit policy "${parts.policyId}" here: ${problem}; ` +
          `train it for this scenario (\`deno task train FILE --policy ${parts.policyId}\`) ` +
          `or set the same params in the scenario`,
      );
    }
    for (const p of [n.agent, n.mixer]) p.restore(scoped(tensors, p.scope));
    for (const [target, online] of [[n.targetAgent, n.agent], [n.targetMixer, n.mixer]]) {
      const saved = scoped(tensors, target.scope);
      if (saved.size > 0) target.restore(saved);
      else target.copyFrom(online);
    }
  } finally {
    disposeAll(tensors);
  }
  if (!(await hasWeights(dir, "optimizer"))) return undefined;
  const opt = await readWeights(dir, "optimizer");
  try {
    parts.optimizer.restore(opt.tensors, opt.meta.step as number);
  } finally {
    disposeAll(opt.tensors);
  }
  const stateFile = join(dir, "state.json");
  const st =
    openSealed<SavedState>(await Deno.readTextFile(stateFile), stateFile, "retrain or restore it")
      .value;
  const replay = await Deno.readFile(join(dir, "replay.bin"));
  checkDigest(
    replay,
    st.files?.["replay.bin"],
    join(dir, "replay.bin"),
    "retrain or restore it",
  );
  return {
    buffer: ReplayBuffer.fromBytes(replay),
    trainRng: st.trainRng as RngState,
    epsilonSteps: st.epsilonSteps,
    trainSlots: st.trainSlots,
    updates: st.updates,
  };
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
function mismatch(meta: Record<string, unknown>, parts: QmixParts): string | undefined {
  if (meta.policy !== parts.policyId) return `it was written by policy "${meta.policy}"`;
  const saved = (meta.config ?? {}) as Record<string, unknown>;
  const here = parts.config;
  for (const k of INFERENCE_KEYS) {
    const a = JSON.stringify(saved[k]);
    const b = JSON.stringify(here[k]);
    if (a !== b) return `its ${k} is ${a}, here it is ${b}`;
  }
  const q = parts.queueScaleGflop;
  if (meta.queueScaleGflop !== undefined && meta.queueScaleGflop !== q) {
    return `its queueScaleGflop is ${meta.queueScaleGflop}, here it is ${q}`;
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
    const file = join(dir, "latest.json");
    const latest =
      openSealed(await Deno.readTextFile(file), file, "resume from an earlier copy").value;
    return join(dir, String(latest.dir));
  }
  return dir;
}
