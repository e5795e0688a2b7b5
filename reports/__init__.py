"""Verdict reports: JSON for machines, Markdown for people, and merging of shard reports.

The implementation lives in :mod:`claims.reporting`, so that the pytest plugin can import it
even where a ``reports/`` folder of report files shadows this package on ``sys.path``; this
package is its public face and the home of ``python -m reports`` and of ``reports/latest/``.
"""

from claims.reporting import *  # noqa: F403
from claims.reporting import __all__  # noqa: F401
