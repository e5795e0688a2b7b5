"""Verdict reports: the versioned JSON document, its Markdown rendering, reading and merging.

Works on ``Verdict.to_dict()`` dictionaries only; nothing here trains a model. The top-level
``reports`` package re-exports this API and runs ``python -m reports``.
"""

from .document import (
    SCHEMA_NAME,
    ReportError,
    build_document,
    check_record,
    count_outcomes,
    merge_documents,
    validate_document,
)
from .io import (
    JSON_NAME,
    MARKDOWN_NAME,
    ReportPaths,
    atomic_write_text,
    dump_json,
    load_document,
    write_markdown,
    write_reports,
)
from .markdown import render_markdown

__all__ = [
    "JSON_NAME",
    "MARKDOWN_NAME",
    "SCHEMA_NAME",
    "ReportError",
    "ReportPaths",
    "atomic_write_text",
    "build_document",
    "check_record",
    "count_outcomes",
    "dump_json",
    "load_document",
    "merge_documents",
    "render_markdown",
    "validate_document",
    "write_markdown",
    "write_reports",
]
