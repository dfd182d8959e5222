"""The rule registry: every slug a finding can carry, what it means, and the code that emits it.

A rule is registered once, with its slug, severity, title, meaning, the guidance paragraph it
enforces, the message it writes (a template: ``{name}`` stands for a part that varies) and
the columns it reads. Rules that look at parsed lists are functions in ``checks`` and
``implied_checks``, registered with the ``rule`` decorator right above them; the rules applied
while a file is read and its cells parsed (``validation``, ``parsing``) are declared at the
end of this module with ``declare`` and name the function that emits them.

This module imports neither pandas nor the rule modules: ``CATALOGUE`` loads them the first
time it is read, so every registered rule is there whoever asks.

``tests/test_rules.py`` keeps the registry and the code together: every slug the code passes
to something that adds a finding is registered, every registered slug is emitted by the
function the registry names, every finding's message fits its rule's template
(``Rule.matches``), every slug is asserted by a test, and the README's list is this one.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from .errors import UsageError


class Severity(StrEnum):
    """How bad a finding is."""

    ERROR = "error"
    WARNING = "warning"
    COERCED = "coerced"


#: When a rule runs: ``read`` (finding the lists in a file), ``value`` (parsing one cell),
#: ``list`` (the rows of one list) or ``across`` (several lists, or the whole return).
STAGES = ("read", "value", "list", "across")
STAGE_TITLES = {"read": "Files, sheets and columns", "value": "Values",
                "list": "Rows of one list", "across": "Across lists"}

#: The modules whose functions register rules; ``CATALOGUE`` imports them when first read.
RULE_MODULES = ("jtai_cli.checks", "jtai_cli.implied_checks")

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

#: How a rule from the Ofsted ILACS Annex A template cites it: the guidance's own Annex A
#: (local information to support the inspection) sets no code lists or age rules.
TEMPLATE = "Ofsted Annex A template (2019)"


@dataclass(frozen=True)
class Rule:
    """One rule of the registry.

    ``messages`` are the finding's message as templates (one per wording the rule uses);
    ``paragraph`` where the rule comes from: the guidance paragraph(s) it enforces ("para 19",
    "paras 22-23", "Annex C"), the Ofsted template (``TEMPLATE``), a DfE return, or "" for
    jtai's own rules on files and cells; ``quote`` the words of the cited guidance paragraph
    the rule relies on (``tests/test_citations.py`` finds each in the paragraph); ``policy``
    a choice of jtai's own the rule makes where the guidance is silent or ambiguous (a
    tolerance, a reading), said in ``jtai rules`` and in the finding's message; ``columns``
    what it reads (a column's role in the schema, a schema key such as ``rules.not_before``,
    or a header); ``emitted_by`` the function that adds the finding.
    """

    slug: str
    severity: Severity
    title: str
    description: str
    messages: tuple[str, ...] = ()
    paragraph: str = ""
    columns: tuple[str, ...] = ()
    stage: str = "list"
    emitted_by: tuple[str, ...] = ()
    quote: tuple[str, ...] = ()
    policy: str = ""

    def matches(self, message: str) -> bool:
        """True when ``message`` is one of this rule's templates with its parts filled in."""
        return any(_template_regex(t).fullmatch(message) for t in self.messages)

    def view(self) -> dict[str, object]:
        """Plain data for ``jtai rules`` and the README."""
        return {"slug": self.slug, "severity": self.severity.value, "title": self.title,
                "meaning": self.description, "paragraph": self.paragraph,
                "quote": list(self.quote), "policy": self.policy,
                "stage": self.stage, "messages": list(self.messages),
                "columns": list(self.columns), "emitted_by": list(self.emitted_by)}


def _template_regex(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.DOTALL)


_REGISTRY: dict[str, Rule] = {}
#: slug -> the registered function that emits it (rules on parsed lists only).
FUNCTIONS: dict[str, Callable[..., None]] = {}
_F = TypeVar("_F", bound=Callable[..., Any])


def _add(r: Rule) -> None:
    if r.slug in _REGISTRY and _REGISTRY[r.slug].emitted_by != r.emitted_by:
        raise ValueError(f"rule {r.slug} registered twice ({_REGISTRY[r.slug].emitted_by}, "
                         f"{r.emitted_by})")
    if r.stage not in STAGES:
        raise ValueError(f"rule {r.slug}: stage {r.stage!r} is not one of {STAGES}")
    if not r.messages:
        raise ValueError(f"rule {r.slug} has no message template")
    _REGISTRY[r.slug] = r


def rule(*rules: Rule) -> Callable[[_F], _F]:
    """Register the decorated function as the one that emits these rules (one or more slugs).

    The function takes ``(data, pl, emit)`` for a ``list`` rule (run on every parsed list)
    or ``(data)`` for an ``across`` rule (run once on the whole dataset).
    """
    def register(fn: _F) -> _F:
        stages = {r.stage for r in rules}
        if len(stages) != 1 or not stages <= {"list", "across"}:
            raise ValueError(f"{fn.__qualname__}: a function's rules share one stage, list or "
                             "across")
        where = f"{fn.__module__}.{fn.__qualname__}"
        for r in rules:
            _add(replace(r, emitted_by=(where,)))
            FUNCTIONS[r.slug] = fn
        return fn
    return register


def declare(*rules: Rule) -> None:
    """Register rules whose code is elsewhere (reading and parsing); each names its emitter."""
    for r in rules:
        if not r.emitted_by:
            raise ValueError(f"rule {r.slug} declared without the function that emits it")
        _add(r)


def functions(stage: str, module: str | None = None) -> list[Callable[..., None]]:
    """The registered functions of a stage, in the order they were registered (each once)."""
    _load()
    out: list[Callable[..., None]] = []
    for slug, r in _REGISTRY.items():
        fn = FUNCTIONS.get(slug)
        if (fn is not None and r.stage == stage and fn not in out
                and (module is None or fn.__module__ == module)):
            out.append(fn)
    return out


_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True  # before importing: the rule modules may read the catalogue
        try:
            for name in RULE_MODULES:
                importlib.import_module(name)
        except BaseException:
            _loaded = False
            raise


class _Catalogue(Mapping[str, Rule]):
    """Every registered rule by slug; reading it first loads the modules that register rules."""

    def __getitem__(self, slug: str) -> Rule:
        if not _loaded:
            _load()
        return _REGISTRY[slug]

    def __iter__(self) -> Iterator[str]:
        _load()
        return iter(sorted(_REGISTRY, key=_sort_key))

    def __len__(self) -> int:
        _load()
        return len(_REGISTRY)


def _sort_key(slug: str) -> tuple[int, int]:
    order = list(_REGISTRY)
    return (STAGES.index(_REGISTRY[slug].stage), order.index(slug))


CATALOGUE: Mapping[str, Rule] = _Catalogue()


def catalogue_view() -> list[dict[str, object]]:
    """Every rule as plain data, grouped by stage: what ``jtai rules`` prints."""
    return [CATALOGUE[slug].view() for slug in CATALOGUE]


def rules_view(slug: str | None = None, severity: str | None = None) -> dict[str, object]:
    """The rules as plain data: all of them (or those of one severity), or one by its slug.

    Raises:
        UsageError: no rule has this slug.
    """
    if slug is not None:
        if slug not in CATALOGUE:
            near = [s for s in CATALOGUE if slug.strip().lower() in s]
            raise UsageError(f"no rule called '{slug}'"
                             + (f": did you mean {', '.join(near[:3])}?" if near else
                                ": see them all with 'jtai rules'"))
        return {"rules": [CATALOGUE[slug].view()]}
    return {"rules": [r for r in catalogue_view() if severity in (None, r["severity"])]}


README_START = "<!-- rules: generated by `python -m jtai_cli.rules`, checked by tests -->"
README_END = "<!-- end of rules -->"


def readme_section() -> str:
    """The README's rule list, between its markers, generated from the registry."""
    lines = [README_START, ""]
    for stage in STAGES:
        rules = [CATALOGUE[s] for s in CATALOGUE if CATALOGUE[s].stage == stage]
        lines += [f"**{STAGE_TITLES[stage]}**", "",
                  "| rule | severity | what it means | guidance |", "|---|---|---|---|"]
        for r in rules:
            meaning = r.description.replace("|", "\\|")
            source = r.paragraph or "jtai"
            if r.policy and r.paragraph:
                source += "; jtai policy"
            lines.append(f"| `{r.slug}` | {r.severity.value} | {meaning} | {source} |")
        lines.append("")
    lines.append(README_END)
    return "\n".join(lines)


def replace_readme_section(text: str) -> str:
    """``text`` (the README) with its rule list regenerated."""
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    return text[:start] + readme_section() + text[end:]


# --------------------------------------------------------------------------- read and parse

_E, _W, _C = Severity.ERROR, Severity.WARNING, Severity.COERCED
_V = "jtai_cli.validation."
_P = "jtai_cli.parsing."


@dataclass(frozen=True)
class _Decl:
    """Shorthand for the declarations below."""

    slug: str
    severity: Severity
    title: str
    description: str
    messages: tuple[str, ...]
    emitted_by: tuple[str, ...]
    stage: str
    paragraph: str = ""
    columns: tuple[str, ...] = field(default=())
    quote: tuple[str, ...] = field(default=())
    policy: str = ""

    def rule(self) -> Rule:
        return Rule(self.slug, self.severity, self.title, self.description, self.messages,
                    self.paragraph, self.columns, self.stage, self.emitted_by, self.quote,
                    self.policy)


declare(*(d.rule() for d in [
    _Decl("no-lists-found", _E, "No JTAI list in the file",
          "No sheet of the file has headers that match any JTAI list, so nothing could be "
          "checked.",
          ("no sheet has headers that match a JTAI list ({lists}), so nothing was checked",),
          (_V + "_load_lists",), "read", columns=("headers",)),
    _Decl("sheet-not-recognised", _W, "Sheet matches no list",
          "The sheet's headers match none of the JTAI lists, so it was not checked.",
          ("no header row in the first 30 rows matches a JTAI list ({lists}): not checked",),
          (_V + "_unrecognised",), "read", columns=("headers",)),
    _Decl("sheet-not-in-scope", _W, "Sheet is not a JTAI list",
          "The sheet is an ILACS list the JTAI does not ask for (early help, care leavers, "
          "adoption), so it was not checked.",
          ("this is an ILACS list the JTAI does not ask for (early help, care leavers or "
           "adoption): not checked",),
          (_V + "_unrecognised",), "read", "paras 20 and 32", ("sheet name", "title"),
          quote=("Children in care (List 8 in ILACS)",
                 "The local authority should also provide further lists of child-level data")),
    _Decl("sheet-hidden", _W, "List on a hidden sheet",
          "The list is on a sheet hidden in Excel; it was read and checked like the others.",
          ("this sheet is hidden in Excel; its list was read and checked like the others "
           "(right-click a sheet tab > Unhide to see it)",),
          (_V + "_load_lists",), "read"),
    _Decl("sheet-empty", _W, "List has no rows",
          "The list's headers were found but no data rows under them.",
          ("{title}: headers found in row {row} but no rows of data under them",),
          (_V + "_load_lists",), "read"),
    _Decl("list-duplicated", _W, "Same list on two sheets",
          "Two sheets hold the same list; both were checked.",
          ("this sheet holds {title}, as sheet '{sheet}' does; both were checked and their rows "
           "are treated as one list",),
          (_V + "_note_duplicated_lists",), "read"),
    _Decl("file-unusable", _E, "File cannot be used",
          "The file is missing, damaged, encrypted or not a workbook; the other files were "
          "still checked.",
          ("{why}",), (_V + "_validate_each",), "read"),
    _Decl("file-kind-mismatch", _W, "File name does not match its content",
          "The file's extension says one kind of file but it holds another.",
          ("{note}",), (_V + "_load_lists",), "read"),
    _Decl("essential-column-missing", _E, "Essential column missing",
          "A column the list cannot be used without (the child's ID, the CSA-FE flag where "
          "the list asks it, the date that says who belongs on the list) was not found among "
          "the headers.",
          ("the column '{header}' was not found in row {row} of the sheet, and {title} cannot "
           "be checked without it",),
          (_V + "_missing_columns",), "read", "paras 20-21 and 32", ("essential",),
          quote=("Child unique ID", "The list should include the child's ID number",
                 "Whether the child is at risk of or subject to"),
          policy="jtai's reading: a list cannot be used without the child's ID, the CSA-FE "
                 "flag where the list asks it and the date that says who belongs on it (the "
                 "columns essential in the list's YAML); any other column is asked for "
                 "\"where possible\" (para 19)"),
    _Decl("column-missing", _W, "Column not given",
          "A column the guidance asks for \"where possible\" (para 19) was not found among "
          "the headers; the list was checked without it.",
          ("the column '{header}' was not found in row {row} of the sheet; the guidance asks "
           "for it \"where possible\" (para 19), so the list was checked without it",),
          (_V + "_missing_columns",), "read", "para 19", ("required",),
          quote=("Where possible, the list should include the fields stated in the table below",)),
    _Decl("column-unknown", _W, "Unknown column",
          "A header that is not part of the list; its values were not checked.",
          ("'{header}' is not a column of {title}; its values were not checked",),
          (_V + "parse_list",), "read", columns=("header", "also_accept")),
    _Decl("column-duplicate", _E, "Column given twice",
          "Two headers stand for the same column; only the first was checked.",
          ("'{header}' is a second '{column}' column; only the first (column {letter}) was "
           "checked",),
          (_V + "parse_list",), "read", columns=("header", "also_accept")),
    _Decl("formula-cell", _W, "Formula found",
          "The cell holds a formula; its last calculated value was used.",
          ("this cell holds a formula: jtai used the value Excel last calculated and never "
           "recalculates; type the value instead",
           "... and {count} more cells holding formulas on this sheet"),
          (_V + "_load_lists",), "read"),
    # values, one cell at a time (parsing.py)
    _Decl("excel-error", _E, "Excel error value",
          "The cell holds an Excel error such as #N/A or #REF! instead of a value.",
          ("the cell holds the Excel error {error} instead of a value",),
          (_P + "_excel_error",), "value"),
    _Decl("date-not-recognised", _E, "Not a date",
          "The value could not be read as a date (dates are read day first, dd/mm/yyyy).",
          ("'{value}' is not a date", "'{value}' is a time, not a date",
           "'{value}' is a number, not a date",
           "'{value}' has the year {year}, outside {range}"),
          (_P + "parse_date", _P + "_make_date", _P + "_parse_date_text"), "value",
          columns=("type: date",)),
    _Decl("date-impossible", _E, "Impossible date",
          "The value is shaped like a date but no such day exists.",
          ("'{value}' is not a date: there is no month {month}",
           "'{value}' is not a date: {month} {year} has {days} days"),
          (_P + "_make_date",), "value", columns=("type: date",)),
    _Decl("date-coerced", _C, "Date read from text or a number",
          "A date written as text or as an Excel serial number was read as a date.",
          ("text '{value}' read as {date}",
           "an Excel serial number stored as text '{value}' read as {date}",
           "Excel serial number {value} read as {date}"),
          (_P + "parse_date", _P + "_from_serial"), "value", columns=("type: date",)),
    _Decl("not-a-whole-number", _E, "Not a whole number",
          "The column holds whole numbers.",
          ("'{value}' is not a whole number", "'{value}' is far too large for this column"),
          (_P + "parse_integer",), "value", columns=("type: integer",)),
    _Decl("number-coerced", _C, "Number read from text",
          "A number stored as text was read as a number, or a decimal age (6.14) as its "
          "whole years.",
          ("text '{value}' read as the number {number}",
           "the decimal age {value} read as {years} (whole years at the last birthday)"),
          (_P + "parse_integer", _P + "parse_age"), "value",
          columns=("type: integer", "role: age")),
    _Decl("code-not-in-list", _E, "Value not in the code list",
          "The value is not one of the column's codes, nor a known spelling of one.",
          ("'{value}' is not a code", "'{value}' is not {what}"),
          (_P + "parse_code",), "value", TEMPLATE, ("type: code", "codes")),
    _Decl("code-coerced", _C, "Value read as a code",
          "A known spelling of a code (Yes, M, N1 Abuse or neglect, ...) was read as the "
          "template's code.",
          ("'{value}' read as '{code}'",),
          (_P + "parse_code",), "value", columns=("type: code", "codes")),
    _Decl("id-not-recognised", _E, "Not a child ID",
          "The cell holds a date or TRUE/FALSE where the child's ID should be.",
          ("'{value}' is not a child ID",),
          (_P + "parse_id",), "value", TEMPLATE, ("role: child_id",)),
    _Decl("id-coerced", _C, "Child ID tidied",
          "A child ID stored as a decimal number or with surrounding spaces was tidied.",
          ("spaces removed around child ID '{value}'",
           "child ID stored as the decimal number {value}"),
          (_P + "parse_id",), "value", columns=("role: child_id",)),
]))


def _main() -> None:
    """Rewrite the README's rule list from the registry (run from a source checkout)."""
    from jtai_cli import rules as registry  # this module as imported by the rule modules

    readme = Path(__file__).resolve().parents[1] / "README.md"
    if not readme.is_file():
        raise SystemExit(f"{readme} not found: run this from a source checkout of jtai")
    text = readme.read_text("utf-8")
    new = registry.replace_readme_section(text)
    if new != text:
        readme.write_text(new, "utf-8")
    print(f"{readme}: {len(registry.CATALOGUE)} rules")


if __name__ == "__main__":
    _main()
