"""What ``/etc/resolv.conf`` says: nameservers, search domains and options (resolv.conf(5))."""

from __future__ import annotations

from dataclasses import dataclass, field

from eventlet.green._getaddrinfo import c_socket as _socket
from eventlet.green._getaddrinfo import is_ip_addr

__all__ = ["RESOLV_CONF", "Config", "read_resolv_conf"]

#: Where the nameservers and search domains are read from by default.
RESOLV_CONF = "/etc/resolv.conf"

# glibc's defaults and limits for resolv.conf (resolv.conf(5)).
_DEFAULT_TIMEOUT = 5.0
_DEFAULT_ATTEMPTS = 2
_DEFAULT_NDOTS = 1
_MAX_NAMESERVERS = 3
_MAX_SEARCH = 6
_MAX_NDOTS = 15
_MAX_TIMEOUT = 30.0
_MAX_ATTEMPTS = 5


@dataclass
class Config:
    """What resolv.conf says, after libc's defaults and limits."""

    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    ndots: int = _DEFAULT_NDOTS
    timeout: float = _DEFAULT_TIMEOUT
    attempts: int = _DEFAULT_ATTEMPTS
    rotate: bool = False
    edns0: bool = False
    use_vc: bool = False


def read_resolv_conf(filename: str | None) -> Config:
    """Parse a resolv.conf (resolv.conf(5)); a missing file gives libc's defaults."""
    config = Config()
    search: list[str] | None = None
    lines: list[str] = []
    if filename is not None:
        try:
            with open(filename, encoding="utf-8", errors="replace") as file:
                lines = file.readlines()
        except OSError:
            lines = []
    for line in lines:
        fields = line.split()
        if not fields or fields[0][0] in "#;":
            continue
        keyword, values = fields[0], fields[1:]
        if keyword == "nameserver" and values:
            if is_ip_addr(values[0]) and len(config.nameservers) < _MAX_NAMESERVERS:
                config.nameservers.append(values[0])
        elif keyword == "domain" and values:
            search = [values[0]]
        elif keyword == "search":
            search = values[:_MAX_SEARCH]
        elif keyword == "options":
            for option in values:
                _apply_option(config, option)
    if not config.nameservers:
        config.nameservers = ["127.0.0.1"]  # libc asks the local host when none is given
    if search is None:
        # No domain or search line: libc uses the domain of the host's own name.
        hostname = _socket.gethostname()
        search = [hostname.partition(".")[2]] if "." in hostname.strip(".") else []
    config.search = [domain.rstrip(".") for domain in search if domain.strip(".")]
    return config


def _apply_option(config: Config, option: str) -> None:
    name, _, value = option.partition(":")
    try:
        if name == "ndots":
            config.ndots = min(max(int(value), 0), _MAX_NDOTS)
        elif name == "timeout":
            seconds = float(value)
            if seconds > 0:
                config.timeout = min(seconds, _MAX_TIMEOUT)
        elif name == "attempts":
            config.attempts = min(max(int(value), 1), _MAX_ATTEMPTS)
        elif name == "rotate":
            config.rotate = True
        elif name == "edns0":
            config.edns0 = True
        elif name in ("use-vc", "usevc", "tcp"):
            config.use_vc = True
    except ValueError:
        pass  # libc ignores a malformed option
