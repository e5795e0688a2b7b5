"""Run profiles: how hard searches look.

Every search is seeded from the claim's seed (itself derived from ``--claims-seed``), so a
run depends on its inputs alone in every profile. Hypothesis ignores its example database
for a seeded test, so no profile keeps one: a counterexample is replayed by rerunning its
claim with the same seed (the reproduce command), not from a database.

- ``dev`` (default): the declared search budgets;
- ``ci``: the same budgets, with Hypothesis's ``derandomize`` also set and no deadline, as CI
  conventions expect (the explicit seed already makes the run deterministic);
- ``thorough``: ten times the declared search budgets.

Sample sizes of statistical tests are declared by each claim from its power analysis and do
not change with the profile; only searches (universal and existential claims) do.
"""

from __future__ import annotations

import dataclasses
import os

from hypothesis import HealthCheck, Phase, Verbosity, settings

from .errors import ConfigurationError

ENV_VAR = "CLAIMS_PROFILE"


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    search_factor: int
    derandomize: bool

    def search_settings(self, max_examples: int, *, shrink: bool = True) -> settings:
        """Hypothesis settings for one claim's search, built without touching global state.

        ``shrink=False`` keeps the first example found as it is: for scenarios made of seeds,
        shrinking only trades one seed for another at the cost of many trainings.
        """
        phases = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
        if shrink:
            phases.append(Phase.shrink)
        return settings(
            max_examples=max_examples * self.search_factor,
            database=None,
            derandomize=self.derandomize,
            deadline=None,
            verbosity=Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=False,
            phases=phases,
            suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.large_base_example),
        )


PROFILES = {
    "dev": Profile("dev", search_factor=1, derandomize=False),
    "ci": Profile("ci", search_factor=1, derandomize=True),
    "thorough": Profile("thorough", search_factor=10, derandomize=False),
}


def get_profile(name: str | None) -> Profile:
    """The named profile, else ``$CLAIMS_PROFILE``, else ``dev``."""
    chosen = name or os.environ.get(ENV_VAR) or "dev"
    if chosen not in PROFILES:
        raise ConfigurationError(
            f"profile {chosen!r} is unknown; choose one of {sorted(PROFILES)} with "
            f"--claims-profile or ${ENV_VAR}"
        )
    return PROFILES[chosen]
