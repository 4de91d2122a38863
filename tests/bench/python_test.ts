/**
 * The bench's like-for-like reference for the Python bridge
 * (`python.engine_random_slots_per_s`): the engine alone on random masked
 * actions. No timing is asserted.
 */
import assert from "node:assert/strict";
import { benchScenarioText } from "../../bench/engine.ts";
import { randomSlotsPerSecond } from "../../bench/python.ts";

Deno.test("bench python.: the engine's random workload takes only feasible actions, across resets", () => {
  // Env.step refuses an infeasible action with an error, so a wrong draw fails this run;
  // 50 ms of 2 environments crosses several episode ends (30 slots each).
  const rate = randomSlotsPerSecond(benchScenarioText(7, 5, "greedy"), 2, 50);
  assert.ok(Number.isFinite(rate) && rate > 0);
});
