"""Error control across the claims of one run.

Each claim decides at its own level ``alpha``. A run makes many such decisions, so the report
also judges the family: Holm's step-down method controls the probability of *any* false
decisive verdict among the run's statistical decisions at ``level`` (the rule behind an
"all of these are supported" statement), and Benjamini-Hochberg controls the expected share
of false ones among those declared (the rule behind the report's list).

The family is the run's statistical decisions: every verdict whose evidence carries a
p-value from a test (sign, Wilcoxon, slope, Spearman), decisive or not, counted once per
claim with its overall p-value. Per-regime results are descriptive and not in the family.
Verdicts from searches rest on a confirmed example, not on a sampling error rate, and stand
outside it. A missing or non-finite p-value (a test that could not run) counts as 1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

METHODS = ("holm", "bh")


@dataclasses.dataclass(frozen=True)
class FamilyDecision:
    """One claim's place in the family: raw and adjusted p-values, and whether it survives."""

    nodeid: str
    outcome: str
    pvalue: float
    holm: float
    bh: float
    survives_holm: bool
    survives_bh: bool


def adjust(pvalues: Sequence[float], method: str) -> np.ndarray:
    """Adjusted p-values (Holm or Benjamini-Hochberg); NaN and None count as 1."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {METHODS}")
    clean = np.array([1.0 if p is None or not math.isfinite(p) else float(p)
                      for p in pvalues])
    if clean.size == 0:
        return clean
    if ((clean < 0) | (clean > 1)).any():
        raise ValueError(f"p-values must lie in [0, 1]; got {clean[(clean < 0) | (clean > 1)]}")
    if method == "bh":
        return stats.false_discovery_control(clean, method="bh")
    return _holm(clean)


def _holm(p: np.ndarray) -> np.ndarray:
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def family(records: Mapping[str, Mapping], level: float) -> list[FamilyDecision]:
    """The family decisions of a run's verdict records (``Verdict.to_dict()`` form).

    A decisive verdict (supported or refuted) survives a method when its adjusted p-value is
    at most ``level``.
    """
    members = [(nodeid, r["evidence"]) for nodeid, r in sorted(records.items())
               if _in_family(r["evidence"])]
    raw = [_pvalue(e) for _, e in members]
    holm, bh = adjust(raw, "holm"), adjust(raw, "bh")
    return [FamilyDecision(nodeid, e["outcome"], raw[i], float(holm[i]), float(bh[i]),
                           bool(e["outcome"] != "inconclusive" and holm[i] <= level),
                           bool(e["outcome"] != "inconclusive" and bh[i] <= level))
            for i, (nodeid, e) in enumerate(members)]


def _in_family(evidence: Mapping) -> bool:
    return evidence.get("pvalue") is not None  # searches record no p-value


def _pvalue(evidence: Mapping) -> float:
    value = evidence.get("pvalue")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 1.0
    return value if math.isfinite(value) else 1.0


def family_record(records: Mapping[str, Mapping], level: float) -> dict:
    """The run's family as stored in a report's ``run.family`` (see reports/SCHEMA.md)."""
    return {"level": level,
            "methods": {"holm": "family-wise error rate (all decisive verdicts)",
                        "bh": "false discovery rate (the list of decisive verdicts)"},
            "members": [dataclasses.asdict(m) for m in family(records, level)]}
