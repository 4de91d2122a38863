/**
 * `train`: train a learning policy (P-QMIX, MAD2RL or a plugin) on a scenario, with
 * a progress bar, a JSON-lines log, periodic evaluation on held-out seeds
 * and atomic checkpoints. Ctrl-C finishes the episode in flight, writes a
 * checkpoint and stops (`--resume` continues); a second Ctrl-C quits.
 *
 * @module
 */
import { UserError } from "../../engine/errors.ts";
import { progressBar } from "../progress.ts";
import type { PolicyRegistry } from "../registry.ts";
import { train } from "../train.ts";

/** Flags of `train`. */
export interface TrainFlags {
  policy: string;
  episodes: number;
  out?: string;
  resume?: boolean;
  evalEvery: number;
  evalSeeds?: string;
  evalEpisodes: number;
  checkpointEvery?: number;
  seed?: number;
  param?: string[];
  quiet?: boolean;
  trustPlugins?: boolean;
  registry: PolicyRegistry;
}

/** Parses `key=json` pairs (a bare string value is taken as a string). */
export function parseParamFlags(pairs: string[] = []): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const kv of pairs) {
    const eq = kv.indexOf("=");
    if (eq < 1) throw new UserError(`--param ${kv}: expected key=value, e.g. --param batch=64`);
    const raw = kv.slice(eq + 1);
    try {
      params[kv.slice(0, eq)] = JSON.parse(raw);
    } catch {
      params[kv.slice(0, eq)] = raw;
    }
  }
  return params;
}

export async function trainCommand(file: string, f: TrainFlags): Promise<void> {
  const evalSeeds = f.evalSeeds?.split(",").map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new UserError(`--eval-seeds: "${s}" is not a whole number >= 0`);
    }
    return n;
  });
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) Deno.exit(130);
    console.error("\nstopping after this episode (Ctrl-C again to quit now)");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const out = f.out ?? `out/train/${f.policy}`;
  try {
    await train(file, {
      policy: f.policy,
      registry: f.registry,
      trustPlugins: f.trustPlugins,
      episodes: f.episodes,
      out,
      resume: f.resume,
      evalEvery: f.evalEvery,
      evalSeeds,
      evalEpisodes: f.evalEpisodes,
      checkpointEvery: f.checkpointEvery,
      seed: f.seed,
      params: parseParamFlags(f.param),
      onProgress: f.quiet ? undefined : progressBar(),
      signal: stop.signal,
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  if (!f.quiet) {
    console.log(`\ncheckpoints: ${out}/ (best weights in ${out}/best/); evaluate with`);
    console.log(`  deno task run ${file} --policy ${f.policy} --checkpoint ${out}`);
  }
}
