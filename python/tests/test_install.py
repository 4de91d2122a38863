"""A regular install (`pip install ./python`) finds its engine from any folder."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import HIGHWAY, HOME


def test_a_regular_install_records_the_repository(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(HOME / "python")],
        check=True,
    )
    assert (target / "vecscene" / "_home.py").is_file()
    env = {k: v for k, v in os.environ.items() if k not in ("VECSCENE_HOME", "PYTHONPATH")}
    env["PYTHONPATH"] = str(target)
    code = (
        "import vecscene, pathlib; e = vecscene.parallel_env(%r); e.reset();"
        "print(vecscene.__file__); print(vecscene.home()); e.close()" % HIGHWAY
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    where, home = out.stdout.split()
    assert where.startswith(str(target)) and home == str(HOME)


def test_a_compiled_engine_named_by_vecscene_bin(tmp_path):
    # A stand-in for `deno task compile`'s dist/vecscene (denort cannot be fetched here):
    # an executable that takes the CLI's arguments; the package runs it as `BIN serve`.
    binary = tmp_path / "vecscene"
    binary.write_text(f'#!/bin/sh\nexec deno run -A --quiet --config={HOME}/deno.json {HOME}/cli.ts "$@"\n')
    binary.chmod(0o755)
    env = dict(os.environ, VECSCENE_BIN=str(binary), VECSCENE_DENO="/nonexistent/deno")
    code = "import vecscene; e = vecscene.parallel_env(%r); e.reset(); print(len(e.agents)); e.close()" % HIGHWAY
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "7"
