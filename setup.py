"""Build script: the bundled maps live at the repository root and ship inside the package."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED_MAPS = ("resources.yaml", "defaults.yaml")


class BuildPyWithMaps(build_py):
    """Copy resources.yaml and defaults.yaml from the root into the built package."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "restish"
        for name in BUNDLED_MAPS:
            shutil.copyfile(Path(__file__).parent / name, target / name)


setup(cmdclass={"build_py": BuildPyWithMaps})
