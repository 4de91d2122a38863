/**
 * The Python package's own tests (python/tests/, pytest), one Deno test per
 * file, so that `deno task test` runs them. They run in `.venv` (Debian's
 * python3, which sees PyTorch, with pettingzoo, gymnasium, pytest and the
 * package), which python/setup.sh makes on the first run (`.ci/run` also
 * installs PyTorch from Debian); `VECSCENE_TEST_PYTHON` names another
 * interpreter. When none can be made they are skipped, and say why.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TESTS = `${ROOT}python/tests`;

/** The interpreter: VECSCENE_TEST_PYTHON, else `.venv` (made by python/setup.sh when missing). */
function interpreter(): string | undefined {
  const given = Deno.env.get("VECSCENE_TEST_PYTHON");
  if (given) return given;
  const venv = `${ROOT}.venv/bin/python`;
  const ready = () =>
    new Deno.Command(venv, { args: ["-c", "import vecscene, pettingzoo, gymnasium, pytest"] })
      .outputSync().success;
  try {
    if (ready()) return venv;
  } catch {
    // no .venv yet
  }
  const setup = new Deno.Command("bash", { args: [`${ROOT}python/setup.sh`], stdout: "null" })
    .outputSync();
  if (!setup.success) {
    console.error(`python/setup.sh failed: ${new TextDecoder().decode(setup.stderr).trim()}`);
    return undefined;
  }
  return venv;
}

const python = interpreter();
const files = [...Deno.readDirSync(TESTS)]
  .filter((e) => /^test_.*\.py$/.test(e.name))
  .map((e) => e.name)
  .sort();

assert.ok(files.length > 0, "python/tests holds no test files");

for (const file of files) {
  Deno.test({
    name: python
      ? `python: ${file}`
      : `python: ${file} (skipped: python/setup.sh could not make .venv; see its message)`,
    ignore: !python,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const out = await new Deno.Command(python!, {
        args: ["-m", "pytest", "-q", "-p", "no:cacheprovider", file],
        cwd: TESTS,
        env: { PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `pytest ${file} failed:\n${text}`);
      assert.match(text, /\d+ passed/);
    },
  });
}
