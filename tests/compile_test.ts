/**
 * `deno compile` needs the denort runtime, which is downloaded on first use.
 * Where it cannot be had (no network, no DENORT_BIN), the test is skipped
 * and says why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

function denortAvailable(): string | undefined {
  if (Deno.env.get("DENORT_BIN")) return undefined;
  const info = new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).outputSync();
  const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  const zip = join(
    denoDir,
    "dl",
    "release",
    `v${Deno.version.deno}`,
    `denort-${Deno.build.target}.zip`,
  );
  try {
    Deno.statSync(zip);
    return undefined;
  } catch {
    return `denort ${Deno.version.deno} is not cached at ${zip} and DENORT_BIN is unset ` +
      `(it cannot be downloaded on this machine)`;
  }
}

const whyNot = denortAvailable();
if (whyNot) console.log(`compile_test skipped: ${whyNot}`);

Deno.test({
  name: "deno compile builds a binary that runs a scenario",
  ignore: whyNot !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    const bin = join(dir, "vecscene");
    // The flags of the `compile` task, with the output redirected.
    const task: string = JSON.parse(await Deno.readTextFile("deno.json")).tasks.compile;
    const args = task.split(/\s+/).slice(1).map((a) => (a === "dist/vecscene" ? bin : a));
    const c = await new Deno.Command(Deno.execPath(), { args }).output();
    assert.equal(c.code, 0, new TextDecoder().decode(c.stderr));
    const r = await new Deno.Command(bin, {
      args: ["run", "scenarios/highway.yaml", "-e", "1", "--out", join(dir, "out")],
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.match(new TextDecoder().decode(r.stdout), /genetic/);
  },
});
