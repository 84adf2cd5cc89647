import warnings

import pytest


@pytest.fixture(autouse=True)
def _quiet_gymnasium_warnings():
    # gymnasium warns when a finished episode is stepped; some tests do that on purpose.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*step\\(\\)' even though this environment.*")
        yield
