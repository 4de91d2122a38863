import assert from "node:assert/strict";
import { experimentSchemaText } from "../../../app/cli/experiment.ts";
import { expandFile } from "./_helpers.ts";

const SHIPPED = ["fig6a", "fig6b", "fig7", "fig8a", "fig8b", "fig9", "table2"];

Deno.test("the committed experiment JSON Schema is up to date", async () => {
  assert.equal(
    await Deno.readTextFile("experiments/experiment.schema.json"),
    experimentSchemaText(),
  );
});

Deno.test("every shipped experiment expands under each profile; quick is the smallest", async () => {
  const found = [...Deno.readDirSync("experiments")].map((e) => e.name)
    .filter((n) => n.endsWith(".yaml")).map((n) => n.replace(/\.yaml$/, "")).sort();
  assert.deepEqual(found, [...SHIPPED].sort());
  for (const name of SHIPPED) {
    const file = `experiments/${name}.yaml`;
    const plain = await expandFile(file);
    assert.deepEqual(plain.loaded.profiles.sort(), ["paper", "quick"], name);
    const quick = await expandFile(file, "quick");
    const paper = await expandFile(file, "paper");
    assert.ok(quick.cells.length < plain.cells.length || quick.cells.length < paper.cells.length);
    assert.ok(quick.cells.length <= 20, `${name}: ${quick.cells.length} quick cells`);
    for (const c of quick.cells) {
      if (c.train) assert.ok(c.train.episodes <= 3, `${name}: quick training is tiny`);
      if (c.kind === "eval") assert.ok(c.episodes! <= 2, `${name}: quick evaluation is tiny`);
    }
    // Table II times decisions, which cost the same whatever the weights: it trains briefly.
    const budget = name === "table2" ? 2 : 1000;
    for (const c of paper.cells) if (c.train) assert.equal(c.train.episodes, budget, name);
    assert.ok(plain.loaded.experiment.figures.length > 0, name);
  }
});
