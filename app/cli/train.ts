/**
 * `train`: train a learning policy (P-QMIX, MAD2RL or a plugin) on a scenario, with
 * a progress bar, a JSON-lines log, periodic evaluation on held-out seeds
 * and atomic checkpoints. Ctrl-C finishes the episode in flight, writes a
 * checkpoint and stops (`--resume` continues); a second Ctrl-C quits.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { UserError } from "../../engine/errors.ts";
import { countBar, progressBar } from "../util/progress.ts";
import { stopOnSigint } from "../util/stop.ts";
import { POLICY_REF } from "../../engine/config/path.ts";
import {
  checkPathFlag,
  collect,
  integer,
  MAX_EPISODES,
  PYTHON_POLICY_HELP,
  pythonRefs,
  registryWith,
} from "./flags.ts";
import { formatSeeds, trainSeeds } from "../seeds.ts";
import { train } from "../train.ts";

/** The `train` command and its flags, declared once. */
function declare() {
  return new Command("train")
    .description(
      "Train a learning policy (mad2rl, pqmix or a plugin) with checkpoints; --resume continues",
    )
    .argument("<file>", "scenario YAML file")
    .requiredOption("-p, --policy <id>", "mad2rl, pqmix, or the id of a --plugin learner")
    .option(
      "--plugin <path>",
      "register a policy module so its id can be used (repeatable)",
      collect,
    )
    .option("-e, --episodes <n>", "total training episodes", integer(1, MAX_EPISODES), 1000)
    .option("-o, --out <dir>", "training directory (default out/train/<policy>)")
    .option("--resume", "continue from the last checkpoint in --out")
    .option("--eval-every <n>", "greedy evaluation every n episodes (0: never)", integer(0), 10)
    .option("--eval-seeds <list>", "held-out seeds, comma-separated (default: scenario seed + 1)")
    .option("--eval-episodes <n>", "episodes per evaluation seed", integer(1), 10)
    .option("--pretrain <dir>", "pre-train on this expert dataset first (deno task expert)")
    .option(
      "--dagger <n>",
      "after --pretrain, n DAgger rounds: the expert labels the policy's own states",
      integer(0, 1000),
    )
    .option("--dagger-episodes <n>", "episodes per DAgger round", integer(1, 10_000), 10)
    .option("--seeds <list>", "train these seeds into OUT/seed-S, then test them (mean, 95 % CI)")
    .option("--test-seed <n>", "with --seeds: seed of the held-out test episodes", integer(0), 3)
    .option("--test-episodes <n>", "with --seeds: held-out test episodes", integer(1), 100)
    .option(
      "--compare <id>",
      "with --seeds: also run this policy on the test (repeatable)",
      collect,
    )
    .option("--python-policy <file>", `with --seeds: ${PYTHON_POLICY_HELP} to the test`, collect)
    .option("--checkpoint-every <n>", "full checkpoint every n episodes", integer(1))
    .option("-s, --seed <n>", "scenario seed", integer(0))
    .option("--param <key=value>", "override a policy parameter, JSON value (repeatable)", collect)
    .option("--trust-plugins", "run a plugin learner in-process with the CLI's permissions")
    .option("-q, --quiet", "no progress bar");
}

/** Flags of `train`, as commander parses them. */
export type TrainFlags = ReturnType<ReturnType<typeof declare>["opts"]>;

/** `train`, ready to add to the program. */
export const trainCli = () => declare().action(trainCommand);

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

/** A comma-separated list of seeds. */
function seedList(flag: string, text: string): number[] {
  return text.split(",").map((s) => {
    const n = Number(s);
    if (s.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
      throw new UserError(`${flag}: "${s}" is not a whole number >= 0 (expected e.g. 1,2,3)`);
    }
    return n;
  });
}

export async function trainCommand(file: string, f: TrainFlags): Promise<void> {
  checkPathFlag("file", file);
  checkPathFlag("--out", f.out);
  checkPathFlag("--plugin", f.plugin);
  checkPathFlag("--pretrain", f.pretrain);
  checkPathFlag("--policy", f.policy, POLICY_REF);
  checkPathFlag("--compare", f.compare, POLICY_REF);
  checkPathFlag("--python-policy", f.pythonPolicy);
  const evalSeeds = f.evalSeeds === undefined ? undefined : seedList("--eval-seeds", f.evalSeeds);
  const seeds = f.seeds === undefined ? undefined : seedList("--seeds", f.seeds);
  if (seeds && f.seed !== undefined) throw new UserError("--seed and --seeds exclude each other");
  if (!seeds && f.pythonPolicy) {
    throw new UserError(
      "--python-policy: a Python policy is compared on the held-out test of --seeds (it cannot " +
        "be trained); give --seeds, or run it with `deno task run FILE --python-policy ...`",
    );
  }
  const compare = [...(f.compare ?? []), ...pythonRefs(f.pythonPolicy)];
  const stop = stopOnSigint("stopping after this episode (Ctrl-C again to quit now)");
  const out = f.out ?? `out/train/${f.policy}`;
  const registry = await registryWith(f.plugin, f.trustPlugins);
  const common = {
    policy: f.policy,
    registry,
    trustPlugins: f.trustPlugins,
    episodes: f.episodes,
    out,
    resume: f.resume,
    evalEvery: f.evalEvery,
    evalSeeds,
    evalEpisodes: f.evalEpisodes,
    checkpointEvery: f.checkpointEvery,
    params: parseParamFlags(f.param),
    pretrain: f.pretrain,
    dagger: f.dagger,
    daggerEpisodes: f.daggerEpisodes,
    onDagger: f.quiet ? undefined : daggerBar(),
    onProgress: f.quiet ? undefined : progressBar(),
    onPretrain: f.quiet ? undefined : pretrainBar(),
    signal: stop.signal,
  };
  try {
    if (seeds) {
      const summary = await trainSeeds(file, {
        ...common,
        seeds,
        testSeed: f.testSeed,
        testEpisodes: f.testEpisodes,
        compare: compare.length > 0 ? compare : undefined,
        onSeed: f.quiet ? undefined : (seed, phase, tct) =>
          console.error(
            phase === "train"
              ? `seed ${seed}: training into ${out}/seed-${seed}`
              : `seed ${seed}: held-out mean TCT ${tct!.toFixed(3)} s`,
          ),
      });
      console.log(formatSeeds(summary));
      if (!f.quiet) console.log(`summary: ${out}/seeds.json`);
      return;
    }
    await train(file, { ...common, seed: f.seed });
  } finally {
    stop.dispose();
  }
  if (!f.quiet) {
    console.log(`\ncheckpoints: ${out}/ (best weights in ${out}/best/); evaluate with`);
    console.log(`  deno task run ${file} --policy ${f.policy} --checkpoint ${out}`);
  }
}

/** A bar per DAgger round: the expert labelling the policy's episodes. */
function daggerBar(): (round: number, done: number, episodes: number, tct: number) => void {
  const t0 = performance.now();
  const bars = new Map<number, ReturnType<typeof countBar>>();
  return (round, done, episodes, tct) => {
    if (!bars.has(round)) bars.set(round, countBar(`DAgger round ${round}`));
    bars.get(round)!(
      done,
      episodes,
      (performance.now() - t0) / 1000,
      `policy TCT ${tct.toFixed(3)} s`,
    );
  };
}

/** A bar per pre-training phase (cloning, mixer warm-up). */
function pretrainBar(): (phase: string, step: number, steps: number, loss: number) => void {
  const t0 = performance.now();
  const bars = new Map<string, ReturnType<typeof countBar>>();
  return (phase, step, steps, loss) => {
    if (!bars.has(phase)) {
      bars.set(
        phase,
        countBar(
          phase === "clone" ? "cloning" : phase === "chain" ? "chain cloning" : "mixer warm-up",
        ),
      );
    }
    bars.get(phase)!(step, steps, (performance.now() - t0) / 1000, `loss ${loss.toPrecision(4)}`);
  };
}
