/**
 * `expert`: record an expert dataset (every slot's local states, feasible
 * nodes and the expert's joint decision) for pre-training a learning
 * policy with `train --pretrain DIR`. Ctrl-C stops after the episode in
 * flight; running the command again completes the dataset.
 *
 * @module
 */
import { loadScenario } from "../../engine/scenario/load.ts";
import { recordExpert } from "../expert.ts";
import { countBar } from "../progress.ts";
import type { PolicyRegistry } from "../../host/registry.ts";
import { stopOnSigint } from "./_stop.ts";
import { parseParamFlags } from "./train.ts";

/** Flags of `expert`. */
export interface ExpertFlags {
  policy: string;
  episodes: number;
  out?: string;
  seed?: number;
  param?: string[];
  quiet?: boolean;
  trustPlugins?: boolean;
  registry: PolicyRegistry;
}

export async function expertCommand(file: string, f: ExpertFlags): Promise<void> {
  const loaded = await loadScenario(file);
  const out = f.out ?? `out/expert/${loaded.scenario.name}-${f.policy}`;
  const stop = stopOnSigint("stopping after this episode (run again to complete the dataset)");
  const bar = f.quiet ? undefined : countBar("expert");
  let data;
  try {
    data = await recordExpert(loaded, {
      policy: f.policy,
      params: parseParamFlags(f.param),
      episodes: f.episodes,
      out,
      seed: f.seed,
      registry: f.registry,
      trustPlugins: f.trustPlugins,
      signal: stop.signal,
      onProgress: bar &&
        ((done, total, tct, s) => bar(done, total, s, `expert TCT ${tct.toFixed(3)} s`)),
    });
  } finally {
    stop.dispose();
  }
  if (!f.quiet) {
    const h = data.header;
    console.log(
      `\n${out}/expert.bin: ${h.episodes} episode(s) x ${h.slotsPerEpisode} slots of ` +
        `"${h.expert.label}" on ${h.scenario} (hash ${h.scenarioHash.slice(0, 12)}), ` +
        `expert mean TCT ${h.meanDelayS.toFixed(3)} s; pre-train with`,
    );
    console.log(`  deno task train ${file} --policy mad2rl --pretrain ${out}`);
  }
}
