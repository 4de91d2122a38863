/**
 * `schema`: write (or check) the scenario JSON Schema.
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

export async function schemaCommand(o: { out: string; check?: boolean }): Promise<void> {
  const text = schemaText();
  if (o.check) {
    const current = await Deno.readTextFile(o.out).catch(() => "");
    if (current !== text) throw new UserError(`${o.out} is out of date: run \`deno task schema\``);
    console.log(`${o.out}: up to date`);
    return;
  }
  await writeFileAtomic(o.out, text);
  console.log(`wrote ${o.out}`);
}
