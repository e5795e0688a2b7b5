"""Tests for the reports package: documents, Markdown, files, merging and the command line.

Records are built by hand with fake claim ids (X1, X2, ...); nothing here trains a model.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import claims.reporting.document as report_document
import claims.reporting.io as report_io
import claims.reporting.markdown as report_markdown
import reports
from claims.verdict import SCHEMA_VERSION, Environment, Evidence, Outcome, Verdict
from reports import (
    ReportError,
    build_document,
    dump_json,
    load_document,
    merge_documents,
    render_markdown,
    write_reports,
)

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = Environment(
    python="3.11.7", torch="2.13.0", numpy="2.1.0", scipy="1.14.1", hypothesis="6.100.0",
    platform="linux-x86_64",
)


def make_record(claim_id: str = "X1", outcome: str = "supported", kind: str = "tendency",
                **evidence: object) -> dict:
    fields = {"outcome": Outcome(outcome), "reason": f"fake reason for {claim_id}",
              "test": "one-sided t-test", "n": 30, "alpha": 0.05, **evidence}
    verdict = Verdict(
        claim_id=claim_id,
        nodeid=f"tests/test_fake.py::test_{claim_id.lower()}",
        statement=f"Fake statement {claim_id}.",
        source="fake article, section 2",
        kind=kind,
        population="fake two-layer nets on a fake task",
        definitions={"diverged": "final loss above 1e6"},
        decision="fake sign test that 'diverged' holds in more than 0.5 of 30, alpha=0.05",
        evidence=Evidence(**fields),
        seed=123456789,
        root_seed=7,
        profile="quick",
        device="cpu",
        dtype="float32",
        environment=ENVIRONMENT,
        reproduce=f"pytest tests/test_fake.py::test_{claim_id.lower()} --profile quick",
        duration_s=1.25,
    )
    return verdict.to_dict()


def make_run(**overrides: object) -> dict:
    run = {"profile": "quick", "seed": 7, "command": "pytest -n 2 tests", "workers": 2,
           "duration_s": 12.5, "environment": dataclasses.asdict(ENVIRONMENT)}
    run.update(overrides)
    return run


@pytest.fixture
def records() -> list[dict]:
    return [
        make_record("X3", "inconclusive", pvalue=0.2),
        make_record("X1", "supported", effect=0.51234, effect_name="loss gap",
                    interval=(0.2, float("inf")), interval_level=0.95, statistic=3.14159),
        make_record("X2", "refuted", kind="universal", statistic=float("nan"), pvalue=0.0123456,
                    example={"lr": 0.1, "width": 8, "diverged": True},
                    details={"tried": 200, "bounds": [0.001, 1.0]}),
    ]


@pytest.fixture
def document(records: list[dict]) -> dict:
    return build_document(records, make_run(per_claim_seconds={"fast": 0.5, "slow": 9.0}))


# --- building -------------------------------------------------------------------------------


def test_build_document_header_and_counts(document: dict) -> None:
    assert document["schema"] == "lr-claims/verdicts"
    assert document["schema_version"] == SCHEMA_VERSION
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["generated_at"])
    assert document["run"]["command"] == "pytest -n 2 tests"
    assert document["counts"] == {"supported": 1, "refuted": 1, "inconclusive": 1, "total": 3}


def test_build_document_sorts_by_nodeid(document: dict) -> None:
    nodeids = [record["nodeid"] for record in document["verdicts"]]
    assert nodeids == sorted(nodeids)
    assert [record["claim_id"] for record in document["verdicts"]] == ["X1", "X2", "X3"]


def test_build_document_keeps_records_as_to_dict_gives_them(records: list[dict]) -> None:
    document = build_document(records, make_run())
    x2 = next(record for record in document["verdicts"] if record["claim_id"] == "X2")
    assert x2 == records[2]
    assert x2["evidence"]["statistic"] == "nan"


def test_identical_duplicates_are_kept_once() -> None:
    record = make_record("X1")
    rerun = copy.deepcopy(record)
    rerun["duration_s"] = 99.0  # wall time is not part of the result
    document = build_document([record, copy.deepcopy(record), rerun], make_run())
    assert document["verdicts"] == [record]
    assert document["counts"]["total"] == 1


def test_conflicting_outcomes_name_both_records() -> None:
    first, second = make_record("X1", "supported"), make_record("X1", "refuted")
    with pytest.raises(ReportError, match=r"verdicts\[0\] says 'supported' but verdicts\[1\] "
                                          r"says 'refuted'.*one result per nodeid"):
        build_document([first, second], make_run())


def test_conflicting_numbers_with_same_outcome_name_the_fields() -> None:
    first, second = make_record("X1", pvalue=0.01), make_record("X1", pvalue=0.02)
    with pytest.raises(ReportError, match=r"verdicts\[0\] and verdicts\[1\] agree on "
                                          r"'supported' but differ in evidence\.pvalue"):
        build_document([first, second], make_run())


def _drop(key: str):
    return lambda record: record.pop(key)


def _set(path: str, value: object):
    def mutate(record: dict) -> None:
        *parents, last = path.split(".")
        target = record
        for parent in parents:
            target = target[parent]
        target[last] = value
    return mutate


BAD_RECORDS = [
    (_set("nodeid", ""), r"verdicts\[0\]: nodeid is '', must be a non-empty string"),
    (_drop("kind"), r"missing field\(s\) kind; every field is required"),
    (_set("extra", 1), r"unknown field\(s\) extra; only the schema's fields are allowed"),
    (_set("evidence", "refuted"), r"field evidence is str, must be an object with the fields "
                                  r"of Evidence"),
    (lambda r: r["evidence"].pop("alpha"), r"missing field\(s\) evidence\.alpha"),
    (_set("seed", "7"), r"field seed is str \('7'\), must be int"),
    (_set("evidence.n", True), r"field evidence\.n is bool \(True\), must be int"),
    (_set("evidence.outcome", "maybe"), r"evidence\.outcome is 'maybe', must be one of "
                                        r"supported, refuted, inconclusive"),
    (_set("evidence.pvalue", float("nan")), r"evidence\.pvalue is nan, must be null, a finite "
                                            r"number or one of the strings 'nan'"),
    (_set("evidence.pvalue", "small"), r"evidence\.pvalue is 'small', must be null"),
    (_set("evidence.interval", [0.1, 0.2, 0.3]), r"evidence\.interval has 3 values, must "
                                                 r"have 2"),
    (_set("evidence.interval", [0.1, "wide"]), r"evidence\.interval\[1\] is 'wide'"),
    (_set("environment.torch", 2), r"field environment\.torch is int \(2\), must be a version "
                                   r"string"),
    (_set("evidence.details", {"x": float("nan")}), r"field evidence\.details\.x changes when "
                                                     r"loaded through Verdict\.from_dict"),
    (_set("evidence.example", {"pair": (1, 2)}), r"field evidence\.example\.pair changes"),
    (_set("evidence.details", {1: "x"}), r"field evidence\.details\.1 changes"),
    (_set("evidence.details", {"xs": [float("inf")]}), r"evidence\.details\.xs\[0\] changes"),
]


@pytest.mark.parametrize(("mutate", "message"), BAD_RECORDS)
def test_invalid_records_are_rejected_with_field_rule_and_fix(mutate, message: str) -> None:
    record = make_record("X1")
    mutate(record)
    with pytest.raises(ReportError, match=message) as caught:
        build_document([record], make_run())
    assert "verdicts[0]" in str(caught.value)


def test_record_must_be_a_dict_not_a_verdict() -> None:
    verdict = Verdict.from_dict(make_record("X1"))
    with pytest.raises(ReportError, match=r"verdicts\[0\]: a verdict record must be a dict, got "
                                          r"Verdict; pass Verdict\.to_dict\(\) output"):
        build_document([verdict], make_run())  # type: ignore[list-item]


def test_record_rejected_by_from_dict_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(cls, data):
        raise ValueError("refused")
    monkeypatch.setattr(Verdict, "from_dict", classmethod(refuse))
    with pytest.raises(ReportError, match=r"'tests/test_fake\.py::test_x1'.*Verdict\.from_dict "
                                          r"rejected the record \(refused\)"):
        build_document([make_record("X1")], make_run())


def test_values_that_are_not_json_are_rejected() -> None:
    record = make_record("X1")
    record["evidence"]["details"] = {"seen": {1, 2}}  # as a hand-made record could hold
    with pytest.raises(ReportError, match=r"verdict 'tests/test_fake\.py::test_x1' .* field "
                                          r"evidence\.details\.seen changes when loaded"):
        build_document([record], make_run())


BAD_RUNS = [
    (["not", "a", "dict"], r"run: must be a dict describing the run, got list"),
    ({k: v for k, v in make_run().items() if k != "seed"}, r"run: missing field\(s\) seed"),
    (make_run(workers="2"), r"run: field workers is str \('2'\), must be int"),
    (make_run(duration_s=-1.0), r"run: field duration_s is -1\.0, must be a finite number >= 0"),
    (make_run(environment={"python": "3.11.7"}), r"missing field\(s\) environment\.torch"),
    (make_run(environment="linux"), r"run: field environment is str, must be an object with "
                                    r"the fields of Environment; produce it with "
                                    r"dataclasses\.asdict\(Environment\.current\(\)\)"),
    (make_run(environment={**dataclasses.asdict(ENVIRONMENT), "python": 3.11}),
     r"field environment\.python is float"),
    (make_run(per_claim_seconds={"a": "slow"}), r"per_claim_seconds\['a'\] is 'slow', must be "
                                                r"a number"),
    (make_run(note=float("nan")), r"run: not storable as strict JSON"),
    (make_run(errors={"t::x": 3}), r"run: errors\['t::x'\] is int, must be the error text"),
]


@pytest.mark.parametrize(("run", "message"), BAD_RUNS)
def test_invalid_runs_are_rejected(run: object, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        build_document([make_record("X1")], run)  # type: ignore[arg-type]


# --- writing --------------------------------------------------------------------------------


def test_write_reports_writes_json_and_markdown(tmp_path: Path, document: dict) -> None:
    paths = write_reports(tmp_path / "new" / "dir", document)
    assert paths.json.name == "verdicts.json" and paths.markdown.name == "verdicts.md"
    assert json.loads(paths.json.read_text()) == document
    assert paths.markdown.read_text() == render_markdown(document)
    assert '\n  "schema": "lr-claims/verdicts"' in paths.json.read_text()


def _write_old(tmp_path: Path, document: dict) -> dict[str, str]:
    write_reports(tmp_path, document)
    return {path.name: path.read_text() for path in tmp_path.iterdir()}


def test_failed_render_leaves_old_reports_intact(
    tmp_path: Path, document: dict, records: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _write_old(tmp_path, document)

    def broken(_document: dict) -> str:
        raise RuntimeError("renderer broke")
    monkeypatch.setattr(report_io, "render_markdown", broken)
    with pytest.raises(RuntimeError, match="renderer broke"):
        write_reports(tmp_path, build_document(records[:1], make_run()))
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == old


def test_failed_replace_removes_temp_file(
    tmp_path: Path, document: dict, records: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _write_old(tmp_path, document)

    def broken(_source: str, _target: str) -> None:
        raise OSError("disk went away")
    monkeypatch.setattr(report_io.os, "replace", broken)
    with pytest.raises(OSError, match="disk went away"):
        write_reports(tmp_path, build_document(records[:1], make_run()))
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == old


def test_write_reports_refuses_a_file_as_directory(tmp_path: Path, document: dict) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(ReportError, match=r"taken: exists and is not a directory; .*pass a "
                                          r"directory path"):
        write_reports(target, document)


def test_dump_json_rejects_non_finite_floats() -> None:
    with pytest.raises(ReportError, match=r"document: not storable as strict JSON"):
        dump_json({"x": float("inf")})


# --- markdown -------------------------------------------------------------------------------


def test_markdown_shows_every_claim_outcome_and_reason(document: dict) -> None:
    text = render_markdown(document)
    assert text.startswith("# Learning-rate claims: verification report\n")
    assert "How to read this" in text
    rows = [("X1", "tendency", "supported"), ("X2", "universal", "refuted"),
            ("X3", "tendency", "inconclusive")]
    for claim_id, kind, outcome in rows:
        assert f"### {claim_id}: {outcome}" in text
        assert f"| {claim_id} | {kind} | {outcome} |" in text
        assert f"**{outcome}**: fake reason for {claim_id}" in text
    assert "| supported | 1 |" in text and "| total | 3 |" in text


def test_markdown_numbers_example_and_details(document: dict) -> None:
    text = render_markdown(document)
    assert "| X1 | tendency | supported | loss gap = 0.5123 [0.2, inf] (95% interval) |" in text
    assert "| X2 | universal | refuted | p = 0.01235 |" in text
    assert "| statistic | nan |" in text
    assert "| 95% interval | [0.2, inf] |" in text
    assert "**Counterexample**\n\n| key | value |\n|---|---|\n| lr | 0.1 |\n| width | 8 |\n" \
           "| diverged | true |" in text
    assert "- **bounds**: [0.001, 1]" in text
    assert "- **diverged**: final loss above 1e6" in text
    assert "- **alpha**: 0.05\n- **n**: 30" in text
    assert "- **decision rule**: fake sign test that 'diverged' holds" in text
    assert "root seed 7 (claim seed 123456789), cpu, float32, 1.25 s" in text
    assert "```\npytest tests/test_fake.py::test_x2 --profile quick\n```" in text


def test_markdown_run_section_lists_slowest_claims_first(document: dict) -> None:
    text = render_markdown(document)
    assert "| environment: torch | 2.13.0 |" in text
    assert "| total time | 12.5 s |" in text
    assert "```\npytest -n 2 tests\n```" in text
    assert text.index("| slow | 9 s |") < text.index("| fast | 0.5 s |")


def test_markdown_lists_tests_that_raised(records: list[dict]) -> None:
    run = make_run(errors={"tests/test_fake.py::test_x9": "ValueError: lr | nan"})
    text = render_markdown(build_document(records, run))
    assert "1 more test(s) raised an error and have no verdict" in text
    assert "## Errors\n\n- `tests/test_fake.py::test_x9`\n\n```\nValueError: lr | nan\n```" in text
    assert "## Errors" not in render_markdown(build_document(records, make_run()))


def test_markdown_escapes_pipes_and_has_no_python_reprs() -> None:
    record = make_record("X1", "supported", kind="existential",
                         example={"rule": "a|b", "gone": None})
    record["source"] = "table 2 | row 3"
    text = render_markdown(build_document([record], make_run()))
    assert "| table 2 \\| row 3 |" in text
    assert "| rule | a\\|b |" in text
    assert "**Witness**" in text
    for repr_marker in ("None", "True", "{'", "('", "nan)"):
        assert repr_marker not in text


def test_markdown_of_a_bare_record() -> None:
    record = make_record("X1", "inconclusive", example={}, details={"grid": {"lr": 0.1}})
    record["definitions"] = {}
    text = render_markdown(build_document([record], make_run()))
    assert "| X1 | tendency | inconclusive | example found |" in text
    assert "**Example**\n\n_Empty._" in text
    assert "_None declared._" in text
    assert "- **grid**: lr: 0.1" in text
    assert "| quantity | value |" not in text


def test_markdown_key_number_prefers_effect_then_p_then_statistic() -> None:
    only_statistic = make_record("X1", statistic=-2.0)
    nothing = make_record("X2")
    bare_effect = make_record("X3", effect=0.25, pvalue=0.5)
    text = render_markdown(build_document([only_statistic, nothing, bare_effect], make_run()))
    assert "| X1 | tendency | supported | statistic = -2 |" in text
    assert "| X2 | tendency | supported | — |" in text
    assert "| X3 | tendency | supported | effect = 0.25 |" in text


@pytest.mark.parametrize(("value", "shown"), [
    (None, "—"), ("inf", "inf"), (True, "true"), (12345678, "12345678"), (2 / 3, "0.6667"),
    (1e-12, "1e-12"), ([1, None], "[1, none]"), ({"a": [0.5]}, "a: [0.5]"),
])
def test_format_number_is_plain(value: object, shown: str) -> None:
    assert report_markdown.format_number(value) == shown


def test_write_markdown_only_rewrites_the_markdown(tmp_path: Path, document: dict) -> None:
    path = reports.write_markdown(tmp_path / "md", document)
    assert path.read_text() == render_markdown(document)
    assert [p.name for p in path.parent.iterdir()] == ["verdicts.md"]


def test_render_markdown_rejects_a_non_document() -> None:
    with pytest.raises(ReportError, match=r"document: schema is None, expected "
                                          r"'lr-claims/verdicts'"):
        render_markdown({"verdicts": []})


# --- loading --------------------------------------------------------------------------------


def _write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_load_document_round_trips(tmp_path: Path, document: dict) -> None:
    paths = write_reports(tmp_path, document)
    assert load_document(paths.json) == document


@pytest.mark.parametrize(("version", "fix"), [
    (SCHEMA_VERSION + 1, "read it with a checkout of the suite that writes schema_version"),
    (SCHEMA_VERSION - 1, "regenerate it by rerunning the suite with this checkout"),
])
def test_load_document_names_file_version_and_fix(
    tmp_path: Path, document: dict, version: int, fix: str
) -> None:
    path = _write_json(tmp_path / "old.json", {**document, "schema_version": version})
    message = (rf"old\.json: schema_version is {version}, this code reads only schema_version "
               rf"{SCHEMA_VERSION}; {fix}")
    with pytest.raises(ReportError, match=message):
        load_document(path)


def _without(document: dict, key: str) -> dict:
    return {k: v for k, v in document.items() if k != key}


def _bad_document_cases(document: dict) -> list[tuple[object, str]]:
    twice = {**document, "verdicts": document["verdicts"][:1] * 2,
             "counts": {**document["counts"], "total": 2}}
    return [
        ([], r"bad\.json: expected a JSON object \(the verdicts document\), got list"),
        ({**document, "schema": "other"}, r"bad\.json: schema is 'other', expected "
                                          r"'lr-claims/verdicts'"),
        (_without(document, "counts"), r"bad\.json: missing field\(s\) counts"),
        ({**document, "verdicts": {}}, r"bad\.json: 'verdicts' is dict, must be a list"),
        (twice, r"bad\.json: nodeid 'tests/test_fake\.py::test_x1' appears in both "
                r"verdicts\[0\] and verdicts\[1\]; a document holds one record per nodeid"),
        ({**document, "counts": {**document["counts"], "total": 4}},
         r"bad\.json: counts .* do not match the verdicts"),
        ({**document, "run": _without(document["run"], "workers")},
         r"bad\.json run: missing field\(s\) workers"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_load_document_rejects_malformed_documents(
    tmp_path: Path, document: dict, case: int
) -> None:
    data, message = _bad_document_cases(document)[case]
    path = _write_json(tmp_path / "bad.json", data)
    with pytest.raises(ReportError, match=message):
        load_document(path)


def test_load_document_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"nowhere\.json: cannot be read \(No such file.*pass "
                                          r"the path written by write_reports"):
        load_document(tmp_path / "nowhere.json")


def test_load_document_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schema": ')
    with pytest.raises(ReportError, match=r"broken\.json: not valid JSON \(Expecting value at "
                                          r"line 1, column 12\)"):
        load_document(path)


def test_load_document_rejects_bare_nan(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"x": NaN}')
    with pytest.raises(ReportError, match=r"nan\.json: found the bare JSON constant NaN; "
                                          r"non-finite numbers are stored as the strings"):
        load_document(path)


# --- merging --------------------------------------------------------------------------------


def _shards(records: list[dict]) -> list[dict]:
    first = build_document(records[:2], make_run(command="pytest --shard 1/2", duration_s=4.0,
                                                 per_claim_seconds={"a": 1.0}))
    second = build_document(records[2:], make_run(command="pytest --shard 2/2", duration_s=7.0,
                                                  workers=3, per_claim_seconds={"b": 2.0}))
    return [first, second]


def test_merge_equals_single_document(records: list[dict], document: dict) -> None:
    merged = merge_documents(_shards(records))
    assert merged["verdicts"] == document["verdicts"]
    assert merged["counts"] == document["counts"]
    assert merged["schema_version"] == SCHEMA_VERSION


def test_merge_combines_run_information(records: list[dict]) -> None:
    shards = _shards(records)
    run = merge_documents(shards)["run"]
    assert run["duration_s"] == 7.0
    assert run["workers"] == 5
    assert run["command"] == "pytest --shard 1/2 ; pytest --shard 2/2"
    assert run["per_claim_seconds"] == {"a": 1.0, "b": 2.0}
    assert [shard["command"] for shard in run["shards"]] == ["pytest --shard 1/2",
                                                             "pytest --shard 2/2"]
    assert [shard["counts"]["total"] for shard in run["shards"]] == [2, 1]
    assert run["shards"][0]["generated_at"] == shards[0]["generated_at"]


def test_merge_unions_errors_at_the_top(records: list[dict]) -> None:
    first = build_document(records[:1], make_run(errors={"t::a": "first", "t::c": "one"}))
    second = build_document(records[1:], make_run(errors={"t::b": "second", "t::c": "two"}))
    run = merge_documents([first, second])["run"]
    assert run["errors"] == {"t::a": "first", "t::b": "second", "t::c": "one"}
    assert all("errors" not in shard for shard in run["shards"])


def test_merging_a_merged_document_keeps_shards_flat(records: list[dict]) -> None:
    first, second = _shards(records)
    third = build_document([make_record("X4")], make_run(command="pytest --shard 3/3"))
    merged = merge_documents([merge_documents([first, second]), third])
    assert len(merged["run"]["shards"]) == 3
    assert merged["counts"]["total"] == 4


def test_merge_dedupes_identical_records(records: list[dict]) -> None:
    first, second = _shards(records)
    overlap = build_document(records[1:], make_run())
    merged = merge_documents([first, second, overlap])
    assert merged["counts"]["total"] == 3


def test_merge_conflict_names_both_shards() -> None:
    first = build_document([make_record("X1", "supported")], make_run())
    second = build_document([make_record("X1", "refuted")], make_run())
    with pytest.raises(ReportError, match=r"a\.json verdicts\[0\] says 'supported' but "
                                          r"b\.json verdicts\[0\] says 'refuted'"):
        merge_documents([first, second], names=["a.json", "b.json"])


def test_merge_refuses_different_torch_versions() -> None:
    first = build_document([make_record("X1")], make_run())
    newer = {**dataclasses.asdict(ENVIRONMENT), "torch": "2.14.0"}
    second = build_document([make_record("X2")], make_run(environment=newer))
    with pytest.raises(ReportError, match=r"documents\[1\]: environment\.torch is '2\.14\.0' "
                                          r"but documents\[0\] has '2\.13\.0'.*different report"):
        merge_documents([first, second])


@pytest.mark.parametrize(("key", "value"), [("profile", "full"), ("seed", 8)])
def test_merge_refuses_shards_of_different_runs(key: str, value: object) -> None:
    first = build_document([make_record("X1")], make_run())
    second = build_document([make_record("X2")], make_run(**{key: value}))
    with pytest.raises(ReportError, match=rf"documents\[1\]: run\.{key} is {value!r} but "
                                          rf"documents\[0\] has .*merge only shards of the same"):
        merge_documents([first, second])


def test_merge_needs_documents_and_matching_names(records: list[dict]) -> None:
    with pytest.raises(ReportError, match=r"got no documents; merging needs at least one"):
        merge_documents([])
    with pytest.raises(ReportError, match=r"got 1 names for 2 documents; .*pass one name per"):
        merge_documents(_shards(records), names=["only.json"])


def test_merge_validates_each_document(records: list[dict]) -> None:
    first, second = _shards(records)
    with pytest.raises(ReportError, match=r"b\.json: schema_version is 0"):
        merge_documents([first, {**second, "schema_version": 0}], names=["a.json", "b.json"])


# --- command line ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reports", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_render_rewrites_markdown(tmp_path: Path, document: dict) -> None:
    paths = write_reports(tmp_path, document)
    paths.markdown.unlink()
    result = run_cli("render", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(paths.markdown)
    assert paths.markdown.read_text() == render_markdown(load_document(paths.json))


def test_cli_merge_writes_merged_reports(tmp_path: Path, records: list[dict],
                                         document: dict) -> None:
    inputs = []
    for i, shard in enumerate(_shards(records)):
        inputs.append(write_reports(tmp_path / f"shard{i}", shard).json)
    result = run_cli("merge", tmp_path / "out", *inputs)
    assert result.returncode == 0, result.stderr
    merged = load_document(tmp_path / "out" / "verdicts.json")
    assert merged["verdicts"] == document["verdicts"]
    assert (tmp_path / "out" / "verdicts.md").read_text() == render_markdown(merged)


def test_cli_render_of_a_missing_directory_fails_with_usage_error(tmp_path: Path) -> None:
    result = run_cli("render", tmp_path / "absent")
    assert result.returncode == 2
    assert re.search(r"DIR '.*absent' is not a directory; it must be the directory holding "
                     r"verdicts\.json", result.stderr)
    assert result.stdout == ""


def test_cli_merge_reports_a_bad_input_file(tmp_path: Path, document: dict) -> None:
    path = _write_json(tmp_path / "future.json", {**document, "schema_version": 99})
    result = run_cli("merge", tmp_path / "out", path)
    assert result.returncode == 2
    assert re.search(r"future\.json: schema_version is 99, this code reads only", result.stderr)
    assert not (tmp_path / "out").exists()


def test_cli_missing_argument_names_the_fix(tmp_path: Path) -> None:
    result = run_cli("merge", tmp_path / "out")
    assert result.returncode == 2
    assert re.search(r"the following arguments are required: IN\.json; see "
                     r"`python -m reports merge --help`", result.stderr)


def test_cli_unknown_command(tmp_path: Path) -> None:
    result = run_cli("publish", tmp_path)
    assert result.returncode == 2
    assert re.search(r"invalid choice: 'publish'", result.stderr)


# --- package rules --------------------------------------------------------------------------


def test_library_modules_do_not_print() -> None:
    for module in ("document", "markdown", "io", "__init__"):
        tree = ast.parse((ROOT / "claims" / "reporting" / f"{module}.py").read_text())
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id == "print"]
        assert not calls, f"claims/reporting/{module}.py calls print"


def test_schema_md_documents_every_field() -> None:
    documented = set(re.findall(r"^\| `([^`]+)` \|", (ROOT / "reports" / "SCHEMA.md").read_text(),
                                re.MULTILINE))
    expected = {field.name for field in dataclasses.fields(Verdict)}
    expected |= {f"evidence.{field.name}" for field in dataclasses.fields(Evidence)}
    expected |= {f"environment.{field.name}" for field in dataclasses.fields(Environment)}
    expected |= set(report_document.DOCUMENT_KEYS) | {f"counts.{name}" for name in
                                                        build_document([], make_run())["counts"]}
    expected |= {f"run.{name}" for name in [*report_document.RUN_REQUIRED,
                                            *report_document.MERGED_RUN_KEYS]}
    assert expected <= documented, f"undocumented in SCHEMA.md: {sorted(expected - documented)}"


def test_public_names_are_exported() -> None:
    for name in reports.__all__:
        assert hasattr(reports, name)


def test_markdown_shows_the_family_and_calibration_sections(records: list[dict]) -> None:
    family = {"level": 0.05, "methods": {"holm": "fwer", "bh": "fdr"},
              "members": [{"nodeid": "t.py::X1", "outcome": "supported", "pvalue": 0.001,
                           "holm": 0.002, "bh": 0.002, "survives_holm": True,
                           "survives_bh": True},
                          {"nodeid": "t.py::X2", "outcome": "refuted", "pvalue": 0.04,
                           "holm": 0.08, "bh": 0.04, "survives_holm": False,
                           "survives_bh": True}]}
    calibration = {"generated_at": "2026-12-04T00:00:00Z", "results": [
        {"name": "no effect", "truth": "share 0.5", "repetitions": 200,
         "counts": {"supported": 1, "refuted": 2, "inconclusive": 197}, "wrong": "supported",
         "wrong_rate": 0.005, "wrong_interval": [0.0001, 0.0275], "alpha": 0.01,
         "calibrated": True, "powered": None, "power": None, "power_interval": None,
         "powerful": None}]}
    text = render_markdown(build_document(records, make_run(family=family,
                                                            calibration=calibration)))
    assert "## Error control across the run" in text
    assert "1 of 2 decisive verdicts survive Holm: the others should be read as inconclusive" \
        in text
    assert "## Calibration of the decision rules" in text
    assert "| no effect | 200 | 1 / 2 / 197 | supported | 0.005 [0.0001, 0.0275] | — |" in text


def test_load_document_rejects_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "verdicts.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(ReportError, match=r"is not UTF-8 text .* regenerate it with "
                                          r"write_reports"):
        load_document(path)


@pytest.mark.parametrize("family, message", [
    ("not an object", r"field family must be an object with a numeric level"),
    ({"level": 0.05, "members": [{"nodeid": "a"}]},
     r"family\.members\[0\] lacks or mistypes outcome, pvalue, holm, bh"),
])
def test_malformed_family_is_named(records: list[dict], family, message) -> None:
    with pytest.raises(ReportError, match=message):
        build_document(records, make_run(family=family))
