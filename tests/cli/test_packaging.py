"""What a packager and a package index see: metadata, licence, version, links, entry points.

The wheel itself is built and checked (twine check --strict, its files) by .ci/run.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from conftest import ROOT

from jtai_cli import __version__
from jtai_cli._version import __version__ as written_once

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
PROJECT = PYPROJECT["project"]


def test_the_version_is_written_once():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "jtai_cli/_version.py"
    assert __version__ == written_once == metadata.version("jtai")
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    # no second copy of the number anywhere in the package
    hits = [p for p in (ROOT / "jtai_cli").rglob("*.py")
            if f'"{__version__}"' in p.read_text("utf-8") and p.name != "_version.py"]
    assert hits == []


def test_licence_is_an_spdx_expression_with_its_file():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License")
    # PEP 639 needs hatchling 1.27
    assert any(r.startswith("hatchling>=1.27") for r in PYPROJECT["build-system"]["requires"])
    assert metadata.metadata("jtai")["License-Expression"] == "MIT"


def test_index_page_metadata():
    assert PROJECT["authors"] and PROJECT["keywords"]
    classifiers = set(PROJECT["classifiers"])
    for minor in (11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Operating System :: OS Independent" in classifiers
    # PEP 639: the licence is the expression, never also a classifier
    assert not any(c.startswith("License ::") for c in classifiers)
    assert PROJECT["requires-python"] == ">=3.11"
    assert "urls" not in PROJECT  # no public home yet: no invented address


def test_readme_links_work_on_a_package_index_page():
    """A relative link (schemas/README.md) is dead on an index page: only absolute links, once
    the build's substitutions (hatch-fancy-pypi-readme, in pyproject.toml) are applied."""
    readme = (ROOT / "README.md").read_text("utf-8")
    hooks = PYPROJECT["tool"]["hatch"]["metadata"]["hooks"]["fancy-pypi-readme"]
    assert [f["path"] for f in hooks["fragments"]] == ["README.md"]
    for sub in hooks["substitutions"]:
        readme = re.sub(sub["pattern"], sub["replacement"], readme)
    assert "docs/serve.png" in readme  # still named, as text
    targets = re.findall(r"\]\(([^)\s]+)", readme) + re.findall(r"^\[[^\]]+\]:\s*(\S+)", readme,
                                                                re.M)
    targets += re.findall(r'(?:href|src)="([^"]+)"', readme)
    assert [t for t in targets if not re.match(r"https?://", t)] == []


def test_entry_points_and_the_python_m_jtai_shim():
    scripts = PROJECT["scripts"]
    assert scripts == {"jtai": "jtai_cli.cli:main"}
    packages = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert packages == ["jtai_cli", "jtai"]
    shim = (ROOT / "jtai" / "__main__.py").read_text("utf-8")
    assert "from jtai_cli.cli import main" in shim
    assert sorted(p.name for p in (ROOT / "jtai").iterdir() if p.suffix == ".py") == [
        "__init__.py", "__main__.py"]
