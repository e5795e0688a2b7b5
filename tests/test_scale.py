"""The results cache and deterministic shards, end to end through pytester."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_plugin import INC, POS, REF, SUP, claims_module, load_report, make_project

from claims.cache import ResultsCache, cache_key, file_fingerprint, library_fingerprint

ARGS = ("-p", "no:cacheprovider", "--claims-profile=ci")


def stable(document: dict) -> list[dict]:
    """Verdict records without their wall time, which differs from run to run."""
    return [{k: v for k, v in record.items() if k != "duration_s"}
            for record in document["verdicts"]]


def test_second_run_reuses_every_verdict(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC))
    first = pytester.runpytest_inprocess(*ARGS)
    second = pytester.runpytest_inprocess(*ARGS)
    second.stdout.fnmatch_lines(["claims: 1 supported, 1 refuted, 1 inconclusive "
                                 "(3 reused from the results cache)"])
    assert first.ret == second.ret
    document = load_report(pytester)
    assert sorted(document["run"]["cache"]["reused"]) == [
        "toy_claims.py::INC", "toy_claims.py::REF", "toy_claims.py::SUP"]


def test_reused_verdicts_equal_computed_ones(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC))
    pytester.runpytest_inprocess(*ARGS)
    computed = stable(load_report(pytester))
    pytester.runpytest_inprocess(*ARGS)
    assert stable(load_report(pytester)) == computed


def test_editing_the_claim_file_recomputes_its_claims(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF))
    pytester.runpytest_inprocess(*ARGS)
    make_project(pytester, toy_claims=claims_module(SUP, REF) + "# edited\n")
    result = pytester.runpytest_inprocess(*ARGS)
    assert "reused from the results cache" not in result.stdout.str()


def test_another_seed_is_another_key(pytester):
    make_project(pytester, toy_claims=claims_module(SUP))
    pytester.runpytest_inprocess(*ARGS)
    result = pytester.runpytest_inprocess(*ARGS, "--claims-seed=3")
    assert "reused" not in result.stdout.str()


def test_cache_clear_recomputes_and_no_cache_writes_nothing(pytester):
    make_project(pytester, toy_claims=claims_module(SUP))
    pytester.runpytest_inprocess(*ARGS)
    cleared = pytester.runpytest_inprocess(*ARGS, "--claims-cache-clear")
    assert "reused" not in cleared.stdout.str()
    other = pytester.mkdir("other")
    make_project(pytester, toy_claims=claims_module(SUP))
    pytester.runpytest_inprocess(*ARGS, "--claims-no-cache", f"--rootdir={other}",
                                 str(pytester.path / "toy_claims.py"))
    assert not (other / ".claims-cache").exists()


def test_cache_key_changes_with_every_input():
    base = dict(nodeid="a.py::X", claim_id="X", root_seed=0, profile="ci", device="cpu",
                dtype="float32", engine="batched", threads=1, library="L", claim_file="F")
    keys = {cache_key(**base)}
    for field, value in [("nodeid", "b.py::X"), ("claim_id", "Y"), ("root_seed", 1),
                         ("profile", "dev"), ("device", "cuda"), ("dtype", "float64"),
                         ("engine", "reference"), ("threads", 2), ("library", "M"),
                         ("claim_file", "G")]:
        keys.add(cache_key(**{**base, field: value}))
    assert len(keys) == 11


def test_library_fingerprint_ignores_claim_files_and_file_fingerprint_reads_bytes(tmp_path):
    assert library_fingerprint() == library_fingerprint()
    path = tmp_path / "x_claims.py"
    path.write_text("A = 1\n")
    before = file_fingerprint(path)
    path.write_text("A = 2\n")
    assert file_fingerprint(path) != before and file_fingerprint(tmp_path / "missing") == ""


def test_an_unreadable_entry_is_recomputed(tmp_path):
    cache = ResultsCache(tmp_path)
    (tmp_path / "k.json").write_text("{not json")
    assert cache.get("k") is None
    cache.put("k", {"a": 1})
    assert cache.get("k") == {"a": 1} and not list(tmp_path.glob("*.tmp"))


def test_two_shards_merge_into_the_single_run(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC, POS))
    pytester.runpytest_inprocess(*ARGS, "--claims-no-cache", "--claims-report-dir=full")
    for k in (1, 2):
        result = pytester.runpytest_inprocess(*ARGS, "--claims-no-cache",
                                              f"--claims-shard={k}/2",
                                              f"--claims-report-dir=shard{k}")
        result.stdout.fnmatch_lines(["*2 deselected*"])
    shards = [load_report(pytester, f"shard{k}") for k in (1, 2)]
    assert not {r["nodeid"] for r in shards[0]["verdicts"]} & \
        {r["nodeid"] for r in shards[1]["verdicts"]}

    merged = subprocess.run(
        [sys.executable, "-m", "reports", "merge", str(pytester.path / "merged"),
         str(pytester.path / "shard1" / "verdicts.json"),
         str(pytester.path / "shard2" / "verdicts.json")],
        capture_output=True, text=True, check=False)
    assert merged.returncode == 0, merged.stderr
    document = json.loads((pytester.path / "merged" / "verdicts.json").read_text())
    full = load_report(pytester, "full")
    assert stable(document) == stable(full)
    assert document["counts"] == full["counts"]
    assert document["run"]["family"] == full["run"]["family"]  # recomputed over all shards


@pytest.mark.parametrize("value", ["3/2", "0/2", "a/b", "1"])
def test_bad_shard_is_a_usage_error(pytester, value):
    make_project(pytester, toy_claims=claims_module(SUP))
    result = pytester.runpytest_inprocess(*ARGS, f"--claims-shard={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--claims-shard='{value}' must be K/N with 1 <= K <= N*"])


def test_editing_a_project_module_the_claims_import_recomputes_them(pytester):
    make_project(pytester, toy_claims=claims_module(SUP).replace(
        "import numpy as np", "import numpy as np\nfrom toyhelper import LIMIT"),
        toyhelper="LIMIT = 2\n")
    pytester.runpytest_inprocess(*ARGS)
    reused = pytester.runpytest_inprocess(*ARGS)
    assert "(1 reused from the results cache)" in reused.stdout.str()
    make_project(pytester, toyhelper="LIMIT = 3\n")
    result = pytester.runpytest_inprocess(*ARGS)
    assert "reused" not in result.stdout.str()


@pytest.mark.parametrize("content", [b"\xff\xfe not utf-8", b"{}", b"[]",
                                     b'{"nodeid": "other"}'])
def test_a_corrupted_or_foreign_entry_is_recomputed(pytester, content):
    make_project(pytester, toy_claims=claims_module(SUP))
    pytester.runpytest_inprocess(*ARGS)
    for entry in (pytester.path / ".claims-cache").glob("*.json"):
        entry.write_bytes(content)
    result = pytester.runpytest_inprocess(*ARGS)
    result.assert_outcomes(passed=1)
    assert "reused" not in result.stdout.str()
