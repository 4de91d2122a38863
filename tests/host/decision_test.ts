/**
 * Decisions are whole numbers, end to end: a plugin returning a partition
 * or target that is not one (1.5, 1 + 1e-9) is refused like any other
 * invalid decision, sandboxed (where the decision crosses threads) and
 * trusted (in-process), from a plain array or a Float64Array.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempScenario } from "../_helpers/mod.ts";

const FRACTIONAL = new URL("../fixtures/plugins/fractional.ts", import.meta.url).pathname;

/** Runs the fractional fixture with `params` (YAML flow mapping); sandboxed unless `trusted`. */
async function run(params: string, trusted: boolean) {
  const scenario = await tempScenario(
    `name: d\ntime: { episodes: 1, slots: 3 }\npolicy: { use: ${FRACTIONAL}, params: ${params} }\n`,
  );
  const out = join(await Deno.makeTempDir({ prefix: "vecscene-decision-" }), "r");
  const r = await cli(["run", scenario, "-q", "-o", out, ...(trusted ? ["--trust-plugins"] : [])]);
  // The trusted run warns first; the problem is the line after.
  return { code: r.code, line: r.err.split("\n").filter((l) => !l.startsWith("warning:"))[0] };
}

const PARTITION = (phi: string) =>
  `policy "fractional" returned an invalid decision: cv1 (alexnet, L = 11) got partition ${phi}; ` +
  "it must be an integer in 1..12 (episode 1, slot 1)";

for (const trusted of [false, true]) {
  const how = trusted ? "trusted" : "sandboxed";

  Deno.test(`decision (${how}): partition 1.5 for every CV is refused, naming policy, CV, value, episode and slot`, async () => {
    for (const float64 of [false, true]) {
      const r = await run(`{ partition: 1.5, float64: ${float64} }`, trusted);
      assert.equal(r.code, 2, r.line);
      assert.equal(r.line, PARTITION("1.5"));
    }
  });

  Deno.test(`decision (${how}): partition 1 + 1e-9 is refused`, async () => {
    assert.equal(1.000000001, 1 + 1e-9, "the YAML value is the double 1 + 1e-9");
    const r = await run("{ partition: 1.000000001 }", trusted);
    assert.equal(r.code, 2, r.line);
    assert.equal(r.line, PARTITION("1.000000001"));
  });

  Deno.test(`decision (${how}): target 0.5 is refused`, async () => {
    const r = await run("{ partition: 12, target: 0.5, float64: true }", trusted);
    assert.equal(r.code, 2, r.line);
    assert.equal(
      r.line,
      'policy "fractional" returned an invalid decision: cv1 got target 0.5; it must be 0 ' +
        "(RSU) or an SV number in 1..5 (episode 1, slot 1)",
    );
  });

  Deno.test(`decision (${how}): whole numbers in a plain array or a Float64Array run`, async () => {
    for (const float64 of [false, true]) {
      // Partition 1: every CV sends its raw input to the RSU (target 0).
      const r = await run(`{ partition: 1, target: 0, float64: ${float64} }`, trusted);
      assert.equal(r.code, 0, r.line);
    }
  });
}
