/**
 * `validate`: checks scenarios without running them: schema and semantics,
 * the mobility (trace windows), and every policy as `run` will need it
 * (plugins loaded in their sandboxes, params checked, checkpoints loaded
 * and matched against the scenario's shapes).
 *
 * @module
 */
import { loadScenario } from "../../engine/scenario/load.ts";
import { compileWorld } from "../../engine/world.ts";
import { pluginOptions } from "../../host/plugin.ts";
import { preflight } from "../../host/preflight.ts";
import type { PolicyRegistry } from "../../host/registry.ts";
import { resolvePolicies } from "../../host/resolve.ts";

/** Validates each file; throws the first file's `UserError`. */
export async function validateCommand(
  files: string[],
  registry: PolicyRegistry,
  o: { trustPlugins?: boolean } = {},
): Promise<void> {
  for (const file of files) {
    const loaded = await loadScenario(file);
    const policies = await resolvePolicies(loaded, registry, undefined, o.trustPlugins);
    const world = compileWorld(loaded);
    const plugins = pluginOptions(loaded.scenario, o.trustPlugins);
    await preflight(policies, world, { create: true, plugins });
    console.log(`${file}: ok`);
  }
}
