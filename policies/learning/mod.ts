/**
 * The learning policies: `pqmix` (QMIX with an MLP agent network) and
 * `mad2rl` (QMIX with diffusion agent networks, MODEL.md sections 2.5 and
 * 2.7) on TensorFlow.js (wasm backend, CPU fallback), their training loop
 * and its progress bar.
 *
 * @example Train P-QMIX for two episodes, then evaluate it
 * ```ts ignore
 * import { pqmix, progressBar, train } from "./mod.ts";
 *
 * await train("scenarios/highway.yaml", {
 *   policy: "pqmix",
 *   episodes: 2,
 *   out: "out/train/pqmix",
 *   onProgress: progressBar(),
 * });
 * console.log(pqmix.id); // then: deno task run ... --checkpoint out/train/pqmix
 * ```
 *
 * @module
 */
export { mad2rl, mad2rlDefaults, pqmix, qmixDefaults } from "./policies.ts";
export { train, type TrainOptions, type TrainProgress } from "./train.ts";
export { progressBar } from "./progress.ts";
export { type BackendName, initBackend } from "./backend.ts";
export { QmixPolicy, resolveCheckpoint } from "./qmix_policy.ts";
