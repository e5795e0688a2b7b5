"""Verdicts do not depend on the code path: batched engine or plain per-model loop, and
torch.optim's multi-tensor (foreach) or per-tensor kernels.

The engine is bitwise equal to the plain loop on these problems (tests/test_engine.py), so
the whole evidence — counts, p-values, intervals, examples — must match, not only the
outcome. The claims here are the catalog's cheaper ones; the reference loop trains one model
at a time and would take minutes on the regime claims.
"""

import pytest

from claims import run_claim
from claims.catalog import dynamics_claims, worked_examples_claims
from claims.profiles import get_profile

CLAIMS = [worked_examples_claims.E1a, worked_examples_claims.E1c, worked_examples_claims.E2b,
          worked_examples_claims.E3c, worked_examples_claims.E3d, dynamics_claims.D2]


def evidence(claim, **path):
    return run_claim(claim, root_seed=0, profile=get_profile("ci"), **path).evidence


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_reference_loop_gives_the_same_evidence(claim):
    assert evidence(claim, reference=True) == evidence(claim)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_foreach_and_single_tensor_kernels_give_the_same_evidence(claim):
    assert evidence(claim, foreach=True) == evidence(claim, foreach=False) == evidence(claim)
