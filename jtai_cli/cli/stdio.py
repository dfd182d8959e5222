"""``-`` as an input (standard input) and ``-o -`` (standard output).

A workbook is a zip file that has to be read out of order, so standard input is first copied
to a private temporary folder (readable by this user only) and read from there like any file:
sniffed by its content, never trusted by a name. The copy is bounded and removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import typer

from jtai_cli import errors
from jtai_cli._bounded import may_write, note_temp
from jtai_cli._files import show_as, unsealed
from jtai_cli.errors import WorkbookTooLarge
from jtai_cli.tempdirs import make_dir

from . import jsonout
from .options import STDIO

#: The most read from standard input: 2 GiB, above the largest workbook Excel can save and a
#: full 1,048,576-row CSV list.
STDIN_LIMIT = 2 * 1024**3
#: The name the copy gets, so that findings say ``stdin``.
STDIN_NAME = "stdin"


def _copy_bounded(source: BinaryIO, target: Path, limit: int) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise WorkbookTooLarge(f"standard input holds more than {limit:,} bytes, more "
                                       "than jtai reads from it: give the file's name instead",
                                       file="-")
            out.write(chunk)
    return size


def _stdin() -> BinaryIO:
    """Standard input's bytes, or ``FileNotFound`` (exit 3) when it is closed (``<&-``)."""
    stream = sys.stdin
    if stream is not None:
        try:
            fd = stream.fileno()
        except (OSError, ValueError):  # not a file descriptor (a test's stream): usable
            return stream.buffer
        try:
            os.fstat(fd)
            return stream.buffer
        except OSError:
            pass
    raise errors.FileNotFound("standard input is closed, so there is nothing to read from it: give "
                       "the file's name, or send the file to jtai (< FILE)", file=STDIO)


def _suffix_for(copy: Path) -> str:
    """The file name extension standard input's content calls for (sniffed as jtai sniffs any
    file), so that the copy is not reported as a file whose name does not match its content.
    Content jtai cannot read keeps no extension, and gets jtai's usual message."""
    # lazy: the library loads only when the command runs, so --help stays quick
    from jtai_cli.reading import sniff_kind

    with copy.open("rb") as fh:
        head = fh.read(8192)
    kind = sniff_kind(copy, head)
    if kind == "zip":
        try:
            with zipfile.ZipFile(copy) as zf:  # the names only: nothing is unpacked here
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return ""
        if "xl/workbook.xml" in names:
            return ".xlsx"
        return ".ods" if {"content.xml", "mimetype"} <= names else ""
    return {"ole": ".xls", "parquet": ".parquet", "text": ".csv"}.get(kind, "")


@contextmanager
def stdin_inputs(files: list[Path], *, debug: bool = False, as_json: bool = False,
                 limit: int = STDIN_LIMIT, stream: BinaryIO | None = None,
                 ) -> Iterator[list[Path]]:
    """The input paths, with ``-`` replaced by a private copy of standard input.

    Standard input larger than ``limit`` is unusable input (exit 3, said as the command says
    any other: a panel, or JSON with ``as_json``).

    Raises:
        typer.BadParameter: ``-`` given twice.
    """
    if sum(str(f) == STDIO for f in files) > 1:
        raise typer.BadParameter("standard input (-) can be read once only", param_hint="FILES")
    if not any(str(f) == STDIO for f in files):
        yield files
        return
    folder = make_dir("stdin")  # mode 0700: this user only; named for this run
    try:
        note_temp(folder)  # removed by jtai's parent process if this one is killed
        # lazy: rich loads only when the command runs, so --help stays quick
        from . import render

        raw = folder / STDIN_NAME
        jsonout.add_alias(str(raw), STDIN_NAME)
        render.run(lambda: _copy_bounded(stream or _stdin(), raw, limit), debug=debug,
                   as_json=as_json)
        copy = raw.rename(raw.with_suffix(_suffix_for(raw)))
        jsonout.remove_alias(str(raw))
        # Kept for the rest of the run: the report is printed after the copy is removed.
        jsonout.add_alias(str(copy), STDIN_NAME)
        show_as(copy, STDIN_NAME)  # and in what jtai writes (a merged workbook's Sources)
        yield [copy if str(f) == STDIO else f for f in files]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def is_stdout(path: Path | None) -> bool:
    """Whether ``-o`` names standard output."""
    return path is not None and str(path) == STDIO


@contextmanager
def output_to_stdout(path: Path | None, suffix: str) -> Iterator[Path | None]:
    """The path the library should write to; for ``-o -``, a private temporary file whose
    bytes are copied to standard output when the command has written it.

    Args:
        path: the ``-o`` value.
        suffix: the kind of file standard output gets (``.csv``, ``.html``, ``.ics``).
    """
    if not is_stdout(path):
        yield path
        return
    folder = make_dir("stdout")
    try:
        note_temp(folder)
        if not _stdout_open():
            raise typer.BadParameter("standard output is closed: give a file name",
                                     param_hint="--output")
        target = folder / f"output{suffix}"
        with unsealed():  # standard output gets the page or calendar exactly
            yield target
        may_write()  # nothing reaches standard output once jtai's process is gone
        if target.is_file():
            sys.stdout.flush()
            with target.open("rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stdout_open() -> bool:
    if sys.stdout is None:
        return False
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # not a file descriptor (a test's stream): usable
        return True
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def refuse_stdout(path: Path | None, what: str, option: str = "--output") -> None:
    """A workbook cannot go to standard output: say so as a usage error (exit 2)."""
    if is_stdout(path):
        raise typer.BadParameter(f"{what} cannot be written to standard output: give a file "
                                 "name", param_hint=option)
