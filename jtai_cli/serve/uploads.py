"""Read a multipart form straight into a job's private folder, within the limits.

Starlette's own form parser spools large files to the system's temporary folder; this one
writes each file to the job's folder (owner-only) as it arrives and stops the moment a limit
is passed, so an upload never lands anywhere else and never grows past the limit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from .state import Limits


class FormRefused(Exception):
    """The form cannot be used; ``status`` is the HTTP status and the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Form:
    """The form's text fields (each name to its values) and its files as saved."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str, Path]] = field(default_factory=list)  # field, name, path

    def get(self, name: str, default: str = "") -> str:
        """The first value of a text field, stripped."""
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def getall(self, name: str) -> list[str]:
        """Every value of a text field (e.g. ticked boxes)."""
        return self.fields.get(name, [])


@dataclass
class _Part:
    """The part of the form being read: its headers, name, file name and text."""

    headers: dict[bytes, bytes] = field(default_factory=dict)
    hname: bytes = b""
    hvalue: bytes = b""
    name: str | None = None
    filename: str | None = None
    text: bytes = b""

    def reset(self) -> None:
        self.headers, self.hname, self.hvalue = {}, b"", b""
        self.name, self.filename, self.text = None, None, b""


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def safe_name(raw: str) -> str:
    """A file name to save under: the last part of what the browser sent, no path, no
    control characters, not hidden, at most 120 characters (the extension is kept)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".") or "upload"
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:9]) if dot else name[:120]
    return name


async def read_form(request: Request, folder: Path, limits: Limits) -> Form:
    """Parse a multipart/form-data request, saving each file under ``folder/N/name``.

    Raises:
        FormRefused: not multipart, too large (413), too many files or fields.
    """
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise FormRefused("Send the form as multipart/form-data (a file upload form).", 415)
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limits.request_bytes:
        raise FormRefused(_too_big(limits), 413)

    form = Form()
    part = _Part()
    sink: list[IO[bytes]] = []
    sizes = {"file": 0, "fields": 0, "body": 0}

    def on_part_begin() -> None:
        part.reset()
        sizes["file"] = 0

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.hname += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.hvalue += data[start:end]

    def on_header_end() -> None:
        part.headers[part.hname.lower()] = part.hvalue
        part.hname, part.hvalue = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = disp.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disp:
            filename = disp[b"filename"].decode("utf-8", "replace")
            part.filename = filename
            if not filename:  # a file input left empty
                return
            if len(form.files) >= limits.files:
                raise FormRefused(f"Too many files: up to {limits.files} at a time.", 413)
            sub = folder / str(len(form.files) + 1)
            sub.mkdir(mode=0o700)
            path = sub / safe_name(filename)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            sink.append(os.fdopen(fd, "wb"))
            form.files.append((part.name, filename, path))
        else:
            sizes["fields"] += 1
            if sizes["fields"] > limits.fields:
                raise FormRefused("Too many form fields.", 413)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        n = end - start
        if part.filename is not None:
            if not sink:
                return
            sizes["file"] += n
            if sizes["file"] > limits.file_bytes:
                raise FormRefused(_too_big(limits), 413)
            sink[-1].write(data[start:end])
        else:
            if len(part.text) + n > limits.field_bytes:
                raise FormRefused("A form field is too long.", 413)
            part.text += data[start:end]

    def on_part_end() -> None:
        if part.filename is not None:
            if sink:
                sink.pop().close()
        elif part.name is not None:
            form.fields.setdefault(part.name, []).append(part.text.decode("utf-8", "replace"))

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in request.stream():
            sizes["body"] += len(chunk)
            if sizes["body"] > limits.request_bytes:
                raise FormRefused(_too_big(limits), 413)
            parser.write(chunk)
        parser.finalize()
    except FormRefused:
        raise
    except Exception as exc:  # the multipart parser's own errors: a malformed form
        raise FormRefused(f"The form could not be read ({type(exc).__name__}).") from None
    finally:
        for f in sink:
            f.close()
    return form


def _too_big(limits: Limits) -> str:
    mb = limits.file_bytes / 1024 / 1024
    return (f"The upload is too large: each file may be up to {mb:,.0f} MB, and up to "
            f"{limits.files} files at a time. Start jtai serve with --max-upload-mb to allow "
            "more.")
