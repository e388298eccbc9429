"""Fixtures of the eventlet-patcher tests.

Monkey patching changes a whole interpreter for good, so every scenario runs in a fresh
interpreter (``run_python``): the test passes it a program and asserts on its output and
exit code.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SCENARIO_TIMEOUT = 40  # seconds: far above what any scenario needs, so only a hang reaches it


@dataclass
class Result:
    """What a scenario's interpreter did."""

    returncode: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """The lines it printed on stdout."""
        return self.out.splitlines()


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., Result]:
    """Run a program in a fresh interpreter; return its exit code and output.

    ``code`` is dedented and saved as ``script.py`` in a temporary folder (also the working
    directory); ``args`` go on the command line, after ``-m eventlet.patcher`` if ``via_patcher``.
    """

    def run(code: str, *args: str, via_patcher: bool = False, check: bool = True) -> Result:
        script = tmp_path / "script.py"
        script.write_text(textwrap.dedent(code))
        command = [sys.executable]
        if via_patcher:
            command += ["-m", "eventlet.patcher"]
        command += [str(script), *args]
        env = dict(os.environ)
        env.pop("EVENTLET_HUB", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        try:
            done = subprocess.run(
                command,
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=SCENARIO_TIMEOUT,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"the scenario hung; output so far:\n{exc.stdout}\n{exc.stderr}")
        result = Result(done.returncode, done.stdout, done.stderr)
        if check and (result.returncode != 0 or result.err):
            pytest.fail(
                f"the scenario failed with exit code {result.returncode}\n"
                f"stdout:\n{result.out}\nstderr:\n{result.err}"
            )
        return result

    return run


@dataclass
class TLSFiles:
    """PEM files: a CA certificate, and a server certificate for 127.0.0.1 with its key."""

    ca: str
    cert: str
    key: str


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A throw-away CA and a server certificate it signed for 127.0.0.1 and localhost."""
    folder = tmp_path_factory.mktemp("patcher-tls")
    now = datetime.datetime.now(datetime.timezone.utc)
    lifetime = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=7))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eventlet-patcher test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(lifetime[0])
        .not_valid_after(lifetime[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(lifetime[0])
        .not_valid_after(lifetime[1])
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files = TLSFiles(
        ca=str(folder / "ca.pem"), cert=str(folder / "server.pem"), key=str(folder / "key.pem")
    )
    Path(files.ca).write_bytes(ca_cert.public_bytes(pem))
    Path(files.cert).write_bytes(server_cert.public_bytes(pem))
    Path(files.key).write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files
