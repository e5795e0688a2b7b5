"""Results cache: a verdict is reused when nothing that could change it has changed.

The key hashes everything a verdict depends on: the claim's id and node id, the root seed,
the profile, device, dtype and engine, the torch thread count, the versions of Python, torch,
NumPy, SciPy and Hypothesis, the source of the library (every module of the ``claims``
package except the catalog's ``*_claims.py`` files, so the engine, the decision rules and
shared helpers such as ``catalog/regimes.py``), and the source of the file that defines the
claim together with every project file it imports, directly or through other project files
(found by reading their ``import`` statements, so a catalog file that borrows a helper from
another catalog file is keyed on both). Editing one claim file recomputes the claims that
depend on it; editing the library recomputes all.

Known gap: imports made dynamically (``importlib``, inside ``exec``) are not seen; after
changing a module imported that way, run with ``--claims-cache-clear``.

Entries are JSON verdict records in ``.claims-cache/`` under the rootdir, one file per key,
written atomically, so concurrent xdist workers never see a partial file.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .verdict import Environment

DIRECTORY = ".claims-cache"


def library_fingerprint() -> str:
    """A hash of the ``claims`` package's source, the catalog's claim files excepted."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if not path.name.endswith("_claims.py"):
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def file_fingerprint(path: Path | str | None, root: Path | None = None) -> str:
    """A hash of ``path`` and of every project file it imports, transitively.

    Project files are those under ``root`` (the rootdir) or in the ``claims`` package,
    outside any ``site-packages``; imports are read from the source, not executed.
    """
    if path is None or not Path(path).is_file():
        return ""
    roots = [Path(__file__).resolve().parent.parent]
    if root is not None:
        roots.append(Path(root).resolve())
    digest = hashlib.sha256()
    for dependency in sorted(_import_closure(Path(path).resolve(), tuple(roots))):
        digest.update(str(dependency).encode())
        digest.update(dependency.read_bytes())
    return digest.hexdigest()


def _import_closure(start: Path, roots: tuple[Path, ...]) -> set[Path]:
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(p for p in _imported_files(path) if _in_project(p, roots))
    return seen


def _in_project(path: Path, roots: tuple[Path, ...]) -> bool:
    return "site-packages" not in path.parts and any(path.is_relative_to(r) for r in roots)


def _imported_files(path: Path) -> list[Path]:
    """Source files of the modules that ``path`` imports (absolute and relative)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    package = _package_of(path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(p for p in [*parts, base] if p)
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    files = []
    for name in names:
        origin = _origin(name)
        if origin is not None:
            files.append(origin)
    return files


def _package_of(path: Path) -> str:
    """The dotted package of a file, from the ``__init__.py`` files above it."""
    parts, folder = [], path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def _origin(name: str) -> Path | None:
    if not name:
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None  # not a module (an attribute such as a function), or not importable
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin).resolve()


def cache_key(*, nodeid: str, claim_id: str, root_seed: int, profile: str, device: str,
              dtype: str, engine: str, threads: int, library: str, claim_file: str) -> str:
    environment = Environment.current()
    parts = {"nodeid": nodeid, "claim": claim_id, "root_seed": root_seed, "profile": profile,
             "device": device, "dtype": dtype, "engine": engine, "threads": threads,
             "library": library, "claim_file": claim_file, "python": environment.python,
             "torch": environment.torch, "numpy": environment.numpy,
             "scipy": environment.scipy, "hypothesis": environment.hypothesis,
             "platform": environment.platform}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class ResultsCache:
    """Verdict records stored by key under ``directory``."""

    def __init__(self, directory: Path):
        self.directory = directory

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record, or None when missing or unreadable (it is then recomputed)."""
        path = self.directory / f"{key}.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, not UTF-8, not JSON
            return None
        return record if isinstance(record, dict) else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(record, out)
            os.chmod(temporary, 0o644)  # mkstemp makes files private to their owner
            os.replace(temporary, self.directory / f"{key}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def clear(self) -> int:
        removed = 0
        for path in self.directory.glob("*.json"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed
