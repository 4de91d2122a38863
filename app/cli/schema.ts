/**
 * `schema`: write (or check) the scenario and experiment JSON Schemas.
 *
 * @module
 */
import { UserError } from "../../engine/errors.ts";
import { writeFileAtomic } from "../../engine/output/atomic.ts";
import { scenarioJsonSchema } from "../../engine/scenario/schema.ts";

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
