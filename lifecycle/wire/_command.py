"""What ``lifecycle serve`` does, apart from parsing its flags: build the server, say how to use it.

``_cli.py`` stays a thin layer: it parses the flags and calls ``prepare``,
prints the banner it returns, then serves until interrupted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ._accounts import Accounts, ServerClock, resolve_credentials
from ._protocol import API_VERSION, WireConfig
from ._server import MAX_CONNECTIONS, WireServer
from ._wsgi import WireApp

__all__ = ["ENV_CONTROL_TOKEN", "MAX_CONNECTIONS", "ServeOptions", "prepare"]

#: The control surface's credential, when configured (else one is generated and printed).
ENV_CONTROL_TOKEN: Final = "LIFECYCLE_CONTROL_TOKEN"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServeOptions:
    """The ``serve`` command's flags."""

    host: str = "127.0.0.1"
    port: int = 8080
    credentials: str | None = None
    verify: bool = True
    seed: int = 0
    time_scale: float = 1.0
    control: bool = True
    max_connections: int = MAX_CONNECTIONS
    strict_parameters: bool = False


@dataclass(frozen=True, slots=True)
class Prepared:
    """A bound, not yet serving, server and what to tell the user."""

    server: WireServer
    banner: list[str]
    warnings: list[str]


def prepare(options: ServeOptions, environ: Mapping[str, str]) -> Prepared:
    """Make the accounts, the app and the server (bound, not serving) for ``options``.

    Raises:
        InvalidArgument: for bad credentials, a bad time scale, port, connection
            bound or control token.
        OSError: if the address cannot be bound.
    """
    credentials, source = resolve_credentials(options.credentials, environ)
    accounts = Accounts(
        credentials, seed=options.seed, clock=ServerClock(time_scale=options.time_scale)
    )
    config = WireConfig(
        verify=options.verify,
        control=options.control,
        strict_parameters=options.strict_parameters,
    )
    token = environ.get(ENV_CONTROL_TOKEN) or None
    app = WireApp(accounts, config, control_token=token)
    server = WireServer(
        app, host=options.host, port=options.port, max_connections=options.max_connections
    )
    generated = source == "generated for this run"
    banner = [
        f"lifecycle serve: ECS API {API_VERSION} at {server.url}",
        f"  SDK endpoint: {server.endpoint!r} with protocol 'http'",
        f"  accounts (credentials: {source}):",
    ]
    for account in accounts:
        credential = account.credential
        line = f"    {credential.name}: AccessKeyId {credential.access_key_id}"
        if generated:
            line += f"  AccessKeySecret {credential.access_key_secret}"
        banner.append(line)
    if options.verify:
        banner.append(
            "  signatures: verified (V2 HMAC-SHA1, V3 ACS3-HMAC-SHA256; "
            f"timestamps within {config.timestamp_window:g} s; each nonce once)"
        )
    scale = f"{options.time_scale:g} model seconds per second"
    if not options.time_scale:
        scale = "frozen: it moves only by POST /_lifecycle/clock/advance"
    banner.append(f"  clock: {scale}")
    if options.control:
        protection = "loopback only, JSON bodies, no browser pages"
        if not options.verify:
            protection += "; no credential: --no-verify"
        banner.append(f"  control surface: {server.url}/_lifecycle/ ({protection})")
        if options.verify:
            if token is None:
                shown = f"{app.control.token}  (generated for this run)"
            else:
                shown = f"${ENV_CONTROL_TOKEN}"
            banner.append(f"    every endpoint: Authorization: Bearer {shown}")
            banner.append("    one account's: also HTTP Basic AccessKeyId:AccessKeySecret")
    banner.append(f"  connections: {options.max_connections} at once; beyond them, Throttling")
    if options.strict_parameters:
        banner.append("  parameters: strict (an undocumented one is UnsupportedParameter)")
    banner.append("  Ctrl-C to stop.")
    warnings = []
    if not options.verify:
        warnings.append(
            "WARNING: signature verification is OFF (--no-verify): every request is "
            "served unsigned, for the account its AccessKeyId names or else the first. "
            "Anyone who can reach this port can change every account."
        )
    if not ipaddress.ip_address(server.host).is_loopback:
        warnings.append(
            f"WARNING: listening on {server.host}, not loopback: other machines can reach "
            "the ECS endpoint (the control surface still answers loopback peers only)."
        )
    return Prepared(server, banner, warnings)
