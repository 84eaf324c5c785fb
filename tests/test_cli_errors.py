"""Usage mistakes on the command line get one line and exit 2, like every other bad input
(not the framework's boxed usage screen), and error text is printed as written."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "normwatch", *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["incidents", "--year", "20x7"], "--year"),
        (["route", "--requesting", "FRA", "--data", "content"], "--holder"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_a_usage_mistake_is_one_line_and_exit_2(args: list[str], words: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and words in lines[0] and "--help" in lines[0]
    assert "╭" not in result.stderr and "Traceback" not in result.stderr


def test_error_text_is_not_turned_into_markup_or_emoji() -> None:
    result = _run("assess", "draft:fire:")
    assert result.returncode == 2
    assert "draft:fire:" in result.stderr and "\U0001f525" not in result.stderr
