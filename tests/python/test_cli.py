"""The fastac command line."""

from __future__ import annotations

import pytest

from fastac.cli import main


def test_compare_env_reports_identical(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare-env", "--episodes", "5"])
    assert exit_info.value.code == 0
    assert "identical observations, rewards, terminations, truncations: yes" in capsys.readouterr().out


def test_unknown_command_exits_with_usage():
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"])
    assert exit_info.value.code == 2
