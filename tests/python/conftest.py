import warnings

import pytest


@pytest.fixture(autouse=True)
def _quiet_gymnasium_warnings():
    # gymnasium warns when a finished episode is stepped; some tests do that on purpose.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*step\\(\\)' even though this environment.*")
        yield


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path_factory, monkeypatch):
    # `fastac train` saves to ./logs/... by default: never into the checkout.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
