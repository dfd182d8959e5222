"""Write outputs safely: never over an input, never half-written, never over someone's file.

Every output goes to a temporary file in the target folder and is renamed into place only when
complete, so an interrupted run leaves either the old file or the new one, never a broken one.

An output may replace a file jtai wrote before (an .xlsx stamped in its document properties,
a page or calendar naming jtai as its maker) but no other file, unless the caller allows it
(``replacing_allowed``, the commands' ``--force``): ``jtai template -o lists.xlsx`` must not
silently replace a workbook of data. A path that is not a regular file (a device, a pipe) is
never written. A folder that cannot be written to, or a disk that fills up, is the user's
situation, not a bug: it is an ``OutputRefused`` naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import stat
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import OutputRefused
from .tempdirs import part_file

#: The custom document property that marks an .xlsx as jtai's (see ``writing.xlsx_output``).
STAMP_NAME = "Written by"
#: What marks jtai's text outputs that can hold a mark: the summary page's footer, the
#: calendar's PRODID. (A CSV cannot hold one: replacing any existing CSV needs --force.)
TEXT_STAMPS = (b"Made by jtai ", b"PRODID:-//jtai//")

_force: contextvars.ContextVar[bool] = contextvars.ContextVar("jtai_force", default=False)
#: What each output looked like when jtai renamed it into place (see ``still_ours``).
_written: dict[str, tuple[int, int, int, int]] = {}


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def still_ours(path: str | Path) -> bool:
    """True while ``path`` is still the very file jtai last wrote there (same inode, size
    and time): so a step that re-reads an output (merge checks the workbook it wrote) reads
    jtai's file, not one another program put there since."""
    try:
        return _written.get(str(Path(path).resolve())) == _identity(os.stat(path))
    except OSError:
        return False


@contextlib.contextmanager
def replacing_allowed(allow: bool = True) -> Iterator[None]:
    """Within the block, outputs may replace existing files jtai did not write (``--force``)."""
    token = _force.set(allow)
    try:
        yield
    finally:
        _force.reset(token)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def written_by_jtai(path: Path) -> bool:
    """True when ``path`` is an output jtai wrote (so a later run may replace it)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
            fh.seek(max(0, path.stat().st_size - 4096))
            tail = fh.read(4096)
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(path) as zf:
                info = zf.getinfo("docProps/custom.xml")
                if info.file_size > 1024**2:
                    return False
                custom = zf.read(info)
            return (f'name="{STAMP_NAME}"'.encode() in custom
                    and b"<vt:lpwstr>jtai " in custom)
        return any(mark in head or mark in tail for mark in TEXT_STAMPS)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False


def check_output(path: str | Path, inputs: Sequence[str | Path] = (), *,
                 force: bool = False) -> Path:
    """Refuse an output path jtai must not write.

    Refused: one of the inputs; a folder; something that is not a regular file (a device, a
    pipe); a path in a folder that does not exist or cannot be written to; and an existing
    file jtai did not write, unless ``force`` (or ``replacing_allowed``).
    """
    out = Path(path)
    for src in inputs:
        if _same_file(out, Path(src)):
            raise OutputRefused(
                "the output path is one of the input files: jtai never writes over its input; "
                "choose another name",
                file=out,
            )
    try:
        st = out.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputRefused(f"cannot use this output path ({exc.strerror}): choose another",
                            file=out) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputRefused("the output path is a folder: give a file name", file=out)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputRefused(
            "the output path is not a regular file (it is a device, a pipe or a socket): jtai "
            "writes only files; give a file name",
            file=out,
        )
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputRefused(f"the folder '{parent}' does not exist", file=out)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputRefused(
            f"jtai cannot write in the folder '{parent}' (no permission, or it is read-only): "
            "choose a folder you can save files in",
            file=out,
        )
    if st is not None and not (force or _force.get()) and not written_by_jtai(out):
        raise OutputRefused(
            "a file with this name already exists and jtai did not write it: choose another "
            "name, or add --force to replace it",
            file=out,
        )
    return out


def _write_failed(out: Path, exc: OSError) -> OutputRefused:
    if exc.errno == errno.ENOSPC:
        what = "the disk is full: free some space or choose another folder"
    elif exc.errno == errno.EDQUOT:
        what = "your disk quota is used up: free some space or choose another folder"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "no permission to write there, or it is read-only: choose another folder"
    else:
        what = f"{exc.strerror or type(exc).__name__}: check the folder and try again"
    return OutputRefused(f"the output could not be written ({what}); nothing was written",
                         file=out)


@contextlib.contextmanager
def atomic_write(path: str | Path, inputs: Sequence[str | Path] = (), *,
                 force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    Raises:
        OutputRefused: the path may not be written (see ``check_output``), or writing failed
            for a reason of the machine (full disk, no permission).

    Example:
        >>> with atomic_write("out.xlsx", inputs=["lists.xlsx"]) as tmp:  # doctest: +SKIP
        ...     workbook.save(tmp)
    """
    out = check_output(path, inputs, force=force)
    try:
        fd, tmp = part_file(out)  # named for this run; stale parts of dead runs go first
    except OSError as exc:
        raise _write_failed(out, exc) from None
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file owner-only; give it the permissions any new file would get.
        os.chmod(tmp, 0o666 & ~_umask())
        if out.exists() and not out.is_file():  # made a pipe or device meanwhile
            raise OutputRefused("the output path became something other than a file while "
                                "jtai worked: nothing was written", file=out)
        identity = _identity(os.stat(tmp))  # a rename keeps the inode and times
        os.replace(tmp, out)
        _written[str(out.resolve())] = identity
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _write_failed(out, exc) from None
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
