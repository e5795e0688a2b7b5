"""Calibration as a test: confident wrong verdicts at most alpha, power at least 0.8.

The light version runs in every ``pytest tests`` (30 repetitions per case); the full one
(200 repetitions, the documented calibration) is behind the ``calibration`` marker:
``pytest tests -m calibration``.
"""

import pytest

from claims.calibration import ALPHA, CASES, REQUIRED_POWER, calibrate, main, render


def _check(result):
    if result.wrong is not None:
        # the 95% interval of the wrong-verdict rate must reach a value <= alpha
        assert result.wrong_interval[0] <= ALPHA, result
    if result.powered is not None and result.repetitions >= 200:
        assert result.power >= REQUIRED_POWER, result


@pytest.mark.parametrize("case", CASES, ids=[c.claim.id for c in CASES])
def test_light_calibration(case):
    _check(calibrate(case, repetitions=30, first_seed=1000))


@pytest.mark.calibration
@pytest.mark.parametrize("case", CASES, ids=[c.claim.id for c in CASES])
def test_full_calibration(case):
    _check(calibrate(case, repetitions=200))


def test_the_null_sign_test_never_supports_at_these_seeds():
    (null,) = [c for c in CASES if c.claim.id == "CAL-null"]
    result = calibrate(null, repetitions=30, first_seed=1000)
    assert result.counts["supported"] <= 1  # expected 0.3 at alpha 0.01


def test_render_names_every_case_and_marks_failures():
    results = [calibrate(c, repetitions=3) for c in CASES[:2]]
    text = render(results)
    assert all(r.name in text for r in results)
    assert "| yes |" in text or "| NO |" in text


def test_cli_rejects_zero_repetitions(capsys, tmp_path):
    with pytest.raises(SystemExit):
        main(["--repetitions", "0", "--out", str(tmp_path)])
    assert "--repetitions=0 must be >= 1" in capsys.readouterr().err


def test_cli_writes_both_files(tmp_path, capsys):
    status = main(["--repetitions", "2", "--out", str(tmp_path)])
    assert status in (0, 1)
    assert (tmp_path / "calibration.json").exists() and (tmp_path / "calibration.md").exists()
    assert "Calibration of the decision rules" in capsys.readouterr().out
