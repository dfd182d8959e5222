"""The page bounded per request (issue 27 §1): each job in a process of its own under the
command line's memory limit, a full queue answered 503 "try again", every stop signal clean and
truthful, and stale jtai temporary folders removed by the next command and the next server.

The tests that start ``jtai serve`` run the real process, under an address-space limit where
it matters, with its temporary folder (TMPDIR) and working folder inside the test's own.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import jsonschema
import pytest
import xlsxwriter
from test_safety import SENTINEL_ID, SENTINEL_NAME, sentinel_workbook

with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from jtai_cli import tempdirs
from jtai_cli.serve import ServeState, create_app
from jtai_cli.serve.worker import Busy, WorkerDied, Workers

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "lists_clean.xlsx"
BASE = "http://127.0.0.1:8765"
ERROR_SCHEMA = json.loads((ROOT / "jtai_cli" / "json_schemas" / "error.schema.json")
                          .read_text(encoding="utf-8"))


def far_cell_workbook(folder: Path) -> Path:
    """A 5 KB workbook with a short List 6 and one stray cell at AF1048576: within the cell
    limit (32 columns x 1,048,576 rows), about 1.5 GB to read with today's reader."""
    path = folder / "stray.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("List_6")
    ws.write_row(0, 0, ["Child Unique ID", "Gender", "Date of Birth"])
    ws.write_row(1, 0, ["C1", "Male", "01/01/2015"])
    ws.write(1048575, 31, "x")
    wb.close()
    return path


class Server:
    """``jtai serve`` in a real process: TMPDIR and the working folder are the test's."""

    def __init__(self, tmp: Path, *, memory_gb: float | None = None,
                 env: dict[str, str] | None = None, tmpdir: Path | None = None) -> None:
        self.tmp = tmpdir or tmp / "tmp"
        self.cwd = tmp / "cwd"
        self.tmp.mkdir(exist_ok=True)
        self.cwd.mkdir(exist_ok=True)

        def limit() -> None:
            if memory_gb is not None:
                size = int(memory_gb * 1024**3)
                resource.setrlimit(resource.RLIMIT_AS, (size, size))

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jtai_cli", "serve", "--port", "0", "--no-open"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.cwd,
            env={**os.environ, "TMPDIR": str(self.tmp), **(env or {})}, preexec_fn=limit,
            start_new_session=True)  # its own process group, as a terminal's job is
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise AssertionError(f"jtai serve did not start: {self.stop(signal.SIGTERM)}")
        self.base, self.token = url.split("/?token=")
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.wait_ready()

    def wait_ready(self) -> None:
        import httpx

        for _ in range(300):
            try:
                httpx.get(f"{self.base}/api/version", headers=self.headers)
                return
            except httpx.ConnectError:
                time.sleep(0.1)
        raise AssertionError("the server never answered")

    def post(self, route: str, path: Path, **data: str) -> object:
        import httpx

        return httpx.post(f"{self.base}{route}", headers=self.headers, timeout=600,
                          files=[("file", (path.name, path.read_bytes()))], data=data,
                          follow_redirects=False)

    def workdir(self) -> Path:
        (folder,) = self.tmp.glob("jtai-serve-*")
        return folder

    def stop(self, sig: int, group: bool = False) -> tuple[int, str, str]:
        if group:  # as a terminal sends Ctrl-C or its hang-up: to every process of the job
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=120)
        return self.proc.returncode, out, err


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


# --------------------------------------------------------------------------- bounded jobs


@pytest.mark.slow
def test_concurrent_heavy_uploads_under_an_address_space_limit(tmp_path):
    """Ten far-cell workbooks at once, the server under 1.5 GB of address space: each request
    gets an answer (a report, or one message that the check ran out of memory, or a 503 to try
    again), the server lives, its memory is what it was, the next small upload works, and no
    upload is left."""
    import httpx

    stray = far_cell_workbook(tmp_path)
    server = Server(tmp_path, memory_gb=1.5)
    answers: list[httpx.Response] = []
    try:
        serve_pid = int(next(iter(
            subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True,
                           text=True).stdout.split())))
        rss_before = _rss(serve_pid)
        threads = [threading.Thread(target=lambda: answers.append(
            server.post("/api/validate", stray))) for _ in range(10)]  # type: ignore[arg-type]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.proc.poll() is None  # still serving
        assert len(answers) == 10
        for r in answers:
            if r.status_code == 200:
                assert r.json()["valid"] is False
            elif r.status_code == 422:
                message = r.json()["error"]["message"]
                assert message.startswith("stray.xlsx: ") and "memory" in message
                jsonschema.validate(r.json(), ERROR_SCHEMA)
                assert str(server.tmp) not in message
            else:
                assert r.status_code == 503 and "Try again" in r.json()["error"]["message"], r.text
                assert r.headers["Retry-After"]
        assert _rss(serve_pid) < rss_before + 100 * 1024**2  # no job's memory kept
        r = server.post("/api/validate", CLEAN)
        assert r.status_code == 200 and r.json()["valid"] is True  # type: ignore[attr-defined]
        assert files_under(server.workdir()) == []  # every upload gone
    finally:
        code, _, err = server.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err
    assert files_under(server.tmp) == [] and list(server.tmp.iterdir()) == []


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _wait_for(flag: str, progress: object) -> str:
    """A job that runs until ``flag`` exists (so a test controls when a slot is free)."""
    while not Path(flag).exists():
        time.sleep(0.05)
    return "done"


def _allocate(gb: int, progress: object) -> int:
    return len(bytearray(gb * 1024**3))


def _killed(progress: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer does


def _abort(progress: object) -> None:
    os.abort()  # as a Rust reader does when it cannot get memory


def _raises(progress: object) -> None:
    raise ValueError("a problem in the job")


@pytest.mark.slow
def test_a_job_that_runs_out_of_memory_or_dies_fails_alone_and_the_next_job_runs():
    workers = Workers(slots=1, waiting=0, limit=1024**3)
    try:
        with pytest.raises(WorkerDied, match="ran out of memory") as died:
            workers.run(_allocate, 2, names=["big.xlsx"])  # MemoryError under the limit
        assert died.value.out_of_memory and died.value.message.startswith("big.xlsx: ")
        for fn in (_killed, _abort):
            with pytest.raises(WorkerDied, match="ran out of memory"):
                workers.run(fn, names=["a.xlsx", "b.csv"])
        with pytest.raises(ValueError, match="a problem in the job"):
            workers.run(_raises, names=["x.xlsx"])
        assert workers.run(_allocate, 0, names=["small.xlsx"]) == 0
        assert workers.pending == 0
    finally:
        workers.close()


@pytest.mark.slow
def test_a_full_queue_answers_503_try_again_before_reading_the_upload(tmp_path):
    work = tmp_path / "private"
    work.mkdir()
    flag = tmp_path / "go"
    state = ServeState(8765, token="t0k3n", workdir=work, workers=Workers(slots=1, waiting=0))
    client = TestClient(create_app(state), base_url=BASE, follow_redirects=False)
    client.__enter__()
    blocker = threading.Thread(target=state.workers.run, args=(_wait_for, str(flag)),
                               kwargs={"names": ["x"]})
    try:
        blocker.start()
        for _ in range(600):
            if state.workers.full():
                break
            time.sleep(0.05)
        assert state.workers.full()
        with pytest.raises(Busy):
            state.workers.run(_wait_for, str(flag), names=["y"])
        auth = {"Authorization": "Bearer t0k3n", "Origin": BASE}
        files = [("file", (CLEAN.name, CLEAN.read_bytes()))]
        r = client.post("/api/validate", files=files, headers=auth)
        assert r.status_code == 503 and "Try again in a minute" in r.json()["error"]["message"]
        assert r.headers["Retry-After"] == "60"
        jsonschema.validate(r.json(), ERROR_SCHEMA)
        r = client.post("/check", files=files, headers=auth)
        assert r.status_code == 503 and "Try again in a minute" in r.text
        assert list(work.iterdir()) == []  # the refused uploads were never saved
    finally:
        flag.touch()
        blocker.join(60)
    r = client.post("/api/validate", files=files, headers=auth)
    assert r.status_code == 200 and r.json()["valid"] is True
    client.__exit__(None, None, None)


# --------------------------------------------------------------------------- stop signals


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "group", "said"), [
    (signal.SIGTERM, False, "SIGTERM"),
    (signal.SIGHUP, True, "SIGHUP (the terminal was closed)"),
    (signal.SIGINT, True, "Ctrl-C (SIGINT)"),
], ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_every_stop_signal_removes_everything_and_says_what_happened(tmp_path, sig, group,
                                                                     said):
    """A summary done (uploads, summary.html, summary.xlsx) and a heavy check still running
    when the signal comes: everything goes, the line says which signal, and nothing about
    memory or a traceback."""
    sentinel = sentinel_workbook(tmp_path)
    stray = far_cell_workbook(tmp_path)
    server = Server(tmp_path)
    try:
        r = server.post("/summary", sentinel)
        assert r.status_code == 303, r.text  # type: ignore[attr-defined]
        r = server.post("/check", stray)
        assert r.status_code == 303  # type: ignore[attr-defined]
        kept = files_under(server.workdir())
        assert any(f.endswith("summary.html") for f in kept)
        assert any(f.endswith("sentinel.xlsx") for f in kept)
        assert any(f.endswith("stray.xlsx") for f in kept)
    finally:
        code, out, err = server.stop(sig, group=group)
    assert code == 0, err
    assert err.strip() == f"jtai serve stopped by {said}: every upload and result was removed."
    assert "memory" not in err and "Traceback" not in err
    assert SENTINEL_NAME not in out + err and SENTINEL_ID not in out + err
    assert list(server.tmp.iterdir()) == [] and list(server.cwd.iterdir()) == []
    assert _no_worker_left(server.proc.pid)


def _no_worker_left(pid: int) -> bool:
    for _ in range(100):  # the fork server ends when the server does, its jobs with it
        out = subprocess.run(["pgrep", "-s", str(pid)], capture_output=True, text=True).stdout
        if not out.strip():
            return True
        time.sleep(0.1)
    return False


# --------------------------------------------------------------------------- stale folders


def _dead_owner() -> tuple[int, int]:
    """The pid and start time of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        start = tempdirs.start_time(proc.pid)
        assert start
    finally:
        proc.kill()
        proc.wait()
    return proc.pid, start


def _stale_and_live(tmp: Path) -> tuple[Path, Path, Path, Path]:
    pid, start = _dead_owner()
    dead = tmp / f"jtai-serve-p{pid}-t{start}-abc123"
    me = os.getpid()
    live = tmp / f"jtai-stdin-p{me}-t{tempdirs.start_time(me)}-def456"
    reused = tmp / f"jtai-xlsx-p{me}-t{(tempdirs.start_time(me) or 0) + 1}-ghi789"
    legacy = tmp / "jtai-serve-oldname"  # no owner in its name: never touched
    for folder in (dead, live, reused, legacy):
        folder.mkdir()
        (folder / "1").mkdir()
        (folder / "1" / "lists.csv").write_text(f"Child Unique ID\n{SENTINEL_ID}\n")
    return dead, live, reused, legacy


def test_sweep_removes_only_folders_of_provably_dead_owners(tmp_path):
    dead, live, reused, legacy = _stale_and_live(tmp_path)
    link = tmp_path / f"jtai-serve-p{2**22 + 7}-t5-jkl"
    link.symlink_to(live)  # a symlink is never followed, whatever its name
    removed = tempdirs.sweep(tmp_path)
    assert sorted(removed) == sorted([dead, reused])  # a reused pid proves its owner dead
    assert not dead.exists() and not reused.exists()
    assert (live / "1" / "lists.csv").exists() and (legacy / "1" / "lists.csv").exists()
    assert link.is_symlink()


def test_every_temporary_folder_and_file_is_made_by_tempdirs():
    """So that each is named for its owner and a later run can prove it stale."""
    made = re.compile(r"\b(mkdtemp|mkstemp|mktemp|NamedTemporaryFile|TemporaryFile|"
                      r"TemporaryDirectory|SpooledTemporaryFile)\(")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "jtai_cli").rglob("*.py")
                 if p.name != "tempdirs.py" and made.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    folder = tempdirs.make_dir("test")
    try:
        assert re.fullmatch(rf"jtai-test-p{os.getpid()}-t\d+-\w+", folder.name)
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    finally:
        folder.rmdir()


def test_a_dead_runs_part_file_is_removed_when_the_output_is_written_again(tmp_path):
    pid, start = _dead_owner()
    out = tmp_path / "report.xlsx"
    stale = tmp_path / f".report.xlsx.jtai-p{pid}-t{start}-zz.part"
    stale.write_text(SENTINEL_ID)
    other = tmp_path / f".other.xlsx.jtai-p{pid}-t{start}-zz.part"
    other.write_text("x")
    fd, part = tempdirs.part_file(out)
    os.close(fd)
    assert not stale.exists() and other.exists() and part.exists()
    assert part.name.startswith(f".report.xlsx.jtai-p{os.getpid()}-t")


@pytest.mark.slow
def test_the_next_command_and_the_next_serve_remove_stale_folders(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    dead, live, reused, legacy = _stale_and_live(tmp_path)
    r = subprocess.run([sys.executable, "-m", "jtai_cli", "rules"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not dead.exists() and not reused.exists() and live.exists() and legacy.exists()

    again = tmp_path / "again"
    (again / "tmp").mkdir(parents=True)
    dead, live, _, legacy = _stale_and_live(again / "tmp")
    server = Server(again)
    code, _, _ = server.stop(signal.SIGTERM)
    assert code == 0
    assert not dead.exists() and live.exists() and legacy.exists()


@pytest.mark.slow
def test_after_kill_9_the_jobs_die_and_the_next_command_leaves_nothing(tmp_path):
    """kill -9 of the server while a check runs: its job stops at once (nothing is written
    after the server has gone), and the next command removes the uploads it left."""
    stray = far_cell_workbook(tmp_path)
    # A short temporary folder, as /tmp is: under pytest's long one, a Unix socket's path
    # would be too long for multiprocessing's folder to live inside a jtai one (worker.py).
    short = Path(tempfile.mkdtemp(prefix="jt", dir="/tmp"))
    try:
        _kill_9(Server(tmp_path, tmpdir=short), stray)
    finally:
        shutil.rmtree(short, ignore_errors=True)


def _kill_9(server: Server, stray: Path) -> None:
    r = server.post("/check", stray)
    assert r.status_code == 303  # type: ignore[attr-defined]
    serve_pid = int(subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True,
                                   text=True).stdout.split()[0])
    assert files_under(server.workdir())  # the upload is there
    os.kill(serve_pid, signal.SIGKILL)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.communicate(timeout=60)
    assert _no_worker_left(server.proc.pid)  # the job and the fork server are gone
    assert list(server.tmp.iterdir())  # nothing could clean up ...
    r2 = subprocess.run([sys.executable, "-m", "jtai_cli", "rules"], capture_output=True,
                        text=True, timeout=120, env={**os.environ, "TMPDIR": str(server.tmp)})
    assert r2.returncode == 0
    assert list(server.tmp.iterdir()) == []  # ... until the next command
