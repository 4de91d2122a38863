/**
 * Training a learning policy over a scenario's episodes, with a JSON-lines
 * log, periodic greedy evaluation on held-out seeds, and atomic
 * checkpoints that `resume` continues from.
 *
 * Layout of the training directory `out`:
 * - `train.jsonl`: one line per training episode (`type: "episode"`) and
 *   per evaluation (`type: "eval"`);
 * - `checkpoints/ep-NNNNNN/`: full checkpoints (model weights in tfjs
 *   format, optimiser moments, replay buffer, RNG states, counters); the
 *   last `keep` are kept;
 * - `latest.json`: names the newest complete checkpoint (written last, so
 *   a run killed mid-checkpoint resumes from the previous one);
 * - `best/`: weights of the best greedy evaluation so far (what to ship).
 *
 * Training episodes are numbered from `trainOffset` (default 1,000,000) in
 * the scenario seed's streams, and the evaluations that choose `best/`
 * play episodes 500,001.. of the evaluation seeds, so the episodes `run`
 * evaluates (1..N) are neither trained on nor used to choose a checkpoint.
 *
 * With `pretrain` (a folder of `deno task expert`), the policy first
 * clones the expert and warms up its mixer (`pretrain()` of the contract);
 * that is checkpoint `ep-000000`, evaluated like the others, so fine-tuning
 * is kept only where it beats the cloned policy.
 *
 * With `dagger` rounds after pre-training (DAgger, issue 19), each round
 * the policy plays `daggerEpisodes` episodes greedily while the dataset's
 * expert labels the states it visits (`dagger/round-R/expert.bin`, episodes
 * 3,000,000 + ... of the seed's streams), and the policy is pre-trained
 * again on the expert's dataset and every round's; each round ends with an
 * evaluation and checkpoint `ep-000000-rNN`, so a stopped run resumes at
 * the next round (a round's labels already written are kept).
 *
 * Training works on the policy contract alone: any policy whose instance
 * has `update`, `save` and `load` (built-in or plugin) can be trained. The
 * log takes the mean of the `loss` that `update()` reports over the
 * episode, and `epsilon` and `updates` from `stats()`.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { UserError } from "../engine/errors.ts";
import { writeFileAtomic } from "../engine/output/atomic.ts";
import { openSealed, sealJson } from "../engine/output/integrity.ts";
import { concatExpert, EXPERT_FILE, type ExpertData, readExpert } from "../engine/output/expert.ts";
import { scenarioHash } from "../engine/scenario/hash.ts";
import { type LoadedScenario, loadScenario } from "../engine/scenario/load.ts";
import type { Env } from "../engine/sim/env.ts";
import { compileWorld } from "../engine/world.ts";
import { evaluate } from "../host/evaluate.ts";
import { instantiate, type Player } from "../host/player.ts";
import { pluginOptions } from "../host/plugin.ts";
import { defaultRegistry, type PolicyRegistry } from "../host/registry.ts";
import { resolveOne } from "../host/resolve.ts";
import { recordExpert } from "./expert.ts";
import { writing } from "./util/lock.ts";

/** Options of {@linkcode train} (the CLI flags of `train`). */
export interface TrainOptions {
  /** Policy id (or label) of the scenario, a registered id, or a module path. */
  policy: string;
  /** Registry to resolve it in (default: the built-ins). */
  registry?: PolicyRegistry;
  /** Run a plugin learner in-process (`--trust-plugins`) rather than in its sandbox. */
  trustPlugins?: boolean;
  /** Total training episodes (a resumed run stops at the same total). */
  episodes: number;
  /** Training directory. */
  out: string;
  resume?: boolean;
  /** Greedy evaluation every this many episodes (0: never). */
  evalEvery?: number;
  /** Held-out seeds of the evaluation (default: scenario seed + 1). */
  evalSeeds?: number[];
  /** Episodes per evaluation seed. */
  evalEpisodes?: number;
  /** Checkpoint every this many episodes (and at the end). */
  checkpointEvery?: number;
  /** Checkpoints kept. */
  keep?: number;
  /** Scenario seed override. */
  seed?: number;
  /** Parameter overrides on top of the scenario's. */
  params?: Record<string, unknown>;
  trainOffset?: number;
  /** An expert dataset folder (`deno task expert`) to pre-train on first. */
  pretrain?: string;
  /** DAgger rounds after pre-training (needs `pretrain`; default 0). */
  dagger?: number;
  /** Episodes the policy plays and the expert labels per DAgger round (default 10). */
  daggerEpisodes?: number;
  /** Called after every episode the expert labels in a DAgger round. */
  onDagger?: (round: number, done: number, episodes: number, actorTctS: number) => void;
  /** Called after every training episode and evaluation. */
  onProgress?: (p: TrainProgress) => void;
  /** Called during pre-training: phase, step, steps of the phase, loss. */
  onPretrain?: (phase: string, step: number, steps: number, loss: number) => void;
  /** Stop (after the episode in flight) when this says so. */
  signal?: AbortSignal;
}

/** One line of the training log. */
export interface TrainProgress {
  type: "episode" | "eval" | "pretrain" | "dagger";
  /** The DAgger round (`type: "dagger"`, and the evaluation after it). */
  round?: number;
  episode: number;
  episodes: number;
  meanReward: number;
  meanDelayS: number;
  loss?: number;
  epsilon?: number;
  backlogGflop?: { local: number; rsu: number; sv: number };
  /** Mean backlog of every queue over the episode's slots (GFLOP): per CV, RSU container, SV. */
  queuesGflop?: { local: number[]; rsu: number[]; sv: number[] };
  /** Pre-training figures (`type: "pretrain"` and `"dagger"`): cloning accuracy and losses. */
  pretrain?: Record<string, number>;
  updates?: number;
  seconds: number;
}

const LOG = "train.jsonl";

/** Trains and returns the final progress line; throws UserError on bad input. */
export async function train(
  scenario: string | LoadedScenario,
  o: TrainOptions,
): Promise<TrainProgress | undefined> {
  return await writing(
    o.out,
    `${o.out} keeps its last complete checkpoint: free the space or fix the folder, then continue with --resume`,
    () => trainLocked(scenario, o),
  );
}

async function trainLocked(
  scenario: string | LoadedScenario,
  o: TrainOptions,
): Promise<TrainProgress | undefined> {
  const loaded = typeof scenario === "string" ? await loadScenario(scenario) : scenario;
  const registry = o.registry ?? defaultRegistry();
  const resolved = await resolveOne(loaded, registry, o.policy, o.params, o.trustPlugins);
  const params = resolved.params;
  const seed = o.seed ?? loaded.scenario.seed;
  const world = compileWorld(loaded, seed);
  // A sandboxed learner may write its checkpoints into the training folder only.
  const player = await instantiate({ ...resolved, params, checkpoint: undefined }, world, {
    plugins: pluginOptions(loaded.scenario, o.trustPlugins),
    write: [resolve(o.out)],
  });
  const inst = player.instance;
  if (!inst.update || !inst.save || !inst.load) {
    inst.dispose?.();
    throw new UserError(
      `policy "${resolved.label}" cannot be trained: its instance needs update(), save() and load()`,
    );
  }
  const offset = o.trainOffset ?? 1_000_000;
  const evalSeeds = o.evalSeeds ?? [seed + 1];
  const evalEvery = o.evalEvery ?? 10;
  const evalEpisodes = o.evalEpisodes ?? 10;
  const expert = o.pretrain ? await readDataset(o.pretrain, loaded) : undefined;
  if (expert && !inst.pretrain) {
    inst.dispose?.();
    throw new UserError(
      `policy "${resolved.label}" cannot be pre-trained: its instance has no pretrain()`,
    );
  }
  const ckptEvery = o.checkpointEvery ?? 1;
  const keep = o.keep ?? 2;
  const rounds = o.dagger ?? 0;
  if (rounds > 0 && !expert) {
    inst.dispose?.();
    throw new UserError(
      "--dagger: DAgger labels with the expert of --pretrain DIR: give --pretrain",
    );
  }
  let done = 0;
  let roundsDone = 0;
  let best = Infinity;
  let last: TrainProgress | undefined;
  try {
    await Deno.mkdir(o.out, { recursive: true });
    let started = false;
    if (o.resume) {
      const latest = await readLatest(o.out);
      if (latest) {
        await inst.load(join(o.out, latest.dir));
        done = latest.episode;
        best = latest.bestDelayS ?? Infinity;
        roundsDone = latest.episode > 0 ? rounds : latest.dagger ?? 0;
        started = true;
      }
      await trimLog(o.out, done);
    } else {
      await writeFileAtomic(join(o.out, LOG), "");
    }
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    const evalAndKeep = async (episode: number, round?: number) => {
      const ev = await selection(loaded, player, evalSeeds, evalEpisodes);
      const line: TrainProgress = {
        type: "eval",
        episode,
        ...(round !== undefined ? { round } : {}),
        episodes: o.episodes,
        ...ev,
        seconds: seconds(),
      };
      await appendLog(o.out, line);
      o.onProgress?.(line);
      if (ev.meanDelayS < best) {
        best = ev.meanDelayS;
        await inst.save!(join(o.out, "best"), {
          weightsOnly: true,
          meta: { episode, evalMeanDelayS: best, evalSeeds, evalEpisodes },
        });
      }
    };
    /** Logs a (re-)training on expert data (DAgger round `round`), evaluates, checkpoints. */
    const pretrained = async (figures: Record<string, number>, tct: number, round?: number) => {
      const line: TrainProgress = {
        type: round === undefined ? "pretrain" : "dagger",
        ...(round !== undefined ? { round } : {}),
        episode: 0,
        episodes: o.episodes,
        meanReward: NaN,
        meanDelayS: tct,
        pretrain: figures,
        seconds: seconds(),
      };
      await appendLog(o.out, line);
      o.onProgress?.(line);
      if (evalEvery > 0) await evalAndKeep(0, round);
      await checkpoint(player, o.out, 0, keep, best, round);
    };
    if (expert && !started) {
      const figures = inst.pretrain!(expert, o.onPretrain);
      await pretrained(figures, expert.header.meanDelayS);
    }
    if (expert && done === 0 && roundsDone < rounds) {
      // DAgger: the policy's own states, labelled by the expert, added round by round.
      const K = o.daggerEpisodes ?? 10;
      let data = expert;
      for (let r = 1; r <= rounds; r++) {
        const labels = await recordExpert(loaded, {
          policy: expert.header.expert.id,
          params: expert.header.expert.params,
          episodes: K,
          out: join(o.out, "dagger", `round-${r}`),
          seed,
          offset: DAGGER_OFFSET + (r - 1) * K,
          actor: { player, checkpoint: `round ${r - 1}` },
          registry,
          trustPlugins: o.trustPlugins,
          signal: o.signal,
          onProgress: o.onDagger && ((n, total, tct) => o.onDagger!(r, n, total, tct)),
        });
        if (labels.header.episodes < K) return last; // stopped: the round resumes
        data = concatExpert(data, labels);
        if (r <= roundsDone) continue; // a round done before the resume: its data only
        await pretrained(inst.pretrain!(data, o.onPretrain), labels.header.meanDelayS, r);
      }
    }
    let losses: number[] = [];
    let queues: ReturnType<typeof queueMeans> | undefined;
    const T = world.info.slotsPerEpisode;
    await evaluate(world, player, {
      first: offset + done + 1,
      episodes: o.episodes - done,
      training: true,
      hooks: {
        update(stats) {
          if (stats.loss !== undefined) losses.push(stats.loss);
        },
      },
      onEnv: (env) => queues = queueMeans(env),
      signal: o.signal,
      onEpisode: async (fig) => {
        done++;
        const stats = inst.stats?.() ?? {};
        last = {
          type: "episode",
          episode: done,
          episodes: o.episodes,
          meanReward: -fig.meanObjective,
          meanDelayS: fig.meanDelayS,
          loss: losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : undefined,
          epsilon: stats.epsilon,
          backlogGflop: {
            local: fig.backlogSumGflop.local / T,
            rsu: fig.backlogSumGflop.rsu / T,
            sv: fig.backlogSumGflop.sv / T,
          },
          queuesGflop: queues!.take(),
          updates: stats.updates,
          seconds: seconds(),
        };
        losses = [];
        await appendLog(o.out, last);
        o.onProgress?.(last);
        if (evalEvery > 0 && (done % evalEvery === 0 || done === o.episodes)) {
          await evalAndKeep(done);
        }
        if (done % ckptEvery === 0 || done === o.episodes || o.signal?.aborted) {
          await checkpoint(player, o.out, done, keep, best);
        }
      },
    });
  } finally {
    inst.dispose?.();
  }
  return last;
}

/** The first episode number of the evaluations that choose `best/`. */
export const SELECTION_OFFSET = 500_000;

/** The episodes of DAgger rounds start after this one. */
export const DAGGER_OFFSET = 3_000_000;

/** Greedy evaluation of `player` on `seeds` (episodes SELECTION_OFFSET + 1..n of each). */
async function selection(
  loaded: LoadedScenario,
  player: Player,
  seeds: number[],
  episodes: number,
): Promise<{ meanReward: number; meanDelayS: number }> {
  let delay = 0;
  let reward = 0;
  let n = 0;
  for (const s of seeds) {
    const world = compileWorld(loaded, s);
    const ev = await evaluate(world, player, { first: SELECTION_OFFSET + 1, episodes });
    for (const f of ev.episodes) {
      delay += f.meanDelayS;
      reward -= f.meanObjective;
      n++;
    }
  }
  return { meanReward: reward / n, meanDelayS: delay / n };
}

interface Latest {
  episode: number;
  dir: string;
  bestDelayS?: number;
  /** DAgger rounds done (at episode 0). */
  dagger?: number;
}

/** The sealed `latest.json` of a training folder (undefined: no checkpoint yet). */
export async function readLatest(out: string): Promise<Latest | undefined> {
  const file = join(out, "latest.json");
  let text;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return openSealed<Latest & Record<string, unknown>>(
    text,
    file,
    "delete it to resume from the checkpoint before, or train anew",
  ).value;
}

/** Writes checkpoint `ep-NNNNNN`, then points `latest.json` at it, then prunes old ones. */
async function checkpoint(
  player: Player,
  out: string,
  episode: number,
  keep: number,
  best: number,
  daggerRounds?: number,
) {
  // A DAgger round's checkpoint sorts after its episode's: ep-000000, ep-000000-r01, ...
  const name = `ep-${String(episode).padStart(6, "0")}` +
    (daggerRounds ? `-r${String(daggerRounds).padStart(2, "0")}` : "");
  const dir = join(out, "checkpoints", name);
  await player.instance.save!(dir);
  await writeFileAtomic(join(dir, "episode.json"), sealJson({ episode }));
  const latest: Latest = { episode, dir: join("checkpoints", name) };
  if (Number.isFinite(best)) latest.bestDelayS = best;
  if (daggerRounds) latest.dagger = daggerRounds;
  await writeFileAtomic(join(out, "latest.json"), sealJson({ ...latest }));
  const all: string[] = [];
  for await (const e of Deno.readDir(join(out, "checkpoints"))) {
    if (e.isDirectory && /^ep-\d+(-r\d+)?$/.test(e.name)) all.push(e.name);
  }
  all.sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    if (old !== name) await Deno.remove(join(out, "checkpoints", old), { recursive: true });
  }
}

/** A line of the training log; a damaged one is a user error naming the log. */
export function parseLogLine(line: string, out: string): TrainProgress {
  try {
    return JSON.parse(line);
  } catch {
    throw new UserError(
      `${join(out, LOG)}: a line is not JSON (damaged): ${line.slice(0, 60)}; ` +
        "delete the damaged lines, or train anew",
    );
  }
}

async function appendLog(out: string, line: TrainProgress): Promise<void> {
  await Deno.writeTextFile(join(out, LOG), JSON.stringify(line) + "\n", { append: true });
}

/** Drops log lines past the checkpoint a resumed run starts from. */
async function trimLog(out: string, episode: number): Promise<void> {
  let text = "";
  try {
    text = await Deno.readTextFile(join(out, LOG));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const kept = text.split("\n").filter((l) => l && parseLogLine(l, out).episode <= episode);
  await writeFileAtomic(join(out, LOG), kept.map((l) => l + "\n").join(""));
}

/** Per-queue backlog sums of the current episode; `take()` returns the means and restarts. */
function queueMeans(env: Env) {
  let sums = { local: [] as number[], rsu: [] as number[], sv: [] as number[] };
  let slots = 0;
  env.on("slot", ({ state: s }) => {
    const add = (into: number[], q: ArrayLike<number>) => {
      for (let k = 0; k < q.length; k++) into[k] = (into[k] ?? 0) + q[k];
    };
    add(sums.local, s.cvQueueGflop);
    add(sums.rsu, s.rsuQueueGflop);
    add(sums.sv, s.svQueueGflop);
    slots++;
  });
  return {
    take() {
      const n = Math.max(1, slots);
      const out = {
        local: sums.local.map((x) => x / n),
        rsu: sums.rsu.map((x) => x / n),
        sv: sums.sv.map((x) => x / n),
      };
      sums = { local: [], rsu: [], sv: [] };
      slots = 0;
      return out;
    },
  };
}

/** Reads the expert dataset of folder `dir` and checks that it was recorded on this scenario. */
async function readDataset(dir: string, loaded: LoadedScenario): Promise<ExpertData> {
  const file = join(dir, EXPERT_FILE);
  let data: ExpertData;
  try {
    data = await readExpert(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(
        `--pretrain ${dir}: no expert dataset (${EXPERT_FILE}) there; record one with ` +
          `\`deno task expert ${loaded.file} --policy genetic --out ${dir}\``,
      );
    }
    if (e instanceof TypeError) throw new UserError(`--pretrain: ${e.message}`);
    throw e;
  }
  if (data.verified === false) {
    console.error(
      `note: ${file} records no SHA-256 (recorded before vecscene recorded them): ` +
        "read without verifying it",
    );
  }
  const want = scenarioHash(loaded);
  if (data.header.scenarioHash !== want) {
    throw new UserError(
      `--pretrain ${dir}: the dataset was recorded on another scenario ` +
        `("${data.header.scenario}", hash ${data.header.scenarioHash.slice(0, 12)}; ` +
        `${loaded.file} has hash ${want.slice(0, 12)}): record it again on this scenario`,
    );
  }
  return data;
}
