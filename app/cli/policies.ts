/**
 * `policies`: the registered policies (built-in and `--plugin` modules)
 * with their parameters' defaults.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { checkPathFlag, collect, registryWith } from "./flags.ts";

/** `policies`: its flags, declared once. */
export const policiesCli = () =>
  new Command("policies")
    .description("List the registered policies and their parameters")
    .option("--plugin <path>", "register a policy module (repeatable)", collect)
    .action(async (f) => {
      checkPathFlag("--plugin", f.plugin);
      const r = await registryWith(f.plugin);
      for (const d of await r.all()) {
        console.log(`${d.id.padEnd(12)} ${d.description}`);
        for (const [k, v] of Object.entries(d.defaults)) {
          console.log(`${"".padEnd(14)}${k}: ${JSON.stringify(v)}`);
        }
      }
    });
