"""Write outputs safely: never over an input, never half-written, never over someone's file.

Every output goes to a temporary file in the target folder and is renamed into place only when
complete, so an interrupted run leaves either the old file or the new one, never a broken one.

An output may replace, without ``--force``, only a file that is exactly as a jtai run wrote it.
Words a user can type ("Made by jtai" in a page) prove nothing, so each output jtai can mark
carries a seal: a SHA-256 digest of its own content, written when the output is complete
(``seal``). A workbook's seal is in its zip comment and covers every part's name, CRC and size;
a page's is an HTML comment after the page; a calendar's an ``X-JTAI-SEAL`` line. The file is
jtai's when the seal is there and matches (``written_by_jtai``): a file a user wrote has none,
and a jtai output a user changed (a workbook corrected and saved in Excel, a page edited) no
longer matches, so it is kept as the user's. A CSV cannot carry a seal: replacing any existing
CSV needs ``--force``. A path that is not a regular file (a device, a pipe) is never written. A
folder that cannot be written to, or a disk that fills up, is the user's situation, not a bug:
it is an ``OutputRefused`` naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import os
import re
import stat
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ._bounded import may_write, note_temp
from .errors import OutputRefused
from .tempdirs import part_file

#: The custom document property that marks an .xlsx as jtai's (see ``writing.xlsx_output``).
STAMP_NAME = "Written by"
#: What a seal says before its digest (see ``seal``).
SEAL = "jtai-seal sha256:"
#: The largest page or calendar whose seal is checked (read whole to hash it): a bigger file
#: is not taken for jtai's.
_SEALED_TEXT_MAX = 256 * 1024**2
_PAGE_SEAL = re.compile(rb"\n<!-- " + re.escape(SEAL.encode()) + rb"([0-9a-f]{64}) -->\n\Z")
_CALENDAR_SEAL = re.compile(rb"X-JTAI-SEAL:" + re.escape(SEAL.encode()) + rb"([0-9a-f]{64})\r\n")

_force: contextvars.ContextVar[bool] = contextvars.ContextVar("jtai_force", default=False)
_sealing: contextvars.ContextVar[bool] = contextvars.ContextVar("jtai_sealing", default=True)
#: What each output looked like when jtai renamed it into place (see ``still_ours``).
_written: dict[str, tuple[int, int, int, int]] = {}


#: Private temporary paths -> the name an output shows for them (``show_as``).
_shown: dict[str, str] = {}


def show_as(path: str | Path, name: str) -> None:
    """Name ``path`` ``name`` in what jtai writes (``shown``): standard input's private copy
    is ``stdin`` in a merged workbook's Sources sheet, never its temporary path."""
    _shown[str(path)] = name


def shown(path: str | Path) -> str:
    """The name an output gives ``path``: its ``show_as`` name, else the path as given."""
    return _shown.get(str(path), str(path))


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
def unsealed() -> Iterator[None]:
    """Within the block, outputs get no seal: what goes to standard output is no file a later
    run could replace, and is the page or calendar exactly."""
    token = _sealing.set(False)
    try:
        yield
    finally:
        _sealing.reset(token)


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


def _zip_digest(zf: zipfile.ZipFile) -> str:
    h = hashlib.sha256()
    for info in zf.infolist():
        h.update(f"{info.filename}\0{info.CRC}\0{info.file_size}\n".encode())
    return h.hexdigest()


def seal(path: Path) -> None:
    """Seal a complete output as jtai's (see the module's docstring): a workbook (zip) in its
    zip comment, a page (HTML) and a calendar (iCalendar) with a line holding the digest of
    everything else. Any other file (a CSV) is left as it is."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if head.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(path, "a") as zf:
            zf.comment = f"{SEAL}{_zip_digest(zf)}".encode()
        return
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    is_ics = text.startswith(b"BEGIN:VCALENDAR")
    if not (is_ics or text[:15].lower() == b"<!doctype html>" or text[:5].lower() == b"<html"):
        return
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if is_ics:
        # a calendar's own property, right after BEGIN:VCALENDAR (properties come first)
        end = data.find(b"\n", data.find(b"BEGIN:VCALENDAR")) + 1
        if end <= 0:
            return
        line = f"X-JTAI-SEAL:{SEAL}{digest}\r\n".encode()
        data = data[:end] + line + data[end:]
    else:
        data += f"\n<!-- {SEAL}{digest} -->\n".encode()
    path.write_bytes(data)


def written_by_jtai(path: Path) -> bool:
    """True when ``path`` is exactly an output jtai wrote (its seal is there and matches), so
    a later run may replace it without ``--force``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
        if head == b"PK\x03\x04":
            with zipfile.ZipFile(path) as zf:
                comment = zf.comment.decode("ascii", "replace")
                return comment.startswith(SEAL) and comment[len(SEAL):] == _zip_digest(zf)
        if path.stat().st_size > _SEALED_TEXT_MAX:
            return False
        data = path.read_bytes()
        page = _PAGE_SEAL.search(data)
        if page is not None:  # appended after the page
            rest, digest = data[:page.start()], page.group(1)
        else:
            found = list(_CALENDAR_SEAL.finditer(data))
            if len(found) != 1:
                return False
            m = found[0]
            rest, digest = data[:m.start()] + data[m.end():], m.group(1)
        return hashlib.sha256(rest).hexdigest() == digest.decode()
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
            "a file with this name already exists and jtai did not write it (or it was changed "
            "since jtai wrote it): choose another name, or add --force to replace it",
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
        note_temp(tmp)  # removed by jtai's parent process if this one is killed
        yield tmp
        # mkstemp makes the file owner-only; give it the permissions any new file would get.
        os.chmod(tmp, 0o666 & ~_umask())
        if _sealing.get():
            seal(tmp)  # the proof that a later run may replace it (see written_by_jtai)
        if out.exists() and not out.is_file():  # made a pipe or device meanwhile
            raise OutputRefused("the output path became something other than a file while "
                                "jtai worked: nothing was written", file=out)
        identity = _identity(os.stat(tmp))  # a rename keeps the inode and times
        may_write()  # never once jtai's process is gone (it was killed): see _bounded
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
