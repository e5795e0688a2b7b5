"""Reading and atomically writing verdicts documents and their Markdown reports."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from .document import ReportError, validate_document
from .markdown import render_markdown

JSON_NAME = "verdicts.json"
MARKDOWN_NAME = "verdicts.md"


class ReportPaths(NamedTuple):
    json: Path
    markdown: Path


def write_reports(directory: str | os.PathLike[str], document: dict[str, Any]) -> ReportPaths:
    """Write ``verdicts.json`` and ``verdicts.md`` into ``directory`` (created if missing).

    Both texts are produced before anything is replaced, and each file is replaced atomically,
    so a failure leaves the previous reports intact and no temporary file behind.
    """
    validate_document(document)
    texts = {JSON_NAME: dump_json(document), MARKDOWN_NAME: render_markdown(document)}
    folder = _ensure_directory(directory)
    for name, text in texts.items():
        atomic_write_text(folder / name, text)
    return ReportPaths(folder / JSON_NAME, folder / MARKDOWN_NAME)


def write_markdown(directory: str | os.PathLike[str], document: dict[str, Any]) -> Path:
    """Re-render ``verdicts.md`` in ``directory`` from ``document``, atomically."""
    validate_document(document)
    path = _ensure_directory(directory) / MARKDOWN_NAME
    atomic_write_text(path, render_markdown(document))
    return path


def load_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A verdicts document read from ``path``, checked for schema name, version and content."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ReportError(
            f"{path}: is not UTF-8 text ({error.reason} at byte {error.start}); a verdicts "
            f"document is UTF-8 JSON; regenerate it with write_reports"
        ) from error
    except OSError as error:
        raise ReportError(
            f"{path}: cannot be read ({error.strerror or error}); a verdicts document must be "
            f"an existing {JSON_NAME}; pass the path written by write_reports"
        ) from error
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ReportError(
            f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}); a verdicts document is strict JSON; regenerate it with "
            "write_reports"
        ) from error
    except ValueError as error:
        raise ReportError(
            f"{path}: {error}; non-finite numbers are stored as the strings 'nan', 'inf', "
            "'-inf'; regenerate the file with write_reports"
        ) from error
    validate_document(document, str(path))
    return document


def dump_json(document: dict[str, Any]) -> str:
    """The document as strict JSON text, indented by 2, ending in a newline."""
    try:
        return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    except (TypeError, ValueError) as error:
        raise ReportError(
            f"document: not storable as strict JSON ({error}); every value must be a JSON "
            "value with non-finite floats as strings; build the document with build_document"
        ) from error


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` in one step, via a temporary file in the same directory."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes files private to their owner
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _ensure_directory(directory: str | os.PathLike[str]) -> Path:
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ReportError(
            f"{folder}: exists and is not a directory; reports are written into a directory; "
            "pass a directory path (it is created if missing)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _reject_constant(name: str) -> Any:
    raise ValueError(f"found the bare JSON constant {name}")
