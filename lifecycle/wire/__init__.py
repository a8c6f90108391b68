"""``lifecycle.wire``: the model behind an HTTP endpoint the official SDKs use unchanged.

Run ``python -m lifecycle serve`` and point an Alibaba Cloud SDK at the
address it prints, or serve from Python::

    from lifecycle.wire import Credential, WireApp, serve

    app = WireApp([Credential(name="dev", access_key_id="AK", access_key_secret="SK")])
    with serve(app) as server:          # a free loopback port, served from a thread
        app.accounts["dev"].model.create_instance("i-1", status="Stopped")
        ...                             # SDK clients call server.endpoint

The layers, each usable alone: ``WireApp.handle`` answers a ``WireRequest``
with a ``WireResponse`` without sockets (the ECS RPC protocol: parameters,
V2 and V3 signatures, documented envelopes in JSON or XML); ``WireApp`` is a
WSGI application; ``WireServer``/``serve`` host it on a threaded standard
library server. ``/_lifecycle/`` is a JSON control surface for tests and
simulators (see docs/sdk.md).
"""

from ._accounts import Account, Accounts, Credential, EventLog, ServerClock, load_credentials
from ._envelope import WIRE_ERRORS, WireErrorEntry
from ._protocol import API_VERSION, WireConfig, WireRequest, WireResponse
from ._server import WireServer, serve
from ._wsgi import WireApp

__all__ = [
    "API_VERSION",
    "WIRE_ERRORS",
    "Account",
    "Accounts",
    "Credential",
    "EventLog",
    "ServerClock",
    "WireApp",
    "WireConfig",
    "WireErrorEntry",
    "WireRequest",
    "WireResponse",
    "WireServer",
    "load_credentials",
    "serve",
]

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("lifecycle.wire._"):
        _obj.__module__ = "lifecycle.wire"
del _name, _obj
