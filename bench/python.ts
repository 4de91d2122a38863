/**
 * vecscene from Python (`deno task bench --only python.`): the Python side
 * (`bench/python_side.py`, run with the `.venv` interpreter or
 * `VECSCENE_TEST_PYTHON`) steps the engine through the package, and this
 * side measures, in the same run, the engine stepping alone in TypeScript
 * (greedy, the `engine.slots_per_s` scenario) and the engine's own share of
 * a 64-environment call (the server's step, in-process, no pipes). All on
 * the `engine.slots_per_s` scenario: 7 CVs, 5 SVs, 30 slots.
 *
 * - `python.steps_per_s`: PettingZoo parallel env, random masked actions.
 * - `python.vector64_slots_per_s`: env-slots per second at 64 envs per call;
 *   `python.vector64_vs_engine`: its ratio to `python.engine_slots_per_s`,
 *   the mean of the engine measured just before and just after.
 * - `python.engine_random_slots_per_s`: the engine alone in TypeScript on
 *   the Python side's workload: 64 environments stepped in turn with random
 *   masked actions of the same law (a uniform partition, a uniform feasible
 *   node), drawn in TypeScript; `python.vector64_vs_engine_random` is the
 *   vector's ratio to it. Random actions cost the model more than greedy's
 *   (spread arrivals: the RSU's allocation is rarely one it has met), so
 *   this ratio is the bridge's own overhead.
 * - `python.vector64_call_us` = write + wait + parse + the Python work
 *   (sampling actions); `python.vector64_engine_us` is the server's step of
 *   the 64 environments in-process; the rest of the wait is the transport
 *   (the reply's write, the pipe, two process wake-ups).
 * - `python.qmix_torch_update_ms`: one update of examples/python/qmix.py
 *   (PyTorch, one thread, the paper's regime and sizes, batch 64) next to
 *   `python.pqmix_update_1thread_ms`, the project's P-QMIX on the same
 *   batch shape, in the same run (NaN without PyTorch).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { open } from "../app/serve.ts";
import { parseScenario } from "../engine/scenario/load.ts";
import { Env } from "../engine/sim/env.ts";
import { Rng } from "../engine/rng.ts";
import { compileWorld } from "../engine/world.ts";
import { benchScenarioText, slotsPerSecond } from "./engine.ts";
import { benchLearning } from "./learning.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

function python(): string | undefined {
  const given = Deno.env.get("VECSCENE_TEST_PYTHON");
  if (given) return given;
  try {
    Deno.statSync(`${ROOT}.venv/bin/python`);
    return `${ROOT}.venv/bin/python`;
  } catch {
    return undefined;
  }
}

/** Microseconds of the server's step of `envs` environments, in-process. */
async function serverStepUs(scenario: string, envs: number, minMs: number): Promise<number> {
  const session = await open({ scenario, envs, autoreset: true });
  session.reset({});
  const body = new Uint8Array(4 * envs * session.spec.agents); // action 0: always feasible
  for (let k = 0; k < 100; k++) session.step(body);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) (session.step(body), n++);
  return ((performance.now() - t0) / n) * 1000;
}

/**
 * Env-slots per second of `envs` environments stepped in turn, every CV
 * taking a random masked action: a uniform partition in 1..L+1 and a
 * uniform node among its feasible ones (the law of bench/python_side.py's
 * sampler). Episodes restart as the vector env's do.
 */
export function randomSlotsPerSecond(text: string, envs: number, minMs: number): number {
  const world = compileWorld(parseScenario(text, "<bench>"));
  const { cvCount: I, nodeCount: J } = world.info;
  const rng = new Rng([1, 2, 3, 4]);
  const pool = Array.from({ length: envs }, () => new Env(world));
  let next = 1;
  for (const env of pool) env.reset({ episode: next++ });
  const partition = new Int32Array(I), target = new Int32Array(I), mask = new Uint8Array(J);
  const feasible = new Int32Array(J);
  const round = () => {
    for (const env of pool) {
      const obs = env.observation;
      for (let i = 0; i < I; i++) {
        partition[i] = 1 + rng.int(obs.table(i).L + 1);
        obs.nodeMask(i, mask);
        let n = 0;
        for (let j = 0; j < J; j++) if (mask[j]) feasible[n++] = j;
        target[i] = feasible[rng.int(n)];
      }
      if (env.step({ partition, target }).truncated) env.reset({ episode: next++ });
    }
  };
  for (let k = 0; k < 30; k++) round(); // warm-up: one episode
  let rounds = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) (round(), rounds++);
  return (envs * rounds) / ((performance.now() - t0) / 1000);
}

export async function benchPython(): Promise<Record<string, number>> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-bench-python-" });
  try {
    const scenario = `${dir}/bench.yaml`;
    await Deno.writeTextFile(scenario, benchScenarioText(7, 5, "greedy"));
    // The engine before and after the Python side: their mean is the ratio's reference, so
    // that a drift of the machine's speed during the run does not bias it.
    const before = await slotsPerSecond(7, 5, "greedy", 3000);
    const randomBefore = randomSlotsPerSecond(benchScenarioText(7, 5, "greedy"), 64, 2000);
    const engineUs = await serverStepUs(scenario, 64, 2000);
    const py = python();
    if (!py) {
      console.error("bench python.: no .venv (run .ci/run) and no VECSCENE_TEST_PYTHON: NaN");
      return { "python.engine_slots_per_s": before, "python.steps_per_s": NaN };
    }
    const out = await new Deno.Command(py, {
      args: [`${ROOT}bench/python_side.py`, scenario, "3"],
      env: { PYTHONPATH: `${ROOT}python` },
      stderr: "inherit",
    }).output();
    if (out.code !== 0) throw new Error(`bench/python_side.py failed (exit ${out.code})`);
    const p = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, number>;
    const after = await slotsPerSecond(7, 5, "greedy", 3000);
    const randomAfter = randomSlotsPerSecond(benchScenarioText(7, 5, "greedy"), 64, 2000);
    const engine = (before + after) / 2;
    const engineRandom = (randomBefore + randomAfter) / 2;
    const torch = await new Deno.Command(py, {
      args: [`${ROOT}examples/python/qmix.py`, "--bench-update", "40", "--threads", "1"],
      env: { PYTHONPATH: `${ROOT}python` },
      stderr: "inherit",
    }).output();
    const qmixMs = torch.code === 0
      ? (JSON.parse(new TextDecoder().decode(torch.stdout)) as { update_ms: number }).update_ms
      : NaN;
    const pqmix = await benchLearning("pqmix");
    const figures: Record<string, number> = {
      "python.engine_slots_per_s": engine,
      "python.engine_slots_per_s_before": before,
      "python.engine_slots_per_s_after": after,
      "python.steps_per_s": p.steps_per_s,
      "python.roundtrip_us": p.roundtrip_us,
      "python.vector64_slots_per_s": p.vector64_slots_per_s,
      "python.vector64_vs_engine": p.vector64_slots_per_s / engine,
      "python.engine_random_slots_per_s": engineRandom,
      "python.vector64_vs_engine_random": p.vector64_slots_per_s / engineRandom,
      "python.vector64_call_us": p.vector64_call_us,
      "python.vector64_engine_us": engineUs,
      "python.vector64_write_us": p.vector64_write_us,
      "python.vector64_wait_us": p.vector64_wait_us,
      "python.vector64_transport_us": p.vector64_wait_us - engineUs,
      "python.vector64_parse_us": p.vector64_parse_us,
      "python.vector64_reply_bytes": p.vector64_reply_bytes,
      "python.qmix_torch_update_ms": qmixMs,
      "python.pqmix_update_1thread_ms": pqmix["pqmix.update_1thread_ms"],
    };
    return figures;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
