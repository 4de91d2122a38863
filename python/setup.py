"""Records where the engine is (this repository) in the installed package.

The engine stays in Deno: `import vecscene` starts `deno run <home>/cli.ts
serve`. An editable install finds the repository by walking up from the
package; a regular install (`pip install ./python`) copies the package away,
so the build writes the repository's path into `vecscene/_home.py`.
``VECSCENE_HOME`` overrides both.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HOME = Path(__file__).resolve().parent.parent


class RecordHome(build_py):
    def run(self):
        super().run()
        if (HOME / "cli.ts").is_file():
            out = Path(self.build_lib) / "vecscene" / "_home.py"
            out.write_text(f'"""Written at install time."""\n\nHOME = {str(HOME)!r}\n')


setup(cmdclass={"build_py": RecordHome})
