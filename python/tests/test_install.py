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
