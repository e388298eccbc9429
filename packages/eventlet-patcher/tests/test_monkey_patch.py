"""monkey_patch() in fresh interpreters: what is patched, when, and that programs still work.

Each test runs one scenario in its own interpreter (the ``run_python`` fixture) and asserts on
what it printed; a scenario that writes anything to stderr or exits non-zero fails.
"""

from __future__ import annotations


def test_patch_early_everything_is_green(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import socket, threading, time, select, selectors, queue, subprocess, os, ssl, _thread
        from eventlet.greenio import GreenSocket
        print(socket.socket is GreenSocket)
        print(threading.__name__, _thread.__name__, queue.__name__, time.__name__)
        print(select.__name__, selectors.__name__, subprocess.__name__, os.__name__, ssl.__name__)
        order = []
        def worker(name):
            for i in range(3):
                order.append(f"{name}{i}")
                time.sleep(0)  # green: the other thread runs meanwhile
        a = threading.Thread(target=worker, args=("a",))
        b = threading.Thread(target=worker, args=("b",))
        a.start(); b.start(); a.join(); b.join()
        print(sorted(order), [x for x in order if x[0] == "a"], [x for x in order if x[0] == "b"])
        print(order.index("b0") < order.index("a2"))  # they ran interleaved
        """
    )
    assert result.lines == [
        "True",
        "eventlet.green.threading eventlet.green._thread eventlet.green.queue eventlet.green.time",
        "eventlet.green.select eventlet.green.selectors eventlet.green.subprocess "
        "eventlet.green.os eventlet.green.ssl",
        "['a0', 'a1', 'a2', 'b0', 'b1', 'b2'] ['a0', 'a1', 'a2'] ['b0', 'b1', 'b2']",
        "True",
    ]


def test_patch_late_fixes_modules_imported_before(run_python):
    result = run_python(
        """
        import socket, time, threading, logging, http.client, queue
        import concurrent.futures.thread
        from time import sleep
        from threading import Lock
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        from eventlet.greenio import GreenSocket
        from eventlet.green import time as green_time, threading as green_threading
        print(socket.__name__, time.__name__, threading.__name__, queue.__name__)
        print(http.client.socket.socket is GreenSocket)
        print(sleep is green_time.sleep, Lock is green_threading.Lock)
        print(logging.threading is green_threading)
        print(concurrent.futures.thread.threading is green_threading)
        """
    )
    assert result.lines == [
        "eventlet.green.socket eventlet.green.time eventlet.green.threading eventlet.green.queue",
        "True",
        "True True",
        "True",
        "True",
    ]


def test_original_stays_unpatched(run_python):
    result = run_python(
        """
        import socket
        from eventlet import patcher
        kept = [socket]
        real_threading_before = patcher.original("threading")  # a name no import binds
        patcher.monkey_patch()
        import socket, threading, time
        real_socket = patcher.original("socket")
        real_threading = patcher.original("threading")
        print(real_socket is kept[0], real_socket.socket is not socket.socket)
        print(type(real_socket.socket()).__module__)
        print(patcher.original("time").sleep is not time.sleep)
        # a real OS thread, from the original threading module
        import _thread
        idents = []
        t = real_threading.Thread(target=lambda: idents.append(real_threading.get_ident()))
        t.start(); t.join()
        print(idents[0] != patcher.original("_thread").get_ident())
        print(real_threading_before is real_threading, threading is not real_threading)
        """
    )
    assert result.lines == ["True True", "socket", "True", "True", "True True"]


def test_double_monkey_patch_and_in_steps(run_python):
    result = run_python(
        """
        from eventlet import patcher
        patcher.monkey_patch(socket=True)
        import socket, threading
        print(patcher.is_monkey_patched("socket"), patcher.is_monkey_patched("threading"))
        print(threading.__name__)
        patcher.monkey_patch(thread=True)
        import threading
        print(patcher.is_monkey_patched("threading"), threading.__name__)
        patcher.monkey_patch()
        patcher.monkey_patch()
        import socket, threading, time
        print(socket.__name__, threading.__name__, time.__name__)
        print(patcher.original("threading").__name__, patcher.original("socket").__name__)
        print(sorted(patcher.already_patched))
        """
    )
    assert result.lines == [
        "True False",
        "threading",
        "True eventlet.green.threading",
        "eventlet.green.socket eventlet.green.threading eventlet.green.time",
        "threading socket",
        "['os', 'psycopg', 'select', 'socket', 'subprocess', 'thread', 'time']"
        if "psycopg" in result.out
        else "['os', 'select', 'socket', 'subprocess', 'thread', 'time']",
    ]


def test_keywords_select_what_is_patched(run_python):
    result = run_python(
        """
        from eventlet import patcher
        patcher.monkey_patch(os=False, thread=False)
        names = ["os", "select", "selectors", "socket", "ssl", "_thread", "threading",
                 "queue", "time", "subprocess", "builtins"]
        print([n for n in names if patcher.is_monkey_patched(n)])
        try:
            patcher.monkey_patch(sockets=True)
        except TypeError as exc:
            print("TypeError", "sockets" in str(exc))
        patcher.monkey_patch(builtins=True)
        import builtins
        from eventlet.green import builtin
        print(builtins.open is builtin.open, patcher.is_monkey_patched("builtins"))
        import importlib.util
        has_driver = importlib.util.find_spec("MySQLdb") is not None
        patcher.monkey_patch(MySQLdb=True)  # a no-op without mysqlclient
        print(patcher.is_monkey_patched("MySQLdb") == has_driver,
              ("MySQLdb" in patcher.already_patched) == has_driver)
        print(patcher.original("builtins").open is not builtin.open)
        """
    )
    assert result.lines == [
        "['select', 'selectors', 'socket', 'ssl', 'time', 'subprocess']",
        "TypeError True",
        "True True",
        "True True",
        "True",
    ]


def test_is_monkey_patched_every_patched_module(run_python):
    """Upstream #264: threading, queue, ssl, selectors and _thread count as patched."""
    result = run_python(
        """
        from eventlet import patcher
        names = ["threading", "_thread", "queue", "ssl", "selectors", "socket", "select",
                 "time", "os", "subprocess", "thread", "signal"]
        print([patcher.is_monkey_patched(n) for n in names])
        patcher.monkey_patch()
        print([patcher.is_monkey_patched(n) for n in names])
        import threading, socket
        print(patcher.is_monkey_patched(threading), patcher.is_monkey_patched(socket))
        print(patcher.is_monkey_patched("json"), patcher.is_monkey_patched("builtins"))
        """
    )
    assert result.lines == [
        str([False] * 12),
        str([True] * 12),
        "True True",
        "False False",
    ]


def test_import_patched_leaves_original_module_untouched(run_python):
    result = run_python(
        """
        import http.client, socket, sys
        from eventlet import patcher
        from eventlet.greenio import GreenSocket
        green_client = patcher.import_patched("http.client")
        print(green_client is not http.client, sys.modules["http.client"] is http.client)
        print(green_client.socket.socket is GreenSocket, http.client.socket is socket)
        print(socket.socket is patcher.original("socket").socket)
        print(patcher.is_monkey_patched("socket"))
        """
    )
    assert result.lines == ["True True", "True True", "True", "False"]
