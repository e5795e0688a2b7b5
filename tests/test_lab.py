"""Tests for the lab: explicit and seeded starting points, per-seed data, the choice of engine."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from claims.engine import ARTICLE_TOY, LinearRegression, OptimizerSpec, initial_parameters
from claims.lab import Lab

GAUSSIAN = LinearRegression(n_samples=8, n_features=4, noise=0.1)
SPECS = [OptimizerSpec("sgd", lr=0.05, momentum=0.9), OptimizerSpec("adam", lr=0.05)]


def assert_same_tensors(actual: dict, expected: dict):
    assert list(actual) == list(expected)
    for name in expected:
        assert_close(actual[name], expected[name], rtol=0, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_start_has_one_row_per_scenario_in_the_lab_dtype(dtype):
    lab = Lab(dtype=dtype)
    start = lab.start(ARTICLE_TOY, {"weight": [0.5, -1.0, 2.0], "bias": [0.0, 0.1, 0.2]})
    assert {k: (tuple(v.shape), v.dtype) for k, v in start.items()} == {
        "weight": ((3, 1, 1), lab.torch_dtype), "bias": ((3, 1), lab.torch_dtype)}
    expected = torch.tensor([0.0, 0.1, 0.2], dtype=torch.float64).to(lab.torch_dtype)
    assert_close(start["bias"][:, 0], expected, rtol=0, atol=0)  # float64 rounded once


def test_start_reshapes_nested_values_to_the_parameter_shape():
    problem = LinearRegression(n_features=3)
    start = Lab().start(problem, {"weight": [[1, 2, 3], [4, 5, 6]], "bias": [7, 8]})
    assert start["weight"].shape == (2, 1, 3)
    assert start["weight"][1, 0].tolist() == [4.0, 5.0, 6.0]


def test_start_names_a_missing_parameter():
    with pytest.raises(KeyError, match=r"no starting values for parameter 'bias' of "
                                       r"nn\.Linear\(1, 1\), MSE.*; pass values\['bias'\]"):
        Lab().start(ARTICLE_TOY, {"weight": [1.0]})


@pytest.mark.parametrize("problem", [ARTICLE_TOY, GAUSSIAN], ids=["toy", "gaussian"])
def test_initial_values_of_a_seed_do_not_depend_on_the_batch(problem):
    lab = Lab(dtype="float64")
    alone = lab.initial(problem, [5])
    batch = lab.initial(problem, [3, 5, 9])
    assert_same_tensors({k: v[1:2] for k, v in batch.items()}, alone)
    # Seed 5 alone is what initial_parameters draws for one model from a generator seeded 5.
    assert_same_tensors(alone, initial_parameters(problem, 1, torch.Generator().manual_seed(5),
                                                  dtype=torch.float64))
    assert not torch.equal(batch["weight"][0], batch["weight"][2])  # seeds 3 and 9 differ


def test_data_of_a_seed_does_not_depend_on_the_batch():
    lab = Lab()
    batch = lab.data(GAUSSIAN, [3, 5, 9])
    assert_same_tensors({k: v[1:2] for k, v in batch.items()}, lab.data(GAUSSIAN, [5]))
    assert batch["x"].shape == (3, 8, 4) and batch["y"].shape == (3, 8, 1)


def test_shared_data_is_the_same_for_every_seed():
    data = Lab().data(ARTICLE_TOY, [3, 5])
    assert data["x"][:, :, 0].tolist() == [[1.0, 2.0, 3.0]] * 2  # the article's X and y = 2X
    assert data["y"][:, :, 0].tolist() == [[2.0, 4.0, 6.0]] * 2


@pytest.mark.parametrize("problem", [ARTICLE_TOY, GAUSSIAN], ids=["toy", "gaussian"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reference_lab_trains_exactly_as_the_batched_lab(problem, dtype):
    lab = Lab(dtype=dtype)
    seeds = [3, 5, 9]
    start, data = lab.initial(problem, seeds), lab.data(problem, seeds)
    batched = lab.train(problem, SPECS, start, 20, data)
    reference = lab.as_reference().train(problem, SPECS, start, 20, data)
    assert lab.as_reference() == Lab(dtype=dtype, reference=True)
    assert len(batched) == len(reference) == len(SPECS)
    for ours, theirs in zip(batched, reference, strict=True):
        # Bitwise: same operations in the same order per replicate (see tests/test_engine.py).
        for field in ("params", "loss", "grads"):
            assert_close(getattr(ours, field), getattr(theirs, field), rtol=0, atol=0)


def test_reference_lab_trains_each_exactly_as_the_batched_lab():
    lab = Lab(dtype="float32")
    seeds = [3, 5, 9, 11]
    start, data = lab.initial(GAUSSIAN, seeds), lab.data(GAUSSIAN, seeds)
    specs = [SPECS[1], SPECS[0], SPECS[1], OptimizerSpec("sgd", lr=0.2)]  # one per scenario
    batched = lab.train_each(GAUSSIAN, specs, start, 20, data)
    reference = lab.as_reference().train_each(GAUSSIAN, specs, start, 20, data)
    for field in ("params", "loss", "grads"):
        assert_close(getattr(batched, field), getattr(reference, field), rtol=0, atol=0)


def test_train_defaults_to_the_data_of_seed_zero():
    lab = Lab(dtype="float64")
    start = lab.initial(GAUSSIAN, [1, 2])
    (default,) = lab.train(GAUSSIAN, SPECS[:1], start, 5)
    (explicit,) = lab.train(GAUSSIAN, SPECS[:1], start, 5, lab.data(GAUSSIAN, [0, 0]))
    assert_close(default.params, explicit.params, rtol=0, atol=0)


def test_lab_rejects_an_unsupported_dtype():
    with pytest.raises(ValueError, match=r"dtype='float16' is not supported; "
                                         r"use one of \['float32', 'float64'\]"):
        Lab(dtype="float16")
