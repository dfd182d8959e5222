"""Every way of stopping jtai, through the real command (its worker process included): the
right exit code, one message saying what happened, and nothing left behind, neither in the
output folder nor in the temporary folder (TMPDIR points at a folder of the test's own).

What each signal does is promised in the README's "Data safety" section.
"""

from __future__ import annotations

import csv
import faulthandler
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile.make_corpus import L6, L6_ROWS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HOSTILE = Path(__file__).resolve().parent / "hostile"


def plain(text: str) -> str:
    """Terminal text without the panel's box drawing and line wrapping."""
    return " ".join(re.sub(r"[│╭╮╰╯─┃━┏┓┗┛]", " ", text).split())


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its new parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def wait_gone(pids: list[int], seconds: float = 60) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if all(gone(p) for p in pids):
            return True
        time.sleep(0.05)
    return all(gone(p) for p in pids)


def wait_for(condition, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the run never reached the point to stop it at")


@pytest.fixture
def place(tmp_path: Path) -> dict[str, Path]:
    folders = {name: tmp_path / name for name in ("tmp", "out", "work")}
    for folder in folders.values():
        folder.mkdir()
    return folders


def start(args: list[str], place: dict[str, Path], **kw) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "TMPDIR": str(place["tmp"])}
    env.pop("JTAI_ONE_PROCESS", None)
    return subprocess.Popen([sys.executable, "-m", "jtai_cli", *args], cwd=place["work"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A List 6 of 30,000 rows, each with an error: its highlighted copy takes seconds to
    write, long enough to stop the run while the copy's .part file is open."""
    path = tmp_path_factory.mktemp("big") / "list6.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(L6)
        for r in range(30_000):
            row = list(L6_ROWS[0])
            row[0], row[1] = f"C{r}", "Marsupial"
            w.writerow(row)
    return path


STOPS = [  # who is signalled, the signal, the exit code, what the one message says
    ("parent", signal.SIGTERM, 143, "jtai was stopped (SIGTERM"),
    ("parent", signal.SIGHUP, 129, "jtai was stopped (SIGHUP: its terminal was closed)"),
    ("parent", signal.SIGKILL, -signal.SIGKILL, None),
    ("worker", signal.SIGTERM, 143, "jtai was stopped (SIGTERM"),
    ("worker", signal.SIGHUP, 129, "jtai was stopped (SIGHUP"),
    ("worker", signal.SIGKILL, 137, "jtai's worker process was stopped (SIGKILL"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("who", "sig", "code", "said"), STOPS,
                         ids=[f"{w}-{s.name}" for w, s, *_ in STOPS])
def test_stopped_while_writing_the_output_leaves_nothing(big_csv, place, who, sig, code, said):
    run = start(["validate", str(big_csv), "--as-of", "2026-11-23", "--report",
                 str(place["out"] / "checked.xlsx"), "-q"], place)
    try:
        wait_for(lambda: any(p.suffix == ".part" for p in place["out"].iterdir()))
        time.sleep(0.5)  # well inside the write
        workers = children(run.pid)
        assert len(workers) == 1
        assert any(place["tmp"].iterdir())  # xlsxwriter's private folder, now in use
        os.kill(run.pid if who == "parent" else workers[0], sig)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_gone(workers), "the worker outlived jtai"
    time.sleep(0.5)  # anything an orphan would still write would be there by now
    assert run.returncode == code, err.decode()[-2000:]
    text = plain(err.decode())
    if said is None:
        assert text == ""  # killed outright: the shell says "Killed"; the worker says nothing
    else:
        assert said in text
        assert text.count("jtai: stopped") == 1 and "out of memory" not in text
        assert "were not written, and its temporary files were removed" in text
    assert list(place["out"].iterdir()) == []
    assert list(place["tmp"].iterdir()) == []


def _stdin_run(place: dict[str, Path], *extra: str,
               ) -> tuple[subprocess.Popen[bytes], list[int]]:
    """jtai reading standard input from a pipe the test keeps open: the worker is copying it
    to its private folder, and waits for more."""
    run = start(["validate", "-", "--as-of", "2026-11-23", *extra], place,
                stdin=subprocess.PIPE)
    assert run.stdin is not None
    run.stdin.write(b"Child Unique ID,Gender\r\n" + b"ZQ0099887766,a) Male\r\n" * 2000)
    run.stdin.flush()

    def copying() -> bool:  # the copy is open (the worker waits for a full chunk or the end)
        return any((d / "stdin").exists() for d in place["tmp"].glob("jtai-stdin-*"))

    wait_for(copying)
    time.sleep(0.3)
    return run, children(run.pid)


@pytest.mark.slow
@pytest.mark.parametrize(("who", "sig", "code"), [
    ("parent", signal.SIGTERM, 143), ("parent", signal.SIGHUP, 129),
    ("parent", signal.SIGKILL, -signal.SIGKILL), ("worker", signal.SIGKILL, 137)])
def test_the_copy_of_standard_input_never_outlives_the_run(place, who, sig, code):
    run, workers = _stdin_run(place)
    try:
        os.kill(run.pid if who == "parent" else workers[0], sig)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_gone(workers)
    assert run.returncode == code, err.decode()[-2000:]
    assert list(place["tmp"].iterdir()) == []
    assert "jtai-stdin" not in err.decode()


@pytest.mark.slow
def test_a_stop_is_said_in_json_when_json_was_asked_for(place):
    import json

    run, workers = _stdin_run(place, "--format", "json")
    try:
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_gone(workers)
    assert run.returncode == 143, err.decode()[-2000:]
    doc = json.loads(out)
    assert doc["error"]["kind"] == "stopped" and "SIGTERM" in doc["error"]["message"]
    assert list(place["tmp"].iterdir()) == []


@pytest.mark.slow
def test_out_of_memory_on_standard_input_names_it_stdin(place):
    """The parent's message names standard input 'stdin', never the private copy's path."""
    env = {**os.environ, "TMPDIR": str(place["tmp"]), "JTAI_MEMORY_LIMIT_GB": "0.9"}
    data = (HOSTILE / "same_row.xlsx").read_bytes()
    run = subprocess.run([sys.executable, "-m", "jtai_cli", "validate", "-"], input=data,
                         capture_output=True, timeout=120, env=env, check=False)
    if run.returncode in (0, 1):
        pytest.skip("this machine reads it within 0.9 GB: nothing to provoke")
    text = plain(run.stderr.decode())
    assert run.returncode == 3, text
    assert "stdin: jtai ran out of memory reading this file" in text
    assert "jtai-stdin" not in text
    assert list(place["tmp"].iterdir()) == []


# --------------------------------------------------------------------------- settings


def _jtai(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "jtai_cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False, **kw)


def _one_error(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    text = plain(result.stderr)
    assert text.count("Error:") == 1 and "Traceback" not in text, text
    for phrase in phrases:
        assert phrase in text, text


SETTINGS = [
    ('as-of = "31/12/9999"\n', ["validate", "{lists}"], "'31/12/9999' is outside the dates"),
    ('as-of = "01/01/0001"\n', ["validate", "{lists}"], "'01/01/0001' is outside the dates"),
    ("as-of = 9999-12-31\n", ["validate", "{lists}"], "outside the dates jtai works with"),
    ('notified = "27/12/9999"\n', ["timeline", "--option", "A"], "(1900 to 2200)"),
    (b'as-of = "\xff\xfe"\n', ["validate", "{lists}"], "is not UTF-8 text"),
    ("a = " + "[" * 200_000 + "]" * 200_000 + "\n", ["validate", "{lists}"],
     "64 KB a settings file may be"),
    ("a = " + "[" * 5_000 + "]" * 5_000 + "\n", ["validate", "{lists}"], "nests tables or "
     "lists too deeply"),
    ('as-of = "23/11/2026"\n[validate]\nfail-on = "error"\n', ["validate", "--as-of",
                                                             "31/12/9999", "{lists}"],
     "'31/12/9999' is outside the dates"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("toml", "args", "said"), SETTINGS,
                         ids=["as-of-9999", "as-of-0001", "toml-date-9999", "notified-9999",
                              "not-utf8", "nested-200000", "nested-5000", "option-9999"])
def test_settings_a_command_cannot_use_are_exit_2_with_one_message(tmp_path, toml, args, said):
    cfg = tmp_path / "jtai.toml"
    if isinstance(toml, bytes):
        cfg.write_bytes(toml)
    else:
        cfg.write_text(toml, encoding="utf-8")
    lists = EXAMPLES / "lists_clean.xlsx"
    result = _jtai([a.replace("{lists}", str(lists)) for a in args], tmp_path)
    _one_error(result, said)


@pytest.mark.slow
def test_a_settings_file_linked_to_a_huge_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as fh:
        fh.truncate(1_500_000_000)  # sparse: 1.5 GB claimed, nothing on disk
    (tmp_path / "jtai.toml").symlink_to(huge)
    result = _jtai(["validate", str(EXAMPLES / "lists_clean.xlsx")], tmp_path)
    _one_error(result, "1,500,000,000 bytes", "is it the right file?")


# --------------------------------------------------------------------------- streams


def _closing(fd: int):  # type: ignore[no-untyped-def]
    def close() -> None:
        os.close(fd)

    return close


def _stream_error(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 3, (result.returncode, result.stderr[-2000:])
    text = plain(result.stderr)
    assert text.count("jtai: cannot") == 1 and "Traceback" not in text, text
    for phrase in phrases:
        assert phrase in text, text


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [
    ["filter", "{messy}", "--list", "6", "-o", "-"],
    ["summary", "{messy}", "-o", "-"],
    ["timeline", "--notified", "2026-11-23", "--option", "A", "--ics", "-"],
    ["validate", "{messy}"],
    ["validate", "{messy}", "--format", "json"],
], ids=["filter", "summary", "timeline", "validate", "validate-json"])
def test_standard_output_on_a_full_disk_is_exit_3_with_a_message(tmp_path, args):
    messy = str(EXAMPLES / "lists_messy.xlsx")
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "jtai_cli", *[a.replace("{messy}", messy) for a in args]],
            cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            check=False)
    _stream_error(result, "could not write to its standard output (the disk is full)")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_closed_standard_streams_are_said_not_silent(tmp_path):
    messy = str(EXAMPLES / "lists_messy.xlsx")
    closed_out = _jtai(["filter", messy, "--list", "6", "-o", "-"], tmp_path,
                       preexec_fn=_closing(1))
    _one_error(closed_out, "standard output is closed: give a file name")
    json_out = _jtai(["validate", messy, "--format", "json"], tmp_path, preexec_fn=_closing(1))
    _stream_error(json_out, "could not write to its standard output (it is closed)")
    closed_in = _jtai(["validate", "-"], tmp_path, preexec_fn=_closing(0))
    _stream_error(closed_in, "standard input is closed")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- in one process


def test_nothing_is_renamed_into_place_once_the_parent_is_gone(tmp_path, monkeypatch):
    """A worker whose parent was killed (its command has ended) writes nothing more."""
    from jtai_cli import _bounded
    from jtai_cli._files import atomic_write

    monkeypatch.setattr(_bounded, "_parent_pid", os.getppid() + 1_000_000)  # not its parent
    with pytest.raises(_bounded.Stopped) as info, atomic_write(tmp_path / "o.csv") as tmp:
        tmp.write_text("a,b\n")
    assert info.value.code == 143
    assert list(tmp_path.iterdir()) == []


def test_a_stop_unwinds_the_command_and_is_said_once(tmp_path, monkeypatch):
    from jtai_cli import _bounded
    from jtai_cli._files import atomic_write

    said: list[tuple[int, bool]] = []
    monkeypatch.setattr(_bounded, "_say_stopped", lambda s, w: said.append((s, w)))

    def command() -> None:
        with atomic_write(tmp_path / "o.csv") as tmp:
            tmp.write_text("a,b\n")
            _bounded._raise_stopped(signal.SIGHUP, None)

    old = {s: signal.getsignal(s) for s in _bounded._STOP_SIGNALS}
    try:
        assert _bounded._call(command) == 129
        # a second signal during the clean-up is ignored, not a second interruption
        assert all(signal.getsignal(s) == signal.SIG_IGN for s in _bounded._STOP_SIGNALS)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    assert said == [(signal.SIGHUP, False)]
    assert list(tmp_path.iterdir()) == []


def test_workers_are_capped_at_the_cores_jtai_may_use(tmp_path, monkeypatch):
    """workers = 1000000 (jtai.toml or --workers) starts no more processes than cores."""
    import shutil

    from typer.testing import CliRunner

    from jtai_cli import validation
    from jtai_cli._bounded import usable_cpus
    from jtai_cli.cli import app

    asked: list[int] = []

    class Pool(validation.ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kw) -> None:  # type: ignore[no-untyped-def]
            asked.append(max_workers)
            super().__init__(max_workers=max_workers, **kw)

    monkeypatch.setattr(validation, "ProcessPoolExecutor", Pool)
    folder = tmp_path / "lists"
    folder.mkdir()
    for i in range(usable_cpus() + 2):
        shutil.copy(EXAMPLES / "lists_clean.xlsx", folder / f"la{i}.xlsx")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jtai.toml").write_text("workers = 1000000\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(folder), "--as-of", "2026-11-23", "-q"])
    assert result.exit_code == 0, result.output
    if usable_cpus() > 1:
        assert asked == [usable_cpus()]
    else:
        assert asked == []  # one core: checked in this process, one file after another


def test_words_a_user_can_type_do_not_make_a_file_jtais(tmp_path):
    """Only a file exactly as jtai wrote it may be replaced without --force."""
    import zipfile

    from jtai_cli._files import write_text_atomic, written_by_jtai
    from jtai_cli.writing import xlsx_output

    notes = tmp_path / "notes.html"
    notes.write_text("<html><body>Made by jtai 1.0, PRODID:-//jtai//</body></html>\n")
    assert not written_by_jtai(notes)
    page = write_text_atomic(tmp_path / "page.html", "<!DOCTYPE html><html>x</html>\n")
    calendar = write_text_atomic(tmp_path / "c.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                                 "END:VCALENDAR\r\n")
    with xlsx_output(tmp_path / "w.xlsx") as wb:
        wb.add_worksheet("S").write(0, 0, "x")
    sealed = [page, calendar, tmp_path / "w.xlsx"]
    assert all(written_by_jtai(p) for p in sealed)
    assert calendar.read_bytes().startswith(b"BEGIN:VCALENDAR\r\nX-JTAI-SEAL:jtai-seal sha256:")
    # changed since jtai wrote it: the user's now
    page.write_text(page.read_text().replace(">x<", ">my notes<"))
    calendar.write_bytes(calendar.read_bytes().replace(b"VERSION:2.0", b"VERSION:2.1"))
    with zipfile.ZipFile(tmp_path / "w.xlsx", "a") as zf:
        zf.writestr("xl/extra.xml", "<x/>")  # changed, its comment (the seal) kept
    assert not any(written_by_jtai(p) for p in sealed)
    # a seal copied into the user's own page proves nothing either
    (tmp_path / "copied.html").write_bytes(notes.read_bytes() + b"\n<!-- jtai-seal sha256:"
                                           + b"0" * 64 + b" -->\n")
    assert not written_by_jtai(tmp_path / "copied.html")


@pytest.mark.slow
def test_summary_keeps_a_users_page_that_says_made_by_jtai(tmp_path):
    notes = tmp_path / "notes.html"
    notes.write_text("<html><body><p>My notes. Made by jtai 1.0</p></body></html>\n")
    before = notes.read_bytes()
    messy = str(EXAMPLES / "lists_messy.xlsx")
    refused = _jtai(["summary", messy, "-o", str(notes)], tmp_path)
    assert refused.returncode == 3 and notes.read_bytes() == before
    assert "jtai did not write it (or it was changed since jtai wrote it)" in plain(
        refused.stderr)
    page = tmp_path / "summary.html"
    for _ in range(2):  # jtai's own page, unchanged, is replaced
        assert _jtai(["summary", messy, "-o", str(page)], tmp_path).returncode in (0, 1)
    page.write_text(page.read_text(encoding="utf-8") + "<p>my note</p>", encoding="utf-8")
    edited = page.read_bytes()
    assert _jtai(["summary", messy, "-o", str(page)], tmp_path).returncode == 3
    assert page.read_bytes() == edited
    assert _jtai(["summary", messy, "-o", str(page), "--force"], tmp_path).returncode in (0, 1)


def _forked(command, monkeypatch):  # type: ignore[no-untyped-def]
    """run_bounded with a real fork; what the parent said, and its exit code."""
    from jtai_cli import _bounded

    monkeypatch.setattr(_bounded, "_waited", False)  # put back after the test
    said: list[object] = []
    monkeypatch.setattr(_bounded, "_say_stopped", lambda s, w: said.append(("stopped", s, w)))
    code = _bounded.run_bounded(command, lambda file, _limit: said.append(("memory", file)))
    return said, code


def test_a_worker_that_aborts_reading_stdin_is_out_of_memory_on_stdin(tmp_path, monkeypatch):
    """The Rust reader aborts when it cannot get memory under the limit: the parent names
    standard input 'stdin', never the private copy's path, and removes the copy."""
    from jtai_cli import _bounded

    def command() -> None:
        folder = tmp_path / "jtai-stdin-abc123"
        folder.mkdir()
        _bounded.note_temp(folder)
        (folder / "stdin.xlsx").write_bytes(b"PK\x03\x04 child data")
        _bounded.note_reading(folder / "stdin.xlsx")
        faulthandler.disable()  # pytest's dump of the child's stack is noise here
        os.kill(os.getpid(), signal.SIGABRT)

    said, code = _forked(command, monkeypatch)
    assert code == 3 and said == [("memory", "stdin")]
    assert list(tmp_path.iterdir()) == []


def test_a_worker_killed_outright_is_137_and_its_files_are_removed(tmp_path, monkeypatch):
    from jtai_cli import _bounded

    def command() -> None:
        part = tmp_path / ".out.xlsx.abc.part"
        part.write_bytes(b"child data")
        _bounded.note_temp(part)
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(_bounded, "_oom_kills", lambda: 0)  # the kernel killed no process
    said, code = _forked(command, monkeypatch)
    assert code == 137 and said == [("stopped", signal.SIGKILL, True)]
    assert list(tmp_path.iterdir()) == []


def test_a_worker_the_kernel_killed_for_memory_is_out_of_memory(tmp_path, monkeypatch):
    from jtai_cli import _bounded

    counts = iter([4, 5])  # the kernel's count of out-of-memory kills, before and after
    monkeypatch.setattr(_bounded, "_oom_kills", lambda: next(counts))

    def command() -> None:
        _bounded.note_reading(tmp_path / "big.xlsx")
        os.kill(os.getpid(), signal.SIGKILL)

    said, code = _forked(command, monkeypatch)
    assert code == 3 and said == [("memory", str(tmp_path / "big.xlsx"))]


@pytest.mark.slow
def test_a_merge_of_standard_input_names_it_stdin_in_the_sources_sheet(tmp_path):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "m.xlsx"
    run = subprocess.run([sys.executable, "-m", "jtai_cli", "merge", "-", "-o", str(out)],
                         input=(EXAMPLES / "lists_clean.xlsx").read_bytes(), capture_output=True,
                         timeout=300, check=False,
                         env={**os.environ, "TMPDIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Sources").to_python()
    cells = [str(c) for row in rows for c in row]
    assert "Merged from: stdin" in cells
    assert cells.count("stdin") > 100  # every input row names where it came from
    assert not any("jtai-stdin" in c or str(tmp_path) in c for c in cells)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xlsx"]  # the copy is gone
