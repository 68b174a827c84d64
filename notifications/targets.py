"""Where webhooks may go: http(s) only, and no private, loopback or link-local address
unless WEBHOOKS_ALLOW_PRIVATE_TARGETS (development, tests). Checked when an endpoint is saved
and again before every call, on every address the host resolves to (DNS rebinding)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class TargetRefused(Exception):
    pass


def _address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def target_check(url: str, *, resolve: bool = True) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Only http and https URLs are allowed.")
    if not parts.hostname:
        raise TargetRefused("The URL has no host.")
    if parts.username or parts.password:
        raise TargetRefused("Credentials in the URL are not allowed; use the signature.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused("The URL's port is not valid.") from None
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(f"The host {parts.hostname} does not resolve ({error}).") from None
    for info in infos:
        if _address_refused(info[4][0]):
            raise TargetRefused(
                f"The host {parts.hostname} resolves to a private or reserved address "
                f"({info[4][0]})."
            )


class _GuardedConnectionMixin:
    """Resolve, check and connect in one step, so the address we connect to is the address we
    checked (a second DNS answer cannot point the call at an internal service)."""

    def _new_conn(self):
        from urllib3.exceptions import NewConnectionError
        from urllib3.util.connection import create_connection

        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, proto=socket.IPPROTO_TCP)
        except socket.gaierror as error:
            raise NewConnectionError(self, f"{self.host} does not resolve ({error})") from None
        for info in infos:
            if _address_refused(info[4][0]):
                raise NewConnectionError(
                    self, f"Refused target: {self.host} resolves to {info[4][0]}"
                )
        return create_connection(
            (infos[0][4][0], self.port),
            self.timeout,
            source_address=self.source_address,
            socket_options=self.socket_options,
        )


def guarded_session():
    """A requests session for webhook calls: no proxies from the environment, and (unless
    WEBHOOKS_ALLOW_PRIVATE_TARGETS) connections only to public addresses, checked at connect."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    session = requests.Session()
    session.trust_env = False
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return session

    class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
        pass

    class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
        pass

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": GuardedHTTPPool,
                "https": GuardedHTTPSPool,
            }

    session.mount("http://", GuardedAdapter())
    session.mount("https://", GuardedAdapter())
    return session
