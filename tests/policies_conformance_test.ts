import { BUILTIN_POLICIES } from "../policies/registry.ts";
import leastDelay from "../plugins/least_delay.ts";
import type { PolicyDefinition } from "../policies/contract.ts";
import { runPolicyConformance } from "./conformance.ts";

const TINY = "name: tiny\nseed: 3\ntime: { slots: 6 }\n" +
  "vehicles: { clients: { count: 2 }, services: { count: 1 } }\n";

// Learning policies need trained weights: tests/learning_conformance_test.ts trains a small
// checkpoint and runs the same suite on it.
for (const def of BUILTIN_POLICIES.filter((d) => !d.learning)) {
  runPolicyConformance({ def, scenario: def.id === "exhaustive" ? TINY : undefined });
}
runPolicyConformance({ def: leastDelay as unknown as PolicyDefinition });
