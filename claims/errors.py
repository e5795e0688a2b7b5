"""Errors and warnings the suite raises, each named for what went wrong."""


class ClaimDefinitionError(ValueError):
    """A claim is declared in a way the suite cannot run: the message names the field,
    the rule it breaks and how to fix it."""


class ExperimentError(RuntimeError):
    """A claim's experiment raised or returned something malformed while running.

    This is a bug in the claim or the engine, never a verdict: the claim's test item errors
    and the other claims' verdicts are kept.
    """


class ClaimsWarning(UserWarning):
    """Base category for warnings the suite emits."""


class ReproducibilityWarning(ClaimsWarning):
    """Something may make a verdict differ from one run to the next."""


class ConfigurationError(ValueError):
    """A run option (profile, seed, device, dtype) has a value the suite cannot use."""
