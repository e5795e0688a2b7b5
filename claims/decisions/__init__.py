"""Decision rules for each kind of claim, and the statistics behind them."""

from .rules import (
    Counterexample,
    SignTest,
    SlopeTest,
    SpearmanTest,
    WilcoxonTest,
    Witness,
)
from .search import Found, search

__all__ = [
    "Counterexample",
    "Found",
    "SignTest",
    "SlopeTest",
    "SpearmanTest",
    "WilcoxonTest",
    "Witness",
    "search",
]
