"""Tests of eventlet.support and eventlet.support.greenlets, used as third-party code uses them."""

from __future__ import annotations

import errno
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import greenlet
import pytest

from eventlet import support
from eventlet.support import get_errno, greenlets, wrap_deprecated


def test_greenlets_are_greenlets_own() -> None:
    assert greenlets.greenlet is greenlet.greenlet
    assert greenlets.GreenletExit is greenlet.GreenletExit
    assert greenlets.getcurrent is greenlet.getcurrent
    assert greenlets.preserves_excinfo is True


def test_excinfo_is_kept_apart_across_switches() -> None:
    # What preserves_excinfo promises: a greenlet's handled exception survives a switch.
    seen: list[Any] = []

    def other() -> None:
        try:
            raise KeyError("other")
        except KeyError:
            greenlets.getcurrent().parent.switch()
            seen.append(type(__import__("sys").exc_info()[1]))

    child = greenlets.greenlet(other)
    try:
        raise ValueError("main")
    except ValueError:
        child.switch()
        seen.append(type(__import__("sys").exc_info()[1]))
        child.switch()
    assert seen == [ValueError, KeyError]


def test_get_errno() -> None:
    assert get_errno(OSError(errno.EPIPE, "Broken pipe")) == errno.EPIPE
    assert get_errno(TimeoutError("timed out")) is None
    assert get_errno(ConnectionResetError(errno.ECONNRESET, "reset")) == errno.ECONNRESET
    assert get_errno(Exception(errno.EAGAIN, "old style")) == errno.EAGAIN
    assert get_errno(ValueError("no number")) is None
    assert get_errno(Exception(True)) is None
    with pytest.raises(TypeError, match="needs an exception"):
        get_errno("EPIPE")  # type: ignore[arg-type]


def test_wrap_deprecated_warns_and_calls() -> None:
    @wrap_deprecated("old_add", "new_add")
    def old_add(a: int, b: int = 1) -> int:
        """Add."""
        return a + b

    assert old_add.__name__ == "old_add" and old_add.__doc__ == "Add."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert old_add(2, b=3) == 5
    assert len(caught) == 1
    assert caught[0].category is DeprecationWarning
    assert (
        str(caught[0].message) == "old_add is deprecated and will be removed; use new_add instead"
    )
    assert caught[0].filename == __file__  # points at the caller


def test_wrap_deprecated_bad_input() -> None:
    with pytest.raises(TypeError, match="two names"):
        wrap_deprecated("old", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="decorates a callable"):
        wrap_deprecated("old", "new")(42)  # type: ignore[type-var]


def test_support_package_gathers_other_portions() -> None:
    # The extend_path line: eventlet.support's path covers every portion on sys.path.
    assert support.__path__[0] == str(Path(support.__file__).parent)
    first = Path(support.__file__).read_text().splitlines()[0]
    assert first == '__path__ = __import__("pkgutil").extend_path(__path__, __name__)'


def test_import_is_silent(run_python: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    done = run_python(
        "import eventlet.support, eventlet.support.greenlets; print('ok')", "-W", "error"
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
