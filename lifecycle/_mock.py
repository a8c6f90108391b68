"""``mock_ecs()``: the official Python SDKs served by the model in-process, as moto serves boto3.

Under ``with lifecycle.mock_ecs() as ecs:`` (or on a function decorated with a
``mock_ecs()``) both official SDKs, unchanged and configured as for the real
cloud, reach the model with no socket: the region's endpoint
(``ecs-cn-hangzhou.aliyuncs.com``, ``ecs.eu-central-1.aliyuncs.com``), https,
no endpoint or protocol override. Each request is handed, as the SDK would
have sent it, to the same ``lifecycle.wire.WireApp`` that ``serve`` hosts:
envelopes, signature verification, accounts and request ids all as on the wire.

Where each SDK is intercepted, and why there: at the one function of its
transport that receives the whole request (method, URL, headers, body) after
signing and before any connection is opened, so a signature is verified over
exactly what would have gone out:

- ``alibabacloud-ecs20140526`` (and every Tea SDK on ``alibabacloud-tea-openapi``
  0.4): ``darabonba.core.DaraCore.do_action`` and ``async_do_action`` (its sync
  and async calls); ``do_sse_action``, ``async_do_sse_action`` and the
  WebSocket client's ``connect`` are refused, as ECS has no such API.
- The Tea core the credential providers use (STS, RAM roles, ECS metadata):
  ``Tea.core.TeaCore.do_action`` and ``async_do_action``, so an STS call never
  leaves either: it is refused by host.
- ``aliyun-python-sdk-core`` (``aliyun-python-sdk-ecs`` and every old SDK):
  ``aliyunsdkcore.http.http_response.HttpResponse.get_response_object``, which
  builds the URL and sends the prepared request through the SDK's vendored
  ``requests``; patching the vendored ``requests`` instead would see the same
  request later, after it had been re-prepared.

Nothing else is touched: the plain ``requests``, ``aiohttp`` and ``urllib``
keep working for the rest of the test. A request to another host or product,
another path, or an action the model does not serve is never sent anywhere:
it raises ``UnservedRequest`` naming the host, product and action, where it
was made, and again when the block ends, so code that catches every
exception cannot hide it.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

from ._timing import Durations
from .errors import InvalidArgument, LifecycleError

if TYPE_CHECKING:
    from typing import Self

    from ._model import EcsModel
    from .wire import Accounts, Credential, ServerClock, WireConfig, WireResponse

__all__ = ["MockEcs", "UnservedRequest", "mock_ecs"]

P = ParamSpec("P")
R = TypeVar("R")

#: The default account's key pair: fixed, so a test can also write it out.
ACCESS_KEY_ID: Final = "LTAI-lifecycle-mock"
ACCESS_KEY_SECRET: Final = "lifecycle-mock-secret"

#: ECS's endpoints: ``ecs.aliyuncs.com``, ``ecs-cn-hangzhou.aliyuncs.com`` (the
#: older regions' form, which both SDKs choose for cn-hangzhou),
#: ``ecs.eu-central-1.aliyuncs.com``, and the VPC forms (``ecs-vpc.REGION``).
#: A region id is two letters, a dash, more (so ``ecs-workbench`` is not ECS).
_ECS_HOST: Final = re.compile(
    r"ecs(?:-vpc)?(?:[.-][a-z]{2}-[a-z0-9-]+)?\.aliyuncs\.com(?::\d+)?\Z", re.IGNORECASE
)
#: Any other Alibaba Cloud endpoint: its first label names the product.
_ALIYUN_HOST: Final = re.compile(
    r"(?P<product>[a-z0-9-]+)(?:\.[a-z0-9.-]+)?\.aliyuncs\.com(?::\d+)?\Z"
)


_PHRASES: Final = {status.value: status.phrase for status in HTTPStatus}


class UnservedRequest(LifecycleError):
    """A request ``mock_ecs()`` refused instead of sending it anywhere.

    Raised where an SDK made the request (the Tea SDK wraps it in its own
    ``UnretryableException``, whose text is this message) and again, with
    every refusal listed, when the ``mock_ecs()`` block ends without another
    exception.

    Attributes:
        method: The HTTP method.
        url: The URL without its query string.
        host: The host the SDK addressed.
        product: The product the host names (``"vpc"`` for
            ``vpc.cn-hangzhou.aliyuncs.com``), or ``None`` off Alibaba Cloud.
        action: The action the request named, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        host: str = "",
        product: str | None = None,
        action: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.host = host
        self.product = product
        self.action = action


class _Sent:
    """One request as an SDK would have sent it."""

    def __init__(
        self, method: str, url: str, host: str, headers: dict[str, str], body: object
    ) -> None:
        parts = urlsplit(url)
        self.method = method.upper()
        self.host = host
        self.url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.path = parts.path or "/"
        self.query = parts.query
        self.headers = headers
        self.body = _bytes(body)
        params = dict(parse_qsl(self.query, keep_blank_values=True))
        lowered = {name.lower(): value for name, value in headers.items()}
        self.action = params.get("Action") or lowered.get("x-acs-action") or None

    def refused(self, reason: str) -> UnservedRequest:
        match = _ALIYUN_HOST.match(self.host.lower())
        named = f" (action {self.action!r})" if self.action else ""
        return UnservedRequest(
            f"lifecycle.mock_ecs() refused {self.method} {self.url}{named}: {reason}."
            " Nothing was sent: under mock_ecs() no SDK request leaves the process.",
            method=self.method,
            url=self.url,
            host=self.host,
            product=match.group("product") if match else None,
            action=self.action,
        )


def _bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(cast(bytes, body))


class MockEcs:
    """The accounts ``mock_ecs()`` serves, and the switch that routes the SDKs to them.

    Use it as a context manager (``with mock_ecs() as ecs:``) or as a
    decorator (``@mock_ecs()``, on sync or async functions; each call starts
    from fresh accounts and time 0, as moto's decorator does). Only one can be
    active at a time: entering a second one, nested or from another thread,
    raises ``InvalidArgument``, since both would patch the same functions.

    Attributes:
        app: The ``lifecycle.wire.WireApp`` that answers every request.
        refused: The requests refused since the block was entered (each an
            ``UnservedRequest``). A test that expected them clears the list,
            and the block then ends quietly.
    """

    _active: MockEcs | None = None
    _active_lock: Final = threading.Lock()

    def __init__(
        self,
        credentials: Iterable[Credential] | None = None,
        *,
        seed: int = 0,
        time_scale: float = 0.0,
        durations: Durations | None = None,
        config: WireConfig | None = None,
    ) -> None:
        # Imported here: the wire layer is not needed by `import lifecycle`.
        from .wire import Credential, WireApp, WireConfig  # noqa: PLC0415

        if credentials is None:
            credentials = [
                Credential(
                    name="default", access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET
                )
            ]
        # No control surface: the SDKs never ask for it, and tests hold the models.
        self.app = WireApp(
            credentials,
            WireConfig(control=False) if config is None else config,
            seed=seed,
            time_scale=time_scale,
            durations=durations,
        )
        self.refused: list[UnservedRequest] = []
        self._undo: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def accounts(self) -> Accounts:
        """Every account: ``ecs.accounts["alice"].model`` is her ``EcsModel``."""
        return self.app.accounts

    @property
    def model(self) -> EcsModel:
        """The default (first) account's ``EcsModel``: set conditions, read statuses."""
        return self.app.accounts.default.model

    @property
    def clock(self) -> ServerClock:
        """The one clock every account reads; ``ecs.clock.advance(30)`` moves time on."""
        return self.app.accounts.clock

    @property
    def credential(self) -> Credential:
        """The default account's key pair."""
        return self.app.accounts.default.credential

    @property
    def access_key_id(self) -> str:
        """The default account's AccessKeyId: configure the SDK with it."""
        return self.credential.access_key_id

    @property
    def access_key_secret(self) -> str:
        """The default account's AccessKeySecret: configure the SDK with it."""
        return self.credential.access_key_secret

    def __repr__(self) -> str:
        names = ", ".join(account.name for account in self.accounts)
        state = "active" if MockEcs._active is self else "inactive"
        return f"<MockEcs {state}, accounts: {names}>"

    # -- switching on and off ------------------------------------------------

    def __enter__(self) -> Self:
        with MockEcs._active_lock:
            if MockEcs._active is not None:
                raise InvalidArgument(
                    "mock_ecs() is already active: nesting is refused (both would patch"
                    " the same SDK functions); use the active one's accounts instead"
                )
            MockEcs._active = self
        self.refused = []
        try:
            self._patch_dara()
            self._patch_tea()
            self._patch_aliyunsdkcore()
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._restore()
        # The exception already propagating needs no second telling.
        refused = [error for error in self.refused if error is not exc]
        if not refused:
            return
        listed = "\n".join(f"  {error}" for error in refused)
        summary = f"lifecycle.mock_ecs() refused {len(refused)} request(s):\n{listed}"
        if exc is None:
            raise UnservedRequest(summary)
        exc.add_note(summary)

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        """Decorate ``func`` (sync or async): each call runs under this mock, on fresh accounts."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                with self:
                    self.app.accounts.reset()
                    return await func(*args, **kwargs)

            return cast(Callable[P, R], run_async)

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                self.app.accounts.reset()
                return func(*args, **kwargs)

        return run

    def _restore(self) -> None:
        while self._undo:
            self._undo.pop()()
        with MockEcs._active_lock:
            MockEcs._active = None

    def _replace(self, owner: type, name: str, value: object) -> None:
        original = owner.__dict__[name]  # the raw attribute: a staticmethod stays one
        self._undo.append(lambda: setattr(owner, name, original))
        setattr(owner, name, value)

    # -- serving -------------------------------------------------------------

    def _answer(self, sent: _Sent) -> WireResponse:
        """The model's answer to ``sent``, or ``UnservedRequest`` raised (and recorded)."""
        from .wire import WireRequest  # noqa: PLC0415
        from .wire._protocol import ACTIONS  # noqa: PLC0415

        reason = None
        if not _ECS_HOST.match(sent.host):
            known = _ALIYUN_HOST.match(sent.host.lower())
            reason = f"host {sent.host!r} is not an ECS endpoint" + (
                f" (product {known.group('product')!r}): mock_ecs() serves ECS only"
                if known
                else "; configure the SDK as for the real cloud (region, no endpoint override)"
            )
        elif sent.path != "/":
            reason = f"path {sent.path!r} is not ECS's RPC path '/'"
        elif sent.action is not None and sent.action not in ACTIONS:
            reason = (
                f"the model does not serve ECS action {sent.action!r}"
                f" (it serves {', '.join(sorted(ACTIONS))})"
            )
        if reason is not None:
            raise self._refuse(sent.refused(reason))
        return self.app.handle(
            WireRequest(
                method=sent.method,
                path=sent.path,
                query=sent.query,
                headers={"host": sent.host, **sent.headers},
                body=sent.body,
            )
        )

    def _refuse(self, error: UnservedRequest) -> UnservedRequest:
        with self._lock:
            self.refused.append(error)
        return error

    def _patch_dara(self) -> None:
        """``alibabacloud-tea-openapi`` 0.4's transport, sync and async."""
        try:
            from darabonba.core import DaraCore  # noqa: PLC0415
            from darabonba.response import DaraResponse  # noqa: PLC0415
            from darabonba.websocket import DefaultWebSocketClient  # noqa: PLC0415
        except ImportError:
            return
        self._patch_tea_core(DaraCore, DaraResponse)

        def no_stream(request: Any, runtime_option: Any = None) -> Any:
            raise self._refuse(_tea_sent(DaraCore, request).refused("ECS has no streamed API"))

        async def no_stream_async(request: Any, runtime_option: Any = None) -> Any:
            no_stream(request, runtime_option)

        def no_websocket(client: Any, request: Any, runtime_object: Any = None) -> Any:
            raise self._refuse(_tea_sent(DaraCore, request).refused("ECS has no WebSocket API"))

        self._replace(DaraCore, "do_sse_action", staticmethod(no_stream))
        self._replace(DaraCore, "async_do_sse_action", staticmethod(no_stream_async))
        self._replace(DefaultWebSocketClient, "connect", no_websocket)

    def _patch_tea(self) -> None:
        """The older Tea core, which the credential providers call (STS, RAM roles)."""
        try:
            from Tea.core import TeaCore  # noqa: PLC0415
            from Tea.response import TeaResponse  # noqa: PLC0415
        except ImportError:
            return
        self._patch_tea_core(TeaCore, TeaResponse)

    def _patch_tea_core(self, core: type, response_type: type) -> None:
        def do_action(request: Any, runtime_option: Any = None) -> Any:
            answer = self._answer(_tea_sent(core, request))
            response = response_type()
            response.status_code = answer.status
            response.status_message = _reason(answer.status)
            response.headers = {name.lower(): value for name, value in answer.headers}
            response.headers["content-length"] = str(len(answer.body))
            response.body = answer.body
            response.response = None
            return response

        async def async_do_action(request: Any, runtime_option: Any = None) -> Any:
            return do_action(request, runtime_option)

        self._replace(core, "do_action", staticmethod(do_action))
        self._replace(core, "async_do_action", staticmethod(async_do_action))

    def _patch_aliyunsdkcore(self) -> None:
        """``aliyun-python-sdk-core``: the function that sends every old-SDK request."""
        try:
            from aliyunsdkcore.http.http_response import HttpResponse  # noqa: PLC0415
            from aliyunsdkcore.vendored.requests.structures import (  # noqa: PLC0415
                CaseInsensitiveDict,
            )
        except ImportError:
            return

        def get_response_object(http: Any) -> tuple[int, Any, bytes]:
            scheme = "https" if http.get_ssl_enabled() else "http"
            host = http.get_host()
            sent = _Sent(
                http.get_method(),
                f"{scheme}://{host}{http.get_url()}",
                host,
                dict(http.get_headers()),
                http.get_body(),
            )
            answer = self._answer(sent)
            headers = CaseInsensitiveDict(answer.headers)
            headers["Content-Length"] = str(len(answer.body))
            return answer.status, headers, answer.body

        self._replace(HttpResponse, "get_response_object", get_response_object)


def _tea_sent(core: Any, request: Any) -> _Sent:
    """A Tea or Dara request as its core would send it (``compose_url`` is the SDK's own)."""
    headers = {str(name): str(value) for name, value in request.headers.items()}
    host = headers.get("host", "")
    return _Sent(request.method, core.compose_url(request), host, headers, request.body)


def _reason(status: int) -> str:
    return _PHRASES.get(status, "Unknown")


def mock_ecs(
    credentials: Iterable[Credential] | None = None,
    *,
    seed: int = 0,
    time_scale: float = 0.0,
    durations: Durations | None = None,
    config: WireConfig | None = None,
) -> MockEcs:
    """Serve both official ECS SDKs from the model, in-process, as moto serves boto3.

    ::

        with lifecycle.mock_ecs() as ecs:
            ecs.model.create_instance("i-web", status="Stopped")
            client = Client(Config(access_key_id=ecs.access_key_id,
                                   access_key_secret=ecs.access_key_secret,
                                   region_id="cn-hangzhou"))
            client.start_instance(StartInstanceRequest(instance_id="i-web"))
            assert ecs.model.instance("i-web").status == "Starting"

    Args:
        credentials: One ``lifecycle.wire.Credential`` per account; by default
            one account, ``default``, keyed ``LTAI-lifecycle-mock`` /
            ``lifecycle-mock-secret``.
        seed: The first account's seed (account ``n`` gets ``seed + n``).
        time_scale: Model seconds per real second; 0 (the default) stops time
            until ``ecs.clock.advance(seconds)``.
        durations: How long transitory statuses last.
        config: The wire's checks (``WireConfig(control=False)`` by default:
            signatures verified, timestamps and nonces checked).

    Returns:
        A ``MockEcs``: a context manager yielding itself, and a decorator.

    Raises:
        InvalidArgument: for a bad credential, seed or time scale, and on
            entering while another ``mock_ecs()`` is active.
    """
    return MockEcs(
        credentials, seed=seed, time_scale=time_scale, durations=durations, config=config
    )
