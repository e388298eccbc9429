"""The backdoor with real clients on loopback sockets: sessions, output routing, exit()."""

from __future__ import annotations

import socket as stdlib_socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from eventlet import backdoor as backdoor_module
from eventlet import hubs
from eventlet.backdoor import FileProxy, SocketConsole, backdoor, backdoor_server
from eventlet.convenience import listen
from eventlet.event import Event
from eventlet.green import socket
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

PROMPT = b">>> "


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    hubs.use_hub()
    Client.opened.clear()
    yield
    # Every session ends within its test, on its own hub: close what the test left open.
    for client in Client.opened:
        client.close()
    wait_for_sessions_to_end()
    assert sys.stdout is not None and not isinstance(sys.stdout, backdoor_module._Router)
    hub = hubs.get_hub()
    hubs.use_hub()
    hub.close()


class Client:
    """A client of the backdoor over a green socket, reading up to each prompt."""

    opened: list[Client] = []

    def __init__(self, address: Any) -> None:
        self.sock = socket.create_connection(address)
        Client.opened.append(self)
        self.buffer = b""

    def read_until(self, marker: bytes = PROMPT) -> str:
        with Timeout(10, AssertionError(f"no {marker!r} in time; got {self.buffer!r}")):
            while marker not in self.buffer:
                data = self.sock.recv(4096)
                if not data:
                    raise EOFError(self.buffer.decode())
                self.buffer += data
        text, _, self.buffer = self.buffer.partition(marker)
        return text.decode()

    def banner(self) -> str:
        return self.read_until()

    def run(self, line: str, marker: bytes = PROMPT) -> str:
        self.sock.sendall(line.encode() + b"\n")
        return self.read_until(marker)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_to_eof(self) -> str:
        with Timeout(10, AssertionError("the server did not close the connection")):
            while True:
                data = self.sock.recv(4096)
                if not data:
                    break
                self.buffer += data
        text, self.buffer = self.buffer, b""
        return text.decode()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server() -> Iterator[tuple[Any, dict[str, Any]]]:
    """A backdoor server on an ephemeral loopback port; its address and its locals."""
    sock = listen(("127.0.0.1", 0))
    namespace: dict[str, Any] = {"shared": [], "gate": Event()}
    thread = spawn(backdoor_server, sock, namespace)
    yield sock.getsockname(), namespace
    thread.kill()


def wait_for_sessions_to_end() -> None:
    with Timeout(5, AssertionError("sessions did not end")):
        while backdoor_module._sessions:
            sleep(0.01)


def test_banner_prompt_and_expression_result(server: Any) -> None:
    client = Client(server[0])
    banner = client.banner()
    assert "Python" in banner and "backdoor" in banner
    assert client.run("1 + 1") == "2\n"
    assert client.run("'x' * 3") == "'xxx'\n"
    assert client.run("None") == ""  # None is not echoed, as at the real prompt
    client.close()


def test_print_and_results_go_to_the_client_not_the_process(
    server: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    client = Client(server[0])
    client.banner()
    assert client.run("print('hello from the backdoor')") == "hello from the backdoor\n"
    assert client.run("import sys; sys.stdout.write('direct\\n')") == "direct\n7\n"
    assert client.run("sys.stderr.write('err\\n')") == "err\n4\n"
    assert client.run("40 + 2") == "42\n"
    client.close()
    wait_for_sessions_to_end()
    out, err = capfd.readouterr()
    assert "hello" not in out and "direct" not in out and "42" not in out
    assert "err" not in err


def test_locals_are_visible_and_each_session_has_its_own_namespace(server: Any) -> None:
    address, namespace = server
    namespace["shared"].append("from the program")
    a, b = Client(address), Client(address)
    a.banner()
    b.banner()
    assert a.run("shared") == "['from the program']\n"
    a.run("mine = 'a'")
    b.run("mine = 'b'")
    assert a.run("mine") == "'a'\n"
    assert b.run("mine") == "'b'\n"
    # The objects are the program's own: a change made in a session is seen outside.
    b.run("shared.append('from b')")
    assert namespace["shared"] == ["from the program", "from b"]
    assert "mine" not in namespace
    a.close()
    b.close()


def test_two_sessions_output_never_crosses(server: Any, capfd: pytest.CaptureFixture[str]) -> None:
    address, namespace = server
    a, b = Client(address), Client(address)
    a.banner()
    b.banner()
    # Session a blocks in the middle of a statement (waiting on a green Event), b runs
    # meanwhile, then wakes a; a's print, made after b ran, must reach a only.
    a.send(b"print('a before'); gate.wait(); print('a after')\n")
    assert a.read_until(b"a before\n") == ""
    assert b.run("print('b output')") == "b output\n"
    assert b.run("gate.send()") == ""
    assert a.read_until() == "a after\n"
    assert b.run("'b again'") == "'b again'\n"
    a.close()
    b.close()
    wait_for_sessions_to_end()
    out, _ = capfd.readouterr()
    assert "a after" not in out and "b output" not in out


def test_other_green_threads_print_to_the_process_while_a_session_is_open(
    server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Client(server[0])
    client.banner()
    client.run("x = 1")  # the session exists and the routers are in place
    print("from the program")
    assert client.run("x") == "1\n"  # the program's print did not reach the client
    client.close()
    wait_for_sessions_to_end()
    assert "from the program" in capsys.readouterr().out


def test_input_reads_from_the_client(server: Any) -> None:
    client = Client(server[0])
    client.banner()
    assert client.run("name = input('name? ')", b"name? ") == ""
    assert client.run("bob") == ""
    assert client.run("name") == "'bob'\n"
    client.close()


def test_program_without_stdout_keeps_printing_nowhere(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    client = Client(server[0])
    client.banner()
    assert client.run("print('to the client')") == "to the client\n"
    print("to nowhere")  # the program's own print: no stream, no error
    client.close()
    wait_for_sessions_to_end()
    assert sys.stdout is None


def test_multi_line_statement(server: Any) -> None:
    client = Client(server[0])
    client.banner()
    assert client.run("def f(n):", b"... ") == ""
    assert client.run("    return n * 2", b"... ") == ""
    assert client.run("") == ""
    assert client.run("f(21)") == "42\n"
    client.close()


def test_traceback_goes_to_the_client_and_session_goes_on(server: Any) -> None:
    client = Client(server[0])
    client.banner()
    text = client.run("1 / 0")
    assert "Traceback" in text and "ZeroDivisionError" in text
    assert "SyntaxError" in client.run("def (")
    assert client.run("2 + 2") == "4\n"
    client.close()


@pytest.mark.parametrize("command", ["exit()", "quit()", "raise SystemExit", "exit(3)"])
def test_exit_ends_only_that_session(server: Any, command: str) -> None:
    address, namespace = server
    a, b = Client(address), Client(address)
    a.banner()
    b.banner()
    a.send(command.encode() + b"\n")
    assert a.read_to_eof() == ""  # a's connection closed, nothing more said
    assert b.run("'still here'") == "'still here'\n"
    c = Client(address)  # and the server still accepts
    c.banner()
    assert c.run("3 * 3") == "9\n"
    b.close()
    c.close()


def test_builtins_exit_closing_stdin_ends_only_the_session(server: Any) -> None:
    address, _ = server
    a, b = Client(address), Client(address)
    a.banner()
    b.banner()
    a.send(b"import builtins; builtins.exit()\n")
    a.read_to_eof()
    assert not sys.stdin.closed or sys.stdin is sys.__stdin__
    assert b.run("'alive'") == "'alive'\n"
    b.close()


def test_client_disconnecting_mid_line_runs_nothing_and_breaks_nothing(server: Any) -> None:
    address, namespace = server
    a = Client(address)
    a.banner()
    a.send(b"shared.append('half a line')")  # no newline: never finished
    a.close()
    wait_for_sessions_to_end()
    assert namespace["shared"] == []
    b = Client(address)
    b.banner()
    assert b.run("len(shared)") == "0\n"
    b.close()


def test_client_disconnecting_while_its_code_prints(server: Any) -> None:
    address, namespace = server
    a = Client(address)
    a.banner()
    a.send(b"gate.wait(); [print('x' * 1000) for _ in range(200)]; shared.append('done')\n")
    sleep(0)  # let the console start running the line
    a.close()
    b = Client(address)
    b.banner()
    b.run("gate.send()")
    # a's code ran to its end although nobody read its output; b is unaffected.
    with Timeout(5):
        while namespace["shared"] != ["done"]:
            sleep(0.01)
    assert b.run("'ok'") == "'ok'\n"
    b.close()


def test_streams_are_restored_when_the_last_session_ends(server: Any) -> None:
    before = (sys.stdin, sys.stdout, sys.stderr)
    a, b = Client(server[0]), Client(server[0])
    a.banner()
    b.banner()
    assert sys.stdout is not before[1]
    a.close()
    b.run("1")
    assert sys.stdout is not before[1]  # b still has a session
    b.close()
    wait_for_sessions_to_end()
    assert (sys.stdin, sys.stdout, sys.stderr) == before


def test_backdoor_on_a_socketpair_returns_the_console() -> None:
    left, right = stdlib_socket.socketpair()
    console = backdoor((left, "peer"), {"answer": 42})  # a plain socket: wrapped green
    assert isinstance(console, SocketConsole)
    client = socket.socket(fileno=right.detach())
    client.settimeout(10)
    buffer = b""
    while PROMPT not in buffer:
        buffer += client.recv(4096)
    client.sendall(b"answer\n")
    buffer = b""
    while PROMPT not in buffer:
        buffer += client.recv(4096)
    assert buffer == b"42\n>>> "
    client.sendall(b"quit()\n")
    assert client.recv(4096) == b""
    with Timeout(5):
        while not console.dead:
            sleep(0.01)
    client.close()


def test_a_console_does_not_block_the_hub() -> None:
    left, right = stdlib_socket.socketpair()
    console = backdoor((left, "peer"))
    ticks = []

    def ticker() -> None:
        for i in range(3):
            ticks.append(i)
            sleep(0)

    spawn(ticker).wait()  # runs to the end while the console waits for a line
    assert ticks == [0, 1, 2] and not console.dead
    right.close()
    with Timeout(5):
        while not console.dead:
            sleep(0.01)


def test_server_closes_its_socket_when_killed() -> None:
    sock = listen(("127.0.0.1", 0))
    thread = spawn(backdoor_server, sock)
    sleep(0)
    thread.kill()
    assert sock.fd.fileno() == -1


def test_server_accepts_a_plain_listening_socket() -> None:
    plain = stdlib_socket.socket()
    plain.bind(("127.0.0.1", 0))
    plain.listen()
    thread = spawn(backdoor_server, plain, {"v": "plain"})
    client = Client(plain.getsockname())
    client.banner()
    assert client.run("v") == "'plain'\n"
    client.close()
    thread.kill()


def test_bad_arguments_are_refused_at_the_call() -> None:
    with pytest.raises(TypeError, match="conn_info"):
        backdoor(5)  # type: ignore[arg-type]
    left, right = stdlib_socket.socketpair()
    with pytest.raises(TypeError, match="locals"):
        backdoor((left, "peer"), [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="locals"):
        backdoor_server(left, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="listening socket"):
        backdoor_server(42)
    left.close()
    right.close()


def test_file_proxy() -> None:
    class Sink:
        def __init__(self) -> None:
            self.data: list[str] = []
            self.flushed = 0

        def write(self, data: str) -> None:
            self.data.append(data)

        def flush(self) -> None:
            self.flushed += 1

        def readline(self) -> str:
            return "typed\r\n"

    sink = Sink()
    proxy = FileProxy(sink)
    assert proxy.write("abc") == 3
    assert sink.data == ["abc"] and sink.flushed == 1
    assert proxy.readline() == "typed\n"
    assert proxy.isatty() is True
    with pytest.raises(TypeError, match="str"):
        proxy.write(b"bytes")  # type: ignore[arg-type]


def test_real_client_in_another_process(server: Any) -> None:
    address = server[0]
    script = textwrap.dedent(
        f"""
        import socket
        s = socket.create_connection({address!r}, timeout=10)
        buf = b""
        def until(marker):
            global buf
            while marker not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    raise SystemExit("closed early: " + repr(buf))
                buf += chunk
            text, _, buf = buf.partition(marker)
            return text
        until(b">>> ")
        s.sendall(b"print(sum(range(10)))\\r\\n")  # telnet sends CRLF
        print(until(b">>> ").decode(), end="")
        s.sendall(b"exit()\\n")
        print(repr(s.recv(100)))
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # The server lives in this process's hub: let it run while the client works.
    with Timeout(20):
        while proc.poll() is None:
            sleep(0.01)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert out.decode() == "45\nb''\n"


def test_import_prints_and_warns_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import eventlet.backdoor"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_public_names_documented() -> None:
    assert backdoor_module.__doc__
    for name in backdoor_module.__all__:
        obj = getattr(backdoor_module, name)
        assert obj.__doc__, name
        for attr, value in vars(obj).items() if isinstance(obj, type) else ():
            if callable(value) and not attr.startswith("_"):
                assert value.__doc__, f"{name}.{attr}"
