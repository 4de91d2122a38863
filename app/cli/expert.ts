/**
 * `expert`: record an expert dataset (every slot's local states, feasible
 * nodes and the expert's joint decision) for pre-training a learning
 * policy with `train --pretrain DIR`. Ctrl-C stops after the episode in
 * flight; running the command again completes the dataset.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { loadScenario } from "../../engine/scenario/load.ts";
import { recordExpert } from "../expert.ts";
import { countBar } from "../util/progress.ts";
import { POLICY_REF } from "../../engine/config/path.ts";
import { checkPathFlag, collect, integer, MAX_EPISODES, registryWith } from "./flags.ts";
import { stopOnSigint } from "../util/stop.ts";
import { UserError } from "../../engine/errors.ts";
import { compileWorld } from "../../engine/world.ts";
import { instantiate } from "../../host/player.ts";
import { pluginOptions } from "../../host/plugin.ts";
import { resolveOne } from "../../host/resolve.ts";
import { parseParamFlags } from "./train.ts";

/** The `expert` command and its flags, declared once. */
function declare() {
  return new Command("expert")
    .description(
      "Record an expert dataset (states, masks, joint decisions) for train --pretrain",
    )
    .argument("<file>", "scenario YAML file")
    .requiredOption("-p, --policy <id>", "the expert: genetic, exhaustive, or any policy id")
    .option("-e, --episodes <n>", "episodes to record", integer(1, MAX_EPISODES), 100)
    .option("-o, --out <dir>", "dataset folder (default out/expert/<scenario>-<policy>)")
    .option("-s, --seed <n>", "scenario seed", integer(0))
    .option("--param <key=value>", "override an expert parameter, JSON value (repeatable)", collect)
    .option("--plugin <path>", "register a policy module (repeatable)", collect)
    .option("--trust-plugins", "run a plugin expert in-process with the CLI's permissions")
    .option(
      "--actor <id>",
      "DAgger labels: this policy steps the episodes, the expert labels the states it visits",
    )
    .option("--actor-checkpoint <dir>", "the actor's checkpoint (a learning policy's)")
    .option(
      "--graded",
      "also record every action's cost with the others at the expert's decision (graded targets)",
    )
    .option("-q, --quiet", "no progress bar");
}

/** Flags of `expert`, as commander parses them. */
export type ExpertFlags = ReturnType<ReturnType<typeof declare>["opts"]>;

/** `expert`, ready to add to the program. */
export const expertCli = () => declare().action(expertCommand);

export async function expertCommand(file: string, f: ExpertFlags): Promise<void> {
  checkPathFlag("file", file);
  checkPathFlag("--out", f.out);
  checkPathFlag("--plugin", f.plugin);
  checkPathFlag("--policy", f.policy, POLICY_REF);
  checkPathFlag("--actor", f.actor, POLICY_REF);
  checkPathFlag("--actor-checkpoint", f.actorCheckpoint);
  const loaded = await loadScenario(file);
  const out = f.out ?? `out/expert/${loaded.scenario.name}-${f.policy}`;
  const stop = stopOnSigint("stopping after this episode (run again to complete the dataset)");
  const bar = f.quiet ? undefined : countBar("expert");
  const registry = await registryWith(f.plugin, f.trustPlugins);
  if (f.actorCheckpoint && !f.actor) throw new UserError("--actor-checkpoint needs --actor");
  const actor = f.actor
    ? await instantiate(
      await resolveOne(loaded, registry, f.actor, undefined, f.trustPlugins),
      compileWorld(loaded, f.seed ?? loaded.scenario.seed),
      { checkpoint: f.actorCheckpoint, plugins: pluginOptions(loaded.scenario, f.trustPlugins) },
    )
    : undefined;
  let data;
  try {
    data = await recordExpert(loaded, {
      policy: f.policy,
      params: parseParamFlags(f.param),
      episodes: f.episodes,
      out,
      seed: f.seed,
      graded: f.graded,
      actor: actor && { player: actor, checkpoint: f.actorCheckpoint },
      registry,
      trustPlugins: f.trustPlugins,
      signal: stop.signal,
      onProgress: bar &&
        ((done, total, tct, s) => bar(done, total, s, `expert TCT ${tct.toFixed(3)} s`)),
    });
  } finally {
    actor?.instance.dispose?.();
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
