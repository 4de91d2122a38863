/**
 * The experiment's policies: each entry's definition (a registered id or a
 * plugin module), label, parameters checked against the definition, and
 * how a learning policy gets its weights (trained per grid point and seed,
 * or a fixed checkpoint whose content is digested into the cell hashes).
 *
 * @module
 */
import { resolve } from "node:path";
import { didYouMean, type Problem, quote } from "../../../engine/errors.ts";
import type { Params, PolicyDefinition } from "../../../engine/sim/policy.ts";
import { resolveParams } from "../../../host/params.ts";
import { isModulePath, isPlugin } from "../../../host/plugin.ts";
import { pythonPath, pythonRef } from "../../../host/python/policy.ts";
import { type RefLocator, resolveRefs } from "../../../host/resolve.ts";
import type { PolicyRegistry } from "../../../host/registry.ts";
import { digestPath } from "./hash.ts";
import type { LoadedExperiment } from "./load.ts";
import { TRAIN_DEFAULTS, type TrainBlock } from "./schema.ts";

/** The expert of pre-training. */
export interface ExpertSettings {
  def: PolicyDefinition;
  /** The parameters as written, and resolved. */
  params: Record<string, unknown>;
  resolved: Params;
  episodes: number;
}

/** Training settings with every default filled in (validation seeds: per train seed). */
export interface TrainSettings {
  episodes: number;
  params: Record<string, unknown>;
  validation: { every: number; episodes: number; seeds?: number[] };
  checkpointEvery: number;
  pretrain?: ExpertSettings;
}

/** One policy of the experiment, ready to expand. */
export interface ExperimentPolicy {
  index: number;
  label: string;
  def: PolicyDefinition;
  /** The id, or the module's absolute path (a plugin; `python:` and it for a Python policy). */
  use: string;
  /** The parameters as written (the grid's `policy.<label>.*` keys go over them). */
  params: Record<string, unknown>;
  /** A fixed checkpoint: absolute folder and content digest. */
  checkpoint?: { dir: string; digest: string };
  train?: TrainSettings;
  /** Digest of a plugin's module. */
  code?: string;
}

/** A `use:` with its module path made absolute (relative to the experiment file's folder). */
function absoluteUse(use: string, dir: string): string {
  const python = pythonPath(use);
  if (python !== undefined) return pythonRef(resolve(dir, python));
  return isModulePath(use) ? resolve(dir, use) : use;
}

/**
 * The experiment's policies that resolve; the problems of the others go to
 * `problems`. Python policies are loaded only with `sandbox.trust`.
 */
export async function resolveExperimentPolicies(
  loaded: LoadedExperiment,
  registry: PolicyRegistry,
  problems: Problem[],
  sandbox: { trust?: boolean; loadTimeoutMs?: number } = {},
): Promise<ExperimentPolicy[]> {
  const { experiment: x, locate } = loaded;
  const at = (path: (string | number)[], message: string, atKey = false): Problem => ({
    ...locate(path, atKey),
    message,
  });
  // Module paths are made absolute here: a plugin's `use` is its absolute path (hashed, recorded).
  const entries = x.policies.map((entry) => {
    const e = typeof entry === "string" ? { use: entry, params: {} } : entry;
    return { ...e, use: absoluteUse(e.use, loaded.dir) };
  });
  const refAt: RefLocator = (index, part, atKey) => {
    const p = ["policies", index];
    const here = typeof x.policies[index] === "string" && part[0] === "use" ? p : [...p, ...part];
    return locate(here, atKey);
  };
  const ctx = { registry, baseDir: loaded.dir, ...sandbox };
  const resolved = await resolveRefs(entries, ctx, refAt, problems);
  const out: ExperimentPolicy[] = [];
  for (const [index, e] of entries.entries()) {
    const r = resolved[index];
    if (!r) continue;
    const { def, label } = r;
    const p: (string | number)[] = ["policies", index];
    const use = e.use;
    const policy: ExperimentPolicy = { index, label, def, use, params: e.params };
    if (isPlugin(def)) policy.code = await digestPath(def.module);
    const trainBlock = "train" in e ? e.train : undefined;
    const ckpt = "checkpoint" in e ? e.checkpoint : undefined;
    if (trainBlock && ckpt) {
      problems.push(
        at(
          [...p, "checkpoint"],
          `policy "${label}" has both a checkpoint and a train block; keep one`,
        ),
      );
    } else if ((trainBlock || ckpt) && !def.learning) {
      problems.push(at(
        [...p, trainBlock ? "train" : "checkpoint"],
        `policy "${label}" does not learn: it takes no ${
          trainBlock ? "train block" : "checkpoint"
        }`,
        true,
      ));
    } else if (def.learning && !trainBlock && !ckpt) {
      problems.push(at(
        p,
        `policy "${label}" learns: give it a train block (train: {}) to train it at every grid ` +
          "point and train seed, or a trained checkpoint (checkpoint: DIR)",
      ));
    } else if (ckpt) {
      const dir = resolve(loaded.dir, ckpt);
      try {
        policy.checkpoint = { dir, digest: await digestPath(dir) };
      } catch {
        problems.push(
          at([...p, "checkpoint"], `no checkpoint folder ${quote(ckpt)} (looked for ${dir})`),
        );
      }
    } else if (trainBlock) {
      policy.train = trainSettings(x.train, trainBlock);
      // A policy's own block wins, its null included (no pre-training for it).
      const own = trainBlock.pretrain;
      const pre = own ? [...p, "train", "pretrain"] : ["train", "pretrain"];
      const expert = own === undefined ? x.train.pretrain : own;
      if (expert) {
        const made = await expertSettings(expert, registry, pre, at, problems);
        if (made) policy.train.pretrain = made;
      }
      const given = { ...e.params, ...policy.train.params };
      for (const b of resolveParams(def, given).problems) {
        const own = trainBlock.params && b.key in trainBlock.params;
        const where = own ? [...p, "train", "params", b.key] : ["train", "params", b.key];
        problems.push(
          at(b.key in e.params && !own ? [...p, "params", b.key] : where, b.message, true),
        );
      }
    }
    out.push(policy);
  }
  return out;
}

/** The expert of a `pretrain:` block, its parameters checked. */
async function expertSettings(
  block: NonNullable<TrainBlock["pretrain"]>,
  registry: PolicyRegistry,
  path: (string | number)[],
  at: (path: (string | number)[], message: string, atKey?: boolean) => Problem,
  problems: Problem[],
): Promise<ExpertSettings | undefined> {
  const module = isModulePath(block.policy) || pythonPath(block.policy) !== undefined;
  const def = module ? undefined : await registry.get(block.policy);
  if (!def) {
    problems.push(at(
      [...path, "policy"],
      `unknown expert ${quote(block.policy)}${didYouMean(block.policy, registry.ids())}; ` +
        `an expert is a registered policy: ${registry.ids().join(", ")}`,
    ));
    return undefined;
  }
  const { params, problems: bad } = resolveParams(def, block.params);
  for (const b of bad) problems.push(at([...path, "params", b.key], b.message, true));
  return { def, params: block.params, resolved: params, episodes: block.episodes };
}

/** The top-level train block with a policy's own over it, over the defaults. */
export function trainSettings(top: TrainBlock, own: TrainBlock): TrainSettings {
  const pick = <K extends "episodes" | "checkpointEvery">(k: K): number =>
    own[k] ?? top[k] ?? TRAIN_DEFAULTS[k];
  return {
    episodes: pick("episodes"),
    checkpointEvery: pick("checkpointEvery"),
    params: { ...TRAIN_DEFAULTS.params, ...top.params, ...own.params },
    validation: {
      every: own.validation?.every ?? top.validation?.every ?? TRAIN_DEFAULTS.validation.every,
      episodes: own.validation?.episodes ?? top.validation?.episodes ??
        TRAIN_DEFAULTS.validation.episodes,
      seeds: own.validation?.seeds ?? top.validation?.seeds,
    },
  };
}

/** A policy's parameters at a grid point: as written, with the point's `policy.<label>.*` over them. */
export function pointParams(
  policy: ExperimentPolicy,
  keys: ReadonlyMap<string, unknown>,
): { given: Record<string, unknown>; resolved: Params } {
  const given = { ...policy.params };
  for (const [key, value] of keys) {
    const [head, label, param] = key.split(".");
    if (head === "policy" && label === policy.label) given[param] = value;
  }
  return { given, resolved: resolveParams(policy.def, given).params };
}
