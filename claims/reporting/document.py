"""The versioned verdicts document: validation, building and merging of shard documents.

Everything here works on plain dictionaries (``Verdict.to_dict()`` output and documents loaded
from JSON); nothing trains or imports torch.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..decisions.multiplicity import family_record
from ..verdict import SCHEMA_VERSION, Environment, Evidence, Outcome, Verdict

SCHEMA_NAME = "lr-claims/verdicts"
DOCUMENT_KEYS = ("schema", "schema_version", "generated_at", "run", "counts", "verdicts")
RUN_REQUIRED = ("profile", "seed", "command", "workers", "duration_s", "environment")
# The keys that must agree between shards: a cross-version comparison is a different report.
PINNED_VERSIONS = ("python", "torch")
NON_FINITE = ("nan", "inf", "-inf")
TO_DICT = "Verdict.to_dict()"
# Run keys combined across shards at the top level rather than repeated in each shard entry.
MERGED_RUN_KEYS = ("shards", "per_claim_seconds", "errors")
CURRENT_ENV = "dataclasses.asdict(Environment.current())"
# Wall time is measurement noise, not a result: two records differing only here are the same.
NOT_RESULT_FIELDS = ("duration_s",)

_NUMBER = (int, float)
_RECORD_TYPES: dict[str, tuple[type, ...]] = {
    "claim_id": (str,), "nodeid": (str,), "statement": (str,), "source": (str,),
    "kind": (str,), "population": (str,), "definitions": (dict,), "decision": (str,),
    "seed": (int,), "root_seed": (int,), "profile": (str,), "device": (str,), "dtype": (str,),
    "reproduce": (str,), "duration_s": _NUMBER,
}
_EVIDENCE_TYPES: dict[str, tuple[type, ...]] = {
    "outcome": (str,), "reason": (str,), "test": (str,), "n": (int,), "alpha": _NUMBER,
    "effect_name": (str, type(None)), "interval": (list, type(None)),
    "interval_level": (*_NUMBER, type(None)), "example": (dict, type(None)),
    "details": (dict,),
}
_MAYBE_FLOATS = ("statistic", "pvalue", "effect")
_RUN_TYPES: dict[str, tuple[type, ...]] = {
    "profile": (str,), "seed": (int,), "command": (str,), "workers": (int,),
    "duration_s": _NUMBER, "shards": (list,), "per_claim_seconds": (dict,), "errors": (dict,),
}


class ReportError(ValueError):
    """A verdicts document or record that cannot be reported as it stands."""


def build_document(verdicts: Sequence[Mapping[str, Any]], run: Mapping[str, Any]) -> dict:
    """The versioned JSON document for ``verdicts`` (``Verdict.to_dict()`` dicts) of ``run``.

    Records are validated, identical duplicates kept once and the rest sorted by nodeid;
    conflicting records for one nodeid raise :class:`ReportError`.
    """
    labelled = [(f"verdicts[{i}]", record) for i, record in enumerate(verdicts)]
    return _assemble(_unique_records(labelled), _checked_run(run, "run"))


def merge_documents(
    documents: Sequence[Mapping[str, Any]], names: Sequence[str] | None = None
) -> dict:
    """One document from shard documents: union of verdicts, one run listing every shard.

    ``names`` (e.g. file paths) label the documents in error messages.
    """
    if not documents:
        raise ReportError(
            "merge_documents: got no documents; merging needs at least one shard document; "
            "pass the documents written by each shard"
        )
    names = list(names) if names is not None else [f"documents[{i}]" for i in range(len(documents))]
    if len(names) != len(documents):
        raise ReportError(
            f"merge_documents: got {len(names)} names for {len(documents)} documents; "
            "each document needs exactly one name; pass one name per document or none"
        )
    for name, document in zip(names, documents, strict=True):
        validate_document(document, name)
    labelled = [
        (f"{name} verdicts[{i}]", record)
        for name, document in zip(names, documents, strict=True)
        for i, record in enumerate(document["verdicts"])
    ]
    records = _unique_records(labelled)
    run = _merged_run(documents, names)
    levels = {d["run"]["family"]["level"] for d in documents if d["run"].get("family")}
    if levels:
        # error control is a property of the whole run: recompute it over the merged records
        run["family"] = family_record({r["nodeid"]: r for r in records}, min(levels))
    return _assemble(records, run)


def validate_document(document: Any, origin: str = "document") -> None:
    """Raise :class:`ReportError` unless ``document`` is a well-formed current-version document.

    ``origin`` (a file path or label) is named in every message.
    """
    if not isinstance(document, dict):
        raise ReportError(
            f"{origin}: expected a JSON object (the verdicts document), got "
            f"{type(document).__name__}; pass a document made by build_document or merge"
        )
    _check_schema(document, origin)
    _check_keys(document, DOCUMENT_KEYS, DOCUMENT_KEYS, origin, "the output of build_document")
    if not isinstance(document["verdicts"], list):
        raise ReportError(
            f"{origin}: 'verdicts' is {type(document['verdicts']).__name__}, must be a list of "
            "verdict records; regenerate the document with build_document"
        )
    seen: dict[str, int] = {}
    for i, record in enumerate(document["verdicts"]):
        nodeid = check_record(record, f"{origin} verdicts[{i}]")["nodeid"]
        if nodeid in seen:
            raise ReportError(
                f"{origin}: nodeid {nodeid!r} appears in both verdicts[{seen[nodeid]}] and "
                f"verdicts[{i}]; a document holds one record per nodeid; rebuild it with "
                "build_document"
            )
        seen[nodeid] = i
    _checked_run(document["run"], f"{origin} run")
    _check_counts(document, origin)


def check_record(record: Any, origin: str) -> dict[str, Any]:
    """The canonical form of one verdict record, or :class:`ReportError` naming what is wrong.

    A record is valid when ``Verdict.from_dict(record).to_dict()`` gives it back unchanged.
    """
    if not isinstance(record, dict):
        raise ReportError(
            f"{origin}: a verdict record must be a dict, got {type(record).__name__}; "
            "pass Verdict.to_dict() output rather than the object itself"
        )
    where = _record_label(record, origin)
    _check_fields(record, Verdict, _RECORD_TYPES, where, "", TO_DICT)
    _check_fields(record["evidence"], Evidence, _EVIDENCE_TYPES, where, "evidence.", TO_DICT)
    _check_fields(record["environment"], Environment, {}, where, "environment.", TO_DICT)
    _check_environment_strings(record["environment"], where, "environment")
    _check_evidence_values(record["evidence"], where)
    return _round_trip(record, where)


def count_outcomes(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many records have each outcome, plus the total."""
    outcomes = [record["evidence"]["outcome"] for record in records]
    counts = {outcome.value: outcomes.count(outcome.value) for outcome in Outcome}
    counts["total"] = len(outcomes)
    return counts


def utc_now() -> str:
    """The current time as ISO-8601 UTC with a ``Z`` suffix, to the second."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.isoformat(timespec="seconds").replace("+00:00", "Z")


def _assemble(records: list[dict[str, Any]], run: dict[str, Any]) -> dict:
    records = sorted(records, key=lambda record: record["nodeid"])
    document = {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "generated_at": utc_now(),
        "run": run,
        "counts": count_outcomes(records),
        "verdicts": records,
    }
    _check_json(document["run"], "run")
    for record in records:
        _check_json(record, f"verdict {record['nodeid']!r}")
    return document


def _check_schema(document: Mapping[str, Any], origin: str) -> None:
    schema = document.get("schema")
    if schema != SCHEMA_NAME:
        raise ReportError(
            f"{origin}: schema is {schema!r}, expected {SCHEMA_NAME!r}; this is not a verdicts "
            "document; pass the verdicts.json written by reports.write_reports"
        )
    version = document.get("schema_version")
    if version == SCHEMA_VERSION:
        return
    if isinstance(version, int) and not isinstance(version, bool) and version < SCHEMA_VERSION:
        fix = "regenerate it by rerunning the suite with this checkout"
    else:
        fix = f"read it with a checkout of the suite that writes schema_version {version!r}"
    raise ReportError(
        f"{origin}: schema_version is {version!r}, this code reads only schema_version "
        f"{SCHEMA_VERSION}; {fix}"
    )


def _check_keys(
    mapping: Mapping[str, Any], required: Iterable[str], allowed: Iterable[str] | None,
    where: str, fix: str,
) -> None:
    missing = [key for key in required if key not in mapping]
    if missing:
        raise ReportError(
            f"{where}: missing field(s) {', '.join(missing)}; every field is required; "
            f"produce it with {fix}"
        )
    if allowed is None:
        return
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise ReportError(
            f"{where}: unknown field(s) {', '.join(unknown)}; only the schema's fields are "
            f"allowed (see reports/SCHEMA.md); produce it with {fix}"
        )


def _check_fields(
    mapping: Any, cls: type, types: Mapping[str, tuple[type, ...]], where: str, prefix: str,
    fix: str,
) -> None:
    if not isinstance(mapping, dict):
        raise ReportError(
            f"{where}: field {prefix.rstrip('.')} is {type(mapping).__name__}, must be an "
            f"object with the fields of {cls.__name__}; produce it with {fix}"
        )
    fields = dataclasses.fields(cls)
    required = [
        field.name for field in fields
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    ]
    _check_keys(_prefixed(mapping, prefix), [prefix + name for name in required],
                [prefix + field.name for field in fields], where, fix)
    for name, allowed in types.items():
        if name in mapping and not _is_instance(mapping[name], allowed):
            raise ReportError(
                f"{where}: field {prefix}{name} is {type(mapping[name]).__name__} "
                f"({mapping[name]!r}), must be {_type_names(allowed)}; produce it with {fix}"
            )


def _check_environment_strings(environment: Mapping[str, Any], where: str, field: str) -> None:
    for key, value in environment.items():
        if not isinstance(value, str):
            raise ReportError(
                f"{where}: field {field}.{key} is {type(value).__name__} ({value!r}), must be a "
                "version string; fill it from Environment.current()"
            )


def _check_evidence_values(evidence: Mapping[str, Any], where: str) -> None:
    if evidence["outcome"] not in {outcome.value for outcome in Outcome}:
        allowed = ", ".join(outcome.value for outcome in Outcome)
        raise ReportError(
            f"{where}: field evidence.outcome is {evidence['outcome']!r}, must be one of "
            f"{allowed}; record the decision with claims.verdict.Outcome"
        )
    for name in _MAYBE_FLOATS:
        _check_maybe_float(evidence.get(name), f"evidence.{name}", where)
    interval = evidence.get("interval")
    if interval is not None:
        if len(interval) != 2:
            raise ReportError(
                f"{where}: field evidence.interval has {len(interval)} values, must have 2 "
                "(low, high); record the interval as a (low, high) pair"
            )
        for i, bound in enumerate(interval):
            _check_maybe_float(bound, f"evidence.interval[{i}]", where)


def _check_maybe_float(value: Any, field: str, where: str) -> None:
    if value is None or value in NON_FINITE:
        return
    if not _is_instance(value, _NUMBER) or not math.isfinite(value):
        raise ReportError(
            f"{where}: field {field} is {value!r}, must be null, a finite number or one of the "
            "strings 'nan', 'inf', '-inf'; produce it with Verdict.to_dict()"
        )


def _round_trip(record: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        canonical = Verdict.from_dict(record).to_dict()
    except (TypeError, ValueError, KeyError) as error:
        raise ReportError(
            f"{where}: Verdict.from_dict rejected the record ({error}); a record must load "
            "as a claims.verdict.Verdict; produce it with Verdict.to_dict()"
        ) from error
    path = _first_difference(record, canonical, "")
    if path is not None:
        raise ReportError(
            f"{where}: field {path} changes when loaded through Verdict.from_dict; a record "
            "must round-trip unchanged (non-finite floats as the strings 'nan'/'inf'/'-inf', "
            "sequences as lists); produce it with Verdict.to_dict()"
        )
    return canonical


def _first_difference(left: Any, right: Any, path: str) -> str | None:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in left or key not in right:
                return sub
            found = _first_difference(left[key], right[key], sub)
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    same_type = type(left) is type(right) or (_is_instance(left, _NUMBER)
                                                and _is_instance(right, _NUMBER))
    return None if same_type and left == right else (path or "<record>")


def _unique_records(labelled: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    kept: dict[str, tuple[str, dict[str, Any]]] = {}
    for origin, record in labelled:
        canonical = check_record(record, origin)
        nodeid = canonical["nodeid"]
        if nodeid in kept:
            _check_same_result(nodeid, kept[nodeid], (origin, canonical))
            continue
        kept[nodeid] = (origin, canonical)
    return [record for _, record in kept.values()]


def _check_same_result(
    nodeid: str, first: tuple[str, dict[str, Any]], second: tuple[str, dict[str, Any]]
) -> None:
    (origin_a, a), (origin_b, b) = first, second
    outcome_a, outcome_b = a["evidence"]["outcome"], b["evidence"]["outcome"]
    if outcome_a != outcome_b:
        raise ReportError(
            f"verdict {nodeid!r}: {origin_a} says {outcome_a!r} but {origin_b} says "
            f"{outcome_b!r}; a report holds one result per nodeid; rerun the claim once, or "
            "drop the stale record or shard"
        )
    fields = _differing_fields(_result(a), _result(b))
    if fields:
        raise ReportError(
            f"verdict {nodeid!r}: {origin_a} and {origin_b} agree on {outcome_a!r} but differ "
            f"in {', '.join(fields)}; a report holds one result per nodeid; rerun the claim "
            "once, or drop the stale record or shard"
        )


def _result(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in NOT_RESULT_FIELDS}


def _differing_fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    fields = []
    for key in sorted(set(a) | set(b)):
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            nested = _differing_fields(a[key], b[key])
            fields.extend(f"{key}.{name}" for name in nested)
        elif a.get(key) != b.get(key):
            fields.append(key)
    return fields


_FAMILY_MEMBER = {"nodeid": str, "outcome": str, "pvalue": (int, float), "holm": (int, float),
                  "bh": (int, float), "survives_holm": bool, "survives_bh": bool}


def _check_family(family: Any, where: str) -> None:
    """``run.family`` as the plugin writes it: a level and one entry per tested verdict."""
    fix = "see run.family in reports/SCHEMA.md; regenerate the report with the plugin"
    if not isinstance(family, dict) or not isinstance(family.get("level"), (int, float)) \
            or not isinstance(family.get("members"), list):
        raise ReportError(f"{where}: field family must be an object with a numeric level and "
                          f"a members list; {fix}")
    for i, member in enumerate(family["members"]):
        bad = [k for k, kind in _FAMILY_MEMBER.items()
               if not isinstance(member, dict) or not isinstance(member.get(k), kind)]
        if bad:
            raise ReportError(f"{where}: family.members[{i}] lacks or mistypes "
                              f"{', '.join(bad)}; {fix}")


def _checked_run(run: Any, where: str) -> dict[str, Any]:
    if not isinstance(run, dict):
        raise ReportError(
            f"{where}: must be a dict describing the run, got {type(run).__name__}; pass a "
            f"dict with keys {', '.join(RUN_REQUIRED)}"
        )
    fix = f"a dict with keys {', '.join(RUN_REQUIRED)} (see reports/SCHEMA.md)"
    _check_keys(run, RUN_REQUIRED, None, where, fix)
    for name, allowed in _RUN_TYPES.items():
        if name in run and not _is_instance(run[name], allowed):
            raise ReportError(
                f"{where}: field {name} is {type(run[name]).__name__} ({run[name]!r}), must be "
                f"{_type_names(allowed)}; see reports/SCHEMA.md"
            )
    _check_non_negative(run["duration_s"], f"{where}: field duration_s")
    _check_non_negative(run["workers"], f"{where}: field workers")
    _check_fields(run["environment"], Environment, {}, where, "environment.", CURRENT_ENV)
    _check_environment_strings(run["environment"], where, "environment")
    for label, seconds in run.get("per_claim_seconds", {}).items():
        if not _is_instance(seconds, _NUMBER):
            raise ReportError(
                f"{where}: per_claim_seconds[{label!r}] is {seconds!r}, must be a number of "
                "seconds; record wall times as floats"
            )
        _check_non_negative(seconds, f"{where}: per_claim_seconds[{label!r}]")
    if "family" in run:
        _check_family(run["family"], where)
    for nodeid, text in run.get("errors", {}).items():
        if not isinstance(text, str):
            raise ReportError(
                f"{where}: errors[{nodeid!r}] is {type(text).__name__}, must be the error "
                "text (a string); record str(report.longrepr)"
            )
    return dict(run)


def _check_non_negative(value: float, what: str) -> None:
    if not math.isfinite(value) or value < 0:
        raise ReportError(
            f"{what} is {value!r}, must be a finite number >= 0; record the measured value"
        )


def _check_counts(document: Mapping[str, Any], origin: str) -> None:
    expected = count_outcomes(document["verdicts"])
    if document["counts"] != expected:
        raise ReportError(
            f"{origin}: counts {document['counts']!r} do not match the verdicts {expected!r}; "
            "counts are derived, never edited; regenerate the document with build_document"
        )


def _merged_run(documents: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    runs = [document["run"] for document in documents]
    _check_same_versions(runs, names)
    profile = _shared(runs, names, "profile")
    seed = _shared(runs, names, "seed")
    commands = list(dict.fromkeys(run["command"] for run in runs))
    merged: dict[str, Any] = {
        "profile": profile,
        "seed": seed,
        "command": " ; ".join(commands),
        "workers": sum(run["workers"] for run in runs),
        "duration_s": max(run["duration_s"] for run in runs),
        "environment": dict(runs[0]["environment"]),
        "shards": [shard for document in documents for shard in _shard_entries(document)],
    }
    per_claim = _merged_per_claim(runs)
    if per_claim:
        merged["per_claim_seconds"] = per_claim
    errors = {nodeid: text for run in reversed(runs) for nodeid, text in
              run.get("errors", {}).items()}  # reversed: the first shard's text wins
    if errors:
        merged["errors"] = dict(sorted(errors.items()))
    return merged


def _check_same_versions(runs: Sequence[Mapping[str, Any]], names: Sequence[str]) -> None:
    first = runs[0]["environment"]
    for name, run in zip(names[1:], runs[1:], strict=True):
        for key in PINNED_VERSIONS:
            if run["environment"][key] != first[key]:
                raise ReportError(
                    f"{name}: environment.{key} is {run['environment'][key]!r} but {names[0]} "
                    f"has {first[key]!r}; shards of one report must share {key} versions, and "
                    "comparing results across versions is a different report; rerun the "
                    "shards in one environment"
                )


def _shared(runs: Sequence[Mapping[str, Any]], names: Sequence[str], key: str) -> Any:
    for name, run in zip(names[1:], runs[1:], strict=True):
        if run[key] != runs[0][key]:
            raise ReportError(
                f"{name}: run.{key} is {run[key]!r} but {names[0]} has {runs[0][key]!r}; "
                f"shards of one run share one {key}; merge only shards of the same run"
            )
    return runs[0][key]


def _shard_entries(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    run = document["run"]
    if run.get("shards"):  # an already merged document: keep its shards flat
        return [dict(shard) for shard in run["shards"]]
    entry = {key: value for key, value in run.items() if key not in MERGED_RUN_KEYS}
    entry["generated_at"] = document["generated_at"]
    entry["counts"] = dict(document["counts"])
    return [entry]


def _merged_per_claim(runs: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for run in runs:
        for label, seconds in run.get("per_claim_seconds", {}).items():
            merged[label] = max(seconds, merged.get(label, seconds))
    return merged


def _check_json(value: Any, where: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ReportError(
            f"{where}: not storable as strict JSON ({error}); values must be str, number, "
            "bool, null, list or dict, with non-finite floats as 'nan'/'inf'/'-inf' strings; "
            "convert the value before reporting it"
        ) from error


def _record_label(record: Mapping[str, Any], origin: str) -> str:
    nodeid = record.get("nodeid")
    if not isinstance(nodeid, str) or not nodeid:
        raise ReportError(
            f"{origin}: nodeid is {nodeid!r}, must be a non-empty string (the pytest node id); "
            "produce the record with Verdict.to_dict()"
        )
    return f"verdict {nodeid!r} ({origin})"


def _prefixed(mapping: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {prefix + key: value for key, value in mapping.items()}


def _is_instance(value: Any, allowed: tuple[type, ...]) -> bool:
    # bool is an int subclass, but True is not a count or a seed.
    return isinstance(value, allowed) and not isinstance(value, bool)


def _type_names(allowed: tuple[type, ...]) -> str:
    names = ["null" if kind is type(None) else kind.__name__ for kind in allowed]
    return " or ".join(names)
