"""Root conftest: what the suite's own tests need from pytest.

The claims plugin itself is registered through the package's ``pytest11`` entry point, so it
is active wherever the package is installed; nothing here is needed to run claims.
"""

pytest_plugins = ["pytester"]
