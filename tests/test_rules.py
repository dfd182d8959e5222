"""The rule registry (jtai_cli/rules.py): it and the code cannot drift, and each rule has a
unit test on a small dataset built in memory by the row factory (tests/factory.py).

The drift tests read the source, so they fail when a rule is added, renamed or dropped on one
side only: every slug the code emits is registered, every registered slug is emitted by the
function the registry names, and every slug is asserted by some test.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
import subprocess
import sys
import textwrap
from importlib import import_module
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from builders import make_workbook
from conftest import AS_OF, ROOT
from factory import BLANK, DOB, EVENT, cells, dataset, findings, parsed_list, with_rules
from typer.testing import CliRunner

import jtai_cli
from jtai_cli import issues, rules
from jtai_cli.checks import _Emitter, run_checks
from jtai_cli.cli import app
from jtai_cli.errors import UsageError
from jtai_cli.reporting import FindingsBuilder
from jtai_cli.rules import CATALOGUE, FUNCTIONS, Severity
from jtai_cli.schemas import load_schemas, to_pandera
from jtai_cli.validation import Dataset, _note_duplicated_lists, _unrecognised, validate_workbook

D = dt.date
TESTS = Path(__file__).parent
PACKAGE = Path(jtai_cli.__file__).parent
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
runner = CliRunner()

# Headers used below (the template's, from the YAML).
ID, GENDER, DOB_H, AGE = "Child Unique ID", "Gender", "Date of Birth", "Age of Child (Years)"
EDD = "If unborn: expected date of birth"
FLAG = ("Whether the child is at risk of or subject to child sexual abuse in the family "
        "environment (Y/N)")
CONTACT = "Date of Contact"
S47_START = "Strategy discussion initiating Section 47 Enquiry Start Date"
ICPC = "Date of Initial Child Protection Conference"
ICPC_PLAN = "Did the Initial Child Protection Conference Result in a Child Protection Plan"
CIN_START, CIN_END, CIN_REASON = "CIN Start Date", "CIN Closure Date", "Reason for Closure"
CLA_START = "Date Started to be Looked After"
PLACEMENTS = "Number of Placements in the Last 12 months"
POSTCODE = "Placement postcode"
STATUS = "Whether CIN, CP or CLA"
MEETING = "Date of meeting"


def run(data: Dataset, slug: str) -> list[tuple[str, int | None, str | None]]:
    """Run the one function the registry names for ``slug`` (parsing has run already) and
    give where its findings are; each message must fit the rule's template."""
    fn = FUNCTIONS.get(slug)
    if fn is not None:
        if CATALOGUE[slug].stage == "list":
            for pl in data.lists:
                fn(data, pl, _Emitter(data, pl))
        else:
            fn(data)
    return where(data, slug)


def where(data: Dataset, slug: str) -> list[tuple[str, int | None, str | None]]:
    found = findings(data, slug)
    for f in found:
        assert f["severity"] == CATALOGUE[slug].severity.value
        assert CATALOGUE[slug].matches(f["message"]), (slug, f["message"])
    return [(f["sheet"], None if pd.isna(f["row"]) else int(f["row"]), f["column"])
            for f in found]


# --------------------------------------------------------------------------- the registry


def test_every_rule_has_a_meaning_a_message_template_and_an_emitter():
    assert len(CATALOGUE) >= 53
    for slug, r in CATALOGUE.items():
        assert SLUG.match(slug) and r.slug == slug
        assert r.title and r.description.endswith((".", ")")), slug
        assert r.messages and all(m for m in r.messages), slug
        assert r.stage in rules.STAGES and r.emitted_by, slug
        # Where each rule comes from; tests/test_citations.py checks the paragraphs and quotes.
        assert r.paragraph == "" or re.match(
            r"^(paras? \d|Annex C|Ofsted Annex A template \(2019\)$|field definitions)",
            r.paragraph), slug


def test_the_columns_a_rule_reads_are_named_as_the_schemas_name_them():
    """``role: x`` is a role, ``rules.x`` a column rule, a bare word a list or column key of
    the YAML (or, for the rules on files, a part of the sheet), a header a real header."""
    from typing import get_args

    from jtai_cli.schemas import Column, ListSchema, Role, Rules

    schemas = load_schemas()
    headers = {c.header for s in schemas.lists.values() for c in s.columns}
    keys = set(ListSchema.model_fields) | set(Column.model_fields)
    sheet_parts = {"headers", "header", "sheet name", "title", "codes.reached_18"}
    for slug, r in CATALOGUE.items():
        for what in r.columns:
            kind, _, name = what.partition(": ")
            if kind == "role":
                assert name in get_args(Role), (slug, what)
            elif kind == "type":
                assert name in ("date", "integer", "code", "id", "text"), (slug, what)
            elif what.startswith("rules."):
                assert what[6:] in Rules.model_fields, (slug, what)
            else:
                assert what in keys | headers | sheet_parts, (slug, what)


def test_the_catalogue_is_still_importable_from_issues_and_is_the_registry():
    assert issues.CATALOGUE is rules.CATALOGUE and issues.Rule is rules.Rule
    assert issues.Severity.ERROR is Severity.ERROR


def test_a_rule_registered_twice_or_without_a_template_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        rules.declare(rules.Rule("duplicate-child", Severity.ERROR, "t", "d.", ("m",),
                                 emitted_by=("somewhere.else",), stage="read"))
    with pytest.raises(ValueError, match="no message template"):
        rules.declare(rules.Rule("brand-new-rule", Severity.ERROR, "t", "d.",
                                 emitted_by=("x.y",), stage="read"))
    assert "brand-new-rule" not in CATALOGUE


def test_templates_match_their_messages_and_only_them():
    r = CATALOGUE["outside-period"]
    assert r.matches("Date of Contact 23/06/2026 is before 23/08/2026, the start of the "
                     "3-month period for List 1")
    assert not r.matches("Date of Contact 23/06/2026 is after 23/08/2026")


def _emission_sites() -> dict[str, set[str]]:
    """Every slug the package's code passes to something that adds a finding, by module.

    The ways a finding is made: ``findings.add("slug", ...)``, ``emit("slug", ...)`` or
    ``_Emitter(...)("slug", ...)``, ``Parsed(value, state, "slug", ...)``,
    ``_conflicts(..., "slug", ...)``, and ``rule = "slug"`` before ``findings.add(rule, ...)``.
    """
    sites: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "rules.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            found: list[ast.expr] = []
            if isinstance(node, ast.Call):
                f = node.func
                name = (f.attr if isinstance(f, ast.Attribute) else
                        f.id if isinstance(f, ast.Name) else "call" if isinstance(f, ast.Call)
                        else "")
                if name in ("add", "emit", "call") and node.args:
                    found.append(node.args[0])
                elif name == "Parsed" and len(node.args) > 2:
                    found.append(node.args[2])
                elif name == "_conflicts" and len(node.args) > 4:
                    found.append(node.args[4])
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "rule" for t in node.targets):
                found.append(node.value)
            for arg in found:
                if (isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        and SLUG.match(arg.value)):
                    sites.setdefault(arg.value, set()).add(path.stem)
    return sites


def test_every_slug_the_code_emits_is_registered_and_every_registered_slug_is_emitted():
    sites = _emission_sites()
    assert set(sites) - set(CATALOGUE) == set(), "emitted but not registered"
    assert set(CATALOGUE) - set(sites) == set(), "registered but emitted nowhere"


def _body_strings(dotted: str) -> set[str]:
    """The string constants in a function's body (its decorator, which names the rule, left
    out)."""
    module, _, name = dotted.rpartition(".")
    fn = getattr(import_module(module), name)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    return {n.value for stmt in func.body for n in ast.walk(stmt)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_each_rule_is_emitted_by_the_function_the_registry_names():
    for slug, r in CATALOGUE.items():
        assert any(slug in _body_strings(where) for where in r.emitted_by), (slug, r.emitted_by)


def test_each_rule_function_is_run_by_validate():
    for slug, fn in FUNCTIONS.items():
        assert fn in rules.functions(CATALOGUE[slug].stage), slug


def _asserted_slugs() -> dict[str, set[str]]:
    """Slug -> the test files that assert it: written inside an ``assert`` statement, or in
    the ``pytest.mark.parametrize`` cases of a test that asserts."""
    out: dict[str, set[str]] = {}

    def note(tree: ast.AST, path: Path) -> None:
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in CATALOGUE:
                out.setdefault(n.value, set()).add(path.name)

    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                note(node, path)
            elif isinstance(node, ast.FunctionDef) and any(
                    isinstance(n, ast.Assert) for n in ast.walk(node)):
                for deco in node.decorator_list:
                    if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                            and deco.func.attr == "parametrize"):
                        note(deco, path)
                        # Cases kept in a module-level table: CASES = [...]
                        names = {a.id for a in deco.args if isinstance(a, ast.Name)}
                        for top in tree.body:
                            if isinstance(top, ast.Assign | ast.AnnAssign) and any(
                                    isinstance(t, ast.Name) and t.id in names
                                    for t in (top.targets if isinstance(top, ast.Assign)
                                              else [top.target])):
                                note(top, path)
    return out


def test_every_slug_is_asserted_by_some_test():
    asserted = _asserted_slugs()
    assert set(CATALOGUE) - set(asserted) == set()


def test_every_rule_has_a_unit_test_here():
    here = {s for s, files in _asserted_slugs().items() if Path(__file__).name in files}
    assert [s for s in CATALOGUE if s not in here] == []


def test_golden_reports_messages_fit_their_rules_templates():
    for path in sorted((TESTS / "golden").glob("*.json")):
        for f in json.loads(path.read_text("utf-8"))["findings"]:
            rule = CATALOGUE[f["rule"]]
            assert f["severity"] == rule.severity.value
            assert rule.matches(f["message"]), (f["rule"], f["message"])


# --------------------------------------------------------------------------- README and CLI


def test_readme_rule_list_is_generated_from_the_registry():
    text = (ROOT / "README.md").read_text("utf-8")
    assert rules.README_START in text and rules.README_END in text
    assert rules.replace_readme_section(text) == text, "run: python -m jtai_cli.rules"
    for slug in CATALOGUE:
        assert f"| `{slug}` |" in text


def test_jtai_rules_lists_every_rule_as_json_and_text():
    result = runner.invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    assert [r["slug"] for r in doc["rules"]] == list(CATALOGUE)
    first = doc["rules"][0]
    assert set(first) >= {"slug", "severity", "title", "meaning", "paragraph", "messages",
                          "columns"}
    text = runner.invoke(app, ["rules"])
    assert text.exit_code == 0 and "duplicate-child" in text.stdout
    assert "para 21" in text.stdout


def test_jtai_rules_one_rule_a_severity_quiet_and_a_wrong_slug():
    one = runner.invoke(app, ["rules", "too-many-rows"])
    assert one.exit_code == 0 and "holds up to <most> cases" in one.stdout
    # in the analyst's words: no module paths, no raw {placeholders}
    assert "jtai_cli." not in one.stdout and "{" not in one.stdout
    coerced = json.loads(runner.invoke(app, ["rules", "-s", "coerced", "--json"]).stdout)
    assert {r["severity"] for r in coerced["rules"]} == {"coerced"}
    quiet = runner.invoke(app, ["rules", "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == ""
    wrong = runner.invoke(app, ["rules", "duplicate", "--format", "json"])
    assert wrong.exit_code == 2
    err = json.loads(wrong.stdout)["error"]
    assert err["kind"] == "usage" and "duplicate-child" in err["message"]


def test_jtai_rules_help_imports_no_pandas():
    code = ("import sys\nfrom jtai_cli.cli import app\n"
            "try:\n    app(['rules', '--help'], prog_name='jtai')\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('pandas', 'numpy', 'rich', 'pandera') "
            "if m in sys.modules), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert b"HEAVY []" in proc.stderr, proc.stderr.decode()[-2000:]


# --------------------------------------------------------------------------- pandera


def test_to_pandera_by_name_names_each_check_by_its_rule():
    schema = to_pandera("children_in_need")
    assert isinstance(schema, pa.DataFrameSchema) and schema.name == "children_in_need"
    names = {c.name for col in schema.columns.values() for c in col.checks}
    assert names == {"number-too-small", "code-not-in-list", "not-a-whole-number",
                     "id-not-recognised", "date-not-recognised"}
    assert set(names) <= set(CATALOGUE)
    frame = pd.DataFrame({
        AGE: pd.array([10, -3, None], dtype="Int64"),
        GENDER: pd.Series(["a) Male", "Martian", None], dtype=object),
    })
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.select_columns([AGE, GENDER]).validate(frame, lazy=True)
    cases = caught.value.failure_cases
    got = sorted(zip(cases["column"], cases["check"], cases["index"].astype(int), strict=True))
    assert got == [(AGE, "number-too-small", 1), (GENDER, "code-not-in-list", 1)]


def test_to_pandera_required_values_for_pipelines_and_a_wrong_name():
    strict = to_pandera("yot", required_values=True)
    frame = pd.DataFrame({c: pd.Series([None], dtype=object) for c in strict.columns})
    frame[AGE] = pd.array([None], dtype="Int64")
    frame[DOB_H] = pd.Series([pd.NaT], dtype="datetime64[ns]")
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        strict.validate(frame, lazy=True)
    cases = caught.value.failure_cases
    # The child ID is essential (jtai's error); the status is asked "where possible".
    assert sorted(zip(cases["column"], cases["check"], strict=True)) == [
        (ID, "required-missing"), (STATUS, "value-missing")]
    assert to_pandera("yot").validate(frame) is not None  # blanks are jtai's own rule
    with pytest.raises(UsageError, match="no list called 'list 99'"):
        to_pandera("list 99")


def test_parsed_typed_columns_pass_every_lists_full_pandera_schema():
    """Parsing's contract, checked by pandera: every typed column of every list (the
    example's messy values included) has the column's dtype and only its codes."""
    schemas = load_schemas()
    from jtai_cli.validation import load_dataset

    data = load_dataset(ROOT / "examples" / "lists_messy.xlsx", as_of=AS_OF)
    assert len(data.lists) >= 10
    failed: set[str] = set()
    for pl in data.lists:
        try:
            to_pandera(pl.schema, schemas.codes).validate(pl.typed, lazy=True)
        except pa.errors.SchemaErrors as exc:
            failed |= set(exc.failure_cases["check"])
    # Only the ranges, which parsing leaves to pandera, fail (the messy example has a -1).
    assert failed == {"number-too-small"}


# --------------------------------------------------------------------------- factory


def test_the_factory_s_default_rows_break_no_rule_on_any_list():
    data = dataset({name: [{}, {}, {}] for name in load_schemas().lists})
    run_checks(data)
    assert findings(data) == []
    assert len(data.lists) == len(load_schemas().lists)


# --------------------------------------------------------------------------- read rules


def test_essential_column_missing_and_column_missing():
    data = dataset({"children_in_need": [{}]}, omit={"children_in_need": [FLAG, "Ethnicity"]})
    assert where(data, "essential-column-missing") == [("children_in_need", None, FLAG)]
    assert where(data, "column-missing") == [("children_in_need", None, "Ethnicity")]
    assert where(dataset({"children_in_need": [{}]}), "column-missing") == []


def test_column_unknown_and_column_duplicate():
    data = dataset({"contacts": [{}, {}]},
                   extra={"contacts": {"Notes": ["x", "y"], "Sex": ["a) Male", "b) Female"]}})
    assert where(data, "column-unknown") == [("contacts", 1, "Notes")]
    assert where(data, "column-duplicate") == [("contacts", 1, "Sex")]
    assert where(dataset({"contacts": [{}]}), "column-unknown") == []


def test_sheet_not_in_scope_and_sheet_not_recognised():
    from jtai_cli.reading import RawSheet

    findings_, sheets = FindingsBuilder(), []
    _unrecognised(RawSheet("memory.xlsx", "Care leavers", [["Name", "Age"], ["x", 19]]),
                  findings_, sheets, (0, 0))
    _unrecognised(RawSheet("memory.xlsx", "Notes", [["Anything", "Else"], ["x", 1]]),
                  findings_, sheets, (0, 1))
    _unrecognised(RawSheet("memory.xlsx", "Codes", [["x"]]), findings_, sheets, (0, 2))
    got = findings_.frame()
    assert list(zip(got["rule"], got["sheet"], strict=True)) == [
        ("sheet-not-in-scope", "Care leavers"), ("sheet-not-recognised", "Notes")]
    for f in got.to_dict("records"):
        assert CATALOGUE[f["rule"]].matches(f["message"])


def test_list_duplicated():
    schemas = load_schemas()
    builder = FindingsBuilder()
    first, _ = parsed_list("contacts", sheet="Contacts", findings=builder, schemas=schemas)
    part, _ = parsed_list("contacts", sheet="Contacts (2)", findings=builder, schemas=schemas)
    again, _ = parsed_list("contacts", sheet="List 1", findings=builder, schemas=schemas)
    _note_duplicated_lists([first, part, again], builder)
    got = builder.frame()
    assert list(zip(got["rule"], got["sheet"], strict=True)) == [("list-duplicated", "List 1")]
    assert CATALOGUE["list-duplicated"].matches(got["message"].iloc[0])


def test_sheet_hidden_formula_cell_file_kind_mismatch_and_no_lists_found():
    """The rules on how a file holds its sheets, on a workbook built in memory."""
    from concurrent.futures import ThreadPoolExecutor

    from jtai_cli.reading import RawSheet, Workbook
    from jtai_cli.validation import _load_lists

    schemas = load_schemas()
    hidden = RawSheet("memory.xlsx", "YOT", cells("yot", [{}, {}], schemas=schemas),
                      hidden=True, notes=["named .xlsx but holds plain text (CSV)"],
                      formula_cells=[(3, 4)], formula_count=3)
    other = RawSheet("other.xlsx", "Notes", [["Anything", "Else"], ["x", 1]])
    builder, lists, sheets = FindingsBuilder(), [], []
    with ThreadPoolExecutor(max_workers=1) as reader:
        for fi, wb in enumerate([Workbook(Path("memory.xlsx"), "zip", [hidden]),
                                 Workbook(Path("other.xlsx"), "zip", [other])]):
            _load_lists(wb, fi, schemas, builder, lists, sheets, reader,
                        lambda *_: None, False)
    got = builder.frame()
    for f in got.to_dict("records"):
        assert CATALOGUE[f["rule"]].matches(f["message"]), f
    assert [(r, s, None if pd.isna(row) else int(row)) for r, s, row in
            zip(got["rule"], got["sheet"], got["row"], strict=True)] == [
        ("file-kind-mismatch", "YOT", None), ("sheet-hidden", "YOT", None),
        ("formula-cell", "YOT", None), ("formula-cell", "YOT", 3),
        ("no-lists-found", "Notes", None), ("sheet-not-recognised", "Notes", None)]
    assert len(lists) == 1 and lists[0].name == "yot"


def test_sheet_empty():
    from concurrent.futures import ThreadPoolExecutor

    from jtai_cli.reading import RawSheet, Workbook
    from jtai_cli.validation import _load_lists

    schemas = load_schemas()
    empty = RawSheet("memory.xlsx", "List 1", cells("contacts", [], schemas=schemas))
    full = RawSheet("memory.xlsx", "List 6", cells("children_in_need", [{}], schemas=schemas))
    builder, lists, sheets = FindingsBuilder(), [], []
    with ThreadPoolExecutor(max_workers=1) as reader:
        _load_lists(Workbook(Path("memory.xlsx"), "zip", [empty, full]), 0, schemas, builder,
                    lists, sheets, reader, lambda *_: None, False)
    got = builder.frame()
    assert list(zip(got["rule"], got["sheet"], strict=True)) == [("sheet-empty", "List 1")]
    assert CATALOGUE["sheet-empty"].matches(got["message"].iloc[0])


def test_file_unusable(tmp_path):
    """A file-level rule: one file of two cannot be read; the other is still checked."""
    good = make_workbook(tmp_path, {"List 1": [[ID, CONTACT], ["C1", EVENT]]}, name="good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 40)  # a zip cut short: no workbook in it
    report = validate_workbook([good, bad], as_of=AS_OF, separately=True, workers=1)
    errors = [(Path(f["file"]).name, f["rule"]) for f in report.where(severity="error")]
    assert errors == [("bad.xlsx", "file-unusable")]
    assert report.where(rule="column-missing"), "the good file was still checked"


# --------------------------------------------------------------------------- value rules


def test_excel_error():
    data = dataset({"contacts": [{}, {"Contact Source": "#N/A"}]})
    assert where(data, "excel-error") == [("contacts", 3, "Contact Source")]


def test_date_not_recognised_and_date_impossible():
    data = dataset({"contacts": [{DOB_H: "TBC"}, {DOB_H: "31/02/2015"}, {}]})
    assert where(data, "date-not-recognised") == [("contacts", 2, DOB_H)]
    assert where(data, "date-impossible") == [("contacts", 3, DOB_H)]


def test_date_coerced():
    data = dataset({"contacts": [{DOB_H: "01/03/2016"}, {}]})
    assert where(data, "date-coerced") == [("contacts", 2, DOB_H)]


def test_not_a_whole_number_and_number_coerced():
    data = dataset({"contacts": [{AGE: "ten"}, {AGE: "10"}, {AGE: 10.0}]})
    assert where(data, "not-a-whole-number") == [("contacts", 2, AGE)]
    assert where(data, "number-coerced") == [("contacts", 3, AGE)]


def test_code_not_in_list_and_code_coerced():
    data = dataset({"contacts": [{GENDER: "Martian"}, {GENDER: "Male"}, {}]})
    assert where(data, "code-not-in-list") == [("contacts", 2, GENDER)]
    assert where(data, "code-coerced") == [("contacts", 3, GENDER)]


def test_id_not_recognised_and_id_coerced():
    data = dataset({"contacts": [{ID: True}, {ID: " C2 "}, {ID: 1001.0}]})
    assert where(data, "id-not-recognised") == [("contacts", 2, ID)]
    assert where(data, "id-coerced") == [("contacts", 3, ID)]


# --------------------------------------------------------------------------- list rules


def test_required_missing_and_value_missing():
    """A blank essential cell is an error; any other required blank a warning (para 19)."""
    data = dataset({"contacts": [{}, {"Contact Source": BLANK}, {CONTACT: BLANK}]})
    assert run(data, "required-missing") == [("contacts", 4, CONTACT)]
    assert where(data, "value-missing") == [("contacts", 3, "Contact Source")]
    assert CATALOGUE["required-missing"].severity is Severity.ERROR
    assert CATALOGUE["value-missing"].severity is Severity.WARNING


def test_blanks_the_yaml_declares_right_and_values_where_blank_expected():
    """Conditional blanks come from the YAML: no provider on T0-T4/Z1, no postcode or
    location on a V3/V4 short break, no worker once closed or on an NFA referral."""
    provider, location = "Placement Provider", "Placement Location"
    data = dataset({
        "children_in_care": [
            {"Placement Type": "T0", provider: BLANK},
            {"Placement Type": "Z1", provider: "PR1"},
            {"Placement Type": "U1", provider: BLANK},
            {"Child's Legal Status": "V3", location: BLANK, POSTCODE: BLANK},
            {"Child's Legal Status": "V4", POSTCODE: "LS6 2AA", location: BLANK},
            {"Date Ceased to be Looked After ": AS_OF - dt.timedelta(days=9),
             "Reason Ceased to be Looked After": "E11", "Allocated Worker": BLANK}],
        "referrals": [{"Referral NFA?": "Yes", "Allocated Team": BLANK,
                       "Allocated Worker": BLANK},
                      {"Referral NFA?": "No", "Allocated Worker": BLANK}]})
    assert run(data, "value-missing") == [("children_in_care", 4, provider),
                                          ("referrals", 3, "Allocated Worker")]
    assert where(data, "value-where-blank-expected") == [("children_in_care", 3, provider),
                                                         ("children_in_care", 6, POSTCODE)]
    assert where(data, "required-missing") == []
    msg = findings(data, "value-where-blank-expected")[0]["message"]
    assert "when Placement Type is one of T0, T1, T2, T3, T4, Z1" in msg and "SSDA903" in msg


def test_date_in_future_and_date_booked():
    later = AS_OF + dt.timedelta(days=5)
    data = dataset({"contacts": [{CONTACT: later}, {}],
                    "section_47": [{ICPC: later, ICPC_PLAN: BLANK}, {ICPC: later}]})
    assert run(data, "date-in-future") == [("contacts", 2, CONTACT), ("section_47", 3, ICPC)]
    assert where(data, "date-booked") == [("section_47", 2, ICPC)]


def test_looked_after_before_birth():
    data = dataset({"children_in_care": [{CLA_START: DOB - dt.timedelta(days=3)}, {}]})
    assert run(data, "looked-after-before-birth") == [("children_in_care", 2, CLA_START)]
    # Work before birth is fine on the other lists.
    other = dataset({"children_in_need": [{CIN_START: DOB - dt.timedelta(days=3)}]})
    assert run(other, "looked-after-before-birth") == []


def test_age_dob_mismatch_and_unborn_age_not_minus_one():
    unborn = AS_OF + dt.timedelta(days=40)
    data = dataset({"contacts": [{AGE: 4}, {}, {DOB_H: unborn, AGE: 0}, {DOB_H: unborn, AGE: -1}]})
    assert run(data, "age-dob-mismatch") == [("contacts", 2, AGE)]
    assert where(data, "unborn-age-not-minus-one") == [("contacts", 4, AGE)]


def test_unborn_no_expected_dob():
    data = dataset({"contacts": [{DOB_H: BLANK, AGE: -1},
                                 {DOB_H: BLANK, AGE: -1, EDD: AS_OF + dt.timedelta(days=9)}]})
    assert run(data, "unborn-no-expected-dob") == [("contacts", 2, EDD)]


def test_aged_18_or_over():
    old = D(2007, 1, 2)
    data = dataset({"contacts": [{DOB_H: old, AGE: 19}, {}],
                    "children_in_need": [{DOB_H: old, AGE: 19}]})
    assert run(data, "aged-18-or-over") == [("contacts", 2, DOB_H),
                                            ("children_in_need", 2, DOB_H)]


def test_end_before_start():
    data = dataset({"children_in_need": [{CIN_END: EVENT - dt.timedelta(days=1)}, {}]})
    assert run(data, "end-before-start") == [("children_in_need", 2, CIN_END)]


def test_reason_without_end_date_and_end_date_without_reason():
    data = dataset({"children_in_need": [{CIN_REASON: "RC1 - Adopted"},
                                         {CIN_END: EVENT, CIN_REASON: BLANK},
                                         {CIN_END: EVENT}]})
    assert run(data, "reason-without-end-date") == [("children_in_need", 2, CIN_REASON)]
    assert run(data, "end-date-without-reason") == [("children_in_need", 3, CIN_REASON)]


def test_number_too_small_and_number_too_large():
    schemas = with_rules(load_schemas(), "children_in_care", PLACEMENTS, at_most=5)
    data = dataset({"children_in_care": [{PLACEMENTS: 0}, {PLACEMENTS: 9}, {PLACEMENTS: 5}]},
                   schemas=schemas)
    assert run(data, "number-too-small") == [("children_in_care", 2, PLACEMENTS)]
    assert where(data, "number-too-large") == [("children_in_care", 3, PLACEMENTS)]


def test_outside_period():
    data = dataset({"contacts": [{CONTACT: AS_OF - dt.timedelta(days=200)}, {}]})
    assert run(data, "outside-period") == [("contacts", 2, CONTACT)]


def test_too_many_rows():
    assert run(dataset({"yot": [{}] * 6}), "too-many-rows") == [("YOT", None, None)]
    assert run(dataset({"yot": [{}] * 5}), "too-many-rows") == []


# --------------------------------------------------------------------------- across lists


def test_duplicate_child():
    data = dataset({"children_in_need": [{ID: "C7"}, {}, {ID: "C7"}],
                    "contacts": [{ID: "C7"}, {ID: "C7"}]})
    assert run(data, "duplicate-child") == [("children_in_need", 2, ID),
                                            ("children_in_need", 4, ID)]


def test_dob_mismatch_and_gender_mismatch():
    data = dataset({"contacts": [{}, {}], "children_in_need": [{DOB_H: D(2016, 1, 3), AGE: 10},
                                                               {GENDER: "b) Female"}]})
    assert run(data, "dob-mismatch") == [("children_in_need", 2, DOB_H)]
    assert where(data, "gender-mismatch") == [("children_in_need", 3, GENDER)]


def test_csa_flag_disagrees_and_id_leading_zeros():
    data = dataset({"children_in_need": [{FLAG: "N"}, {ID: "0042"}],
                    "child_protection": [{}, {ID: 42}]})
    assert run(data, "csa-flag-disagrees") == [("children_in_need", 2, FLAG)]
    assert where(data, "id-leading-zeros") == [("child_protection", 3, ID)]


def test_not_on_lists_6_8_and_status_not_matching():
    data = dataset({"children_in_need": [{}], "child_protection": [{ID: "C5"}],
                    "children_in_care": [{ID: "C6"}],
                    "yot": [{STATUS: "CIN"}, {ID: "C9"}, {ID: "C1", STATUS: "CP"}]})
    assert run(data, "not-on-lists-6-8") == [("YOT", 3, ID)]
    assert where(data, "status-not-matching") == [("YOT", 4, STATUS)]


def test_postcode_not_recognised():
    data = dataset({"children_in_care": [{POSTCODE: "nope"}, {POSTCODE: "SW1A"},
                                         {POSTCODE: "m1 1ae"}, {POSTCODE: "WI5 4FJ"},
                                         {POSTCODE: "Confidential"}]})
    assert run(data, "postcode-not-recognised") == [("children_in_care", 2, POSTCODE),
                                                    ("children_in_care", 5, POSTCODE)]


def test_unborn_due_date_passed():
    data = dataset({"children_in_need": [
        {DOB_H: BLANK, AGE: -1, EDD: AS_OF - dt.timedelta(days=50)},
        {DOB_H: BLANK, AGE: -1, EDD: AS_OF - dt.timedelta(days=3)},
        {DOB_H: AS_OF - dt.timedelta(days=50), AGE: -1},
        {DOB_H: BLANK, AGE: -1, EDD: AS_OF + dt.timedelta(days=3)}]})
    assert run(data, "unborn-due-date-passed") == [("children_in_need", 2, EDD),
                                                   ("children_in_need", 4, DOB_H)]


def test_yot_nps_not_flagged_and_yot_child_under_10():
    data = dataset({"children_in_need": [{FLAG: "N"}, {}],
                    "yot": [{}, {ID: "C2", DOB_H: D(2019, 5, 1), AGE: 7}]})
    assert run(data, "yot-nps-not-flagged") == [("YOT", 2, ID)]
    assert run(data, "yot-child-under-10") == [("YOT", 3, DOB_H)]


_ANSWERS = [c.header for c in load_schemas().lists["additional_fields"].columns if c.role
            and c.role != "child_id"]


def test_answers_missing_under_option_b():
    answered = dict.fromkeys(_ANSWERS, "Y")
    data = dataset({"children_in_need": [answered, {}]})
    assert run(data, "answers-missing") == [("children_in_need", 3, _ANSWERS[0])]


def test_too_many_selected_under_option_a():
    rows = [{ID: f"C{i}"} for i in range(21)]
    data = dataset({"additional_fields": rows}, sheets={"additional_fields": "Option A"})
    assert run(data, "too-many-selected") == [("Option A", None, None)]
    fewer = dataset({"additional_fields": rows[:20]}, sheets={"additional_fields": "Option A"})
    assert run(fewer, "too-many-selected") == []


def test_answers_for_unflagged_child():
    data = dataset({"children_in_need": [{FLAG: "N"}, {}], "additional_fields": [{}, {}]})
    assert run(data, "answers-for-unflagged-child") == [("Additional fields", 2, _ANSWERS[0])]


def test_meeting_outside_fieldwork_week():
    monday = D(2026, 11, 30)
    rows = [{MEETING: monday + dt.timedelta(days=d)} for d in (0, 1, 3)]
    data = dataset({"multi_agency_meetings": [*rows, {MEETING: monday + dt.timedelta(days=25)}]})
    assert run(data, "meeting-outside-fieldwork-week") == [("Meetings", 5, MEETING)]


def test_to_pandera_takes_a_list_as_the_command_line_names_it() -> None:
    from jtai_cli.errors import UsageError
    from jtai_cli.schemas import to_pandera

    assert to_pandera("CIN").name == to_pandera("6").name == "children_in_need"
    with pytest.raises(UsageError, match="means 2 lists"):
        to_pandera("8")  # list 8 has two forms: the caller must name one
    with pytest.raises(UsageError, match="no list called"):
        to_pandera("list 99")


def test_pandera_is_consulted_only_when_a_number_is_out_of_range() -> None:
    """Its import costs a quarter of a small file's run: a file whose numbers are all in
    range never needs it, and one that has a number out of range still gets pandera's
    named finding."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    code = ("import sys; from jtai_cli.validation import validate_workbook; "
            "r = validate_workbook(sys.argv[1]); "
            "print('pandera' in sys.modules, r.summary()['by_rule'].get('number-too-small', 0))")
    clean, messy = (subprocess.run([sys.executable, "-c", code, str(root / "examples" / name)],
                                   capture_output=True, text=True, check=True).stdout.split()
                    for name in ("lists_clean.xlsx", "lists_messy.xlsx"))
    assert clean == ["False", "0"]
    assert messy[0] == "True" and int(messy[1]) >= 1


@pytest.mark.parametrize("name", ["lists_messy", "lists_edge", "lists_clean"])
@pytest.mark.parametrize("coerced_cells", [True, False])
def test_list_rules_run_as_lists_are_read_find_what_running_them_after_does(
        name, coerced_cells, monkeypatch):
    """With the as-of date given, each list's rules run as soon as it is parsed
    (``load_dataset``); the findings, in their order, are those of running them all after the
    reading (``run_checks`` on a dataset whose lists were not checked yet)."""
    from jtai_cli import checks
    from jtai_cli.validation import load_dataset

    path = ROOT / "examples" / f"{name}.xlsx"
    early = load_dataset(path, as_of=AS_OF, coerced_cells=coerced_cells)
    assert early.lists_checked
    checks.run_checks(early)

    real_check_list = checks.check_list
    with monkeypatch.context() as m:  # the reading without the early rules
        m.setattr(checks, "check_list", lambda data, pl: None)
        late = load_dataset(path, as_of=AS_OF, coerced_cells=coerced_cells)
    late.lists_checked = False
    assert checks.check_list is real_check_list
    checks.run_checks(late)

    got, expected = early.findings.frame(), late.findings.frame()
    pd.testing.assert_frame_equal(got, expected)
    assert (got["rule"].isin(["required-missing", "date-in-future", "age-mismatch"]).any()
            == (name == "lists_messy"))
    if not coerced_cells:
        pd.testing.assert_frame_equal(early.findings.counted(), late.findings.counted())


def test_one_reading_of_the_csa_flag_in_both_rules():
    """List 8's "has been" Y with list 6's "is" N: the child is identified (option B's answers
    are due, para 26) and the flags agree (not at risk now, at risk once): FLAG_READING."""
    from jtai_cli.checks import FLAG_READING

    flag8 = load_schemas().lists["children_in_care_reduced"].by_role("csa_flag").header
    answered = dict.fromkeys(_ANSWERS, "Y")
    data = dataset({"children_in_need": [{ID: "C1", FLAG: "N"},
                                         {ID: "C2", FLAG: "Y", **answered}],
                    "children_in_care_reduced": [{ID: "C1", flag8: "Y"}]})
    assert run(data, "csa-flag-disagrees") == []
    (missing,) = run(data, "answers-missing")
    assert missing[:2] == ("children_in_care_reduced", 2)
    for slug in ("csa-flag-disagrees", "answers-missing", "answers-for-unflagged-child",
                 "yot-nps-not-flagged"):
        assert CATALOGUE[slug].policy == FLAG_READING, slug


def test_jtai_rules_shows_the_quoted_words_and_jtais_policy():
    result = runner.invoke(app, ["rules", "unborn-due-date-passed"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert 'Its words: "If unborn: expected date of birth"' in text
    assert "jtai's policy: jtai's tolerance (not the guidance's)" in text
    view = json.loads(runner.invoke(app, ["rules", "too-many-selected", "-f", "json"]).stdout)
    (r,) = view["rules"]
    assert r["severity"] == "warning" and r["paragraph"] == "para 22; Annex C"
    assert "provides up to 20" in r["quote"]


def test_schemas_show_says_when_a_field_is_blank():
    view = json.loads(runner.invoke(app, ["schemas", "show", "children_in_care_reduced", "-f",
                                          "json"]).stdout)
    rules_of = {c["header"]: c["rules"] for c in view["columns"]}
    (provider,) = rules_of["Placement Provider"]["blank_when"]
    assert provider.startswith("when Placement Type is one of T0, T1, T2, T3, T4, Z1, Z11, "
                               "Z12, Z13, Z14 (source: DfE SSDA903")
    (worker,) = rules_of["Allocated Worker"]["may_be_blank_when"]
    assert worker.startswith("when Date Ceased to be Looked After is given")
    text = " ".join(CliRunner(env={"COLUMNS": "400"}).invoke(
        app, ["schemas", "show", "referrals"]).output.split())
    assert "may be blank when Referral NFA? is" in text and "may_be_blank_when" not in text


def test_a_condition_on_an_unknown_column_or_code_stops_jtai(tmp_path):
    import shutil

    from jtai_cli.errors import SchemaInvalid

    folder = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", folder)
    path = folder / "children_in_care_reduced.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("one_of: [T0, T1, T2, T3, T4, Z1, Z11, Z12, Z13, Z14]", "one_of: [T0, Q9]"),
                    "utf-8")
    with pytest.raises(SchemaInvalid, match="Q9 not in the code list 'placement_type'"):
        load_schemas(folder)
    path.write_text(text.replace("    one_of: [T0, T1, T2, T3, T4, Z1, Z11, Z12, Z13, Z14]", "    given: true\n"
                                 "          one_of: [T0]"), "utf-8")
    with pytest.raises(SchemaInvalid, match="exactly one of"):
        load_schemas(folder)


def test_pandera_schema_works_on_what_a_data_team_reads_with_the_installed_pandas():
    """Issue 24 §4: on pandas 3 (text as ``str``, dates as ``datetime64[us]``) the published
    schema failed the clean example's List 6 on every text column, and a valid ID '0012345'."""
    from jtai_cli.validation import load_dataset

    data = load_dataset(ROOT / "examples" / "lists_clean.xlsx", as_of="23/11/2026")
    pl = next(p for p in data.lists if p.name == "children_in_need")
    frame = pd.read_excel(ROOT / "examples" / "lists_clean.xlsx", sheet_name=pl.sheet,
                          header=pl.header_row - 1, dtype={"Child Unique ID": str},
                          engine="calamine")
    schema = to_pandera("children_in_need")
    assert schema.validate(frame, lazy=True) is not None
    assert schema.validate(pl.typed, lazy=True) is not None  # jtai's own typed columns too
    frame.loc[0, "Child Unique ID"] = "0012345"
    age = "Age of Child (Years)"
    frame[age] = frame[age].astype("float64")  # an integer column with a blank reads as float
    frame.loc[1, age] = None
    assert schema.validate(frame, lazy=True) is not None
    frame.loc[2, age] = 6.5
    ids = frame["Child Unique ID"].astype(object)
    ids.loc[3] = 12345  # read as a number: its leading zeros are lost
    frame["Child Unique ID"] = ids
    frame["CIN Start Date"] = frame["CIN Start Date"].dt.strftime("%d/%m/%Y")  # left as text
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schema.validate(frame, lazy=True)
    cases = info.value.failure_cases
    assert set(cases["check"]) == {"not-a-whole-number", "id-not-recognised",
                                   "date-not-recognised"}
    assert set(cases.loc[cases["check"] == "not-a-whole-number", "index"]) == {2}
    assert set(cases.loc[cases["check"] == "id-not-recognised", "index"]) == {3}
