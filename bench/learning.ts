/**
 * Bench figures of the learning policies at the paper's sizes (7 agents,
 * 5 SVs so J = 6, local state of 13 values, up to 132 actions, M = 7,
 * batch 64): one training update of MAD2RL and of P-QMIX, and one slot's
 * MAD2RL decisions for all 7 agents.
 *
 * Run alone: `deno run --allow-read --allow-env bench/learning.ts`.
 *
 * @module
 */
import { Rng } from "../engine/rng.ts";
import { initBackend } from "../policies/learning/tensor/backend.ts";
import { mad2rlDefaults, QmixLearner, qmixPresets } from "../policies/learning/qmix.ts";
import { TwoThreadUpdate } from "../policies/learning/parallel.ts";
import { ReplayBuffer } from "../policies/learning/replay.ts";
import { Gemm } from "../policies/learning/kernels/gemm.ts";
import { tf } from "../policies/learning/tensor/backend.ts";

const AGENTS = 7;
const NODES = 6;
const STATE = 2 * NODES + 1;
/** AlexNet (L = 11), ResNet18 (L = 12), VGG16 (L = 21): (L + 1) J actions. */
const ACTIONS = [12 * NODES, 13 * NODES, 22 * NODES];
export const BATCH = 64;

/** A learner at the paper's sizes with the paper's regime (batch aside), or another preset. */
export function paperLearner(
  agent: "mlp" | "diffusion",
  preset: keyof typeof qmixPresets = "paper",
): QmixLearner {
  const shape = { agent, agents: AGENTS, nodes: NODES, stateDim: STATE, actionCounts: ACTIONS };
  return new QmixLearner({ ...mad2rlDefaults, ...qmixPresets[preset] }, shape, 7);
}

/** A replay buffer of `size` random transitions of the paper's shapes. */
export function filledBuffer(rng: Rng, size: number): ReplayBuffer {
  const buf = new ReplayBuffer(size, { agents: AGENTS, nodes: NODES, stateDim: STATE });
  const types = Int32Array.from({ length: AGENTS }, (_, i) => i % 3);
  for (let k = 0; k < size; k++) {
    const state = Float32Array.from({ length: AGENTS * STATE }, () => rng.next());
    const feasible = Uint8Array.from(
      { length: AGENTS * NODES },
      (_, j) => (j % NODES === 0 || rng.next() < 0.5 ? 1 : 0),
    );
    const actions = Int32Array.from(types, (t) => NODES * rng.int(ACTIONS[t] / NODES));
    buf.push({
      state,
      feasible,
      types,
      actions,
      reward: -rng.next(),
      nextState: Float32Array.from(state, (v) => v + 0.01),
      nextFeasible: feasible,
      terminal: k % 30 === 29,
    });
  }
  return buf;
}

/** Median milliseconds of `runs` calls of `fn` after `warmup` calls. */
export function timeMs(fn: () => void, warmup: number, runs: number): number {
  for (let k = 0; k < warmup; k++) fn();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median milliseconds of the learning figures: `*.update_ms` with the
 * policies' default two-thread update, `*.update_1thread_ms` on one thread,
 * and `mad2rl.decide_ms` for one slot of 7 agents. `only` restricts the
 * update figures to one policy.
 */
export async function benchLearning(only?: "pqmix"): Promise<Record<string, number>> {
  await initBackend();
  const rng = new Rng([1, 2, 3, 4]);
  const buf = filledBuffer(rng, 512);
  const out: Record<string, number> = {};
  const all = [["mad2rl", "diffusion", 10], ["pqmix", "mlp", 40]] as const;
  for (const [name, kind, runs] of all.filter(([n]) => !only || n === only)) {
    for (const threads of [2, 1]) {
      const learner = paperLearner(kind);
      if (threads === 2) learner.parallel = new TwoThreadUpdate(learner, 7, BATCH);
      const key = threads === 2 ? `${name}.update_ms` : `${name}.update_1thread_ms`;
      out[key] = timeMs(() => learner.update(buf, BATCH, rng), 3, runs);
      if (kind === "diffusion" && threads === 1) {
        out["mad2rl.decide_ms"] = decideMs(learner, buf, rng);
      }
      learner.dispose();
    }
    // The per-slot regime's update (the default): no target network in the loss (discount 0).
    const perslot = paperLearner(kind, "perslot");
    out[`${name}.update_perslot_ms`] = timeMs(() => perslot.update(buf, BATCH, rng), 3, runs);
    if (kind === "diffusion") out["mad2rl.decide_perslot_ms"] = decideMs(perslot, buf, rng);
    perslot.dispose();
  }
  return out;
}

/** Median milliseconds of one slot's decisions of 7 agents: `act` and the masked argmax (56). */
export function decideMs(learner: QmixLearner, buf: ReplayBuffer, rng: Rng): number {
  const t = buf.get(0);
  const input = learner.inputs(t.state, t.types, AGENTS);
  const mask = learner.masks(t.feasible, t.types, AGENTS);
  const A = learner.maxActions;
  return timeMs(
    () => {
      const logits = learner.act(input, mask, AGENTS, rng);
      for (let i = 0; i < AGENTS; i++) {
        let best = 0;
        for (let a = 1; a < A; a++) if (logits[i * A + a] > logits[i * A + best]) best = a;
      }
    },
    20,
    200,
  );
}

/**
 * GFLOP/s of one 224 x 256 x 256 product (a hidden layer of half a batch of
 * 64 x 7 agents): the SIMD kernel of `gemm.ts`, tfjs's wasm `matMul`
 * (XNNPACK) with a fresh right-hand operand each call, as in training, and
 * the system's OpenBLAS through FFI (a native path's ceiling).
 */
export async function benchGemm(): Promise<Record<string, number>> {
  await initBackend();
  const [m, k, n] = [224, 256, 256];
  const flop = 2 * m * k * n;
  const out: Record<string, number> = {};
  const memory = new WebAssembly.Memory({ initial: 64 });
  const gemm = Gemm.create(memory);
  if (gemm) {
    const h = new Float32Array(memory.buffer);
    for (let i = 0; i < h.length; i++) h[i] = Math.sin(i);
    const [a, b, c] = [64, 64 + 4 * m * k, 64 + 4 * (m * k + k * n)];
    const ms = timeMs(
      () => gemm.matmul({ m, n, k, a, aRow: 4 * k, aCol: 4, b, ldb: 4 * n, c, ldc: 4 * n }),
      20,
      200,
    );
    out["gemm.simd_gflops"] = flop / ms / 1e6;
  }
  if (tf.getBackend() === "wasm") {
    const a = tf.randomNormal([m, k]);
    const bs = Array.from({ length: 16 }, () => tf.randomNormal([k, n]));
    let i = 0;
    const ms = timeMs(
      () => {
        const fresh = tf.add(bs[i++ % bs.length], 0); // a new tensor id: XNNPACK packs it again
        tf.matMul(a, fresh).dispose();
        fresh.dispose();
      },
      20,
      200,
    );
    out["gemm.xnnpack_gflops"] = flop / ms / 1e6;
    tf.dispose([a, ...bs]);
  }
  out["gemm.openblas_ffi_gflops"] = openblasGflops(m, k, n);
  return out;
}

const OPENBLAS = "/usr/lib/x86_64-linux-gnu/libopenblas.so.0";

/**
 * GFLOP/s of the same product by the system's OpenBLAS (`cblas_sgemm`, one
 * thread) called through Deno's FFI on a WebAssembly memory, as the learners
 * would call a native product: what a native path would gain over the
 * four-wide SIMD of `gemm.ts`. NaN, saying why on stderr, without the
 * library (`apt install libopenblas0-pthread`) or the FFI permission.
 */
function openblasGflops(m: number, k: number, n: number): number {
  let lib;
  try {
    lib = Deno.dlopen(OPENBLAS, {
      cblas_sgemm: {
        parameters: [
          "i32",
          "i32",
          "i32",
          "i32",
          "i32",
          "i32",
          "f32",
          "pointer",
          "i32",
          "pointer",
          "i32",
          "f32",
          "pointer",
          "i32",
        ],
        result: "void",
      },
      openblas_set_num_threads: { parameters: ["i32"], result: "void" },
    });
  } catch (e) {
    console.error(`bench gemm.openblas_ffi_gflops: ${(e as Error).message}: NaN`);
    return NaN;
  }
  try {
    lib.symbols.openblas_set_num_threads(1);
    const memory = new WebAssembly.Memory({ initial: 64 });
    const h = new Float32Array(memory.buffer);
    for (let i = 0; i < h.length; i++) h[i] = Math.sin(i);
    const at = (floats: number) => Deno.UnsafePointer.offset(Deno.UnsafePointer.of(h)!, 4 * floats);
    const [a, b, c] = [at(16), at(16 + m * k), at(16 + m * k + k * n)];
    // Row-major (101), no transposes (111): C = A B.
    const ms = timeMs(
      () => lib.symbols.cblas_sgemm(101, 111, 111, m, n, k, 1, a, k, b, n, 0, c, n),
      20,
      200,
    );
    return (2 * m * k * n) / ms / 1e6;
  } finally {
    lib.close();
  }
}

/**
 * `pqmix.update_ms` with tfjs's own kernels (`VECSCENE_KERNELS=tfjs`), in a
 * child process: the figure the SIMD kernels are compared against. Empty
 * when child processes are not allowed.
 */
export async function benchTfjsKernels(): Promise<Record<string, number>> {
  try {
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", import.meta.filename!, "--pqmix-only"],
      env: { VECSCENE_KERNELS: "tfjs" },
      stdout: "piped",
      stderr: "inherit",
    });
    const res = await cmd.output();
    if (!res.success) return {};
    const figures = JSON.parse(new TextDecoder().decode(res.stdout));
    return {
      "pqmix.update_tfjs_kernels_ms": figures["pqmix.update_ms"],
      "pqmix.update_1thread_tfjs_kernels_ms": figures["pqmix.update_1thread_ms"],
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) return {};
    throw e;
  }
}

if (import.meta.main) {
  const backend = await initBackend();
  const only = Deno.args.includes("--pqmix-only") ? "pqmix" : undefined;
  console.log(JSON.stringify({ backend, ...(await benchLearning(only)) }, null, 2));
}
