"""The one place jtai's version is written (pyproject.toml reads it: hatch's dynamic version)."""

__version__ = "0.1.0"
