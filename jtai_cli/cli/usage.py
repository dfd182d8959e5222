"""Usage text in plain words: ``jtai validate [OPTIONS] FILE...`` and ``--as-of DATE``.

typer shows a required argument as ``{files}...``, its type as ``<list[Path]>``, an option's
value as ``<str>`` or ``<int range>``, and passes pydantic's "Value error, ..." and a tabbed
"Choose from:" list through to the user. An analyst reads none of that; this module gives each
argument and option a metavar that says what to type, and tidies the error text.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption

try:  # typer 0.26 and later carry their own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer, on click
    from click.exceptions import UsageError  # type: ignore[import-not-found,no-redef,assignment,unused-ignore]

#: What to type after each option, by the parameter's name (as the function's argument).
_VALUE_NAMES = {
    "as_of": "DATE", "notified": "DATE", "ids": "IDS", "include": "IDS", "exclude": "IDS",
    "require": "IDS", "workers": "N", "max_files": "N", "population": "N", "seed": "N",
    "port": "PORT", "idle_minutes": "MINUTES", "max_upload_mb": "MB", "skip_lists": "LIST",
    "lists": "LIST", "team": "TEAM", "inspectorate": "NAME", "prefer": "TEXT",
}
#: Types typer shows in angle brackets that mean nothing to an analyst, and what to say instead.
_PLAIN_TYPES = {"<str>": "TEXT", "<int>": "N", "<int range>": "N", "<path>": "PATH",
                "<list[str]>": "TEXT", "<list[Path]>": "FILE"}


class _PlainArgument(TyperArgument):
    """An argument shown by its metavar alone: ``FILE...``, ``[SLUG]``."""

    def _usage_display_name(self) -> str:
        name = self.metavar or self.name or ""
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def _rich_display_name(self) -> str:
        return (self.metavar or self.name or "") + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class JtaiCommand(TyperCommand):
    """A command whose usage line and help name values plainly (see the module's note)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                if param.metavar is None:
                    param.metavar = "FILE" if param.name == "files" else (param.name or "").upper()
                param.__class__ = _PlainArgument
            elif isinstance(param, TyperOption) and param.metavar is None and not param.is_flag:
                shown = param.display_type(_NO_CONTEXT)
                if shown in _PLAIN_TYPES:
                    param.metavar = _VALUE_NAMES.get(param.name or "", _PLAIN_TYPES[shown])

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            text = exc.format_message()
            tidy = tidy_message(text)
            if tidy == text:
                raise
            raise UsageError(tidy, ctx=exc.ctx or ctx) from None


class _NoContext:
    """Enough of a click context for ``display_type`` (it only asks about case)."""

    token_normalize_func = None


_NO_CONTEXT: Any = _NoContext()


def tidy_message(text: str) -> str:
    """An error from typer or pydantic in plain words: no "Value error, ", choices on one line."""
    text = text.replace("Value error, ", "")
    m = re.search(r"Choose from:\n\t(.*)", text, flags=re.S)
    if m:
        choices = [c.strip() for c in m.group(1).split(",") if c.strip()]
        head = text[:m.start()].rstrip().rstrip(".")
        text = f"{head}: choose from {', '.join(choices)}."
    text = re.sub(r"Input should be greater than or equal to (-?\d+)", r"give \1 or more", text)
    text = re.sub(r"Input should be less than or equal to (-?\d+)", r"give \1 or less", text)
    return text
