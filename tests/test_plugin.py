"""End-to-end tests of the pytest plugin (``claims.plugin``), run through ``pytester``.

Each test writes synthetic claim files into a fresh pytester directory (its own rootdir, with
an ini that collects ``*_claims.py``) and runs pytest on them. The synthetic experiments ignore
the lab and only compare uniform numbers, so a run takes milliseconds; one test runs a real
engine experiment on the article's toy problem. In-process runs are used wherever they are
safe; a subprocess runs pytest-xdist, the real engine (torch modules it imports cannot be
unloaded and imported again) and the check that needs a fresh import of ``reports``.
"""

from __future__ import annotations

import json
import shlex
import textwrap
from pathlib import Path

import pytest
import torch

from claims.runner import claim_seed
from claims.verdict import SCHEMA_VERSION

INI = """\
[pytest]
python_files = test_*.py *_claims.py
"""

# A claims module whose experiments ignore the lab: ``x`` is uniform on [-1, 1], so
# "x < 2" always holds, "x > 2" never does, and "every other scenario" holds in exactly half.
TOY_HEADER = textwrap.dedent('''\
    import numpy as np
    import torch

    from claims import Claim, Kind, Population, SignTest, Source, Uniform

    POPULATION = Population("toy numbers that ignore the lab", {"x": Uniform(-1.0, 1.0)})


    def below_two(scenarios, lab):
        return {"holds": np.asarray([s["x"] < 2 for s in scenarios])}


    def above_two(scenarios, lab):
        return {"holds": np.asarray([s["x"] > 2 for s in scenarios])}


    def every_other(scenarios, lab):
        return {"holds": np.asarray([i % 2 == 0 for i, _ in enumerate(scenarios)])}


    def positive(scenarios, lab):
        return {"holds": np.asarray([s["x"] > 0 for s in scenarios])}


    def raises(scenarios, lab):
        raise ZeroDivisionError("toy experiment divided by zero")


    def wrong_shape(scenarios, lab):
        return {"holds": np.ones((len(scenarios), 2), dtype=bool)}


    def wrong_measure(scenarios, lab):
        return {"something else": np.ones(len(scenarios), dtype=bool)}


    def three_threads(scenarios, lab):
        return {"holds": np.asarray([torch.get_num_threads() == 3] * len(scenarios))}


    def toy(claim_id, statement, experiment, paragraph=1):
        return Claim(id=claim_id, statement=statement, source=Source("Toy section", paragraph),
                     kind=Kind.TENDENCY, population=POPULATION, experiment=experiment,
                     decision=SignTest(n=200, alpha=0.01))

''')

SUP = 'SUP = toy("SUP", "Toy numbers stay below two.", below_two)'
REF = 'REF = toy("REF", "Toy numbers exceed two.", above_two, paragraph=2)'
INC = 'INC = toy("INC", "Every other toy scenario holds.", every_other, paragraph=3)'
POS = 'POS = toy("POS", "Toy numbers are positive.", positive, paragraph=4)'
ERR = 'ERR = toy("ERR", "The toy experiment works.", raises, paragraph=5)'

PLAIN_TEST = "def test_plain():\n    assert True\n"

REPORT = Path("reports") / "latest"
# How the terminal summary's verdict lines begin: the outcome padded to 13 columns.
VERDICT_LINE_STARTS = tuple(f"{outcome:13}" for outcome in ("SUPPORTED", "REFUTED",
                                                             "INCONCLUSIVE"))


@pytest.fixture(autouse=True)
def _no_profile_from_environment(monkeypatch):
    """Runs here default to 'dev' even when the suite itself runs with $CLAIMS_PROFILE set
    (tox sets it to 'ci'); the test of the variable sets it itself."""
    monkeypatch.delenv("CLAIMS_PROFILE", raising=False)


def claims_module(*claims: str) -> str:
    return TOY_HEADER + "\n".join(claims) + "\n"


def make_project(pytester: pytest.Pytester, **files: str) -> None:
    """The ini that collects ``*_claims.py`` plus the given files (name -> source)."""
    pytester.makeini(INI)
    for name, source in files.items():
        pytester.path.joinpath(f"{name}.py").write_text(source, encoding="utf-8")


# The results cache is off in these tests, so that every run really computes its verdicts
# (tests/test_scale.py tests the cache itself).
def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "--claims-no-cache", *args)


def run_subprocess(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--claims-no-cache", *args,
                                         timeout=120)


def load_report(pytester: pytest.Pytester, directory: Path | str = REPORT) -> dict:
    return json.loads((pytester.path / directory / "verdicts.json").read_text(encoding="utf-8"))


def by_id(document: dict) -> dict[str, dict]:
    return {record["claim_id"]: record for record in document["verdicts"]}


def results(document: dict) -> list[dict]:
    """The verdict records without their wall time, which is noise rather than a result."""
    return [{k: v for k, v in record.items() if k != "duration_s"}
            for record in document["verdicts"]]


def collected(result: pytest.RunResult) -> list[str]:
    """The node ids listed by ``--collect-only -q``, sorted."""
    return sorted(line for line in result.stdout.lines if "::" in line and " " not in line)


def report_files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("verdicts.*"))


# --- outcomes -------------------------------------------------------------------------------

def test_verdicts_become_pass_fail_and_skip(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC))
    result = run(pytester, "-rs")

    result.assert_outcomes(passed=1, failed=1, skipped=1)
    outcomes = {r.nodeid: r.outcome
                for r in result.reprec.getreports("pytest_runtest_logreport") if r.when == "call"}
    assert outcomes == {"toy_claims.py::SUP": "passed", "toy_claims.py::REF": "failed",
                        "toy_claims.py::INC": "skipped"}
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1[]] *inconclusive: holds in 100 of 200 scenarios*cannot tell"])


def test_refuted_claim_fails_with_its_evidence(pytester):
    make_project(pytester, toy_claims=claims_module(REF))
    result = run(pytester)

    result.assert_outcomes(failed=1)
    record = load_report(pytester)["verdicts"][0]
    assert record["evidence"]["outcome"] == "refuted"
    text = result.stdout.str()
    assert "REFUTED REF: Toy numbers exceed two." in text
    assert "source:     source, Toy section, paragraph 2" in text
    assert "population: toy numbers that ignore the lab (x: uniform on [-1, 1])" in text
    assert f"decision:   {record['decision']}" in text
    assert f"result:     {record['evidence']['reason']}" in text
    assert "0 of 200 scenarios" in text
    assert f"p-value:    {record['evidence']['pvalue']:.3g} (alpha 0.01)" in text
    assert ("reproduce:  pytest 'toy_claims.py::REF' --claims-seed=0 --claims-profile=dev "
            "--claims-no-report --claims-no-cache") in text
    # The explanation replaces the traceback: no plugin internals in the failure text.
    assert "ClaimRefuted" not in text
    assert "Traceback" not in text


@pytest.mark.parametrize(("experiment", "message"), [
    ("raises", "claim ERR: its experiment raised ZeroDivisionError: "
               "toy experiment divided by zero"),
    ("wrong_shape", "claim ERR: measure 'holds' has shape (200, 2); it must hold one value "
                    "per scenario, shape (200,)"),
    ("wrong_measure", "claim ERR: the experiment returned measures ['something else'] but its "
                      "decision reads ['holds']; return an entry for each"),
])
def test_broken_experiment_fails_its_item_only_and_keeps_the_rest(pytester, experiment, message):
    broken = f'ERR = toy("ERR", "The toy experiment works.", {experiment})'
    make_project(pytester, toy_claims=claims_module(SUP, broken, REF))
    result = run(pytester)

    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*_ claim ERR: The toy experiment works. _*", message])
    assert "Traceback" not in result.stdout.str()

    document = load_report(pytester)
    assert sorted(by_id(document)) == ["REF", "SUP"]
    assert document["counts"] == {"supported": 1, "refuted": 1, "inconclusive": 0, "total": 2}
    assert list(document["run"]["errors"]) == ["toy_claims.py::ERR"]
    assert message in document["run"]["errors"]["toy_claims.py::ERR"]
    assert sorted(document["run"]["per_claim_seconds"]) == ["toy_claims.py::REF",
                                                            "toy_claims.py::SUP"]
    result.stdout.fnmatch_lines(["ERROR *toy_claims.py::ERR",
                                 "claims: 1 supported, 1 refuted, 0 inconclusive, "
                                 "1 errored (no verdict)"])


def test_run_where_every_claim_errors_does_not_leave_a_stale_report(pytester):
    make_project(pytester, toy_claims=claims_module(SUP))
    run(pytester).assert_outcomes(passed=1)
    assert by_id(load_report(pytester))["SUP"]["evidence"]["outcome"] == "supported"

    # The same claim id now has a broken experiment: it runs and raises.
    make_project(pytester, toy_claims=claims_module(
        'SUP = toy("SUP", "Toy numbers stay below two.", raises)'))
    run(pytester).assert_outcomes(failed=1)

    document = load_report(pytester)
    assert "toy_claims.py::SUP" in document["run"]["errors"]
    assert document["verdicts"] == []


# --- item ids and collection ----------------------------------------------------------------

def test_node_id_runs_exactly_one_claim(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC))
    result = run(pytester, "toy_claims.py::REF")

    result.assert_outcomes(failed=1)
    assert [r["nodeid"] for r in load_report(pytester)["verdicts"]] == ["toy_claims.py::REF"]


def test_items_are_named_by_claim_id_not_by_variable(pytester):
    make_project(pytester, toy_claims=claims_module(
        'A_VARIABLE_NAME = toy("Named.by-id_1", "Toy numbers stay below two.", below_two)'))
    result = run(pytester, "--collect-only", "-q")

    result.stdout.fnmatch_lines(["toy_claims.py::Named.by-id_1", "1 test collected*"])
    run(pytester, "toy_claims.py::Named.by-id_1").assert_outcomes(passed=1)


def test_imported_claim_is_collected_only_where_it_was_defined(pytester):
    make_project(
        pytester,
        toy_claims=claims_module(SUP),
        other_claims="from toy_claims import SUP\n"
                     "from claims.catalog.worked_examples_claims import E1a, E2b\n",
        test_reuse="from toy_claims import SUP as REUSED\n\n\n" + PLAIN_TEST,
    )
    result = run(pytester, "--collect-only", "-q")

    assert collected(result) == ["test_reuse.py::test_plain", "toy_claims.py::SUP"]
    result = run(pytester)
    result.assert_outcomes(passed=2)
    assert [r["nodeid"] for r in load_report(pytester)["verdicts"]] == ["toy_claims.py::SUP"]


def test_claim_records_its_defining_module():
    from claims.catalog import worked_examples_claims as catalog

    assert catalog.E1a.module == "claims.catalog.worked_examples_claims"


def test_claim_bound_to_two_names_in_its_module_runs_once(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, "ALIAS = SUP"))
    result = run(pytester, "--collect-only", "-q")

    result.stdout.fnmatch_lines(["toy_claims.py::SUP", "1 test collected*"])


def test_claim_built_by_helper_module_is_collected_where_it_is_bound(pytester):
    make_project(
        pytester,
        toykit=TOY_HEADER,  # not matched by python_files: a helper, never collected itself
        built_claims='from toykit import below_two, toy\n\n'
                     'BUILT = toy("BUILT", "Toy numbers stay below two.", below_two)\n',
    )
    result = run(pytester, "--collect-only", "-q")

    result.stdout.fnmatch_lines(["built_claims.py::BUILT", "1 test collected*"])


# --- terminal summary -----------------------------------------------------------------------

def test_terminal_summary_lists_verdicts_counts_and_report_paths(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC))
    result = run(pytester)

    result.stdout.fnmatch_lines([
        "*= claims =*",
        "INCONCLUSIVE  INC      holds in 100 of 200 scenarios*",
        "REFUTED       REF      holds only in 0 of 200 scenarios*",
        "SUPPORTED     SUP      holds in 200 of 200 scenarios*",
        "claims: 1 supported, 1 refuted, 1 inconclusive",
        f"report: {pytester.path / REPORT / 'verdicts.json'}",
        f"report: {pytester.path / REPORT / 'verdicts.md'}",
    ])


def test_no_claims_section_without_claims(pytester):
    make_project(pytester, test_plain=PLAIN_TEST)
    result = run(pytester)

    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*= claims =*")
    result.stdout.no_fnmatch_line("claims: *")


# --- report files ---------------------------------------------------------------------------

def test_report_written_under_rootdir_with_one_record_per_claim(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC))
    pytester.mkdir("elsewhere")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(pytester.path / "elsewhere")  # the report goes under the rootdir, not the cwd
        run(pytester, str(pytester.path))

    assert report_files(pytester.path) == [REPORT / "verdicts.json", REPORT / "verdicts.md"]
    document = load_report(pytester)
    assert document["schema"] == "lr-claims/verdicts"
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["counts"] == {"supported": 1, "refuted": 1, "inconclusive": 1, "total": 3}
    assert document["run"]["profile"] == "dev"
    assert document["run"]["seed"] == 0
    assert document["run"]["workers"] == 0
    assert document["run"]["errors"] == {}
    records = by_id(document)
    assert sorted(records) == ["INC", "REF", "SUP"]
    for claim_id, outcome in [("SUP", "supported"), ("REF", "refuted"),
                              ("INC", "inconclusive")]:
        record = records[claim_id]
        assert record["nodeid"] == f"toy_claims.py::{claim_id}"
        assert record["evidence"]["outcome"] == outcome
        assert record["seed"] == claim_seed(0, claim_id)
        assert record["device"] == "cpu"
        assert record["reproduce"] == (f"pytest 'toy_claims.py::{claim_id}' --claims-seed=0 "
                                       "--claims-profile=dev --claims-no-report "
                                       "--claims-no-cache")
    markdown = (pytester.path / REPORT / "verdicts.md").read_text(encoding="utf-8")
    for statement in ("Toy numbers stay below two.", "Toy numbers exceed two."):
        assert statement in markdown


def test_no_report_option_writes_nothing(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF))
    result = run(pytester, "--claims-no-report")

    result.assert_outcomes(passed=1, failed=1)
    assert report_files(pytester.path) == []
    assert not (pytester.path / "reports").exists()
    result.stdout.fnmatch_lines(["claims: 1 supported, 1 refuted, 0 inconclusive"])
    result.stdout.no_fnmatch_line("report: *")


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_report_dir_option(pytester, absolute):
    make_project(pytester, toy_claims=claims_module(SUP))
    directory = pytester.path / "other/place" if absolute else "other/place"
    result = run(pytester, f"--claims-report-dir={directory}")

    assert report_files(pytester.path) == [Path("other/place/verdicts.json"),
                                           Path("other/place/verdicts.md")]
    assert [r["claim_id"] for r in load_report(pytester, "other/place")["verdicts"]] == ["SUP"]
    result.stdout.fnmatch_lines([f"report: {pytester.path / 'other/place/verdicts.json'}"])


@pytest.mark.parametrize("args", [
    pytest.param(["test_plain.py"], id="no-claim-files"),
    pytest.param(["-m", "not claim"], id="claims-deselected"),
    pytest.param(["--collect-only"], id="collect-only"),
    pytest.param(["--claims-devices=cuda"], id="only-skipped-devices"),
])
def test_run_without_verdicts_neither_creates_nor_overwrites_a_report(pytester, args):
    if "--claims-devices=cuda" in args and torch.cuda.is_available():
        pytest.skip("a GPU is present: cuda items would run")
    make_project(pytester, toy_claims=claims_module(SUP), test_plain=PLAIN_TEST)

    run(pytester, *args)
    assert not (pytester.path / "reports").exists()

    sentinel = {REPORT / "verdicts.json": "previous json\n", REPORT / "verdicts.md": "previous\n"}
    for path, text in sentinel.items():
        (pytester.path / path).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / path).write_text(text, encoding="utf-8")
    run(pytester, *args)
    assert report_files(pytester.path) == sorted(sentinel)
    for path, text in sentinel.items():
        assert (pytester.path / path).read_text(encoding="utf-8") == text


# --- pytest-xdist ---------------------------------------------------------------------------

def test_xdist_gives_the_same_verdicts_and_only_the_controller_reports(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC),
                 more_claims=claims_module(POS, ERR))
    # Separate report dirs, none named 'reports' (see test_rootdir_reports_directory_...).
    documents, outputs = {}, {}
    for workers, directory in (("0", "serial"), ("2", "parallel")):
        result = run_subprocess(pytester, "-n", workers, "--claims-profile=ci",
                                f"--claims-report-dir={directory}")
        documents[workers] = document = load_report(pytester, directory)
        outputs[workers] = result.stdout.lines
        counts = document["counts"]
        result.assert_outcomes(passed=counts["supported"], failed=counts["refuted"] + 1,
                               skipped=counts["inconclusive"])

    # Each run wrote its two files once, in its own directory; no worker wrote anything.
    assert report_files(pytester.path) == [Path("parallel/verdicts.json"),
                                           Path("parallel/verdicts.md"),
                                           Path("serial/verdicts.json"),
                                           Path("serial/verdicts.md")]
    serial, parallel = documents["0"], documents["2"]
    assert results(parallel) == results(serial)
    assert sorted(by_id(parallel)) == ["INC", "POS", "REF", "SUP"]
    assert parallel["counts"] == serial["counts"]
    assert (serial["run"]["workers"], parallel["run"]["workers"]) == (0, 2)
    for document in documents.values():
        assert list(document["run"]["errors"]) == ["more_claims.py::ERR"]
        assert "ZeroDivisionError" in document["run"]["errors"]["more_claims.py::ERR"]
    # The summary comes from the controller alone, once, with every claim in it.
    for lines in outputs.values():
        assert sum(line.startswith("claims: ") for line in lines) == 1
        assert sum(line.startswith("report: ") for line in lines) == 2
        assert sum(line.startswith(VERDICT_LINE_STARTS) for line in lines) == 4


def test_rootdir_reports_directory_does_not_break_the_report(pytester):
    make_project(pytester, toy_claims=claims_module(SUP))
    pytester.mkdir("reports")  # what the first run in this rootdir leaves behind
    result = run_subprocess(pytester)

    assert "cannot import name 'build_document' from 'reports'" not in result.stderr.str()
    assert result.ret == pytest.ExitCode.OK
    assert [r["claim_id"] for r in load_report(pytester)["verdicts"]] == ["SUP"]


# --- reproducibility ------------------------------------------------------------------------

def test_ci_profile_runs_are_identical(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF, INC, POS))
    run(pytester, "--claims-profile=ci")
    first = load_report(pytester)
    run(pytester, "--claims-profile=ci")
    second = load_report(pytester)

    assert results(first) == results(second)
    assert {r["profile"] for r in first["verdicts"]} == {"ci"}
    assert first["run"]["profile"] == "ci"


def test_seed_option_changes_recorded_seeds(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, POS))
    run(pytester)
    default = by_id(load_report(pytester))
    run(pytester, "--claims-seed=1")
    document = load_report(pytester)
    seeded = by_id(document)

    assert document["run"]["seed"] == 1
    for claim_id in ("SUP", "POS"):
        assert default[claim_id]["root_seed"] == 0
        assert seeded[claim_id]["root_seed"] == 1
        assert seeded[claim_id]["seed"] == claim_seed(1, claim_id) != default[claim_id]["seed"]
        assert "--claims-seed=1 " in seeded[claim_id]["reproduce"]
    # The sample itself changed: POS's count of positive numbers depends on the seed.
    assert seeded["POS"]["evidence"]["statistic"] != default["POS"]["evidence"]["statistic"]


@pytest.mark.parametrize("claim_id", ["REF", "POS"])
def test_reproduce_command_reproduces_the_verdict(pytester, claim_id):
    make_project(pytester, toy_claims=claims_module(SUP, REF, POS))
    run(pytester, "--claims-seed=7", "--claims-profile=ci")
    original = by_id(load_report(pytester))[claim_id]

    program, *args = shlex.split(original["reproduce"])
    assert program == "pytest"
    # reproducing one claim recomputes it and keeps the full report
    assert args[-2:] == ["--claims-no-report", "--claims-no-cache"]
    result = run(pytester, *args[:-2], "--claims-report-dir=reproduced")

    outcome = original["evidence"]["outcome"]
    result.assert_outcomes(passed=int(outcome == "supported"), failed=int(outcome == "refuted"),
                           skipped=int(outcome == "inconclusive"))
    document = json.loads((pytester.path / "reproduced" / "verdicts.json").read_text())
    assert results(document) == results({"verdicts": [original]})


# --- options --------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "env", "message"), [
    (["--claims-devices=tpu"], None,
     "ERROR: --claims-devices='tpu' names ['tpu']; use a comma-separated list of cpu, cuda, "
     "e.g. --claims-devices=cpu,cuda"),
    (["--claims-devices=cpu,gpu"], None, "ERROR: --claims-devices='cpu,gpu' names ['gpu']; "),
    (["--claims-devices=,"], None, "ERROR: --claims-devices=',' names none; "),
    (["--claims-threads=0"], None, "ERROR: --claims-threads=0 must be >= 1; "),
    (["--claims-profile=bogus"], None, "argument --claims-profile: invalid choice: 'bogus'"),
    ([], "bogus", "ERROR: profile 'bogus' is unknown; choose one of ['ci', 'dev', 'thorough'] "
                  "with --claims-profile or $CLAIMS_PROFILE"),
])
def test_bad_options_are_usage_errors(pytester, monkeypatch, args, env, message):
    if env is not None:
        monkeypatch.setenv("CLAIMS_PROFILE", env)
    make_project(pytester, toy_claims=claims_module(SUP))
    result = run(pytester, *args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert not (pytester.path / "reports").exists()


def test_profile_from_environment(pytester, monkeypatch):
    monkeypatch.setenv("CLAIMS_PROFILE", "ci")
    make_project(pytester, toy_claims=claims_module(SUP))
    run(pytester)
    document = load_report(pytester)

    assert document["run"]["profile"] == "ci"
    assert by_id(document)["SUP"]["profile"] == "ci"
    assert by_id(document)["SUP"]["reproduce"].endswith(
        "--claims-profile=ci --claims-no-report --claims-no-cache")

    run(pytester, "--claims-profile=dev")  # the option wins over the environment
    assert load_report(pytester)["run"]["profile"] == "dev"


def test_threads_option_applies_during_the_claim_only(pytester):
    make_project(pytester, toy_claims=claims_module(
        'THREADS = toy("THREADS", "Claims run with three torch threads.", three_threads)'))
    before = torch.get_num_threads()

    run(pytester, "--claims-threads=3").assert_outcomes(passed=1)
    assert torch.get_num_threads() == before
    run(pytester).assert_outcomes(failed=1)  # default: one thread
    assert torch.get_num_threads() == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: cuda items would run")
def test_cuda_device_items_skip_without_a_gpu(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF))
    result = run(pytester, "--claims-devices=cpu,cuda", "-rs")

    result.assert_outcomes(passed=1, failed=1, skipped=2)
    names = sorted(r.nodeid for r in result.reprec.getreports("pytest_runtest_logreport")
                   if r.when == "setup")
    assert names == ["toy_claims.py::REF", "toy_claims.py::REF[cuda]",
                     "toy_claims.py::SUP", "toy_claims.py::SUP[cuda]"]
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]2[]] *CUDA device requested but torch.cuda.is_available() is False*"])
    assert [r["nodeid"] for r in load_report(pytester)["verdicts"]] == ["toy_claims.py::REF",
                                                                        "toy_claims.py::SUP"]


def test_repeated_device_runs_each_claim_once(pytester):
    make_project(pytester, toy_claims=claims_module(SUP))
    result = run(pytester, "--claims-devices=cpu,cpu", "--collect-only", "-q")

    result.stdout.fnmatch_lines(["toy_claims.py::SUP", "1 test collected*"])


# --- marker ---------------------------------------------------------------------------------

def test_claim_marker_selects_claim_items(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, REF), test_plain=PLAIN_TEST)

    selected = run(pytester, "--strict-markers", "-m", "claim", "--collect-only", "-q")
    selected.stdout.fnmatch_lines(["toy_claims.py::SUP", "toy_claims.py::REF",
                                   "2/3 tests collected (1 deselected)*"])
    others = run(pytester, "--strict-markers", "-m", "not claim")
    others.assert_outcomes(passed=1, deselected=2)
    help_text = run(pytester, "--markers")
    help_text.stdout.fnmatch_lines(["@pytest.mark.claim: a claim checked by experiment*"])


# --- a real experiment ----------------------------------------------------------------------

ARTICLE_COPY = '''\
from claims import Claim
from claims.catalog.worked_examples_claims import E1a

E1A_HERE = Claim(id="E1a_here", statement=E1a.statement, source=E1a.source, kind=E1a.kind,
                 population=E1a.population, experiment=E1a.experiment, decision=E1a.decision,
                 definitions=E1a.definitions)
'''


def test_real_engine_claim_matches_run_claim(pytester):
    """The article's Example 1 experiment, trained by the engine, through the plugin; its
    record is the one ``run_claim`` gives directly (the imported E1a itself is not run).

    A subprocess: the engine imports torch modules that an in-process run would unload
    afterwards, and torch cannot register them twice."""
    from claims import Claim, run_claim
    from claims.catalog.worked_examples_claims import E1a
    from claims.profiles import PROFILES

    make_project(pytester, article_claims=ARTICLE_COPY)
    result = run_subprocess(pytester, "--claims-profile=ci", "--claims-report-dir=out")
    (record,) = load_report(pytester, "out")["verdicts"]
    assert record["nodeid"] == "article_claims.py::E1a_here"
    outcome = record["evidence"]["outcome"]
    result.assert_outcomes(passed=int(outcome == "supported"), failed=int(outcome == "refuted"),
                           skipped=int(outcome == "inconclusive"))

    same = Claim(id="E1a_here", statement=E1a.statement, source=E1a.source, kind=E1a.kind,
                 population=E1a.population, experiment=E1a.experiment, decision=E1a.decision,
                 definitions=E1a.definitions)
    direct = run_claim(same, root_seed=0, profile=PROFILES["ci"],
                       nodeid="article_claims.py::E1a_here", reproduce=record["reproduce"])
    expected = {k: v for k, v in direct.to_dict().items() if k != "duration_s"}
    assert results({"verdicts": [record]}) == [expected]


def test_duplicate_claim_ids_are_a_collection_error_naming_both(pytester):
    make_project(pytester, toy_claims=claims_module(SUP, SUP.replace("SUP =", "OTHER =", 1)
                                                    .replace('toy("SUP"', 'toy("SUP"')))
    result = run(pytester)
    result.stdout.fnmatch_lines(["*claim id 'SUP' is used twice, by toy_claims.py::SUP and by "
                                 "toy_claims.py::OTHER*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_a_report_dir_that_is_a_file_is_a_usage_error(pytester):
    make_project(pytester, toy_claims=claims_module(SUP))
    pytester.path.joinpath("taken").write_text("not a folder")
    result = run(pytester, "--claims-report-dir=taken")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims-report-dir='taken' is a file, not a folder*"])
