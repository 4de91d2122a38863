/**
 * `validate`: load and check scenarios (schema, semantics, policies).
 *
 * @module
 */
import { loadScenario } from "../../engine/scenario/load.ts";
import type { PolicyRegistry } from "../registry.ts";
import { resolvePolicies } from "../resolve.ts";
import { compileWorld } from "../../engine/world.ts";

/** Validates each file; throws the first file's `UserError`. */
export async function validateCommand(files: string[], registry: PolicyRegistry): Promise<void> {
  for (const file of files) {
    const loaded = await loadScenario(file);
    await resolvePolicies(loaded, registry);
    compileWorld(loaded);
    console.log(`${file}: ok`);
  }
}
