/**
 * Example plugin: "least delay". Each client vehicle, on its own, picks the
 * partition point and node that minimise its own completion time if it
 * were the only new task: local work behind its local queue, the upload,
 * and the remote work behind the node's queue. The RSU's share is
 * estimated as capacity / number of DNN types.
 *
 * Run it with:  deno task run scenarios/highway.yaml --plugin plugins/least_delay.ts --policy least-delay
 * or name it in a scenario:  policy: { use: ../plugins/least_delay.ts }
 *
 * @module
 */
import { definePolicy } from "../mod.ts";

export default definePolicy({
  id: "least-delay",
  description: "Each CV minimises its own delay estimate, ignoring the other CVs.",
  defaults: {
    /** Assumed upload rate (bit/s) used to estimate the transmission delay. */
    assumedRateBps: 150e6,
  },
  check: (p) => (p.assumedRateBps > 0 ? {} : { assumedRateBps: "must be > 0" }),
  create(params, { info }) {
    const partition = new Int32Array(info.cvCount);
    const target = new Int32Array(info.cvCount);
    const rsuShare = info.tables.length > 0 ? 1 / info.tables.length : 1;
    return {
      decide(obs) {
        const s = obs.state;
        const R = obs.rsuCount;
        const K = info.tables.length;
        for (let i = 0; i < obs.cvCount; i++) {
          const t = obs.table(i);
          const k = s.cvType[i];
          let best = Infinity;
          for (let phi = 1; phi <= t.L + 1; phi++) {
            const local = phi === 1
              ? 0
              : (s.cvQueueGflop[i] + t.localGflop[phi]) / s.cvCpuGflops[i];
            if (phi === t.L + 1) {
              if (local < best) [best, partition[i], target[i]] = [local, phi, 0];
              continue;
            }
            const upload = (8 * t.dBytes[phi]) / params.assumedRateBps;
            // Nodes 0..R-1 are the RSUs (one in the paper's model), then the SVs.
            for (let r = 0; r < R; r++) {
              if (!obs.feasible(i, r)) continue;
              const queue = s.rsuQueueGflop[r * K + k];
              const atRsu = (queue + t.edgeGflop[phi]) / (s.rsuCpuGflops[r] * rsuShare);
              if (local + upload + atRsu < best) {
                [best, partition[i], target[i]] = [local + upload + atRsu, phi, r];
              }
            }
            for (const sv of obs.neighbours(i)) {
              const atSv = (s.svQueueGflop[sv - R] + t.edgeGflop[phi]) / s.svCpuGflops[sv - R];
              if (local + upload + atSv < best) {
                [best, partition[i], target[i]] = [local + upload + atSv, phi, sv];
              }
            }
          }
        }
        return { partition, target };
      },
    };
  },
});
