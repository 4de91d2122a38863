/**
 * `schema`: write (or check) the scenario and experiment JSON Schemas.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { UserError } from "../../engine/errors.ts";
import { writeFileAtomic } from "../../engine/output/atomic.ts";
import { scenarioJsonSchema } from "../../engine/scenario/schema.ts";
import { experimentJsonSchema } from "../experiment/plan/schema.ts";
import { checkPathFlag } from "./flags.ts";

/** The JSON Schema text as committed. */
export function schemaText(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + "\n";
}

/** Writes (or with `check`, compares) a JSON Schema: the scenario's, unless `text` is given. */
export async function schemaCommand(
  o: { out: string; check?: boolean },
  text: string = schemaText(),
): Promise<void> {
  if (o.check) {
    const current = await Deno.readTextFile(o.out).catch(() => "");
    if (current !== text) throw new UserError(`${o.out} is out of date: run \`deno task schema\``);
    console.log(`${o.out}: up to date`);
    return;
  }
  await writeFileAtomic(o.out, text);
  console.log(`wrote ${o.out}`);
}

/** The experiment JSON Schema as committed. */
export function experimentSchemaText(): string {
  return JSON.stringify(experimentJsonSchema(), null, 2) + "\n";
}

/** `schema`: its flags, declared once. */
export const schemaCli = () =>
  new Command("schema")
    .description("Write the scenario and experiment JSON Schemas (for editor autocompletion)")
    .option("--out <file>", "where to write the scenario's", "scenarios/scenario.schema.json")
    .option(
      "--experiment-out <file>",
      "where to write the experiment's",
      "experiments/experiment.schema.json",
    )
    .option("--check", "exit 1 if a file is not up to date")
    .action(async (f) => {
      checkPathFlag("--out", f.out);
      checkPathFlag("--experiment-out", f.experimentOut);
      await schemaCommand(f);
      await schemaCommand({ out: f.experimentOut, check: f.check }, experimentSchemaText());
    });
