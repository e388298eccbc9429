"""Whole programs under monkey_patch(): fork, subprocess, network clients of the standard
library against real local servers, and ``python -m eventlet.patcher``."""

from __future__ import annotations

import sys


def test_fork_after_patch_child_hub_works(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import os, socket, threading, time
        from eventlet.greenthread import spawn
        ticks = []
        ticked = threading.Event()
        def ticker():
            for i in range(3):
                ticks.append(i)
                time.sleep(0.001)
            ticked.set()
        spawn(ticker)
        time.sleep(0)
        pid = os.fork()
        if pid == 0:
            a, b = socket.socketpair()
            def echo():
                b.sendall(b.recv(10).upper())
            t = threading.Thread(target=echo); t.start()
            time.sleep(0.01)
            a.sendall(b"child")
            reply = a.recv(10)
            t.join()
            ticked.wait()  # the ticker, inherited from the parent, runs on in the child
            os.write(1, reply + b" " + str(len(ticks)).encode() + b"\\n")
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        ticked.wait()
        print("parent", os.waitstatus_to_exitcode(status), len(ticks))
        """
    )
    assert result.lines == ["CHILD 3", "parent 0 3"]


def test_subprocess_works_and_timeout_expired_is_catchable(run_python):
    """Upstream #624: communicate(timeout=...) raises the TimeoutExpired user code catches."""
    result = run_python(
        f"""
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import subprocess, threading, time
        PY = {sys.executable!r}
        print(subprocess.check_output([PY, "-c", "print('hi')"], text=True).strip())
        print(subprocess.run([PY, "-c", "import sys; sys.exit(4)"]).returncode)
        ticks = []
        ticker = threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(3)])
        ticker.start()
        proc = subprocess.Popen([PY, "-c", "import time; time.sleep(30)"],
                                stdout=subprocess.PIPE)
        try:
            proc.communicate(timeout=0.2)
        except subprocess.TimeoutExpired as exc:
            print("caught", type(exc).__module__, exc.timeout)
        ticker.join()
        print(len(ticks))
        proc.kill()
        proc.communicate()
        print(proc.returncode)
        """
    )
    assert result.lines == ["hi", "4", "caught subprocess 0.2", "3", "-9"]


def test_http_client_and_urllib_over_green_sockets(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import http.client, http.server, threading, urllib.request
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = f"path={self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        results = {}
        def fetch(n):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/u{n}") as response:
                results[n] = response.read().decode()
        fetchers = [threading.Thread(target=fetch, args=(n,)) for n in range(5)]
        for t in fetchers: t.start()
        for t in fetchers: t.join()
        print([results[n] for n in range(5)])
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/direct")
        print(conn.getresponse().read().decode())
        conn.close()
        server.shutdown()
        server.server_close()
        """
    )
    assert result.lines == [
        "['path=/u0', 'path=/u1', 'path=/u2', 'path=/u3', 'path=/u4']",
        "path=/direct",
    ]


def test_ftplib_over_green_sockets(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import ftplib, socket, threading
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        def serve_one():
            conn, _ = listener.accept()
            stream = conn.makefile("rwb")
            def reply(text):
                stream.write(text.encode() + b"\\r\\n"); stream.flush()
            reply("220 fake ftp ready")
            for line in stream:
                command = line.decode().strip().split(" ")[0].upper()
                if command == "USER":
                    reply("331 password please")
                elif command == "PASS":
                    reply("230 logged in")
                elif command == "PWD":
                    reply('257 "/green" is here')
                elif command == "QUIT":
                    reply("221 bye"); break
                else:
                    reply("502 not implemented")
            stream.close(); conn.close()
        server = threading.Thread(target=serve_one); server.start()
        ftp = ftplib.FTP()
        print(ftp.connect("127.0.0.1", port, timeout=10))
        print(ftp.login("user", "secret"))
        print(ftp.pwd())
        print(ftp.quit())
        server.join()
        """
    )
    assert result.lines == ["220 fake ftp ready", "230 logged in", "/green", "221 bye"]


def test_python_m_eventlet_patcher_runs_a_script_patched(run_python):
    result = run_python(
        """
        import sys, socket, threading
        import eventlet.patcher
        print(sys.argv[1:])
        print(socket.__name__, threading.__name__)
        expected = {"os", "select", "socket", "thread", "time"}  # and psycopg, if installed
        print(eventlet.patcher.is_monkey_patched("socket"), expected <= set(eventlet.patcher.already_patched))
        print(__name__)
        """,
        "one",
        "--two",
        via_patcher=True,
    )
    assert result.lines == [
        "['one', '--two']",
        "eventlet.green.socket eventlet.green.threading",
        "True True",
        "__main__",
    ]


def test_python_m_eventlet_patcher_without_arguments_shows_usage(run_python):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "eventlet.patcher"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "usage: python -m eventlet.patcher" in done.stdout


def test_urllib_https_with_a_test_ca_over_green_tls(run_python, tls_files):
    result = run_python(
        f"""
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import http.server, ssl, threading, urllib.request
        from eventlet.green import ssl as green_ssl
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"secure " + self.path.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain({tls_files.cert!r}, {tls_files.key!r})
        server.socket = server_context.wrap_socket(server.socket, server_side=True)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        client_context = ssl.create_default_context(cafile={tls_files.ca!r})
        print(type(client_context).__module__ == green_ssl.__name__)
        bodies = {{}}
        def fetch(n):
            url = f"https://127.0.0.1:{{port}}/s{{n}}"
            with urllib.request.urlopen(url, context=client_context) as response:
                bodies[n] = response.read().decode()
        fetchers = [threading.Thread(target=fetch, args=(n,)) for n in range(3)]
        for t in fetchers: t.start()
        for t in fetchers: t.join()
        print([bodies[n] for n in range(3)])
        server.shutdown()
        server.server_close()
        """
    )
    assert result.lines == ["True", "['secure /s0', 'secure /s1', 'secure /s2']"]


def test_imports_in_green_and_real_threads_do_not_hang(run_python):
    result = run_python(
        """
        import pathlib, sys
        for name in ("slow_a", "slow_b", "slow_c"):
            pathlib.Path(name + ".py").write_text(
                "import time\\ntime.sleep(0.02)\\nVALUE = __name__\\n"
            )
        sys.path.insert(0, ".")
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading
        from eventlet import patcher
        got = []
        def load(name):
            module = __import__(name)
            got.append(module.VALUE)
        greens = [threading.Thread(target=load, args=(n,)) for n in ("slow_a", "slow_b")]
        real = patcher.original("threading").Thread(target=load, args=("slow_c",))
        for t in greens: t.start()
        real.start()
        for t in greens: t.join()
        real.join()
        print(sorted(got))
        """
    )
    assert result.lines == ["['slow_a', 'slow_b', 'slow_c']"]


def test_importing_the_patcher_prints_and_warns_nothing():
    import subprocess

    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import eventlet.patcher, eventlet._patching"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_python_m_eventlet_patcher_runs_a_module_patched(tmp_path):
    import subprocess

    (tmp_path / "patched_main.py").write_text(
        "import sys, threading\nprint(__name__, threading.__name__, sys.argv)\nsys.exit(5)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "eventlet.patcher", "-m", "patched_main", "x", "-y"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stderr) == (5, "")
    assert done.stdout.split("\n")[0].split(" ", 2)[:2] == ["__main__", "eventlet.green.threading"]
    assert done.stdout.rstrip().endswith("'x', '-y']")


MARIADB_START = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"


def _require_mariadb() -> None:
    """Fail (never skip) with how to start MariaDB when it is not reachable."""
    import socket

    try:
        socket.create_connection(("127.0.0.1", 3306), timeout=5).close()
    except OSError as exc:
        import pytest

        pytest.fail(
            f"MariaDB is not reachable on 127.0.0.1:3306 ({exc}); start it: {MARIADB_START}"
        )


def test_mysqldb_keyword_with_pymysql_as_mysqldb(run_python):
    """monkey_patch(MySQLdb=True): queries of two green threads run at the same time."""
    _require_mariadb()
    result = run_python(
        """
        import pymysql
        pymysql.install_as_MySQLdb()
        import eventlet.patcher
        # Real sockets for the driver: its calls run in worker OS threads anyway.
        eventlet.patcher.monkey_patch(thread=True, time=True, MySQLdb=True)
        from eventlet import patcher
        import MySQLdb, threading
        print(patcher.is_monkey_patched("MySQLdb"), MySQLdb.__name__)
        order = []
        both_connected = threading.Barrier(2)
        def query(n):
            conn = MySQLdb.connect(host="127.0.0.1", user="root", password="", database="test")
            cursor = conn.cursor()
            both_connected.wait()
            order.append("start")
            cursor.execute("SELECT SLEEP(0.2), %s", (n,))
            order.append(f"done {cursor.fetchone()[1]}")
            conn.close()
        threads = [threading.Thread(target=query, args=(n,)) for n in range(2)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(order[:2], sorted(order[2:]), flush=True)
        # The driver's worker OS threads are never joined: one may still be waking the hub
        # (holding the hub's cross-thread lock) as the interpreter finalizes, and the hub's
        # close() then waits for that lock for ever (an eventlet-hub issue, reported). Leave
        # without finalizing until that is fixed.
        import os
        os._exit(0)
        """
    )
    assert result.lines == [
        "True eventlet.green.MySQLdb",
        "['start', 'start'] ['done 0', 'done 1']",
    ]


def test_multiprocessing_fork_from_a_green_thread(run_python):
    """The child's exit does not wait for the threads inherited from the parent."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import multiprocessing, os, threading
        def child(queue):
            queue.put(("from child", os.getpid() != PARENT))
        PARENT = os.getpid()
        if __name__ == "__main__":
            context = multiprocessing.get_context("fork")
            queue = context.Queue()
            outcome = []
            def start_and_join():
                process = context.Process(target=child, args=(queue,))
                process.start()
                outcome.append(queue.get(timeout=20))
                process.join()
                outcome.append(process.exitcode)
            starter = threading.Thread(target=start_and_join)
            starter.start()
            starter.join()
            print(outcome)
        """
    )
    assert result.lines == ["[('from child', True), 0]"]


def test_logging_handler_alive_at_exit_prints_nothing(run_python):
    # logging's shutdown takes its (now green) locks while the interpreter finalizes, when
    # greenlet no longer answers getcurrent(): the exit must still be silent.
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import logging
        logging.getLogger("app").addHandler(logging.StreamHandler())
        logging.getLogger("app").warning("logged")
        handler = logging.StreamHandler()  # collected at exit: logging locks to forget it
        """,
        check=False,
    )
    assert (result.returncode, result.out) == (0, "")
    assert result.err == "logged\n"
