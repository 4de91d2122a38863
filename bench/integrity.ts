/**
 * The cost of integrity checks (`integrity.*`): hashing and checking the
 * largest shipped checkpoint on load (SHA-256 of its files, the seal,
 * length and finiteness of the weights, against reading it unchecked), the
 * digests written with a full training checkpoint (weights, optimiser,
 * replay buffer), and that cost as a share of one training episode (with its updates).
 *
 * @module
 */
import { join } from "node:path";
import { checkDigest, openSealed, sha256Hex } from "../engine/output/integrity.ts";
import { train } from "../app/train.ts";

const SHIPPED = new URL("../scenarios/highway/mad2rl/", import.meta.url).pathname;

/** Median of `runs` timings of `fn` (ms). */
async function median(runs: number, fn: () => Promise<void> | void): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[runs >> 1];
}

/** The checks of a weights file pair, as `readWeights` does them besides decoding. */
async function verifyWeights(dir: string, base: string): Promise<void> {
  const where = join(dir, `${base}.json`);
  const { value } = openSealed(await Deno.readTextFile(where), where, "-");
  const bin = await Deno.readFile(join(dir, `${base}.bin`));
  checkDigest(bin, (value.files as Record<string, string>)[`${base}.bin`], `${base}.bin`, "-");
  const floats = new Float32Array(bin.buffer, 0, bin.length >> 2);
  for (let i = 0; i < floats.length; i++) if (!Number.isFinite(floats[i])) throw new Error("NaN");
}

/** The integrity figures. */
export async function benchIntegrity(): Promise<Record<string, number>> {
  const load = await median(21, () => verifyWeights(SHIPPED, "model"));
  const read = await median(21, async () => {
    await Deno.readTextFile(join(SHIPPED, "model.json"));
    await Deno.readFile(join(SHIPPED, "model.bin"));
  });
  // A full training checkpoint of P-QMIX after one episode, and that episode's time.
  const out = await Deno.makeTempDir({ prefix: "vecscene-bench-integrity-" });
  try {
    const scenario = new URL("../scenarios/highway.yaml", import.meta.url).pathname;
    // Updates start once the replay holds a batch (64 slots): time the fourth episode.
    await train(scenario, { policy: "pqmix", episodes: 4, out, evalEvery: 0 });
    const log = (await Deno.readTextFile(join(out, "train.jsonl"))).trim().split("\n");
    const [third, fourth] = log.slice(-2).map((l) => JSON.parse(l).seconds as number);
    const episodeMs = 1000 * (fourth - third);
    const latest = JSON.parse(await Deno.readTextFile(join(out, "latest.json")));
    const dir = join(out, latest.dir);
    const files = ["model.bin", "optimizer.bin", "replay.bin"];
    const bytes = await Promise.all(files.map((f) => Deno.readFile(join(dir, f))));
    const save = await median(21, () => void bytes.forEach((b) => sha256Hex(b)));
    return {
      "integrity.load_check_ms_largest_shipped": load,
      "integrity.load_read_only_ms_largest_shipped": read,
      "integrity.save_hash_ms_training_checkpoint": save,
      "integrity.save_hash_pct_of_training_episode": (100 * save) / episodeMs,
      "integrity.training_episode_ms": episodeMs,
    };
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}
