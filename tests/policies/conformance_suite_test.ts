import assert from "node:assert/strict";

Deno.test("the conformance suite fails exactly the checks each faulty policy breaks", async () => {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "tests/fixtures/conformance/faulty.ts"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const failed = [...new TextDecoder().decode(stdout).matchAll(/^(conformance .*) \.\.\. FAILED/gm)]
    .map((m) => m[1]).sort();
  assert.deepEqual(failed, [
    "conformance [crashy]: vehicles absent from the system are handled",
    "conformance [mutator]: decide leaves the observation, state and tables as they were",
    "conformance [sticky]: an episode plays the same whether or not others ran before it",
    "conformance [sticky]: reset before decide: a replayed episode repeats its decisions",
  ]);
});
