"""eventlet.green.ftplib: FTP and FTP_TLS on green sockets, against a tiny FTP server written
here (USER, PASS, PWD, CWD, TYPE, PASV, LIST, NLST, RETR, STOR, SIZE, QUIT; AUTH TLS, PBSZ,
PROT for FTPS) that runs in green threads on loopback. Also ``ftp://`` URLs through the green
``urllib.request.urlopen``, whose FTP handler must use the green ftplib.

Each test is guarded by a Timeout so a bug fails instead of hanging.
"""

from __future__ import annotations

import ftplib
import io
import socket
import ssl
import sys
import threading
import urllib.error

import pytest

from eventlet.green import ftplib as green_ftplib
from eventlet.green import socket as green_socket
from eventlet.green import ssl as green_ssl
from eventlet.green.urllib import request as green_request
from eventlet.greenthread import spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it


# -- a tiny FTP server -----------------------------------------------------------------------


class TinyFTPServer:
    """A minimal FTP server on green sockets: one green thread per control connection.

    ``files`` maps names to contents (one flat directory, "/"). ``commands`` records every
    command received, as (session number, line). ``before_retr``, if set, is called with the
    file name before a RETR answers, so a test can hold transfers back.
    """

    def __init__(self, files: dict[str, bytes], tls: ssl.SSLContext | None = None) -> None:
        self.files = dict(files)
        self.tls = tls
        self.commands: list[tuple[int, str]] = []
        self.before_retr = None
        self.listener = green_socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.address = self.listener.getsockname()
        self.sessions: list = []
        self.acceptor = spawn(self._accept_forever)

    def close(self) -> None:
        self.acceptor.kill()
        for session in self.sessions:
            session.kill()
        self.listener.close()

    def _accept_forever(self) -> None:
        number = 0
        while True:
            conn, _ = self.listener.accept()
            number += 1
            self.sessions.append(spawn(self._session, conn, number))

    def _session(self, conn, number: int) -> None:
        state = {"conn": conn, "reader": conn.makefile("rb"), "pasv": None, "prot_p": False}

        def reply(line: str) -> None:
            state["conn"].sendall(line.encode() + b"\r\n")

        reply("220 tiny ftp ready")
        try:
            while True:
                raw = state["reader"].readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\r\n")
                self.commands.append((number, line))
                verb, _, arg = line.partition(" ")
                if not self._command(verb.upper(), arg, state, reply):
                    return
        finally:
            state["conn"].close()

    def _data_connection(self, state):
        listener = state.pop("pasv")
        try:
            data, _ = listener.accept()
        finally:
            listener.close()
        if state["prot_p"]:
            data = self.tls.wrap_socket(data, server_side=True)
        return data

    def _end_data(self, data, state) -> None:
        if state["prot_p"]:
            data = data.unwrap()  # the TLS close_notify exchange ftplib expects
        data.close()

    def _command(self, verb: str, arg: str, state, reply) -> bool:
        if verb == "USER":
            reply("331 password please")
        elif verb == "PASS":
            reply("230 logged in")
        elif verb == "AUTH" and arg.upper() == "TLS" and self.tls is not None:
            reply("234 starting TLS")
            state["conn"] = self.tls.wrap_socket(state["conn"], server_side=True)
            state["reader"] = state["conn"].makefile("rb")
        elif verb == "PBSZ":
            reply("200 PBSZ=0")
        elif verb == "PROT":
            state["prot_p"] = arg.upper() == "P"
            reply("200 protection set")
        elif verb == "PWD":
            reply('257 "/" is the current directory')
        elif verb == "CWD":
            if arg in ("/", ".", ""):
                reply("250 directory changed")
            else:
                reply("550 no such directory")
        elif verb == "TYPE":
            reply(f"200 type set to {arg}")
        elif verb == "PASV":
            listener = green_socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            state["pasv"] = listener
            port = listener.getsockname()[1]
            reply(f"227 Entering Passive Mode (127,0,0,1,{port >> 8},{port & 255})")
        elif verb == "SIZE":
            if arg in self.files:
                reply(f"213 {len(self.files[arg])}")
            else:
                reply("550 no such file")
        elif verb in ("LIST", "NLST"):
            reply("150 here comes the listing")
            data = self._data_connection(state)
            for name in sorted(self.files):
                if verb == "LIST":
                    size = len(self.files[name])
                    entry = f"-rw-r--r-- 1 owner group {size:8d} Jan 01 00:00 {name}"
                else:
                    entry = name
                data.sendall(entry.encode() + b"\r\n")
            self._end_data(data, state)
            reply("226 listing sent")
        elif verb == "RETR":
            if arg not in self.files:
                state.pop("pasv").close()
                reply("550 no such file")
                return True
            if self.before_retr is not None:
                self.before_retr(arg)
            content = self.files[arg]
            reply(f"150 opening data connection for {arg} ({len(content)} bytes)")
            data = self._data_connection(state)
            data.sendall(content)
            self._end_data(data, state)
            reply("226 transfer complete")
        elif verb == "STOR":
            reply("150 ready to receive")
            data = self._data_connection(state)
            chunks = []
            while True:
                chunk = data.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            self._end_data(data, state)
            self.files[arg] = b"".join(chunks)
            reply("226 stored")
        elif verb == "QUIT":
            reply("221 goodbye")
            return False
        else:
            reply(f"502 {verb} not implemented")
        return True


@pytest.fixture
def ftp_server(hub):
    """Start TinyFTPServer instances for a test and close them afterwards."""
    servers = []

    def start(files, tls=None):
        srv = TinyFTPServer(files, tls)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.close()


def connect(srv, cls=green_ftplib.FTP, **kwargs):
    """A green FTP client logged in to ``srv``."""
    ftp = cls(**kwargs)
    ftp.connect(*srv.address, timeout=GUARD)
    ftp.login("alice", "wonderland")
    return ftp


# -- the module ------------------------------------------------------------------------------


def test_module_declares_the_stdlib_interface():
    assert green_ftplib.__all__ == ftplib.__all__
    for name in ftplib.__all__:
        assert hasattr(green_ftplib, name), name
    assert green_ftplib.__patched__ == ["FTP", "FTP_TLS"]
    assert green_ftplib.FTP is not ftplib.FTP
    assert green_ftplib.FTP.connect.__globals__["socket"] is green_socket


def test_exceptions_are_the_stdlib_objects():
    for name in ("Error", "error_reply", "error_temp", "error_perm", "error_proto",
                 "all_errors"):
        assert getattr(green_ftplib, name) is getattr(ftplib, name), name
    assert green_ftplib.FTP.voidresp.__globals__["error_reply"] is ftplib.error_reply


def test_import_is_quiet(run_python):
    result = run_python("import eventlet.green.ftplib", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


# -- FTP -------------------------------------------------------------------------------------


def test_download_upload_list_and_quit(ftp_server):
    srv = ftp_server({"hello.txt": b"hello over ftp\n", "big.bin": bytes(range(256)) * 2000})
    with Timeout(GUARD):
        ftp = connect(srv)
        assert ftp.getwelcome() == "220 tiny ftp ready"
        assert ftp.pwd() == "/"
        ftp.cwd("/")

        received = io.BytesIO()
        ftp.retrbinary("RETR big.bin", received.write)
        assert received.getvalue() == bytes(range(256)) * 2000

        ftp.storbinary("STOR upload.dat", io.BytesIO(b"uploaded \x00 bytes" * 5000))
        assert srv.files["upload.dat"] == b"uploaded \x00 bytes" * 5000

        lines = []
        ftp.retrlines("LIST", lines.append)
        assert [line.split()[-1] for line in lines] == ["big.bin", "hello.txt", "upload.dat"]
        assert ftp.nlst() == ["big.bin", "hello.txt", "upload.dat"]
        assert ftp.size("hello.txt") == len(b"hello over ftp\n")
        assert ftp.quit() == "221 goodbye"

    verbs = [line.split()[0] for _, line in srv.commands]
    assert verbs[:3] == ["USER", "PASS", "PWD"]
    assert verbs[-1] == "QUIT"


def test_errors_are_the_stdlib_classes(ftp_server):
    srv = ftp_server({})
    with Timeout(GUARD):
        ftp = connect(srv)
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.retrbinary("RETR missing.txt", lambda data: None)
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.cwd("/nowhere")
        with pytest.raises(ftplib.error_perm, match="502"):
            ftp.sendcmd("MKD newdir")
        ftp.quit()


@pytest.mark.all_hubs
def test_two_downloads_overlap(ftp_server, make_gate):
    """Both RETR commands reach the server before either transfer is answered."""
    srv = ftp_server({"a.txt": b"A" * 50_000, "b.txt": b"B" * 50_000})
    gate = make_gate(2)
    srv.before_retr = gate.arrive  # each RETR waits there until both have come

    def download(name):
        ftp = connect(srv)
        try:
            out = io.BytesIO()
            ftp.retrbinary(f"RETR {name}", out.write)
            return out.getvalue(), threading.get_ident()
        finally:
            ftp.quit()

    with Timeout(GUARD):
        downloads = [spawn(download, "a.txt"), spawn(download, "b.txt")]
        gate.all_arrived.wait()
        assert sorted(gate.arrived) == ["a.txt", "b.txt"]
        gate.open()
        results = [d.wait() for d in downloads]
    me = threading.get_ident()
    assert results == [(b"A" * 50_000, me), (b"B" * 50_000, me)]


def test_timeout_when_the_server_never_greets(silent_server, start_ticker):
    ticker = start_ticker()
    with Timeout(GUARD):
        ftp = green_ftplib.FTP()
        with pytest.raises(TimeoutError):
            ftp.connect(*silent_server.address, timeout=0.2)
        ftp.close()
    assert ticker.stop() > 0, "other green threads did not run while the client waited"


def test_bad_input_is_refused_at_the_call():
    ftp = green_ftplib.FTP()
    with pytest.raises(ValueError, match="illegal newline"):
        ftp.putline("NOOP\r\nQUIT")


# -- FTP over TLS ----------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_ftp_tls_protected_download_and_upload(ftp_server, tls_files):
    server_context = green_ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files.cert, tls_files.key)
    srv = ftp_server({"secret.txt": b"top secret\n" * 1000}, tls=server_context)
    client_context = green_ssl.create_default_context(cafile=tls_files.ca)
    with Timeout(GUARD):
        ftp = connect(srv, green_ftplib.FTP_TLS, context=client_context)
        assert isinstance(ftp.sock, green_ssl.SSLSocket)
        ftp.prot_p()
        received = io.BytesIO()
        ftp.retrbinary("RETR secret.txt", received.write)
        assert received.getvalue() == b"top secret\n" * 1000
        ftp.storbinary("STOR back.txt", io.BytesIO(b"returned\n" * 1000))
        assert srv.files["back.txt"] == b"returned\n" * 1000
        ftp.quit()
    verbs = [line.split()[0] for _, line in srv.commands]
    assert verbs[:5] == ["AUTH", "USER", "PASS", "PBSZ", "PROT"]


# -- ftp:// through the green urllib.request -------------------------------------------------


def test_urlopen_ftp_url_uses_green_ftplib(ftp_server):
    srv = ftp_server({"hello.txt": b"fetched through urlopen\n"})
    host, port = srv.address
    with Timeout(GUARD):
        with green_request.urlopen(f"ftp://bob:pw@{host}:{port}/hello.txt", timeout=GUARD) as r:
            assert r.read() == b"fetched through urlopen\n"
            assert r.headers["Content-length"] == str(len(b"fetched through urlopen\n"))
        with pytest.raises(urllib.error.URLError):
            green_request.urlopen(f"ftp://bob:pw@{host}:{port}/missing.txt", timeout=GUARD)
    assert (1, "USER bob") in srv.commands
    assert any(line == "RETR hello.txt" for _, line in srv.commands)


def test_urlopen_ftp_downloads_overlap(ftp_server, make_gate):
    srv = ftp_server({"one.txt": b"1" * 1000, "two.txt": b"2" * 1000})
    gate = make_gate(2)
    srv.before_retr = gate.arrive  # each RETR waits there until both have come
    host, port = srv.address

    def fetch(name):
        with green_request.urlopen(f"ftp://{host}:{port}/{name}", timeout=GUARD) as reply:
            return reply.read()

    with Timeout(GUARD):
        fetches = [spawn(fetch, "one.txt"), spawn(fetch, "two.txt")]
        gate.all_arrived.wait()
        gate.open()
        assert [f.wait() for f in fetches] == [b"1" * 1000, b"2" * 1000]


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="CPython 3.10's CacheFTPHandler reuses a connection without reading the reply to "
    "the first transfer (its ftpwrapper.endtransfer does not call voidresp; fixed in 3.11), "
    "so the second retrieval fails with the standard library alone",
)
def test_cache_ftp_handler_keeps_one_green_connection(ftp_server):
    srv = ftp_server({"a.txt": b"first file", "b.txt": b"second file"})
    host, port = srv.address
    handler = green_request.CacheFTPHandler()
    opener = green_request.build_opener(handler)
    with Timeout(GUARD):
        bodies = []
        for name in ("a.txt", "b.txt"):
            with opener.open(f"ftp://{host}:{port}/{name}", timeout=GUARD) as reply:
                bodies.append(reply.read())
        handler.clear_cache()
    assert bodies == [b"first file", b"second file"]
    assert {session for session, _ in srv.commands} == {1}  # both over one control connection
    assert [line for _, line in srv.commands if line.startswith("RETR")] == [
        "RETR a.txt",
        "RETR b.txt",
    ]
