/**
 * The Python package's own tests (python/tests/, pytest), one Deno test per
 * file, so that `deno task test` runs them. They need the venv `.ci/run`
 * makes (`.venv`: Debian's python3 with PyTorch, pettingzoo, gymnasium,
 * pytest and the package); `VECSCENE_TEST_PYTHON` names another
 * interpreter. Without one they are skipped, and say why.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TESTS = `${ROOT}python/tests`;

function interpreter(): string | undefined {
  const given = Deno.env.get("VECSCENE_TEST_PYTHON");
  if (given) return given;
  try {
    Deno.statSync(`${ROOT}.venv/bin/python`);
    return `${ROOT}.venv/bin/python`;
  } catch {
    return undefined;
  }
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
      : `python: ${file} (skipped: no .venv; run .ci/run or set VECSCENE_TEST_PYTHON)`,
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
