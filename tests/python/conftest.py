import signal
import warnings

import pytest

from fastac.envs.namespaces import register_namespace

# Tests send Ctrl-C to child interpreters, as a terminal would. A pytest started in the
# background by a non-interactive shell (`make test &`, nohup) ignores SIGINT, and its
# children would inherit that and never see the signal: restore Python's handler here
# (a handler, unlike SIG_IGN, is reset to the default in an exec'd child).
signal.signal(signal.SIGINT, signal.default_int_handler)

# Tests compare every native env with gymnasium.make(its id): MinAtar's ids need the
# package's registration (a test extra).
try:
    register_namespace("MinAtar/Breakout-v1")
except ValueError:
    pass


@pytest.fixture(autouse=True)
def _quiet_gymnasium_warnings():
    # gymnasium warns when a finished episode is stepped; some tests do that on purpose.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*step\\(\\)' even though this environment.*")
        warnings.filterwarnings("ignore", message=".*MinAtar/Breakout-v0 is out of date.*")
        yield


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path_factory, monkeypatch):
    # `fastac train` saves to ./logs/... by default: never into the checkout.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
