"""Schemas read with libyaml's safe loader give exactly what the pure-Python loader gives."""

from __future__ import annotations

import pytest
import yaml

from jtai_cli import schemas as schemas_mod
from jtai_cli.errors import SchemaInvalid


@pytest.mark.slow
def test_c_and_python_loaders_read_the_same_schemas(monkeypatch):
    folder = schemas_mod.schemas_folder()
    fast = schemas_mod._load(folder)
    monkeypatch.setattr(schemas_mod, "_SAFE_LOADER", yaml.SafeLoader)
    slow = schemas_mod._load(folder)
    assert fast.lists == slow.lists
    assert fast.code_lists == slow.code_lists
    assert fast.codes == slow.codes


@pytest.mark.parametrize("loader", ["C", "Python"])
def test_either_loader_refuses_python_tags(loader, tmp_path, monkeypatch):
    if loader == "Python":
        monkeypatch.setattr(schemas_mod, "_SAFE_LOADER", yaml.SafeLoader)
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(SchemaInvalid, match="not valid YAML"):
        schemas_mod._load_yaml(path)
