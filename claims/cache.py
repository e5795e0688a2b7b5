"""Results cache: a verdict is reused when nothing that could change it has changed.

The key hashes everything a verdict depends on: the claim's id and node id, the root seed,
the profile, device, dtype and engine, the torch thread count, the versions of Python, torch,
NumPy, SciPy and Hypothesis, the source of the library (every module of the ``claims``
package except the catalog's ``*_claims.py`` files, so the engine, the decision rules and
shared helpers such as ``catalog/regimes.py``), and the source of the file that defines the
claim. Editing one claim file recomputes its claims only; editing the library recomputes all.

Known gap: a claim file outside this package that imports a helper module of its own
project is keyed on its own file only; after changing such a helper, run with
``--claims-cache-clear``. Not in the key, by design: the Hypothesis example database of the
``dev`` profile, which only replays examples that failed before and so reproduces the stored
verdict.

Entries are JSON verdict records in ``.claims-cache/`` under the rootdir, one file per key,
written atomically, so concurrent xdist workers never see a partial file.
"""

from __future__ import annotations

import hashlib
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


def file_fingerprint(path: Path | str | None) -> str:
    if path is None or not Path(path).is_file():
        return ""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
        path = self.directory / f"{key}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None  # a missing or unreadable entry is recomputed

    def put(self, key: str, record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(record, out)
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
