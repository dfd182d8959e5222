"""Write outputs safely: never over an input, never half-written.

Every output goes to a temporary file in the target folder and is renamed into place only when
complete, so an interrupted run leaves either the old file or the new one, never a broken one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import OutputRefused


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_output(path: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Refuse an output path that is an input, a folder, or in a folder that does not exist."""
    out = Path(path)
    for src in inputs:
        if _same_file(out, Path(src)):
            raise OutputRefused(
                "the output path is one of the input files: jtai never writes over its input; "
                "choose another name",
                file=out,
            )
    if out.is_dir():
        raise OutputRefused("the output path is a folder: give a file name", file=out)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputRefused(f"the folder '{parent}' does not exist", file=out)
    return out


@contextlib.contextmanager
def atomic_write(path: str | Path, inputs: Sequence[str | Path] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    Example:
        >>> with atomic_write("out.xlsx", inputs=["lists.xlsx"]) as tmp:  # doctest: +SKIP
        ...     workbook.save(tmp)
    """
    out = check_output(path, inputs)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file owner-only; give it the permissions any new file would get.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str, inputs: Sequence[str | Path] = (),
                      encoding: str = "utf-8") -> Path:
    """Write text through ``atomic_write``."""
    with atomic_write(path, inputs) as tmp:
        tmp.write_text(text, encoding=encoding, newline="")
    return Path(path)
