"""Tests for the training engine: the batched ``train`` against the plain ``train_reference``,
the meaning of a ``Trajectory``, the initialisation and the error messages.

Why the equivalence tolerance is zero on the CPU: for one replicate, the batched engine and
the plain loop perform the same floating-point operations in the same order. The optimizers
(SGD, SGD with momentum, Adam, AdamW) update element by element, so a replicate's update never
reads another replicate's numbers; the forward pass and the loss reduce over the same small
per-replicate dimensions (at most 8 samples times 4 features) with the same CPU kernels; and
summing the per-replicate losses before ``backward`` hands each replicate a gradient of exactly
1.0 for its own loss. Measured on this machine (torch 2.13.0+cpu) every combination below is
bitwise identical, NaN and inf included, so any difference at all is a bug. (The squared
residual is written ``r * r``: ``square()``'s backward overflowed for residuals above
finfo.max / 2 where ``mse_loss`` did not; the tests below once pinned that.)
"""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from claims.engine import (
    ARTICLE_TOY,
    LinearRegression,
    OptimizerSpec,
    Trajectory,
    flat_names,
    initial_parameters,
    parameters_from_flat,
    train,
    train_each,
    train_reference,
    train_reference_each,
)

GAUSSIAN = LinearRegression(n_samples=8, n_features=4, noise=0.1)
PROBLEMS = {"toy": ARTICLE_TOY, "gaussian": GAUSSIAN}
DTYPES = {"float32": torch.float32, "float64": torch.float64}
OPTIMIZERS = {
    "sgd": OptimizerSpec("sgd", lr=0.05),
    "sgd-momentum": OptimizerSpec("sgd", lr=0.05, momentum=0.9),
    "adam": OptimizerSpec("adam", lr=0.05),
    "adamw": OptimizerSpec("adamw", lr=0.05, weight_decay=0.01),
    # lr=1.0 is above both problems' stability limit 2/lambda_max (0.18 for the toy problem):
    # in float32 every replicate's loss overflows to inf within 60 steps, and most reach NaN.
    "sgd-diverging": OptimizerSpec("sgd", lr=1.0),
}
CUDA = pytest.mark.skipif(not torch.cuda.is_available(),
                          reason="CUDA not available: torch.cuda.is_available() is False")


def make_run(problem, dtype, replicates=4, seed=0, scale=1.0):
    start = initial_parameters(problem, replicates, torch.Generator().manual_seed(seed),
                               scale=scale, dtype=dtype)
    data = problem.make_data(replicates, torch.Generator().manual_seed(seed + 1), dtype, "cpu")
    return start, data


def train_both(problem, spec, start, steps, data, device="cpu"):
    (batched,) = train(problem, [spec], start, steps, data, device=device)
    (reference,) = train_reference(problem, [spec], start, steps, data, device=device)
    return batched, reference


def assert_same_trajectory(actual: Trajectory, expected: Trajectory, rtol=0.0, atol=0.0):
    assert actual.names == expected.names
    assert actual.weight_columns == expected.weight_columns
    assert actual.optimizer == expected.optimizer
    for field in ("params", "loss", "grads"):
        assert_close(getattr(actual, field), getattr(expected, field), rtol=rtol, atol=atol,
                     equal_nan=True, msg=lambda m, field=field: f"{field}: {m}")


# --- 1. Equivalence of the batched engine and the plain loop -----------------------------------


@pytest.mark.parametrize("foreach", [None, False, True])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_batched_train_is_bitwise_equal_to_reference_loop(problem, dtype, optimizer, foreach):
    problem, dtype = PROBLEMS[problem], DTYPES[dtype]
    spec = dataclasses.replace(OPTIMIZERS[optimizer], foreach=foreach)
    start, data = make_run(problem, dtype)
    batched, reference = train_both(problem, spec, start, 30, data)
    assert_same_trajectory(batched, reference)  # tolerance zero: see the module docstring


def test_equivalence_holds_through_divergence_to_nan_on_the_toy_problem():
    start, data = make_run(ARTICLE_TOY, torch.float32)
    batched, reference = train_both(ARTICLE_TOY, OPTIMIZERS["sgd-diverging"], start, 60, data)
    assert batched.params.isnan().any() and batched.loss.isnan().any()  # NaN really occurs
    assert_same_trajectory(batched, reference)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_equivalence_holds_through_divergence(problem):
    problem = PROBLEMS[problem]
    start, data = make_run(problem, torch.float32)
    batched, reference = train_both(problem, OPTIMIZERS["sgd-diverging"], start, 60, data)
    assert (batched.diverged_at > 0).all()  # every replicate diverges, none at the start
    assert_same_trajectory(batched, reference)


def test_equivalence_holds_through_divergence_to_nan_on_the_gaussian_problem():
    start, data = make_run(GAUSSIAN, torch.float32)
    batched, reference = train_both(GAUSSIAN, OPTIMIZERS["sgd-diverging"], start, 60, data)
    assert batched.params.isnan().any()
    assert_same_trajectory(batched, reference)  # measured: grads[44, 0, 3] is nan vs inf


def test_gradient_equals_reference_when_residuals_exceed_half_the_largest_float():
    # Residuals are +-2e38 (> finfo(float32).max / 2 = 1.7e38); the true bias gradient is
    # mean(2 * residual) = 0, which mse_loss's backward gets exactly: (2/2) * (2e38 - 2e38).
    problem = LinearRegression(inputs=((1.0,), (-1.0,)), targets=(0.0, 0.0))
    start = {"weight": torch.full((1, 1, 1), 2e38), "bias": torch.zeros(1, 1)}
    data = problem.make_data(1, None, torch.float32, "cpu")
    batched, reference = train_both(problem, OPTIMIZERS["sgd"], start, 1, data)
    assert reference.grads[0, 0, 1] == 0
    assert_same_trajectory(batched, reference)  # batched bias gradient: inf - inf = nan


SPEC_NAMES = ["sgd", "sgd-momentum", "adam", "adamw"]


@st.composite
def optimizer_specs(draw):
    return dataclasses.replace(OPTIMIZERS[draw(st.sampled_from(SPEC_NAMES))],
                               lr=10 ** draw(st.floats(-4, 1)),
                               foreach=draw(st.sampled_from([None, False, True])))


@st.composite
def generated_runs(draw):
    """A problem, a dtype, explicit starting values, per-replicate data and a step count."""
    problem = PROBLEMS[draw(st.sampled_from(sorted(PROBLEMS)))]
    dtype = DTYPES[draw(st.sampled_from(sorted(DTYPES)))]
    replicates = draw(st.integers(1, 4))
    width = len(flat_names(problem))
    # Up to 1e30 so that some starts overflow float32 (and diverge) in the first steps.
    values = draw(st.lists(st.floats(-1e30, 1e30), min_size=replicates * width,
                           max_size=replicates * width))
    flat = torch.tensor(values, dtype=torch.float64).reshape(replicates, width).to(dtype)
    data_seed = draw(st.integers(0, 2**32 - 1))
    data = problem.make_data(replicates, torch.Generator().manual_seed(data_seed), dtype, "cpu")
    return problem, parameters_from_flat(problem, flat), data, draw(st.integers(1, 8))


# Tolerance zero, see the module docstring; starts up to 1e30 with lr up to 10 diverge often.
@settings(max_examples=120, deadline=None, database=None)
@given(run=generated_runs(), specs=st.lists(optimizer_specs(), min_size=1, max_size=3))
def test_batched_train_equals_reference_for_generated_starts_and_rates(run, specs):
    problem, start, data, steps = run
    batched = train(problem, specs, start, steps, data)
    reference = train_reference(problem, specs, start, steps, data)
    assert len(batched) == len(reference) == len(specs)
    for ours, theirs in zip(batched, reference, strict=True):
        assert_same_trajectory(ours, theirs)


@settings(max_examples=60, deadline=None, database=None)
@given(run=generated_runs(), data=st.data())
def test_train_each_equals_reference_each_for_generated_runs(run, data):
    problem, start, problem_data, steps = run
    replicates = start["weight"].shape[0]
    pool = data.draw(st.lists(optimizer_specs(), min_size=1, max_size=2))  # repeats form groups
    specs = data.draw(st.lists(st.sampled_from(pool), min_size=replicates, max_size=replicates))
    ours = train_each(problem, specs, start, steps, problem_data)
    theirs = train_reference_each(problem, specs, start, steps, problem_data)
    assert ours.optimizer is None and theirs.optimizer is None
    assert_same_trajectory(ours, theirs)


# --- 3. Independence of replicates ------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "sgd-momentum", "adam", "adamw"])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_diverging_replicate_does_not_change_the_others(dtype, optimizer):
    dtype = DTYPES[dtype]
    spec = dataclasses.replace(OPTIMIZERS[optimizer], lr=0.1)
    start, data = make_run(GAUSSIAN, dtype, replicates=5)
    start["weight"][2] = torch.finfo(dtype).max / 2  # its first forward pass overflows
    (together,) = train(GAUSSIAN, [spec], start, 20, data)

    keep = [0, 1, 3, 4]
    (apart,) = train(GAUSSIAN, [spec], {k: v[keep] for k, v in start.items()}, 20,
                     {k: v[keep] for k, v in data.items()})

    assert together.diverged_at.tolist() == [-1, -1, 0, -1, -1]
    assert not torch.isfinite(together.params[-1, 2]).all()
    for field in ("params", "loss", "grads"):
        assert_close(getattr(together, field)[..., keep] if field == "loss"
                     else getattr(together, field)[:, keep], getattr(apart, field),
                     rtol=0, atol=0)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_optimizers_trained_together_match_each_alone_and_the_reference(problem):
    # train() runs all optimizers in one forward pass, one param group per spec; each arm must
    # still be what it would be alone, and what the plain loop gives (bitwise, see docstring).
    problem = PROBLEMS[problem]
    specs = [OPTIMIZERS[n] for n in sorted(OPTIMIZERS)]
    specs.append(dataclasses.replace(OPTIMIZERS["adam"], foreach=True))  # same class, new group
    start, data = make_run(problem, torch.float32)
    together = train(problem, specs, start, 30, data)
    reference = train_reference(problem, specs, start, 30, data)
    for spec, ours, theirs in zip(specs, together, reference, strict=True):
        (alone,) = train(problem, [spec], start, 30, data)
        assert ours.optimizer == spec
        assert_same_trajectory(ours, alone)
        assert_same_trajectory(ours, theirs)


def test_diverging_arm_does_not_change_the_other_arms():
    start, data = make_run(GAUSSIAN, torch.float32)
    diverging, adam = train(GAUSSIAN, [OPTIMIZERS["sgd-diverging"], OPTIMIZERS["adam"]], start,
                            60, data)
    (alone,) = train(GAUSSIAN, [OPTIMIZERS["adam"]], start, 60, data)
    assert (diverging.diverged_at > 0).all() and diverging.params[-1].isnan().any()
    assert (adam.diverged_at == -1).all()
    assert_same_trajectory(adam, alone)


def test_train_each_gives_replicate_i_the_run_of_optimizers_i():
    specs = [OPTIMIZERS["adam"], OPTIMIZERS["sgd"], OPTIMIZERS["adam"], OPTIMIZERS["adamw"]]
    start, data = make_run(GAUSSIAN, torch.float64)
    mixed = train_each(GAUSSIAN, specs, start, 15, data)
    assert mixed.optimizer is None and mixed.replicates == 4
    for i, spec in enumerate(specs):
        (alone,) = train(GAUSSIAN, [spec], {k: v[i:i + 1] for k, v in start.items()}, 15,
                         {k: v[i:i + 1] for k, v in data.items()})
        assert_same_trajectory(dataclasses.replace(mixed.replicate(i), optimizer=spec), alone)


@pytest.mark.parametrize("count", [2, 4])
def test_train_each_needs_one_optimizer_per_replicate(count):
    start, data = make_run(ARTICLE_TOY, torch.float32, replicates=3)
    with pytest.raises(ValueError, match=rf"{count} optimizers for 3 replicates; "
                                         r"pass one OptimizerSpec per replicate"):
        train_each(ARTICLE_TOY, [OPTIMIZERS["sgd"]] * count, start, 3, data)


@pytest.mark.parametrize("count", [2, 4])
def test_train_reference_each_needs_one_optimizer_per_replicate(count):
    start, data = make_run(ARTICLE_TOY, torch.float32, replicates=3)
    with pytest.raises(ValueError, match=rf"{count} optimizers for 3 replicates"):
        train_reference_each(ARTICLE_TOY, [OPTIMIZERS["sgd"]] * count, start, 3, data)


# --- 4. What a trajectory records --------------------------------------------------------------


def test_loss_t_is_the_loss_at_params_t():
    start, data = make_run(GAUSSIAN, torch.float32)
    (run,) = train(GAUSSIAN, [OPTIMIZERS["adam"]], start, 10, data)
    for t in range(run.steps + 1):
        at_t = GAUSSIAN.losses(parameters_from_flat(GAUSSIAN, run.params[t]), data)
        assert_close(run.loss[t], at_t, rtol=0, atol=0)  # same batched computation, same input


def test_grads_t_is_the_gradient_at_params_t():
    start, data = make_run(GAUSSIAN, torch.float32)
    (run,) = train(GAUSSIAN, [OPTIMIZERS["sgd-momentum"]], start, 10, data)
    for t in range(run.steps):
        params = {k: v.clone().requires_grad_(True)
                  for k, v in parameters_from_flat(GAUSSIAN, run.params[t]).items()}
        GAUSSIAN.losses(params, data).sum().backward()
        grad = torch.cat([p.grad.reshape(run.replicates, -1) for p in params.values()], dim=1)
        assert_close(run.grads[t], grad, rtol=0, atol=0)


@pytest.mark.parametrize("lr", [0.1, 0.037, 0.3])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_plain_sgd_step_is_params_minus_lr_times_grad(problem, dtype, lr):
    problem, dtype = PROBLEMS[problem], DTYPES[dtype]
    start, data = make_run(problem, dtype)
    (run,) = train(problem, [OptimizerSpec("sgd", lr=lr)], start, 10, data)
    p, g, new = run.params[:-1], run.grads, run.params[1:]
    ours = p - lr * g
    # Bound, with u = eps/2 the unit roundoff and x = p - lr*g exact. torch may round lr to the
    # dtype (error u|lr g|), form lr*g (u|lr g|) and subtract (u|result|), or fuse the last two
    # into one rounding; our expression does the same in its own way. So each result is within
    # 2u|lr g| + u|result| of x (first order), and the two differ by at most
    # u * (4|lr g| + |ours| + |new|). Measured: at most 1.7u * (|lr g| + |new|).
    u = torch.finfo(dtype).eps / 2
    bound = u * (4 * (lr * g).abs() + ours.abs() + new.abs())
    assert ((ours - new).abs() <= bound).all()


def test_diverged_at_is_first_non_finite_step_or_minus_one():
    params = torch.zeros(4, 3, 2)  # T = 3 steps, R = 3 replicates, P = 2
    loss = torch.zeros(4, 3)
    params[2, 0, 1] = math.nan  # replicate 0: parameters go bad at step 2, loss stays finite
    loss[1, 1] = math.inf  # replicate 1: loss goes bad at step 1 ...
    loss[3, 1] = math.nan  # ... and again later
    run = Trajectory(optimizer=OPTIMIZERS["sgd"], names=("weight[0,0]", "bias[0]"),
                     weight_columns=(0,), params=params, loss=loss, grads=torch.zeros(3, 3, 2))
    assert run.diverged_at.tolist() == [2, 1, -1]

    late = dataclasses.replace(run, params=torch.zeros(4, 3, 2),
                               loss=torch.zeros(4, 3).index_fill(0, torch.tensor([3]), math.inf))
    assert late.diverged_at.tolist() == [3, 3, 3]  # the final loss counts too


def test_diverged_at_of_a_real_diverging_run():
    start, data = make_run(ARTICLE_TOY, torch.float32)
    (run,) = train(ARTICLE_TOY, [OPTIMIZERS["sgd-diverging"]], start, 30, data)
    finite = torch.isfinite(run.loss) & torch.isfinite(run.params).all(dim=-1)
    expected = [next(t for t in range(31) if not finite[t, r]) for r in range(run.replicates)]
    assert run.diverged_at.tolist() == expected
    assert all(t > 0 for t in expected)  # starts are finite; the overflow comes later


def test_weights_and_weight_norm_exclude_the_bias():
    problem = LinearRegression(n_features=3)
    start, data = make_run(problem, torch.float64)
    (run,) = train(problem, [OPTIMIZERS["sgd"]], start, 5, data)
    assert run.names == ("weight[0,0]", "weight[0,1]", "weight[0,2]", "bias[0]")
    assert run.weight_columns == (0, 1, 2)
    assert_close(run.weights, run.params[..., :3], rtol=0, atol=0)
    by_hand = run.params[..., :3].square().sum(dim=-1).sqrt()
    assert_close(run.weight_norm, by_hand)


def test_trajectory_shapes_and_derived_quantities():
    steps, replicates = 7, 3
    start, data = make_run(GAUSSIAN, torch.float64, replicates=replicates)
    (run,) = train(GAUSSIAN, [OPTIMIZERS["adam"]], start, steps, data)
    width = 5  # 4 weights and a bias
    assert (run.steps, run.replicates) == (steps, replicates)
    assert run.params.shape == (steps + 1, replicates, width)
    assert run.loss.shape == (steps + 1, replicates)
    assert run.grads.shape == run.updates.shape == (steps, replicates, width)
    assert run.update_norm.shape == run.grad_norm.shape == (steps, replicates)
    assert run.weight_norm.shape == (steps + 1, replicates)
    assert_close(run.updates, run.params[1:] - run.params[:-1], rtol=0, atol=0)
    assert_close(run.update_norm, run.updates.square().sum(-1).sqrt())
    assert_close(run.grad_norm, run.grads.square().sum(-1).sqrt())
    assert run.column("bias[0]") == 4
    assert all(t.device.type == "cpu" and t.dtype == torch.float64
               for t in (run.params, run.loss, run.grads))


def test_every_optimizer_starts_from_the_same_values():
    start, data = make_run(ARTICLE_TOY, torch.float32)
    runs = train(ARTICLE_TOY, [OPTIMIZERS["sgd"], OPTIMIZERS["adam"]], start, 3, data)
    assert [r.optimizer for r in runs] == [OPTIMIZERS["sgd"], OPTIMIZERS["adam"]]
    assert_close(runs[0].params[0], runs[1].params[0], rtol=0, atol=0)
    assert_close(runs[0].params[0], torch.cat([start["weight"].reshape(4, 1), start["bias"]], 1),
                 rtol=0, atol=0)


# --- 5. Error messages -------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="rmsprop", lr=0.1), r"optimizer name='rmsprop' is not supported; use one of "
                                   r"\['adam', 'adamw', 'sgd'\]"),
    (dict(name="sgd", lr=0.0), r"lr=0\.0 must be a finite number > 0"),
    (dict(name="sgd", lr=-0.1), r"lr=-0\.1 must be a finite number > 0"),
    (dict(name="sgd", lr=math.nan), r"lr=nan must be a finite number > 0"),
    (dict(name="adam", lr=math.inf), r"lr=inf must be a finite number > 0"),
    (dict(name="sgd", lr=0.1, momentum=-0.1), r"momentum=-0\.1 must be in \[0, 1\)"),
    (dict(name="sgd", lr=0.1, momentum=1.0), r"momentum=1\.0 must be in \[0, 1\)"),
    (dict(name="adam", lr=0.1, momentum=0.9), r"momentum=0\.9 applies to SGD only, not 'adam'"),
    (dict(name="adamw", lr=0.1, momentum=0.5), r"applies to SGD only, not 'adamw'"),
    (dict(name="sgd", lr=0.1, weight_decay=-1e-4),
     r"weight_decay=-0\.0001 must be a finite number >= 0"),
    (dict(name="adamw", lr=0.1, weight_decay=math.nan),
     r"weight_decay=nan must be a finite number >= 0"),
])
def test_optimizer_spec_rejects_invalid_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        OptimizerSpec(**kwargs)


@pytest.mark.parametrize("trainer", [train, train_reference])
@pytest.mark.parametrize("change, message", [
    (lambda s: {"weight": s["weight"]}, r"start has parameters \['weight'\] but .* has "
                                        r"\['weight', 'bias'\]"),
    (lambda s: {"bias": s["bias"], "weight": s["weight"]},
     r"start has parameters \['bias', 'weight'\]"),
    (lambda s: {"weight": s["weight"], "bias": s["bias"][:2]},
     r"start tensors disagree on the replicate count \[2, 3\]"),
    (lambda s: {"weight": s["weight"].reshape(3, 1), "bias": s["bias"]},
     r"start\['weight'\] has shape \(3, 1\); expected \(R, 1, 1\)"),
])
def test_train_rejects_malformed_start(trainer, change, message):
    start, data = make_run(ARTICLE_TOY, torch.float32, replicates=3)
    with pytest.raises(ValueError, match=message):
        trainer(ARTICLE_TOY, [OPTIMIZERS["sgd"]], change(start), 3, data)


@pytest.mark.parametrize("trainer", [train, train_reference])
@pytest.mark.parametrize("steps", [0, -1, 2.5])
def test_train_rejects_steps_below_one_or_not_an_integer(trainer, steps):
    start, data = make_run(ARTICLE_TOY, torch.float32, replicates=2)
    message = rf"steps={re.escape(repr(steps))} must be an integer >= 1"
    with pytest.raises(ValueError, match=message):
        trainer(ARTICLE_TOY, [OPTIMIZERS["sgd"]], start, steps, data)


def test_initial_parameters_rejects_unknown_scheme():
    with pytest.raises(ValueError, match=r"scheme='xavier' is not an initialisation scheme; "
                                         r"use 'torch_default', 'uniform' or 'normal'"):
        initial_parameters(ARTICLE_TOY, 2, torch.Generator().manual_seed(0), scheme="xavier")


def test_parameters_from_flat_rejects_too_many_columns():
    with pytest.raises(ValueError, match=r"flat parameters have 3 columns but .* has 2; "
                                         r"pass one column per scalar parameter"):
        parameters_from_flat(ARTICLE_TOY, torch.zeros(2, 3))


@pytest.mark.parametrize("problem, width", [(ARTICLE_TOY, 1), (ARTICLE_TOY, 0), (GAUSSIAN, 3)])
def test_parameters_from_flat_rejects_too_few_columns(problem, width):
    with pytest.raises(ValueError, match=rf"flat parameters have {width} columns"):
        parameters_from_flat(problem, torch.zeros(2, width))


@pytest.mark.parametrize("targets, message", [
    ((1.0, 2.0), r"targets=\(1\.0, 2\.0\) must have one value per input row \(3\)"),
    (None, r"targets=None must have one value per input row \(3\)"),
])
def test_linear_regression_rejects_mismatched_targets(targets, message):
    with pytest.raises(ValueError, match=message):
        LinearRegression(inputs=((1.0,), (2.0,), (3.0,)), targets=targets)


# --- 6. Initialisation -------------------------------------------------------------------------


@pytest.mark.parametrize("features", [1, 4, 16])
def test_torch_default_init_matches_nn_linear_distribution(features):
    problem = LinearRegression(n_features=features)
    draws = initial_parameters(problem, 2000, torch.Generator().manual_seed(0),
                               dtype=torch.float64)
    bound = 1 / math.sqrt(features)  # nn.Linear: kaiming_uniform_(a=sqrt(5)) -> 1/sqrt(fan_in)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layer = nn.Linear(features, 2000)  # 2000 output rows: same fan-in, many draws at once
    for name in ("weight", "bias"):
        ours = draws[name].flatten()
        theirs = getattr(layer, name).detach().double().flatten()
        assert ours.abs().max() <= bound and theirs.abs().max() <= bound
        assert ours.abs().max() > 0.99 * bound  # the whole interval is used
        # Fixed seeds, no search over them: a correct U(-b, b) fails p > 0.001 for 1 seed in 1000.
        assert scipy.stats.kstest(ours.numpy(), "uniform", args=(-bound, 2 * bound)).pvalue > 1e-3
        assert scipy.stats.ks_2samp(ours.numpy(), theirs.numpy()).pvalue > 1e-3


def test_torch_default_init_is_seeded_and_float32_is_rounded_float64():
    def draw(dtype):
        return initial_parameters(GAUSSIAN, 5, torch.Generator().manual_seed(7), dtype=dtype)

    f64, again, f32 = draw(torch.float64), draw(torch.float64), draw(torch.float32)
    for name in ("weight", "bias"):
        assert_close(f64[name], again[name], rtol=0, atol=0)
        assert f32[name].dtype == torch.float32
        assert_close(f32[name], f64[name].to(torch.float32), rtol=0, atol=0)


@pytest.mark.parametrize("scheme, scale, limit", [("torch_default", 3.0, 1.5),
                                                  ("uniform", 0.25, 0.25)])
def test_bounded_schemes_respect_their_scale(scheme, scale, limit):
    draws = initial_parameters(GAUSSIAN, 500, torch.Generator().manual_seed(1), scheme=scheme,
                               scale=scale, dtype=torch.float64)  # fan-in 4: 3/sqrt(4) = 1.5
    assert all(v.abs().max() <= limit for v in draws.values())


def test_flat_names_of_the_toy_problem():
    assert flat_names(ARTICLE_TOY) == ("weight[0,0]", "bias[0]")
    assert flat_names(LinearRegression(n_features=2)) == ("weight[0,0]", "weight[0,1]", "bias[0]")


# --- 7. Devices --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=CUDA)])
def test_engine_matches_reference_on_device_and_returns_cpu_records(device, dtype, monkeypatch):
    dtype = DTYPES[dtype]
    tolerance = dict(rtol=0.0, atol=0.0)  # CPU: bitwise, see the module docstring
    if device == "cuda":
        # On CUDA the batched path runs cuBLAS batched GEMM (baddbmm) and the reference runs a
        # GEMM plus mse_loss's reduction kernel; these may sum the <= 8 products and samples in
        # different orders, with or without FMA, so a loss or gradient may differ by a few ulps.
        # The run is short (5 steps) and its rate stable, which keeps those differences from
        # growing, and values are O(1): 64 ulps relative and absolute leaves ample room.
        # TF32 would change the precision itself, so it is switched off for the test.
        monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
        eps = torch.finfo(dtype).eps
        tolerance = dict(rtol=64 * eps, atol=64 * eps)
    start, data = make_run(GAUSSIAN, dtype)
    for name in ("sgd-momentum", "adam"):
        batched, reference = train_both(GAUSSIAN, OPTIMIZERS[name], start, 5, data, device=device)
        for run in (batched, reference):
            assert {(t.device.type, t.dtype) for t in (run.params, run.loss, run.grads)} == {
                ("cpu", dtype)}
        assert_same_trajectory(batched, reference, **tolerance)
