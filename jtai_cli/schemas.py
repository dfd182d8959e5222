"""Load the analyst-readable list schemas in ``schemas/`` and compile them for checking.

Each YAML file describes one list in plain words (see ``schemas/README.md``). They are loaded
into pydantic models with ``extra="forbid"``, so a misspelt key is an error naming the file and
the key, and then compiled in code into header matchers, code-list lookups and pandera schemas.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .errors import SchemaInvalid, UsageError
from .policy import OPTIONS, Option
from .timetable import has_deadline

ColumnType = Literal["id", "text", "date", "integer", "yes_no", "code"]

#: Roles tell the cross-list rules and the shortlist which column means what.
Role = Literal[
    "child_id",
    "gender",
    "ethnicity",
    "date_of_birth",
    "expected_date_of_birth",
    "age",
    "disability",
    "csa_flag",
    "status",
    "start_date",
    "end_date",
    "team",
    "worker",
    "legal_status",
    "need",
    "category_of_abuse",
    "csa_current",
    "multi_agency",
    "known_to_yot",
    "nps_adult",
    "police_investigation",
    "csa_support",
    "sarc_attended",
]

#: The columns every list shares: they say nothing about which list a sheet holds.
COMMON_ROLES = frozenset(
    {"child_id", "gender", "ethnicity", "date_of_birth", "expected_date_of_birth", "age"}
)

#: The seven additional Y/N questions of options A and B, in guidance order (para 23).
ADDITIONAL_ROLES: tuple[str, ...] = (
    "csa_current",
    "multi_agency",
    "known_to_yot",
    "nps_adult",
    "police_investigation",
    "csa_support",
    "sarc_attended",
)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-", "—": "-"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: object) -> str:
    """Fold text for matching: case, spacing, punctuation and curly quotes are ignored.

    Example:
        >>> normalise("  Date Ceased to be Looked After ")
        'date ceased to be looked after'
        >>> normalise("Child’s Category of Need")
        'child s category of need'
    """
    s = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).casefold()
    return _NON_WORD.sub(" ", s).strip()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Code(_Model):
    """One entry of a code list."""

    value: str
    code: str | None = None
    label: str | None = None
    also_accept: list[str] = []
    #: The episode ended because the young person reached 18 (E17 "Aged 18+ and remained with
    #: current carers", RC6 "Transferred to adult social care services"): being 18 at its end
    #: is legitimate (guidance para 18 holds at the event).
    reached_18: bool = False
    #: The wider group the entry is counted in (ethnicity: DfE's major ethnic groups), for
    #: tables and mixes that group codes; None when the list has no groups.
    group: str | None = None


class CodeList(_Model):
    """A named list of allowed values, as in ``schemas/codes/<name>.yaml``."""

    name: str
    title: str
    description: str = ""
    source: str = ""
    #: The group a blank cell is counted in, where the entries have groups.
    blank_group: str | None = None
    codes: list[Code]


class Condition(_Model):
    """Rows picked by another column of the same list: its value is one of some codes, or given.

    Written in a column's ``rules`` (``blank_when``, ``may_be_blank_when``), so a requirement
    that depends on another field is data, shown by ``jtai schemas show``, never Python.
    """

    #: The other column's exact header, in the same list.
    column: str
    #: The row is picked when that column holds one of these codes (any spelling its code list
    #: accepts: ``T0`` stands for "w) T0: Temporary placement").
    one_of: list[str] = []
    #: The row is picked when that column has a value (a closure date given: the case closed).
    given: bool = False
    #: Where the field's definition says so: the template, a DfE return, a guidance paragraph.
    source: str

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if bool(self.one_of) == self.given:
            raise ValueError(f"a condition on '{self.column}' needs exactly one of 'one_of' "
                             "(codes) or 'given: true'")
        return self

    def text(self) -> str:
        """The condition in words: "when Placement Type is one of T0, T1 (source: ...)"."""
        test = "is given" if self.given else "is " + (
            self.one_of[0] if len(self.one_of) == 1 else "one of " + ", ".join(self.one_of))
        return f"when {self.column.strip()} {test} (source: {self.source})"


class Rules(_Model):
    """Named rules on one column, all in analyst words."""

    not_before: str | None = None
    only_with: str | None = None
    expected_with: str | None = None
    at_least: int | None = None
    at_most: int | None = None
    allow_future: bool = False
    #: A date after the as-of date is a booking, not a mistake, while the row is still open
    #: (a conference booked on an open section 47 enquiry): a warning, not an error.
    may_be_booked: bool = False
    #: The CSA-FE flag asks whether the child "has been" at risk (list 8), not whether the
    #: child "is" (lists 4-7): Y here with N on a list that asks "is" is consistent.
    has_been: bool = False
    #: The field's own definition says it is blank on these rows (no placement provider on a
    #: temporary placement): a blank is right there, a value is a warning
    #: (``value-where-blank-expected``).
    blank_when: list[Condition] = []
    #: A blank is right on these rows, a value too (no allocated worker on a referral closed
    #: with no further action): no finding either way.
    may_be_blank_when: list[Condition] = []


class Column(_Model):
    """One column of a list."""

    header: str
    also_accept: list[str] = []
    type: ColumnType
    required: bool = False
    essential: bool = False
    codes: str | None = None
    role: Role | None = None
    rules: Rules = Rules()
    description: str = ""
    source: str = ""
    #: A short name for the column in jtai's tables and sentences (the seven questions:
    #: "Multi-agency involvement"); the header is used when not given.
    label: str = ""
    #: A column of the ILACS list that the JTAI guidance does not ask for (paras 20, 32): read
    #: and checked when a list has it, left out of the blank template.
    ilacs_only: bool = False

    @model_validator(mode="after")
    def _codes_for_codes(self) -> Column:
        if self.type == "code" and not self.codes:
            raise ValueError(f"column '{self.header}' has type code but no 'codes:' list named")
        if self.type not in ("code", "yes_no") and self.codes:
            raise ValueError(f"column '{self.header}' names codes but its type is {self.type}")
        if self.essential and not self.required:
            raise ValueError(f"column '{self.header}' is essential, so it must be required too")
        return self

    @property
    def code_list_name(self) -> str | None:
        """Name of the code list this column's values come from, if any."""
        if self.type == "yes_no":
            return self.codes or "yes_no"
        return self.codes


class Period(_Model):
    """Which rows belong on the list, counted back from the as-of date."""

    months: int
    starts: str | None = None
    ends: str | None = None
    #: With ``starts``: columns that say the row ended (a date, or a Y/N answered Y). A row
    #: that started before the period is still in it while none of them says it had ended
    #: (the enquiry was still going), or when an end date falls in the period.
    ended_by: list[str] = []

    @model_validator(mode="after")
    def _one_anchor(self) -> Period:
        if (self.starts is None) == (self.ends is None):
            raise ValueError("period needs exactly one of 'starts' or 'ends'")
        if self.ended_by and self.starts is None:
            raise ValueError("period 'ended_by' goes with 'starts'")
        return self


class Due(_Model):
    """When the local authority sends a list: a day of the inspection and the guidance for it."""

    #: Working day of the inspection, as the timetable counts it (day 0 is the Monday of
    #: notification, day 2 its Wednesday).
    day: int
    #: The first words of the timetable entry this deadline is (``timetable``), e.g. "para 32".
    source: str


class Layouts(_Model):
    """A list the guidance and the ILACS template lay out differently (list 3, para 32).

    Both are read; validate's note on the list says which one it read, from whether any child
    has more than one row.
    """

    #: What the note says when no child has more than one row.
    one_row_per_child: str
    #: What the note says when some child has more than one row ("{n}": how many children).
    repeated: str


class SummaryGroup(_Model):
    """How ``jtai summary`` counts the children on a list."""

    #: Lists with the same group are counted as one (list 8's full and reduced forms).
    group: str
    #: Heading of the group's table, e.g. "List 8: Children in care".
    label: str
    #: The step of a child's journey the list stands for, e.g. "Looked after (list 8)".
    journey: str
    #: A child's details (age, gender, ...) are read from the list with the lowest rank they are
    #: on: the most intensive involvement (looked after, then a plan, ...).
    rank: int
    #: ``journey``: a step of the child's journey through children's social care; ``status``: a
    #: list of another agency's cases (YOT, NPS), counted beside the journey.
    kind: Literal["journey", "status"] = "journey"


class ListSchema(_Model):
    """One child-level list, as in ``schemas/<name>.yaml``."""

    name: str
    title: str
    list_number: int | None = None
    form: str | None = None
    description: str
    source: str = ""
    sheet_names: list[str] = []
    one_row_per_child: bool = False
    max_rows: int | None = None
    period: Period | None = None
    #: The date the child must be under 18 on (guidance para 18): this column's date when
    #: given (the contact, the referral, the closure), else the as-of date (still open).
    under_18_at: str | None = None
    #: Where the list comes in jtai's workbooks and listings (default: its list number).
    order: int | None = None
    #: Sheet name in the workbooks jtai writes, when the title is too long for one.
    short_name: str | None = None
    #: What a row is: a child's ``case``, a child's ``answers`` to the seven additional questions,
    #: or a ``meeting``. Shortlisting and tracking pick children from ``case`` lists only.
    kind: Literal["case", "answers", "meeting"] = "case"
    #: Is the list in the blank template (``jtai template``)?
    template: bool = True
    #: Only under this inspection option (template and day-2 return); both when not given.
    option: Option | None = None
    #: When the local authority sends the list.
    due: Due | None = None
    #: The legal status a child on this list has: CIN (list 6), CP (list 7), CLA (list 8).
    legal_status: Literal["CIN", "CP", "CLA"] | None = None
    #: The other agency whose cases the list holds (the YOT and NPS lists).
    agency: Literal["YOT", "NPS"] | None = None
    #: How ``jtai summary`` counts the list; lists without one are not summarised by group.
    summary: SummaryGroup | None = None
    #: What the blank template's instructions say goes on the sheet (default: the description).
    instructions: str | None = None
    #: The list ``jtai filter --referrals-csa`` drafts this one from: that list's rows in this
    #: list's period, for children flagged CSA-FE on any list (para 33's draft).
    drafted_from: str | None = None
    #: The two layouts a list is read in, where the guidance and ILACS differ (list 3).
    layouts: Layouts | None = None
    columns: list[Column]

    @property
    def label(self) -> str:
        """Short name for messages: "List 6", or the title before any colon ("YOT list")."""
        if self.list_number is not None:
            return f"List {self.list_number}"
        return self.title.split(":")[0]

    def column(self, header: str) -> Column:
        """Return the column with this canonical header."""
        for col in self.columns:
            if col.header == header:
                return col
        raise KeyError(header)

    def by_role(self, role: str) -> Column | None:
        """Return the column with this role, or None."""
        for col in self.columns:
            if col.role == role:
                return col
        return None


# --------------------------------------------------------------------------- code matching

_PREFIX = re.compile(r"^\s*([a-z]{1,2}\d?)\)\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class CompiledCodes:
    """A code list ready for lookups: normalised spelling -> canonical value."""

    name: str
    values: tuple[str, ...]
    lookup: dict[str, str]
    labels: dict[str, str]
    title: str = ""
    short: dict[str, str] = field(default_factory=dict)  # value -> its code (3A), if it has one
    reached_18: frozenset[str] = frozenset()

    def match(self, raw: object) -> str | None:
        """Return the canonical value for ``raw``, or None if it is not in the list."""
        return self.lookup.get(normalise(raw))

    def means(self, value: str) -> str:
        """Plain label of a canonical value ("Yes", "Male", ...)."""
        return self.labels.get(value, value)


def _forms(entry: Code) -> list[str]:
    forms = [entry.value]
    m = _PREFIX.match(entry.value)
    prefix, rest = (m.group(1), m.group(2)) if m else (None, entry.value)
    forms.append(rest)
    parts = [p for p in (entry.code, entry.label) if p]
    forms.extend(parts)
    if entry.code and entry.label:
        forms.append(f"{entry.code} {entry.label}")
        forms.append(f"{entry.label} {entry.code}")
    if prefix:
        forms.extend(f"{prefix} {p}" for p in parts)
        if entry.code and entry.label:
            forms.append(f"{prefix} {entry.code} {entry.label}")
    return forms


def compile_codes(codes: CodeList, where: str = "") -> CompiledCodes:
    """Build the lookup for a code list; explicit spellings that clash are a schema error."""
    lookup: dict[str, str] = {}
    clashes: set[str] = set()
    derived: dict[str, set[str]] = {}
    for entry in codes.codes:
        for form in _forms(entry):
            key = normalise(form)
            if key:
                derived.setdefault(key, set()).add(entry.value)
    for key, values in derived.items():
        if len(values) == 1:
            lookup[key] = next(iter(values))
        else:
            clashes.add(key)  # e.g. "Individual" names four contact sources: accept none of them
    for entry in codes.codes:
        for alt in entry.also_accept:
            key = normalise(alt)
            if key in lookup and lookup[key] != entry.value and key not in clashes:
                raise SchemaInvalid(
                    f"code list '{codes.name}': '{alt}' is accepted for both "
                    f"'{lookup[key]}' and '{entry.value}'",
                    file=where or None,
                )
            lookup[key] = entry.value
    # An exact canonical value always maps to itself, even if its short form clashes.
    for entry in codes.codes:
        lookup[normalise(entry.value)] = entry.value
    labels = {e.value: (e.label or e.value) for e in codes.codes}
    short = {e.value: e.code for e in codes.codes if e.code}
    return CompiledCodes(codes.name, tuple(e.value for e in codes.codes), lookup, labels,
                         codes.title, short,
                         frozenset(e.value for e in codes.codes if e.reached_18))


# --------------------------------------------------------------------------- schema set


@dataclass
class SchemaSet:
    """Every list schema and code list, compiled and cross-checked."""

    lists: dict[str, ListSchema]
    codes: dict[str, CompiledCodes]
    code_lists: dict[str, CodeList]
    folder: Path
    header_index: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, schema in self.lists.items():
            index: dict[str, str] = {}
            for col in schema.columns:
                for spelling in [col.header, *col.also_accept]:
                    key = normalise(spelling)
                    if key in index and index[key] != col.header:
                        raise SchemaInvalid(
                            f"'{spelling}' would match both '{index[key]}' and '{col.header}'",
                            file=self.folder / f"{name}.yaml",
                        )
                    index[key] = col.header
            self.header_index[name] = index

    def match_header(self, list_name: str, header: object) -> str | None:
        """Return the canonical header of ``list_name`` that ``header`` stands for, or None."""
        return self.header_index[list_name].get(normalise(header))

    @cached_property
    def header_spellings(self) -> frozenset[str]:
        """Every normalised header spelling known to any list (for finding a header row)."""
        return frozenset(key for index in self.header_index.values() for key in index)

    def known_headers(self) -> frozenset[str]:
        """Every normalised header spelling known to any list."""
        return self.header_spellings

    @cached_property
    def distinctive(self) -> dict[str, frozenset[str]]:
        """Per list, the columns that point to it: not a required column of an unrelated list.

        Lists are related when they share an ILACS number (the two forms of list 8), the
        same required columns (YOT and NPS), or one is drafted from the other (para 33's list
        from list 3's). Identification needs one of these matched, so a
        sheet of common columns only (early help, care leavers) is never taken for a list.
        """

        def required(s: ListSchema) -> set[str]:
            return {c.header for c in s.columns if c.required}

        def siblings(a: ListSchema, b: ListSchema) -> bool:
            same_number = a.list_number is not None and a.list_number == b.list_number
            # The para 33 list is list 3's columns (its ``drafted_from``): a sheet of them may
            # be either, and its name or title decides (``validation.identify``).
            drafted = a.drafted_from == b.name or b.drafted_from == a.name
            return same_number or drafted or required(a) == required(b)

        out: dict[str, frozenset[str]] = {}
        for name, schema in self.lists.items():
            others: set[str] = set()
            for other in self.lists.values():
                if other.name != name and not siblings(schema, other):
                    others |= required(other)
            out[name] = frozenset(c.header for c in schema.columns
                                  if c.role not in COMMON_ROLES and c.header not in others)
        return out

    def forms_of(self, name: str) -> tuple[str, ...]:
        """The lists that are forms of the same list as ``name``, itself included, in order.

        Two schemas with the same ILACS list number are two layouts of one list (list 8's full
        and reduced forms): either may be sent. A list without a number has one form.
        """
        number = self.lists[name].list_number
        if number is None:
            return (name,)
        return tuple(n for n, s in self.lists.items() if s.list_number == number)

    def codes_for(self, column: Column) -> CompiledCodes | None:
        """The compiled code list for a column, if it has one."""
        name = column.code_list_name
        return self.codes[name] if name else None


def schemas_folder() -> Path:
    """Where the shipped schemas live: inside the wheel, or the repository for a checkout."""
    packaged = Path(str(resources.files("jtai_cli"))) / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"


#: libyaml's safe loader where PyYAML was built with it (6x faster), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaInvalid(f"cannot read schema file ({exc.strerror})", file=path) from None
    if re.search(r"(^|\s)[&*][A-Za-z_]|<<:", text):
        raise SchemaInvalid(
            "YAML anchors, aliases and merge keys are not allowed: write every column in full",
            file=path,
        )
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader, C or Python
    except yaml.YAMLError as exc:
        raise SchemaInvalid(f"not valid YAML: {exc}", file=path) from None


def _model_error(path: Path, exc: ValidationError) -> SchemaInvalid:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        msg = f"unknown key '{where}'"
    else:
        msg = f"{where}: {first['msg']}"
    return SchemaInvalid(msg, file=path)


def _check_references(schema: ListSchema, codes: dict[str, CodeList], path: Path) -> None:
    headers = {c.header for c in schema.columns}
    if schema.name != path.stem:
        raise SchemaInvalid(f"name '{schema.name}' should equal the file name", file=path)
    for col in schema.columns:
        if col.code_list_name and col.code_list_name not in codes:
            raise SchemaInvalid(
                f"column '{col.header}' names code list '{col.code_list_name}', "
                f"which is not in codes/",
                file=path,
            )
        for rule in ("not_before", "only_with", "expected_with"):
            other = getattr(col.rules, rule)
            if other is not None and other not in headers:
                raise SchemaInvalid(
                    f"column '{col.header}' rule {rule} names '{other}', not a column of this list",
                    file=path,
                )
        for cond in (*col.rules.blank_when, *col.rules.may_be_blank_when):
            _check_condition(schema, col, cond, codes, path)
    if schema.period:
        anchor = schema.period.starts or schema.period.ends
        for named in (anchor, *schema.period.ended_by):
            if named not in headers:
                raise SchemaInvalid(f"period names '{named}', not a column of this list",
                                    file=path)
    if schema.under_18_at is not None and schema.under_18_at not in headers:
        raise SchemaInvalid(f"under_18_at names '{schema.under_18_at}', not a column of this "
                            "list", file=path)
    if not any(c.essential for c in schema.columns if c.role == "child_id"):
        raise SchemaInvalid("the child_id column must be essential: the list cannot be used "
                            "without it", file=path)
    roles = [c.role for c in schema.columns if c.role]
    dupes = {r for r in roles if roles.count(r) > 1}
    if dupes:
        raise SchemaInvalid(f"role(s) {sorted(dupes)} given to more than one column", file=path)
    if schema.by_role("child_id") is None:
        raise SchemaInvalid("every list needs a column with role child_id", file=path)


def _check_condition(schema: ListSchema, col: Column, cond: Condition,
                     codes: dict[str, CodeList], path: Path) -> None:
    """A condition names a column of the list and, with ``one_of``, codes of its code list."""
    try:
        other = schema.column(cond.column)
    except KeyError:
        raise SchemaInvalid(f"column '{col.header}' has a condition on '{cond.column}', not a "
                            "column of this list", file=path) from None
    if not cond.one_of:
        return
    name = other.code_list_name
    if name is None or name not in codes:
        raise SchemaInvalid(f"column '{col.header}' has a condition on the codes of "
                            f"'{cond.column}', which has no code list", file=path)
    compiled = compile_codes(codes[name])
    unknown = [c for c in cond.one_of if compiled.match(c) is None]
    if unknown:
        raise SchemaInvalid(f"column '{col.header}': {', '.join(unknown)} not in the code list "
                            f"'{name}' of '{cond.column}'", file=path)


def condition_values(cond: Condition, schemas: SchemaSet, schema: ListSchema) -> list[str]:
    """The canonical values a ``one_of`` condition stands for, as the typed column holds them."""
    codes = schemas.codes_for(schema.column(cond.column))
    assert codes is not None  # checked when the schemas were loaded
    return [v for v in (codes.match(c) for c in cond.one_of) if v is not None]


def _check_due(schema: ListSchema, path: Path) -> None:
    """A list's ``due`` must name a deadline of the timetable under each option it is in."""
    if schema.due is None:
        return
    for option in (schema.option,) if schema.option else OPTIONS:
        if not has_deadline(option, schema.due.day, schema.due.source):
            raise SchemaInvalid(
                f"due: the timetable has no deadline on day {schema.due.day} whose source "
                f"starts '{schema.due.source}' under option {option} (jtai timeline lists them)",
                file=path)


def load_schemas(folder: str | Path | None = None) -> SchemaSet:
    """Load and check every list schema and code list.

    Args:
        folder: a folder laid out like ``schemas/``; the shipped schemas by default.

    Returns:
        The compiled ``SchemaSet``.

    Raises:
        SchemaInvalid: a file is malformed; the message names the file and the key.

    Example:
        >>> schemas = load_schemas()
        >>> next(iter(schemas.lists.values())).title
        'List 1: Contacts'
    """
    root = Path(folder) if folder is not None else schemas_folder()
    if folder is None:
        return _load_cached(root)
    return _load(root)


@cache
def _load_cached(root: Path) -> SchemaSet:
    return _load(root)


def _load(root: Path) -> SchemaSet:
    if not root.is_dir():
        raise SchemaInvalid("schema folder not found", file=root)
    code_lists: dict[str, CodeList] = {}
    for path in sorted((root / "codes").glob("*.yaml")):
        data = _load_yaml(path)
        try:
            cl = CodeList.model_validate(data)
        except ValidationError as exc:
            raise _model_error(path, exc) from None
        if cl.name != path.stem:
            raise SchemaInvalid(f"name '{cl.name}' should equal the file name", file=path)
        code_lists[cl.name] = cl
    lists: dict[str, ListSchema] = {}
    for path in sorted(root.glob("*.yaml")):
        data = _load_yaml(path)
        try:
            schema = ListSchema.model_validate(data)
        except ValidationError as exc:
            raise _model_error(path, exc) from None
        _check_references(schema, code_lists, path)
        lists[schema.name] = schema
    if not lists:
        raise SchemaInvalid("no list schemas (*.yaml) found", file=root)
    for schema in lists.values():
        path = root / f"{schema.name}.yaml"
        _check_due(schema, path)
        if schema.drafted_from is not None:
            if schema.drafted_from not in lists:
                raise SchemaInvalid(f"drafted_from names '{schema.drafted_from}', which is not a "
                                    "list in this folder", file=path)
            if schema.period is None:
                raise SchemaInvalid("drafted_from needs a period: the months the draft looks "
                                    "back", file=path)
    compiled = {
        name: compile_codes(cl, str(root / "codes" / f"{name}.yaml"))
        for name, cl in code_lists.items()
    }
    ordered = dict(sorted(lists.items(), key=lambda kv: _list_order(kv[1])))
    return SchemaSet(ordered, compiled, code_lists, root)


def _list_order(schema: ListSchema) -> tuple[int, str]:
    order = schema.order if schema.order is not None else schema.list_number
    return (order if order is not None else 99, schema.name)


# --------------------------------------------------------------------------- pandera

#: The names of the checks ``to_pandera`` compiles: the slugs of the rules they stand for, so
#: a failure case's ``check`` is the rule to report (never matched on the check's text).
PANDERA_SLUGS = ("number-too-small", "number-too-large", "code-not-in-list",
                 "required-missing", "value-missing", "date-not-recognised",
                 "not-a-whole-number", "id-not-recognised")

#: (id of the ListSchema, columns, blank allowed) -> (that ListSchema, compiled). Holding the
#: schema keeps its id from being reused by another object while the entry exists.
_PANDERA_CACHE: dict[tuple[int, tuple[str, ...], bool], tuple[ListSchema, object]] = {}


def to_pandera(  # type: ignore[no-untyped-def]
    schema: ListSchema | str,
    codes: dict[str, CompiledCodes] | None = None,
    headers: Iterable[str] | None = None,
    *,
    required_values: bool = False,
):
    """Compile a list schema into a pandera ``DataFrameSchema`` for its *typed* columns.

    Values are parsed into typed columns first (``parsing``: dates as ``datetime64[ns]``,
    whole numbers as ``Int64``, codes, IDs and text as Python strings); pandera then checks
    the typed columns: dtypes, code lists and number ranges. Each check is named by the slug
    of the rule it stands for (``PANDERA_SLUGS``), so ``SchemaErrors.failure_cases["check"]``
    is the rule. Blank is allowed unless ``required_values``: jtai reports a required blank
    by its own rule (``required-missing``, from the cell's parse state), once, with a
    plainer message.

    Args:
        schema: the list schema, or a shipped list named as on the command line: its file's
            name, its number ("6"), ``list-6`` or its short name ("CIN").
        codes: the compiled code lists (``SchemaSet.codes``); the shipped ones by default.
        headers: only these columns (those present in the file); all by default.
        required_values: also check that required columns have no blanks, for a pipeline
            that wants pandera to catch those too: a check named ``required-missing`` on the
            essential columns (jtai's error), ``value-missing`` on the others (jtai's warning;
            the column checks cannot see the YAML's ``blank_when`` and ``may_be_blank_when``
            conditions, which jtai's own rule applies).

    Raises:
        UsageError: no list has this name.

    Example:
        >>> s = to_pandera("CIN")
        >>> s.columns["Age of Child (Years)"].checks[0].name
        'number-too-small'
    """
    # lazy: pandera takes seconds to import, and only the column checks need it
    import pandera.pandas as pa

    if isinstance(schema, str) or codes is None:
        shipped = load_schemas()
        if isinstance(schema, str):
            name = schema
            if name not in shipped.lists:
                found = resolve_lists([name], shipped)
                if len(found) != 1:
                    raise UsageError(f"'{name}' means {len(found)} lists ({', '.join(found)}): "
                                     "name one of them")
                name = found[0]
            schema = shipped.lists[name]
        codes = codes if codes is not None else shipped.codes
    wanted = tuple(headers) if headers is not None else tuple(c.header for c in schema.columns)
    key = (id(schema), wanted, required_values)
    cached = _PANDERA_CACHE.get(key)
    if cached is not None and cached[0] is schema:
        return cached[1]
    columns = {}
    for col in schema.columns:
        if col.header not in wanted:
            continue
        checks = []
        # Built-in checks report their ``error`` as the failure case's ``check``: both it
        # and the name are the slug.
        if col.rules.at_least is not None:
            checks.append(pa.Check.ge(col.rules.at_least, name="number-too-small",
                                      error="number-too-small"))
        if col.rules.at_most is not None:
            checks.append(pa.Check.le(col.rules.at_most, name="number-too-large",
                                      error="number-too-large"))
        if col.code_list_name and col.code_list_name in codes:
            checks.append(pa.Check.isin(list(codes[col.code_list_name].values),
                                        name="code-not-in-list", error="code-not-in-list"))
        if required_values and col.required:
            slug = "required-missing" if col.essential else "value-missing"
            checks.append(pa.Check(lambda s: s.notna(), ignore_na=False, name=slug,
                                   error=slug))
        checks.extend(_type_checks(pa, col))
        # No dtype is imposed: what a data team has depends on how it read the file and on
        # the pandas it has (pandas 3 reads text as ``str`` and dates as ``datetime64[us]``,
        # older pandas as ``object`` and ``datetime64[ns]``; an integer column with a blank is
        # float64). The checks above say what the values must be, named by jtai's rules.
        columns[col.header] = pa.Column(None, checks=checks, nullable=True, required=True,
                                        description=col.description or None)
    compiled = pa.DataFrameSchema(columns, name=schema.name, strict=False, ordered=False)
    _PANDERA_CACHE[key] = (schema, compiled)
    return compiled


def _type_checks(pa: Any, col: Column) -> list[Any]:
    """The checks standing for a column's type, whatever its dtype: dates are datetimes (any
    unit), whole numbers whole (an integer dtype, or floats with no fraction), IDs text."""
    import pandas as pd  # with pandera, only when a schema is compiled

    def whole(s: pd.Series) -> pd.Series | bool:
        if pd.api.types.is_bool_dtype(s):
            return False
        if pd.api.types.is_integer_dtype(s):
            return True
        if pd.api.types.is_float_dtype(s):
            return s.isna() | (s == s.round())
        return s.map(lambda v: v is None or (isinstance(v, int | float) and not isinstance(
            v, bool) and (v != v or float(v).is_integer())))

    def dates(s: pd.Series) -> bool:
        return bool(pd.api.types.is_datetime64_any_dtype(s)) or bool(s.isna().all())

    def text(s: pd.Series) -> pd.Series:
        return s.map(lambda v: isinstance(v, str))

    if col.type == "date":
        return [pa.Check(dates, name="date-not-recognised", error="date-not-recognised")]
    if col.type == "integer":
        return [pa.Check(whole, name="not-a-whole-number", error="not-a-whole-number")]
    if col.type == "id":
        return [pa.Check(text, name="id-not-recognised", error="id-not-recognised")]
    return []


def schema_view(name: str, schemas: SchemaSet | None = None) -> dict[str, object]:
    """One list's schema as plain data for display: what ``jtai schemas show`` prints.

    Raises:
        UsageError: no list has this name.
    """
    schemas = schemas or load_schemas()
    if name not in schemas.lists and name in schemas.codes:
        return _code_list_view(schemas.codes[name])
    if name not in schemas.lists:
        raise UsageError(f"no list called '{name}': choose one of {', '.join(schemas.lists)} "
                         "(or a code list, as named in a column's codes)")
    s = schemas.lists[name]
    return {
        "name": s.name, "title": s.title, "description": s.description, "source": s.source,
        "one_row_per_child": s.one_row_per_child,
        "period": s.period.model_dump(exclude_none=True) if s.period else None,
        "columns": [
            {"header": c.header, "type": c.type, "required": c.required,
             "essential": c.essential,
             "codes": c.code_list_name if c.type == "code" or c.codes else None,
             "rules": _rules_view(c.rules), "also_accept": c.also_accept,
             "role": c.role, "description": c.description, "source": c.source}
            for c in s.columns
        ],
    }


def _rules_view(rules: Rules) -> dict[str, object]:
    """A column's rules as plain data; a condition in words ("Placement Type is one of ...")."""
    out: dict[str, object] = rules.model_dump(exclude_defaults=True,
                                              exclude={"blank_when", "may_be_blank_when"})
    for key in ("blank_when", "may_be_blank_when"):
        conds: list[Condition] = getattr(rules, key)
        if conds:
            out[key] = [c.text() for c in conds]
    return out


def _code_list_view(codes: CompiledCodes) -> dict[str, object]:
    """A code list as plain data: what ``jtai schemas show primary_need`` prints."""
    return {
        "name": codes.name, "title": codes.title, "description": "",
        "codes": [{"value": v, "code": codes.short.get(v), "label": codes.labels.get(v, v)}
                  for v in codes.values],
    }


def list_names(schemas: SchemaSet) -> dict[str, tuple[str, ...]]:
    """Every way a list can be named on the command line -> the schema name(s) it means.

    Schema names (``referrals``), titles, list numbers (``6``, ``list6``, ``list 6``; ``8``
    means both forms of list 8), and each schema's ``short_name`` and ``sheet_names`` (YOT,
    NPS, CIN, CP, CLA, S47, Meetings...). A number or a short name means every form of its
    list. A sheet name two unrelated lists share means both.
    """
    names: dict[str, tuple[str, ...]] = {}
    for name, schema in schemas.lists.items():
        names[normalise(name)] = (name,)
        names[normalise(schema.title.split(":")[-1])] = (name,)
        if schema.list_number is not None:
            for spelling in (str(schema.list_number), f"list {schema.list_number}",
                             f"list{schema.list_number}"):
                names[normalise(spelling)] = schemas.forms_of(name)
    # Short names and sheet names never replace the names above ("Referrals" is list 3's
    # title; it is not also the para 33 list's sheet name "Referrals CSA-FE").
    aliases: dict[str, tuple[str, ...]] = {}
    for name, schema in schemas.lists.items():
        for word in (schema.short_name, *schema.sheet_names):
            key = normalise(word or "")
            if key and key not in names:
                known = aliases.get(key, ())
                aliases[key] = (*known, *(n for n in schemas.forms_of(name) if n not in known))
    return names | aliases


def resolve_lists(names: Sequence[str], schemas: SchemaSet) -> tuple[str, ...]:
    """The schema names meant by lists named as on the command line (``6``, ``CIN``...).

    Each name may be several separated by commas (``6,7``).

    Raises:
        UsageError: a name that means no list.
    """
    known = list_names(schemas)
    out: list[str] = []
    for name in (part.strip() for item in names for part in str(item).split(",")):
        if not name:
            continue
        found = known.get(normalise(name))
        if not found:
            raise UsageError(f"no list called '{name}': use a list number (6, 7, 8), list-6, a "
                             f"short name (CIN, CP, CLA, S47, YOT, NPS) or one of "
                             f"{', '.join(schemas.lists)}")
        out.extend(n for n in found if n not in out)
    return tuple(out)
