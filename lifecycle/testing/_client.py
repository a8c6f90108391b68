"""``ModelClient``: the model as the ECS your client code talks to, with a recorded history.

One shape on both paths. ``EcsModel.call`` returns a typed response (a frozen
dataclass); ``ModelClient.call`` returns the documented body as a dict (a
``ResponseBody``), because the code it stands in for reads bodies as an SDK's
JSON. Both have ``to_dict()``, the documented body as a fresh plain dict, so
``client.call(action, params).to_dict()`` reads a body whichever of the two
``client`` is. Decision: not one class for both. Returning the model's
dataclasses from ``ModelClient`` would break every caller that indexes the
body (``body["InstanceStatuses"]``), and returning dicts from ``EcsModel``
would drop the typed fields its users rely on; ``to_dict()`` is the common
ground, and a ``ResponseBody`` is still the dict it always was.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping

from .. import ApiError, EcsModel, ManualClock
from ..errors import InvalidArgument
from ._coverage import OutcomeCoverage
from ._history import Call
from ._outcomes import Outcome, Request

__all__ = ["ModelClient", "ResponseBody"]


class ResponseBody(dict[str, object]):
    """A documented response body as ``ModelClient.call`` returns it: a dict, with ``to_dict()``.

    Index it as the JSON body an SDK returns (``body["RequestId"]``), or call
    ``to_dict()`` as on a response of ``EcsModel.call``: code written against
    either reads both.
    """

    def to_dict(self) -> dict[str, object]:
        """The body as a fresh plain dict (nested values copied), as a model response gives it."""
        return copy.deepcopy(dict(self))


class ModelClient:
    """Send documented calls to an ``EcsModel``, sleep on its clock, and record what came back.

    Hand it to code that drives ECS (an "ensure running" loop, an autoscaler)
    in place of the SDK client: ``call`` returns the documented response body
    (a dict with ``to_dict()``, see ``ResponseBody``) or raises
    ``lifecycle.ApiError`` as the SDK raises its server exception, and
    ``sleep`` moves the model's ``ManualClock`` instead of waiting. Every
    call is recorded, with the model time it was made at, as a ``Call`` that
    ``check_history`` accepts, and tallied in ``coverage``.

    Args:
        model: The model to call; its clock must be a ``ManualClock`` for ``sleep``.
    """

    def __init__(self, model: EcsModel) -> None:
        if not isinstance(model, EcsModel):
            raise InvalidArgument(f"model={model!r}: expected a lifecycle.EcsModel")
        self._model = model
        self._history: list[Call] = []
        self._lock = threading.Lock()
        self.coverage = OutcomeCoverage()

    @property
    def model(self) -> EcsModel:
        """The model behind the client."""
        return self._model

    @property
    def history(self) -> tuple[Call, ...]:
        """Every call so far, oldest first, with the outcome the caller observed."""
        with self._lock:
            return tuple(self._history)

    def call(self, action: str, params: Mapping[str, object] | None = None) -> ResponseBody:
        """One call, by documented action and parameter names.

        Returns:
            The documented response body (``RequestId`` and, for
            DescribeInstanceStatus, the listing): a dict, which also has
            ``to_dict()`` as ``EcsModel.call``'s responses do.

        Raises:
            lifecycle.ApiError: the documented error (including injected faults).
            lifecycle.errors.InvalidArgument: for a call no ECS endpoint could receive.
        """
        request = Request(action, dict(params or {}))
        time = self._model.now
        try:
            body = request.send(self._model).to_dict()
        except ApiError as error:
            self._record(request, Outcome.error(error.code.value, error.http_status), time)
            raise
        self._record(request, Outcome.success(body), time)
        return ResponseBody(copy.deepcopy(body))  # the recorded history keeps its own

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of model time: advance the model's ``ManualClock``.

        Raises:
            InvalidArgument: if the model's clock is not a ``ManualClock``, or
                ``seconds`` is negative.
        """
        if not isinstance(self._model.clock, ManualClock):
            raise InvalidArgument("sleep() needs the model to run on a ManualClock")
        self._model.advance(seconds)

    def _record(self, request: Request, outcome: Outcome, time: float) -> None:
        with self._lock:
            self._history.append(Call(request, outcome, time))
        self.coverage.record(request.action, outcome)

    def __repr__(self) -> str:
        return f"<ModelClient over {self._model!r}: {len(self._history)} calls>"
