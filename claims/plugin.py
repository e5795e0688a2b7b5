"""The pytest plugin: claims become test items, verdicts become outcomes and a report.

- Collection: a :class:`~claims.Claim` at module level of any collected file becomes one item
  per device, named by the claim id (``E1a``; ``E1a[cuda]`` for other devices).
- Outcome: supported passes, refuted fails with its evidence, inconclusive skips with its
  reason; an experiment that raises is an error of that item only.
- Hand-off: each item attaches its verdict record to its test report (``user_properties``),
  which pytest-xdist carries to the controller. Only the controller keeps verdicts and writes
  ``reports/latest/verdicts.{json,md}`` at the end of the session.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import time
from pathlib import Path

import pytest
import torch

from .cache import DIRECTORY, ResultsCache, cache_key, file_fingerprint, library_fingerprint
from .decisions.multiplicity import family, family_record
from .errors import ClaimDefinitionError, ConfigurationError, ExperimentError
from .model import Claim
from .profiles import ENV_VAR, PROFILES, get_profile
from .reporting import build_document, write_reports
from .runner import run_claim
from .verdict import Environment, Outcome, Verdict

VERDICT_PROPERTY = "claim_verdict"
CACHED_PROPERTY = "claim_verdict_cached"
DEVICES = ("cpu", "cuda")


@dataclasses.dataclass
class _State:
    """Per-session state, kept in ``config.stash``; in a worker it only holds options."""

    profile_name: str
    seed: int
    devices: tuple[str, ...]
    threads: int
    report_dir: Path | None
    family_level: float = 0.05
    reference: bool = False
    cache: ResultsCache | None = None
    shard: tuple[int, int] | None = None
    started: float = dataclasses.field(default_factory=time.perf_counter)
    verdicts: dict[str, dict] = dataclasses.field(default_factory=dict)
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    cached: set[str] = dataclasses.field(default_factory=set)
    written: tuple[Path, ...] = ()


STATE = pytest.StashKey[_State]()
_SEEN = pytest.StashKey[set]()
_IDS = pytest.StashKey[dict]()


def pytest_addoption(parser):
    group = parser.getgroup("claims", "claims: verify statements by experiment")
    group.addoption("--claims-profile", default=None, choices=sorted(PROFILES),
                    help="effort of counterexample and witness searches "
                         f"(default: ${ENV_VAR} or 'dev')")
    group.addoption("--claims-seed", type=int, default=0,
                    help="root seed; every claim derives its own seed from it (default 0)")
    group.addoption("--claims-devices", default="cpu",
                    help="comma-separated devices to run claims on: cpu, cuda (default cpu)")
    group.addoption("--claims-threads", type=int, default=1,
                    help="torch CPU threads while a claim runs (default 1, one per worker)")
    group.addoption("--claims-report-dir", default="reports/latest",
                    help="where the controller writes verdicts.json and verdicts.md, "
                         "relative to the rootdir (default reports/latest)")
    group.addoption("--claims-no-report", action="store_true",
                    help="do not write report files")
    group.addoption("--claims-family-level", type=float, default=0.05,
                    help="level of the run-wide Holm and Benjamini-Hochberg corrections "
                         "(default 0.05)")
    group.addoption("--claims-no-cache", action="store_true",
                    help="neither reuse nor store verdicts in the results cache")
    group.addoption("--claims-cache-clear", action="store_true",
                    help="empty the results cache first, then fill it again")
    group.addoption("--claims-shard", default=None, metavar="K/N",
                    help="run only the K-th of N deterministic shares of the claims (1-based); "
                         "merge shard reports with 'python -m reports merge'")
    group.addoption("--claims-engine", default="batched", choices=("batched", "reference"),
                    help="train with the batched engine (default) or the plain per-model "
                         "loop, to check that verdicts do not depend on it")


def pytest_configure(config):
    config.addinivalue_line("markers", "claim: a claim checked by experiment (added by the "
                                       "claims plugin)")
    try:
        state = _read_options(config)
    except ConfigurationError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[STATE] = state
    config.pluginmanager.register(VerdictCollector(config), "claims-verdicts")


def _read_options(config) -> _State:
    profile = get_profile(config.getoption("claims_profile"))
    named = (d.strip() for d in config.getoption("claims_devices").split(","))
    devices = tuple(dict.fromkeys(d for d in named if d))
    unknown = [d for d in devices if d not in DEVICES]
    if unknown or not devices:
        raise ConfigurationError(
            f"--claims-devices={config.getoption('claims_devices')!r} names {unknown or 'none'}; "
            f"use a comma-separated list of {', '.join(DEVICES)}, e.g. --claims-devices=cpu,cuda"
        )
    threads = config.getoption("claims_threads")
    if threads < 1:
        raise ConfigurationError(f"--claims-threads={threads} must be >= 1; "
                                 "use 1 per xdist worker")
    level = config.getoption("claims_family_level")
    if not 0 < level < 1:
        raise ConfigurationError(f"--claims-family-level={level} must be in (0, 1); "
                                 "the usual choice is 0.05")
    report_dir = None
    if not config.getoption("claims_no_report"):
        report_dir = config.rootpath / config.getoption("claims_report_dir")
        if report_dir.exists() and not report_dir.is_dir():
            raise ConfigurationError(
                f"--claims-report-dir={config.getoption('claims_report_dir')!r} is a file, not a "
                "folder; name a folder (it is created if missing) or pass --claims-no-report")
    cache = None
    if not config.getoption("claims_no_cache"):
        cache = ResultsCache(config.rootpath / DIRECTORY)
        if config.getoption("claims_cache_clear") and not hasattr(config, "workerinput"):
            cache.clear()
    return _State(profile.name, config.getoption("claims_seed"), devices, threads, report_dir,
                  family_level=level,
                  reference=config.getoption("claims_engine") == "reference",
                  cache=cache, shard=_parse_shard(config.getoption("claims_shard")))


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise ConfigurationError(f"--claims-shard={value!r} must be K/N with 1 <= K <= N, "
                                 "e.g. --claims-shard=1/2 and --claims-shard=2/2")
    return index, count


def pytest_collection_modifyitems(session, config, items):
    """Keep this shard's claims, then put the slowest claims (by the last report) first, so
    that under xdist one slow claim does not start last and serialise the end of the run."""
    state = config.stash[STATE]
    claims = sorted((item for item in items if isinstance(item, ClaimItem)),
                    key=lambda item: item.nodeid)
    if state.shard is not None:
        index, count = state.shard
        dropped = [item for i, item in enumerate(claims) if i % count != index - 1]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = {id(item) for item in dropped}
            items[:] = [item for item in items if id(item) not in gone]
    seconds = _previous_seconds(state.report_dir)
    items.sort(key=lambda item: -seconds.get(item.nodeid, 0.0)
               if isinstance(item, ClaimItem) else 0.0)


def _previous_seconds(report_dir: Path | None) -> dict[str, float]:
    """Wall time per claim from the last report; read identically by every xdist worker,
    since only the controller writes it, at the end of a session."""
    try:
        document = json.loads((report_dir / "verdicts.json").read_text(encoding="utf-8"))
        return {k: float(v) for k, v in document["run"]["per_claim_seconds"].items()}
    except (TypeError, OSError, ValueError, KeyError, AttributeError):
        return {}


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    if not isinstance(obj, Claim):
        return None
    module = getattr(collector, "module", None)
    if module is None or obj.module != module.__name__:
        return []  # imported from elsewhere: collected where it was defined
    seen = collector.stash.setdefault(_SEEN, set())
    if id(obj) in seen:
        return []  # the same claim bound to a second name in its module
    seen.add(id(obj))
    where = f"{collector.nodeid}::{name}"
    first = collector.config.stash.setdefault(_IDS, {}).setdefault(obj.id, where)
    if first != where:
        raise ClaimDefinitionError(
            f"claim id {obj.id!r} is used twice, by {first} and by {where}; ids name test "
            "items, seeds and report entries, so give each claim its own")
    devices = collector.config.stash[STATE].devices
    return [ClaimItem.from_parent(collector, name=_item_name(obj.id, d), claim=obj, device=d)
            for d in devices]


def _item_name(claim_id: str, device: str) -> str:
    return claim_id if device == "cpu" else f"{claim_id}[{device}]"


class ClaimRefuted(Exception):
    """Raised by a claim item whose verdict is 'refuted'; its message is the explanation."""


class ClaimItem(pytest.Item):
    """One claim on one device."""

    def __init__(self, *, claim: Claim, device: str, **kwargs):
        super().__init__(**kwargs)
        self.claim = claim
        self.device = device
        self.add_marker("claim")

    def runtest(self):
        if self.device == "cuda" and not torch.cuda.is_available():
            pytest.skip("CUDA device requested but torch.cuda.is_available() is False on this "
                        "machine; run on a machine with a GPU or drop cuda from --claims-devices")
        state = self.config.stash[STATE]
        verdict = self._run(state)
        self.user_properties.append((VERDICT_PROPERTY, verdict.to_dict()))

        if verdict.outcome is Outcome.REFUTED:
            raise ClaimRefuted(explain(verdict))
        if verdict.outcome is Outcome.INCONCLUSIVE:
            pytest.skip(f"inconclusive: {verdict.evidence.reason}")

    def _run(self, state: _State) -> Verdict:
        key = self._cache_key(state) if state.cache is not None else None
        if key is not None and (stored := self._stored(state.cache.get(key))) is not None:
            self.user_properties.append((CACHED_PROPERTY, True))
            return stored

        threads = torch.get_num_threads()
        torch.set_num_threads(state.threads)
        try:
            verdict = run_claim(self.claim, root_seed=state.seed, profile=get_profile(
                state.profile_name), device=self.device, nodeid=self.nodeid,
                root=self.config.rootpath, reproduce=self._reproduce(state),
                reference=state.reference)
        finally:
            torch.set_num_threads(threads)
        if key is not None:
            state.cache.put(key, verdict.to_dict())
        return verdict

    def _stored(self, record: dict | None) -> Verdict | None:
        """A cached record that is whole and belongs to this item, else None (recompute)."""
        try:
            verdict = Verdict.from_dict(record) if record is not None else None
        except (KeyError, TypeError, ValueError):
            return None
        if verdict is None or (verdict.nodeid, verdict.claim_id) != (self.nodeid,
                                                                     self.claim.id):
            return None
        return verdict

    def _cache_key(self, state: _State) -> str:
        return cache_key(nodeid=self.nodeid, claim_id=self.claim.id, root_seed=state.seed,
                         profile=state.profile_name, device=self.device,
                         dtype=self.claim.dtype,
                         engine="reference" if state.reference else "batched",
                         threads=state.threads, library=_library_fingerprint(),
                         claim_file=file_fingerprint(self.path, self.config.rootpath))

    def _reproduce(self, state: _State) -> str:
        command = f"pytest '{self.nodeid}' --claims-seed={state.seed} " \
                  f"--claims-profile={state.profile_name} --claims-no-report --claims-no-cache"
        if state.threads != 1:
            command += f" --claims-threads={state.threads}"
        if self.device != "cpu":
            command += f" --claims-devices={self.device}"
        if state.reference:
            command += " --claims-engine=reference"
        return command

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, (ClaimRefuted, ExperimentError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"claim {self.claim.id}: {self.claim.statement}"


@functools.cache
def _library_fingerprint() -> str:
    return library_fingerprint()


def explain(verdict: Verdict) -> str:
    """A refuted claim's failure text: the statement, the decision and the numbers."""
    evidence = verdict.evidence
    lines = [f"REFUTED {verdict.claim_id}: {verdict.statement}",
             f"  source:     {verdict.source}",
             f"  population: {verdict.population}",
             f"  decision:   {verdict.decision}",
             f"  result:     {evidence.reason}"]
    if evidence.pvalue is not None:
        lines.append(f"  p-value:    {evidence.pvalue:.3g} (alpha {evidence.alpha:g})")
    if evidence.example:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in evidence.example.items())
        lines.append(f"  example:    {shown}")
    lines.append(f"  reproduce:  {verdict.reproduce}")
    return "\n".join(lines)


def _short(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


class VerdictCollector:
    """Session hooks that gather verdicts and write the report; registered per config.

    On an xdist worker it sees only that worker's reports and writes nothing; on the
    controller (or without xdist) it sees every report, including those workers send.
    """

    def __init__(self, config):
        self.config = config
        self.state = config.stash[STATE]

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def pytest_runtest_logreport(self, report):
        if report.when != "call":
            return
        verdicts = [v for name, v in report.user_properties if name == VERDICT_PROPERTY]
        if verdicts:
            self.state.verdicts[report.nodeid] = verdicts[-1]
            if any(name == CACHED_PROPERTY for name, _ in report.user_properties):
                self.state.cached.add(report.nodeid)
        elif report.failed and "claim" in report.keywords:
            self.state.errors[report.nodeid] = str(report.longrepr)[-2000:]

    def pytest_sessionfinish(self, session, exitstatus):
        state = self.state
        if self.is_worker or not (state.verdicts or state.errors) or state.report_dir is None:
            return
        document = build_document(list(state.verdicts.values()), _run_info(self.config, state))
        state.written = tuple(write_reports(state.report_dir, document))

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        state = self.state
        if self.is_worker or not (state.verdicts or state.errors):
            return
        terminalreporter.section("claims")
        counts = {o.value: 0 for o in Outcome}
        for nodeid in sorted(state.verdicts):
            record = state.verdicts[nodeid]
            outcome = record["evidence"]["outcome"]
            counts[outcome] += 1
            terminalreporter.write_line(f"{outcome.upper():13} {record['claim_id']:8} "
                                        f"{record['evidence']['reason']}")
        for nodeid in sorted(state.errors):
            terminalreporter.write_line(f"{'ERROR':13} {nodeid}")
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        if state.errors:
            summary += f", {len(state.errors)} errored (no verdict)"
        if state.cached:
            summary += f" ({len(state.cached)} reused from the results cache)"
        terminalreporter.write_line(f"claims: {summary}")
        terminalreporter.write_line(_family_line(family(state.verdicts, state.family_level),
                                                 state.family_level))
        for path in state.written:
            terminalreporter.write_line(f"report: {path}")


def _family_line(members, level: float) -> str:
    decisive = [m for m in members if m.outcome != "inconclusive"]
    lost = [m.nodeid.split("::")[-1] for m in decisive if not m.survives_holm]
    line = (f"family-wise (Holm, level {level:g}): {len(decisive) - len(lost)} of "
            f"{len(decisive)} decisive statistical verdicts survive")
    return line + (f"; not surviving: {', '.join(lost)}" if lost else "")


def _calibration(report_dir: Path | None) -> dict | None:
    """The last calibration written next to the report (``python -m claims.calibration``)."""
    path = None if report_dir is None else report_dir / "calibration.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (TypeError, OSError, ValueError):
        return None
    written = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
    return {"generated_at": written.strftime("%Y-%m-%dT%H:%M:%SZ"), "results": results}


def _run_info(config, state: _State) -> dict:
    calibration = _calibration(state.report_dir)
    extra = {} if calibration is None else {"calibration": calibration}
    return {
        **extra,
        "family": family_record(state.verdicts, state.family_level),
        "engine": "reference" if state.reference else "batched",
        "cache": {"reused": sorted(state.cached),
                  "note": "reused verdicts keep the wall time of the run that computed them"},
        "shard": None if state.shard is None else f"{state.shard[0]}/{state.shard[1]}",
        "profile": state.profile_name,
        "seed": state.seed,
        "command": " ".join(["pytest", *config.invocation_params.args]),
        "workers": config.getoption("numprocesses", default=None) or 0,
        "duration_s": time.perf_counter() - state.started,
        "environment": dataclasses.asdict(Environment.current()),
        "per_claim_seconds": {nodeid: v["duration_s"] for nodeid, v in state.verdicts.items()},
        "errors": dict(state.errors),
    }
