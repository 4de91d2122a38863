/**
 * `validate`: checks scenarios without running them: schema and semantics,
 * the mobility (trace windows), and every policy as `run` will need it
 * (plugins loaded in their sandboxes, Python policies in their processes,
 * params checked, checkpoints loaded and matched against the scenario's
 * shapes); `--python-policy` files are checked with each scenario.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { loadScenario } from "../../engine/scenario/load.ts";
import { compileWorld } from "../../engine/world.ts";
import { pluginOptions } from "../../host/plugin.ts";
import { preflight } from "../../host/preflight.ts";
import type { PolicyRegistry } from "../../host/registry.ts";
import { checkPathFlag, collect, PYTHON_POLICY_HELP, pythonRefs, registryWith } from "./flags.ts";
import { resolvePolicies } from "../../host/resolve.ts";

/** `validate`: its flags, declared once. */
export const validateCli = () =>
  new Command("validate")
    .description("Check scenario files without running them (exit 2 on the first invalid one)")
    .argument("<files...>", "scenario YAML files")
    .option("--plugin <path>", "register a policy module (repeatable)", collect)
    .option("--python-policy <file>", PYTHON_POLICY_HELP, collect)
    .option("--trust-plugins", "create plugins in-process with the CLI's permissions")
    .action(async (files, f) => {
      checkPathFlag("file", files);
      checkPathFlag("--plugin", f.plugin);
      checkPathFlag("--python-policy", f.pythonPolicy);
      await validateCommand(files, await registryWith(f.plugin, f.trustPlugins), f);
    });

/**
 * Validates each file, its policies and the `--python-policy` files with
 * them; throws the first file's `UserError`.
 */
export async function validateCommand(
  files: string[],
  registry: PolicyRegistry,
  o: { trustPlugins?: boolean; pythonPolicy?: string[] } = {},
): Promise<void> {
  const extra = pythonRefs(o.pythonPolicy);
  for (const file of files) {
    const loaded = await loadScenario(file);
    const policies = await resolvePolicies(loaded, registry, undefined, o.trustPlugins, extra);
    const world = compileWorld(loaded);
    const plugins = pluginOptions(loaded.scenario, o.trustPlugins);
    await preflight(policies, world, { create: true, plugins });
    console.log(`${file}: ok`);
  }
}
