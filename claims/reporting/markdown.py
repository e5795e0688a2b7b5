"""Human-readable Markdown rendering of a verdicts document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .document import validate_document

TITLE = "Learning-rate claims: verification report"
HOW_TO_READ = (
    "How to read this: every claim taken from the article was turned into an experiment and a "
    "statistical test that were fixed before anything ran. A claim is **supported** when the "
    "declared test says the data back it at the stated level, **refuted** when the data "
    "contradict it (for claims about every case, a concrete counterexample is shown), and "
    "**inconclusive** when the run could not tell either way, for instance because the effect "
    "is smaller than the experiment can resolve. A verdict speaks only about the population "
    "named in its section, under the operational definitions listed there; it is not a "
    "judgement of the article as a whole. Each section ends with a command that reruns that "
    "claim alone."
)
# Universal claims are refuted by a counterexample, existential ones supported by a witness.
EXAMPLE_BY_KIND = {"universal": "Counterexample", "existential": "Witness"}
EXAMPLE_BY_OUTCOME = {"refuted": "Counterexample", "supported": "Witness"}
NONE_SHOWN = "—"


def render_markdown(document: Mapping[str, Any]) -> str:
    """The Markdown report for a verdicts document (as built by ``build_document``)."""
    validate_document(document)
    parts = [
        f"# {TITLE}",
        HOW_TO_READ,
        *_run_section(document),
        *_summary_section(document["counts"], document["run"].get("errors", {})),
        *_errors_section(document["run"].get("errors", {})),
        *_family_section(document["run"].get("family")),
        *_calibration_section(document["run"].get("calibration")),
        *_claims_table(document["verdicts"]),
    ]
    for record in document["verdicts"]:
        parts.extend(_claim_section(record))
    return "\n\n".join(parts) + "\n"


def format_number(value: Any) -> str:
    """A number for people: ~4 significant digits, 'nan'/'inf'/'-inf' as they are."""
    if value is None:
        return NONE_SHOWN
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return format_value(value)


def format_pvalue(value: Any) -> str:
    """A p-value; an exact 0 is a probability below what a double can hold, not zero."""
    if isinstance(value, (int, float)) and value == 0:
        return "< 1e-300 (below double precision)"
    return format_number(value)


def format_value(value: Any) -> str:
    """Any JSON value in plain text, without Python reprs."""
    if isinstance(value, dict):
        return ", ".join(f"{key}: {format_value(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if value is None:
        return "none"
    return format_number(value)


def escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines as <br>."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "\n").replace(
        "\n", "<br>"
    )


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; every cell is escaped."""
    lines = [_row(header), "|" + "|".join("---" for _ in header) + "|"]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def key_number(record: Mapping[str, Any]) -> str:
    """The one number that best summarises a verdict, for the overview table."""
    evidence = record["evidence"]
    if evidence.get("effect") is not None:
        name = evidence.get("effect_name") or "effect"
        return f"{name} = {format_number(evidence['effect'])}{_interval_text(evidence)}"
    if evidence.get("pvalue") is not None:
        return f"p = {format_number(evidence['pvalue'])}"
    if evidence.get("statistic") is not None:
        return f"statistic = {format_number(evidence['statistic'])}"
    if evidence.get("example") is not None:
        return example_title(record).lower() + " found"
    return NONE_SHOWN


def example_title(record: Mapping[str, Any]) -> str:
    """What ``evidence.example`` is for this record: counterexample, witness or example."""
    by_kind = EXAMPLE_BY_KIND.get(record["kind"])
    return by_kind or EXAMPLE_BY_OUTCOME.get(record["evidence"]["outcome"], "Example")


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"


def _run_section(document: Mapping[str, Any]) -> list[str]:
    run = document["run"]
    facts = [
        ("profile", run["profile"]),
        ("seed", format_number(run["seed"])),
        ("workers", format_number(run["workers"])),
        ("total time", _seconds(run["duration_s"])),
        ("generated at", document["generated_at"]),
        *((f"environment: {key}", format_value(value))
          for key, value in run["environment"].items()),
    ]
    parts = ["## Run", table(["field", "value"], facts), "Command:", _code_block(run["command"])]
    if run.get("shards"):
        parts.extend(["### Shards", _shards_table(run["shards"])])
    if run.get("per_claim_seconds"):
        parts.extend(["### Wall time per claim", _wall_time_table(run["per_claim_seconds"])])
    return parts


def _shards_table(shards: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        (
            str(i + 1),
            format_value(shard.get("command")),
            format_value(shard.get("workers")),
            _seconds(shard.get("duration_s")),
            format_value(shard.get("counts", {}).get("total")),
        )
        for i, shard in enumerate(shards)
    ]
    return table(["shard", "command", "workers", "time", "claims"], rows)


def _wall_time_table(per_claim: Mapping[str, float]) -> str:
    slowest_first = sorted(per_claim.items(), key=lambda item: (-item[1], item[0]))
    return table(["claim", "wall time"], [(label, _seconds(s)) for label, s in slowest_first])


def _summary_section(counts: Mapping[str, int], errors: Mapping[str, str]) -> list[str]:
    rows = [(name, str(count)) for name, count in counts.items()]
    parts = ["## Summary", table(["verdict", "claims"], rows)]
    if errors:
        parts.append(f"{len(errors)} more test(s) raised an error and have no verdict; see "
                     "*Errors* below.")
    return parts


def _errors_section(errors: Mapping[str, str]) -> list[str]:
    parts = ["## Errors"] if errors else []
    for nodeid, text in errors.items():
        parts.extend([f"- {_code_span(nodeid)}", _code_block(text)])
    return parts


def _family_section(family: Mapping[str, Any] | None) -> list[str]:
    """Run-wide error control: Holm (family-wise) and Benjamini-Hochberg (false discovery)."""
    if not family:
        return []
    level = family["level"]
    members = family["members"]
    decisive = [m for m in members if m["outcome"] != "inconclusive"]
    lost = [m for m in decisive if not m["survives_holm"]]
    intro = (f"Each claim decides at its own alpha. Across this run, the {len(members)} "
             f"verdicts that rest on a statistical test (searches stand outside the family) "
             f"are corrected at level {format_number(level)}: Holm's method bounds the chance "
             "of any false decisive verdict, Benjamini-Hochberg the expected share of false "
             f"ones. {len(decisive) - len(lost)} of {len(decisive)} decisive verdicts survive "
             "Holm" + (": the others should be read as inconclusive." if lost else "."))
    rows = [(m["nodeid"].split("::")[-1], m["outcome"], format_number(m["pvalue"]),
             format_number(m["holm"]), "yes" if m["survives_holm"] else "no",
             format_number(m["bh"]), "yes" if m["survives_bh"] else "no") for m in members]
    header = ["claim", "verdict", "p", "Holm p", "survives Holm", "BH q", "survives BH"]
    return ["## Error control across the run", intro, table(header, rows)]


def _calibration_section(calibration: Mapping[str, Any] | None) -> list[str]:
    """The decision rules' calibration (synthetic claims of known truth), when it was run."""
    if not calibration:
        return []
    intro = ("Synthetic claims whose truth is known, each decided once per independent seed "
             "(`python -m claims.calibration`, written " + calibration["generated_at"] + "). "
             "A rule is calibrated when the 95% interval of its rate of confident wrong "
             "verdicts reaches its alpha; where an effect exists its power must reach 0.8.")
    rows = []
    for r in calibration["results"]:
        counts = " / ".join(str(r["counts"][k]) for k in ("supported", "refuted",
                                                           "inconclusive"))
        rows.append((r["name"], str(r["repetitions"]), counts, r["wrong"] or NONE_SHOWN,
                     _rate_text(r["wrong_rate"], r["wrong_interval"]),
                     _rate_text(r["power"], r["power_interval"])))
    header = ["case", "runs", "supported / refuted / inconclusive", "wrong verdict",
              "wrong rate (95% CI)", "power (95% CI)"]
    return ["## Calibration of the decision rules", intro, table(header, rows)]


def _rate_text(rate: Any, interval: Any) -> str:
    if rate is None:
        return NONE_SHOWN
    return f"{format_number(rate)} [{format_number(interval[0])}, {format_number(interval[1])}]"


def _claims_table(records: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = [
        (
            record["claim_id"],
            record["kind"],
            record["evidence"]["outcome"],
            key_number(record),
            record["source"],
        )
        for record in records
    ]
    return ["## Claims", table(["id", "kind", "verdict", "key number", "source"], rows)]


def _claim_section(record: Mapping[str, Any]) -> list[str]:
    evidence = record["evidence"]
    parts = [
        f"### {_heading_text(record['claim_id'])}: {evidence['outcome']}",
        _blockquote(record["statement"]),
        _identity_list(record),
        "**Operational definitions**",
        _definitions(record["definitions"]),
        "**Declared test**",
        _test_list(record),
        "**Outcome**",
        f"**{evidence['outcome']}**: {_inline(evidence['reason'])}",
    ]
    numbers = _numbers_table(evidence)
    if numbers:
        parts.append(numbers)
    if evidence.get("example") is not None:
        parts.extend(_example(record))
    if evidence.get("details"):
        parts.extend(["**Details**", _bullets(evidence["details"])])
    if evidence.get("regimes"):
        parts.extend(_regimes(record))
    parts.extend(["**Reproduce**", _code_block(record["reproduce"])])
    return parts


def _regimes(record: Mapping[str, Any]) -> list[str]:
    """Per-regime verdicts; searches also show each regime's counterexample or witness."""
    rows = []
    for name, sub in record["evidence"]["regimes"].items():
        example = sub.get("example")
        shown = ", ".join(f"{k}={format_value(v)}" for k, v in example.items()
                          if not str(k).startswith("measured")) if example else NONE_SHOWN
        rows.append((name, sub["outcome"], key_number({**record, "evidence": sub}),
                     shown, sub["reason"]))
    return ["**Per regime** (each at the claim's alpha, not corrected across regimes)",
            table(["regime", "verdict", "key number", "example", "reason"], rows)]


def _identity_list(record: Mapping[str, Any]) -> str:
    items = {
        "Source": record["source"],
        "Kind": record["kind"],
        "What this verdict is about": record["population"],
        "Test node": _code_span(record["nodeid"]),
        "Run": (
            f"profile {record['profile']}, root seed {record['root_seed']} (claim seed "
            f"{record['seed']}), {record['device']}, {record['dtype']}, "
            f"{_seconds(record['duration_s'])}"
        ),
    }
    return _bullets(items)


def _definitions(definitions: Mapping[str, str]) -> str:
    if not definitions:
        return "_None declared._"
    return _bullets(definitions)


def _test_list(record: Mapping[str, Any]) -> str:
    evidence = record["evidence"]
    return _bullets({
        "decision rule": record["decision"],
        "test": evidence["test"],
        "alpha": format_number(evidence["alpha"]),
        "n": format_number(evidence["n"]),
    })


def _numbers_table(evidence: Mapping[str, Any]) -> str | None:
    rows = []
    if evidence.get("statistic") is not None:
        rows.append(("statistic", format_number(evidence["statistic"])))
    if evidence.get("pvalue") is not None:
        rows.append(("p-value", format_pvalue(evidence["pvalue"])))
    if evidence.get("effect") is not None or evidence.get("interval") is not None:
        name = evidence.get("effect_name") or "effect"
        rows.append((f"effect: {name}", format_number(evidence.get("effect"))))
    if evidence.get("interval") is not None:
        rows.append((_interval_label(evidence), _interval_bounds(evidence["interval"])))
    return table(["quantity", "value"], rows) if rows else None


def _example(record: Mapping[str, Any]) -> list[str]:
    title = example_title(record)
    example = record["evidence"]["example"]
    if not example:
        return [f"**{title}**", "_Empty._"]
    rows = [(str(key), format_value(value)) for key, value in example.items()]
    return [f"**{title}**", table(["key", "value"], rows)]


def _interval_text(evidence: Mapping[str, Any]) -> str:
    if evidence.get("interval") is None:
        return ""
    level = evidence.get("interval_level")
    suffix = f" ({_percent(level)} interval)" if level is not None else ""
    return f" {_interval_bounds(evidence['interval'])}{suffix}"


def _interval_label(evidence: Mapping[str, Any]) -> str:
    level = evidence.get("interval_level")
    return "interval" if level is None else f"{_percent(level)} interval"


def _interval_bounds(interval: Sequence[Any]) -> str:
    low, high = interval
    return f"[{format_number(low)}, {format_number(high)}]"


def _percent(level: float) -> str:
    return f"{level * 100:.4g}%"


def _seconds(value: Any) -> str:
    return NONE_SHOWN if value is None else f"{format_number(float(value))} s"


def _bullets(items: Mapping[str, Any]) -> str:
    return "\n".join(
        f"- **{_inline(str(key))}**: {_inline(format_value(value))}" for key, value in items.items()
    )


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def _inline(text: str) -> str:
    # One list item per entry: a newline in a value would start a new paragraph.
    return " ".join(text.splitlines())


def _heading_text(text: str) -> str:
    return _inline(text).replace("#", "\\#")


def _code_span(text: str) -> str:
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{_inline(text)}{pad}{ticks}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _code_block(text: str) -> str:
    # The fence must be longer than any backtick run inside the command.
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{fence}\n{text}\n{fence}"
