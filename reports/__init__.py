"""Verdict reports: JSON for machines, Markdown for people, and merging of shard reports.

The implementation lives in :mod:`claims.reporting`, so that the pytest plugin can import it
even where a ``reports/`` folder of report files shadows this package on ``sys.path``; this
package is its public face and the home of ``python -m reports`` and of ``reports/latest/``.
"""

from claims.reporting import (  # noqa: F401
    JSON_NAME,
    MARKDOWN_NAME,
    SCHEMA_NAME,
    ReportError,
    ReportPaths,
    atomic_write_text,
    build_document,
    check_record,
    count_outcomes,
    dump_json,
    load_document,
    merge_documents,
    render_markdown,
    validate_document,
    write_markdown,
    write_reports,
)

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
