"""The synthetic example workbooks: deterministic, up to date, and saying what they promise.

``examples/lists_clean.xlsx`` must validate without errors; ``examples/lists_messy.xlsx`` must
report exactly the errors its manifest (``lists_messy.expected.json``) lists, at the same cells.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from jtai_cli import validate_workbook
from jtai_cli.cli import app
from jtai_cli.schemas import load_schemas

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = dt.date(2026, 11, 23)
FILES = ("lists_clean.xlsx", "lists_messy.xlsx", "lists_messy.expected.json", "lists_edge.xlsx",
         "lists_edge_extractions.xlsx", "lists_edge_day2.xlsx", "lists_edge_day7.xlsx")

#: Every "what goes wrong in real exports" case of the domain brief, as the rule that reports it.
PROBLEMS_OF_THE_BRIEF = {
    "code-coerced", "date-coerced", "number-coerced", "id-coerced", "id-leading-zeros",
    "date-impossible", "date-not-recognised", "code-not-in-list", "required-missing",
    "age-dob-mismatch", "aged-18-or-over", "date-in-future", "end-before-start",
    "duplicate-child", "reason-without-end-date", "outside-period", "dob-mismatch",
    "gender-mismatch", "not-on-lists-6-8", "status-not-matching", "too-many-rows",
    "csa-flag-disagrees", "looked-after-before-birth", "unborn-no-expected-dob",
    "number-too-small", "excel-error", "column-unknown", "column-missing",
}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, generate: ModuleType) -> Path:
    """The example files generated now, with the default seed and size."""
    out = tmp_path_factory.mktemp("fresh")
    assert generate.main(["--out", str(out)]) == 0
    return out


def cell_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values, row by row (the zip bytes carry timestamps, the values not)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def same_content(a: Path, b: Path) -> bool:
    if a.suffix == ".json":
        return bool(json.loads(a.read_text("utf-8")) == json.loads(b.read_text("utf-8")))
    return cell_values(a) == cell_values(b)


def manifest() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (EXAMPLES / "lists_messy.expected.json").read_text("utf-8"))
    return data


def key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["sheet"], finding["row"], finding["column"], finding["rule"])


# --------------------------------------------------------------------------- the generator


@pytest.mark.slow
def test_generator_is_deterministic(
    tmp_path: Path, generate: ModuleType, fresh: Path
) -> None:
    assert generate.main(["--out", str(tmp_path)]) == 0
    for name in FILES:
        assert same_content(tmp_path / name, fresh / name), f"{name} differs between two runs"


@pytest.mark.slow
def test_the_seed_changes_the_children(tmp_path: Path, generate: ModuleType, fresh: Path) -> None:
    # Proves the comparison above can fail: another seed gives other cell values.
    assert generate.main(["--out", str(tmp_path), "--seed", "7"]) == 0
    assert not same_content(tmp_path / "lists_clean.xlsx", fresh / "lists_clean.xlsx")


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_committed_examples_match_a_fresh_generation(name: str, fresh: Path) -> None:
    assert (EXAMPLES / name).exists(), f"examples/{name} missing: run python examples/generate.py"
    assert same_content(EXAMPLES / name, fresh / name), (
        f"examples/{name} is out of date with generate.py or the schemas: "
        "run python examples/generate.py and commit the result"
    )


def test_population_keeps_the_domain_facts(generate: ModuleType) -> None:
    pop = generate.build_population(generate.DEFAULT_SEED, 300, AS_OF)
    kids = pop.children
    assert len({c.id for c in kids}) == len(kids) == 300
    assert all(c.age < 18 for c in kids)
    assert all(c.age == generate.age_on(c.dob, AS_OF) for c in kids if c.dob is not None)
    unborn = [c for c in kids if c.is_unborn]
    assert unborn and all(c.age == -1 and c.edd > AS_OF and c.cla is None for c in unborn)
    assert any(c.cp is not None for c in unborn) and all(c.referrals for c in unborn)
    on6 = [c for c in kids if c.cin is not None]
    assert all(c.cin is not None for c in kids if c.cp is not None or c.cla is not None)
    assert all(c.cp.start >= c.cin.start for c in kids if c.cp is not None)
    assert all(c.cla.start >= c.dob for c in kids if c.cla is not None)
    share = sum(c.csa for c in on6) / len(on6)
    assert 0.12 <= share <= 0.25, share
    assert 3 <= len(pop.yot) <= 5 and 3 <= len(pop.nps) <= 5
    assert all(c.csa and c.additional["known_to_yot"] for c in pop.yot)
    assert all(c.csa and c.additional["nps_adult"] for c in pop.nps)
    assert all(AS_OF < m.start <= AS_OF + dt.timedelta(days=14) for _, m in pop.meetings)


def test_clean_layout_follows_the_schemas() -> None:
    schemas = load_schemas()
    wb = openpyxl.load_workbook(EXAMPLES / "lists_clean.xlsx", read_only=True)
    try:
        names = wb.sheetnames
        assert names == ["List_1", "List_3", "List_4", "List_5", "List_6", "List_7", "List_8",
                         "YOT", "NPS", "Meetings"]
        for ws in wb.worksheets:
            rows = ws.iter_rows(min_row=1, max_row=3, values_only=True)
            title, header, first = next(rows), next(rows), next(rows)
            assert "as at 23/11/2026" in str(title[0]), ws.title
            list_name = next(n for n, s in schemas.lists.items()
                             if schemas.match_header(n, header[0]) and str(title[0]).startswith(
                                 s.title))
            assert list(header) == [c.header for c in schemas.lists[list_name].columns]
            assert isinstance(first[0], str), "child IDs are written as text"
    finally:
        wb.close()


# --------------------------------------------------------------------------- the clean workbook


@pytest.mark.slow
def test_clean_example_has_no_errors() -> None:
    report = validate_workbook(EXAMPLES / "lists_clean.xlsx", as_of=AS_OF)
    errors = report.where(severity="error")
    assert report.valid, "lists_clean.xlsx has errors:\n" + "\n".join(
        f"  {e['sheet']} row {e['row']} {e['column']}: {e['rule']}: {e['message']}"
        for e in errors)


@pytest.mark.slow
def test_clean_example_has_no_warnings_or_coercions() -> None:
    report = validate_workbook(EXAMPLES / "lists_clean.xlsx", as_of=AS_OF)
    assert report.counts() == {"error": 0, "warning": 0, "coerced": 0}, report.flatten()


@pytest.mark.slow
def test_cli_exit_codes_on_the_examples() -> None:
    runner = CliRunner()
    clean = runner.invoke(app, ["validate", str(EXAMPLES / "lists_clean.xlsx"),
                                "--as-of", "2026-11-23"])
    assert clean.exit_code == 0, clean.output
    messy = runner.invoke(app, ["validate", str(EXAMPLES / "lists_messy.xlsx"),
                                "--as-of", "2026-11-23"])
    assert messy.exit_code == 1, messy.output


# --------------------------------------------------------------------------- the messy workbook


@pytest.fixture(scope="module")
def messy_report() -> Any:
    return validate_workbook(EXAMPLES / "lists_messy.xlsx", as_of=AS_OF)


@pytest.mark.slow
def test_every_planted_finding_is_reported(messy_report: Any) -> None:
    found = {tuple(f) for f in messy_report.flatten(["sheet", "row", "column", "rule"])}
    missing = [m for m in manifest() if key(m) not in found]
    assert not missing, "planted but not reported:\n" + "\n".join(map(str, missing))


@pytest.mark.slow
def test_no_error_is_reported_that_was_not_planted(messy_report: Any) -> None:
    planted = {key(m) for m in manifest()}
    unexpected = [f for f in messy_report.where(severity="error") if key(f) not in planted]
    assert not unexpected, "errors not in the manifest:\n" + "\n".join(
        f"  {f['sheet']} row {f['row']} {f['column']}: {f['rule']}: {f['message']}"
        for f in unexpected)


def test_messy_example_plants_every_problem_of_the_brief() -> None:
    rules = {m["rule"] for m in manifest()}
    assert PROBLEMS_OF_THE_BRIEF <= rules, sorted(PROBLEMS_OF_THE_BRIEF - rules)


def test_messy_example_holds_the_sentinel_name_once() -> None:
    # Tests elsewhere prove this name never reaches a log; it must be in the workbook to matter.
    values = cell_values(EXAMPLES / "lists_messy.xlsx")
    hits = [(sheet, i) for sheet, rows in values.items() for i, row in enumerate(rows, 1)
            if "Zebedee Quuxington" in row]
    assert len(hits) == 1, hits


@pytest.mark.slow
def test_a_list_longer_than_a_sheet_spans_sheets_and_reads_back_as_one(
        tmp_path: Path, generate: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    # Excel's 1,048,576-row limit, shrunk so the 280 contacts need three sheets.
    monkeypatch.setattr(generate, "EXCEL_MAX_ROWS", 120)
    path = tmp_path / "split.xlsx"
    generate.write_clean(path)
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert names[:3] == ["List_1", "List_1 (2)", "List_1 (3)"]
    report = validate_workbook(path, as_of=AS_OF)
    assert report.where(severity="error") == [] and report.where(severity="warning") == []
    lists = report.to_dict()["lists"]
    assert sum(lists[n]["rows"] for n in names[:3]) == 280
    assert {lists[n]["list"] for n in names[:3]} == {"contacts"}
