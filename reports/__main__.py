"""Command line: ``python -m reports render DIR`` and ``python -m reports merge OUT IN...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from claims.reporting.document import ReportError, merge_documents
from claims.reporting.io import (
    JSON_NAME,
    MARKDOWN_NAME,
    load_document,
    write_markdown,
    write_reports,
)

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        written = args.run(args)
    except ReportError as error:
        print(f"python -m reports: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    for path in written:
        print(path)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m reports", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    render = commands.add_parser(
        "render", help=f"re-render DIR/{MARKDOWN_NAME} from DIR/{JSON_NAME}"
    )
    render.add_argument("directory", metavar="DIR", type=Path)
    render.set_defaults(run=_render)
    merge = commands.add_parser(
        "merge", help=f"merge shard {JSON_NAME} files into OUT_DIR/{JSON_NAME} and .md"
    )
    merge.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    merge.add_argument("inputs", metavar="IN.json", type=Path, nargs="+")
    merge.set_defaults(run=_merge)
    return parser


def _render(args: argparse.Namespace) -> list[Path]:
    directory = args.directory
    if not directory.is_dir():
        raise ReportError(
            f"render: DIR {str(directory)!r} is not a directory; it must be the directory "
            f"holding {JSON_NAME}; pass the directory given to write_reports"
        )
    document = load_document(directory / JSON_NAME)
    return [write_markdown(directory, document)]


def _merge(args: argparse.Namespace) -> list[Path]:
    documents = [load_document(path) for path in args.inputs]
    merged = merge_documents(documents, names=[str(path) for path in args.inputs])
    return list(write_reports(args.out_dir, merged))


if __name__ == "__main__":
    sys.exit(main())
