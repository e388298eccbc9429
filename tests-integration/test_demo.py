"""The demo server (README's main job) runs: it serves, its clients get every echo back."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

DEMO = pathlib.Path(__file__).resolve().parent.parent / "demo" / "echo_server.py"


def test_demo_serves_its_clients() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(DEMO), "--port", "0", "--clients", "50", "--rounds", "5"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"echo server listening on 127\.0\.0\.1:\d+", lines[0])
    # 50 clients x 5 lines of "message I from PORT\n": the byte count proves every echo came.
    expected = sum(len(f"message {i} from 12345\n") for i in range(5)) * 50
    match = re.match(r"50 concurrent clients x 5 round trips: (\d+) bytes echoed", lines[1])
    assert match is not None, lines
    assert int(match.group(1)) == expected
