"""Time a 60,000-row workbook checked through ``jtai serve`` against ``jtai validate``.

Usage (from the repository root, with the serve extra installed):

    python benchmarks/serve.py              # LA size (60,000 rows), 5 runs each
    python benchmarks/serve.py --runs 3

Two comparisons, each the whole thing a user waits for, median of ``--runs``:

- **API**: ``POST /api/validate`` with the workbook (upload, check, JSON response read to the
  end) against ``jtai validate FILE --format json`` (the whole command: Python starting,
  imports, the check, the JSON printed).
- **Page**: the page's own path, ``POST /check`` then waiting for the results page, which
  also writes the highlighted copy, against ``jtai validate FILE --report copy.xlsx``.

The server is started once (as a user would) and warmed with one small request; each
command runs in a fresh process. The workbook is the seeded one of benchmarks/run.py
(benchmarks/data/, git-ignored).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import ensure_workbook  # noqa: E402

AS_OF = "2026-11-23"


def multipart(path: Path, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def cpu_of(pid: int) -> float:
    """CPU seconds a process and its waited-for children have used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn, cpu) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Wall seconds, and CPU seconds as ``cpu()`` counts them, of one call."""
    c, t = cpu(), time.perf_counter()
    fn()
    return time.perf_counter() - t, cpu() - c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    book = ensure_workbook("la", args.seed)
    jtai = [sys.executable, "-m", "jtai_cli"]

    proc = subprocess.Popen([*jtai, "serve", "--port", "0", "--no-open"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    base, token = url.split("/?token=")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    for _ in range(600):
        try:
            opener.open(url).read()  # the cookie, as a browser gets it
            break
        except OSError:
            time.sleep(0.1)

    def api() -> None:
        body, ctype = multipart(book, {"as_of": AS_OF})
        req = urllib.request.Request(f"{base}/api/validate", data=body, method="POST",
                                     headers={"Content-Type": ctype,
                                              "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=600) as r:
            r.read()

    def page() -> None:
        body, ctype = multipart(book, {"as_of": AS_OF})
        req = urllib.request.Request(f"{base}/check", data=body, method="POST",
                                     headers={"Content-Type": ctype, "Origin": base})
        with opener.open(req, timeout=600) as r:  # follows the 303 to the job's page
            text = r.read().decode()
            job = r.geturl()
        while 'http-equiv="refresh"' in text:
            time.sleep(0.05)
            with opener.open(job, timeout=600) as r:
                text = r.read().decode()
        assert "Findings by rule" in text, text[-500:]

    out = Path(tempfile.mkdtemp()) / "copy.xlsx"

    def cli_json() -> None:
        subprocess.run([*jtai, "validate", str(book), "--format", "json", "--as-of", AS_OF],
                       stdout=subprocess.DEVNULL, check=False)

    def cli_report() -> None:
        subprocess.run([*jtai, "validate", str(book), "--report", str(out), "--as-of", AS_OF,
                        "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)

    try:
        small = ROOT / "examples" / "lists_clean.xlsx"
        body, ctype = multipart(small, {})
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/validate", data=body, method="POST", headers={
                "Content-Type": ctype, "Authorization": f"Bearer {token}"})).read()
        server_cpu = lambda: cpu_of(proc.pid)  # noqa: E731
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in
                                                          ("api", "cli", "page", "report")}
        for _ in range(args.runs):  # interleaved, so machine noise hits both sides alike
            results["cli"].append(timed(cli_json, children_cpu))
            results["api"].append(timed(api, server_cpu))
            results["report"].append(timed(cli_report, children_cpu))
            results["page"].append(timed(page, server_cpu))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    wall = {k: statistics.median(w for w, _ in v) for k, v in results.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in results.items()}
    print(f"{book.name}: median of {args.runs} runs; wall seconds, then CPU seconds "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for label, k, base_k in (("jtai validate --format json", "cli", None),
                             ("POST /api/validate (whole)", "api", "cli"),
                             ("jtai validate --report copy.xlsx", "report", None),
                             ("the page: POST /check to results", "page", "report")):
        ratio = (f"   ratio {wall[k] / wall[base_k]:.2f}x wall, "
                 f"{cpu[k] / cpu[base_k]:.2f}x CPU") if base_k else ""
        print(f"  {label:34} {wall[k]:6.2f} {cpu[k]:6.2f}{ratio}")
    for k, v in results.items():
        print(f"  {k}: " + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
