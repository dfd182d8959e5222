"""What one ``jtai serve`` holds: its token, private folder, upload limits and jobs.

Kept apart from the application (``app``) so that the routes and the upload reader can use it
without importing the application that imports them.
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jtai_cli._memory import trim_heap
from jtai_cli.tempdirs import make_dir

from .worker import Workers

COOKIE = "jtai_token"


@dataclass(frozen=True)
class Limits:
    """What one request may upload.

    Attributes:
        file_bytes: the largest file accepted (default 300 MB: a full national list set as
            .xlsx is about 200 MB).
        files: the most files in one request.
        fields: the most form fields (other than files) in one request.
        field_bytes: the longest form field (other than files).
    """

    file_bytes: int = 300 * 1024 * 1024
    files: int = 20
    fields: int = 50
    field_bytes: int = 64 * 1024

    @property
    def request_bytes(self) -> int:
        """The largest request body accepted: every file at its limit, plus the fields."""
        return self.file_bytes * self.files + self.fields * self.field_bytes + 1024 * 1024


@dataclass
class Job:
    """One upload and what was made from it (a check, a shortlist or a summary).

    ``step``, ``done`` and ``total`` are the library's progress while a check runs in its
    thread; ``status`` is "running", "done" or "failed" (``error`` then says why, in the
    library's words, with the private folder's paths replaced by the files' own names).
    """

    id: str
    kind: str
    folder: Path
    inputs: list[Path]
    names: list[str]
    options: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    step: str = "Starting"
    done: int = 0
    total: int = 1
    error: str | None = None
    error_status: int = 422
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def snapshot(self) -> Job:
        """A copy to send to the job's process: its files and options, no results."""
        return dataclasses.replace(self, result=None, extra={})

    def progress(self, step: str, done: int, total: int) -> None:
        """The library's progress callback."""
        self.step, self.done, self.total = step, done, max(total, 1)

    def plain(self, text: str) -> str:
        """Text with the private folder's paths replaced by the uploaded files' names."""
        for path, name in zip(self.inputs, self.names, strict=True):
            text = text.replace(str(path), name)
        return text.replace(str(self.folder) + "/", "").replace(str(self.folder), "")


class ServeState:
    """The server's token, addresses, private folder, limits and jobs.

    Args:
        port: the port the server listens on (Host and Origin are checked against it).
        token: the one-time token (made here when not given).
        workdir: the private folder (made here, mode 0700, when not given).
        limits: upload limits.
        idle: seconds without a request after which every job and file is removed.
        workers: the processes jobs run in (made here when not given).
    """

    def __init__(self, port: int, *, token: str | None = None, workdir: Path | None = None,
                 limits: Limits | None = None, idle: float = 30 * 60,
                 workers: Workers | None = None) -> None:
        self.port = port
        self.token = token or secrets.token_urlsafe(32)
        self.workdir = workdir or make_dir("serve")
        self.workers = workers or Workers()
        self.workdir.chmod(0o700)
        # A job's own temporary files (xlsxwriter's, a copy's) go in a folder of its own
        # inside the private folder, removed when the job ends; a job stopped mid-write by
        # the server's stop leaves it there, removed with the private folder.
        self.workers.scratch = str(self.workdir)
        self.limits = limits or Limits()
        self.idle = idle
        self.hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})
        self.origins = frozenset(f"http://{h}" for h in self.hosts)
        self.cookie = f"{COOKIE}_{port}"  # cookies ignore ports: one per server
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.last_seen = time.monotonic()
        self.closed = False

    @property
    def url(self) -> str:
        """The link to open: the first line ``jtai serve`` prints."""
        return f"http://127.0.0.1:{self.port}/?{urlencode({'token': self.token})}"

    def token_ok(self, value: str | None) -> bool:
        """Whether ``value`` is the token (compared in constant time)."""
        return bool(value) and hmac.compare_digest(str(value).encode(), self.token.encode())

    def touch(self) -> None:
        """Note a request (the idle clock starts again)."""
        self.last_seen = time.monotonic()

    def new_job(self, kind: str, options: dict[str, Any] | None = None) -> Job:
        """A job with its own private sub-folder."""
        job_id = secrets.token_urlsafe(12)
        folder = self.workdir / job_id
        folder.mkdir(mode=0o700)
        job = Job(job_id, kind, folder, [], [], options or {})
        with self.lock:
            self.jobs[job_id] = job
        return job

    def job(self, job_id: str, kind: str) -> Job | None:
        """The job of that id and kind, if it still exists."""
        with self.lock:
            job = self.jobs.get(job_id)
        return job if job is not None and job.kind == kind else None

    def drop(self, job: Job) -> None:
        """Forget a job and delete its files."""
        with self.lock:
            self.jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)
        job.result = None
        trim_heap()  # the job's result was freed: give its memory back to the system

    def reap(self, now: float | None = None) -> bool:
        """Remove every job and file if no request came for ``idle`` seconds.

        Returns:
            Whether anything was removed.
        """
        now = time.monotonic() if now is None else now
        if now - self.last_seen < self.idle:
            return False
        with self.lock:
            jobs = list(self.jobs.values())
            busy = [j for j in jobs if j.status == "running"]
            if busy:  # a long check counts as activity; its thread still writes there
                return False
            self.jobs.clear()
        for job in jobs:
            shutil.rmtree(job.folder, ignore_errors=True)
        removed = bool(jobs)
        jobs.clear()  # the last references to the results
        trim_heap()
        return removed

    def close(self) -> None:
        """Stop every running job, then remove the private folder and everything in it."""
        self.closed = True
        self.workers.close()
        with self.lock:
            self.jobs.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
