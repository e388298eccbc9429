"""eventlet.green.signal: pthread_kill() given green thread identifiers.

Every call of pthread_kill runs in a fresh interpreter (``run_python``): given a number that
names no OS thread, the C library can block the whole process, and a test process must not
be the one to hang.
"""

from __future__ import annotations

import signal as std_signal
import textwrap

from eventlet.green import signal
from eventlet.green import thread as green_thread
from eventlet.green._inject import original


def test_every_name_but_pthread_kill_is_the_stdlib_object():
    assert signal.__patched__ == ["pthread_kill"]
    assert signal.pthread_kill is not std_signal.pthread_kill
    for name in dir(std_signal):
        if name in signal.__patched__ or (name.startswith("__") and name.endswith("__")):
            continue
        assert getattr(signal, name) is getattr(std_signal, name), name


def test_green_identifiers_map_to_the_os_thread_that_runs_them():
    real_thread = original("_thread")
    here = real_thread.get_ident()
    assert green_thread._os_thread_ident_of(green_thread.get_ident()) == here
    assert green_thread._os_thread_ident_of(green_thread._get_main_thread_ident()) == here
    started = []
    ident = green_thread.start_new_thread(started.append, ("ran",))
    assert ident != here
    assert green_thread._os_thread_ident_of(ident) == here  # started, not yet run
    # An OS thread's identifier (or any number not known as green) passes unchanged.
    assert green_thread._os_thread_ident_of(here) == here
    assert green_thread._os_thread_ident_of(12345) == 12345


def test_pthread_kill_reaches_the_os_thread_of_a_green_thread(run_python):
    code = textwrap.dedent(
        """
        import signal as std_signal
        from eventlet.green import signal, threading
        from eventlet.event import Event

        got = []
        std_signal.signal(std_signal.SIGUSR1, lambda signum, frame: got.append(signum))
        main_ident = threading.get_ident()
        done = Event()

        def worker():
            signal.pthread_kill(threading.get_ident(), 0)  # "does it exist": yes
            signal.pthread_kill(main_ident, std_signal.SIGUSR1)
            signal.pthread_kill(threading.get_ident(), std_signal.SIGUSR1)
            done.send(threading.get_ident())

        thread = threading.Thread(target=worker)
        thread.start()
        worker_ident = done.wait()
        thread.join()
        signal.pthread_kill(main_ident, std_signal.SIGUSR1)
        print(worker_ident != main_ident, got == [std_signal.SIGUSR1] * 3)
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True True\n"
    assert result.stderr == ""


def test_pthread_kill_of_a_real_os_thread_is_unchanged(run_python):
    code = textwrap.dedent(
        """
        import signal as std_signal
        from eventlet.green import signal
        from eventlet.green._inject import original

        got = []
        std_signal.signal(std_signal.SIGUSR1, lambda signum, frame: got.append(signum))
        real_threading = original("threading")
        ready, stop = real_threading.Event(), real_threading.Event()
        thread = real_threading.Thread(target=lambda: (ready.set(), stop.wait(10)))
        thread.start()
        ready.wait(10)
        signal.pthread_kill(thread.ident, std_signal.SIGUSR1)
        stop.set()
        thread.join()
        print(got == [std_signal.SIGUSR1])
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\n"
