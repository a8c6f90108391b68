"""``DifferentialMachine``: check another implementation of ECS against the model.

Subclass it, implement ``make_implementation``, and collect ``.TestCase``::

    class CheckMyFake(DifferentialMachine):
        def make_implementation(self, fleet, clock):
            return MyFake.from_fleet(fleet, clock)

    TestMyFake = CheckMyFake.TestCase

Hypothesis then builds a fleet, sends the same requests (valid and invalid,
each action the machine sends) to the model and to your implementation, moves
the shared clock and injects the same faults into both, and fails at the
first answer or status that differs, shrunk to a few steps printed as Python
you can paste.

Which actions. ``actions`` (a class attribute) names the actions the machine
sends; a fake that answers only some of them narrows it, and every rule, the
malformed requests, the fault plans and the coverage tally follow.
Decision: the default stays StartInstance, RebootInstance, StopInstance and
DescribeInstanceStatus, and the fleet actions (``FLEET_ACTIONS``:
DescribeInstances, DescribeInstanceAttribute, StartInstances, StopInstances,
RebootInstances) are opt-in, ``actions = ACTIONS``. Sending them by default
would break every fake written before the model answered them: such a fake
answers an action it does not know with an exception that carries no ECS
code (the example fake of this repository did: a ``KeyError``), or with an
error the model does not give, and its harness, green until the upgrade,
would fail on the first such call. Strategies, ``documented_outcomes`` and
``check_history`` take all fifteen by default: they only generate or read values,
and break no implementation.

What else a partial fake narrows. ``invalid_requests = False`` (no malformed
requests, for a fake that does not check parameters), ``too_many_ids =
False`` (malformed requests, but none of more than 100 ids) and
``fault_kinds`` (the ``FaultKind`` values injected; ``()`` for none). Each
leaves out of the coverage tally the documented pairs no remaining rule can
reach, with the setting that took them away (``coverage.left_out``), so the
report says what was not checked rather than counting it as missed. The
pairs are read off the precedence tables: a code is left out when every
check that answers it is switched off. Decision: class attributes, like
``actions``, rather than per-rule overrides, because they are what a fake's
author knows ("mine does not validate parameters") and they keep the rule
set, the strategies and the tally in step.

What is compared. An error: its code, and its HTTP status when both sides give
one. A success: its body as ``documented_view`` reduces it (RequestId aside;
a batch's per-instance entries; a DescribeInstances page's counts and each
instance's id and status, not the times, which each side counts from its own
epoch; a DescribeInstanceAttribute's id and status). A DescribeInstances with
``MaxResults`` is walked to its last page, each side following its own
``NextToken``, and every page compared. Two bodies that differ are reported
key by key, as paths in the API's own nesting
(``InstanceResponses.InstanceResponse[1].Code: model '200', implementation
'IncorrectInstanceStatus' (InstanceId 'i-1')``), then as whole bodies when
they are short enough to read.

Settings. ``@settings(...)`` on a ``RuleBasedStateMachine`` is not inherited
by subclasses, and Hypothesis's own default for state machines suppresses
every health check. This base class instead gives each subclass settings that
are resolved when the test runs: the active Hypothesis profile (so ``ci``
and ``--hypothesis-profile`` apply), then the harness profile chosen with
``set_profile`` or ``pytest --lifecycle-profile``, with ``deadline=None``
(a step runs two implementations) and without the explain phase (see
``harness_settings``). Health checks stay on. ``@settings(...)`` on your
subclass replaces all of this, as in Hypothesis, and *is* inherited by its
own subclasses here; ``@harness_settings(...)`` adjusts it instead.

Failure reports. A failure prints the steps as calls on the machine
(``state.start_instance(instance_id=instances_0, params={})``), each call's
two answers as a ``# t=...`` comment before it: pasted into a test they run
as they are, outside Hypothesis, and fail the same way. ``TestCase`` (and
``run_as_test``, the same outside pytest) raises the failure with the
harness's and Hypothesis's frames cut from its traceback, so what is left is
the message, the calls, and the frames of your own code if it raised. When
Hypothesis finds several distinct failures (an ``ExceptionGroup``), the
group's first note lists each one's headline and calls, one block per
failure, and Python prints it before any member's traceback. Hypothesis
tells failures apart by exception type and the line that raised it, so two
wrong answers of your fake count as one failure: fix it, and the next shows.
Hypothesis's own ``run_state_machine_as_test`` still works, with its own
report.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any, ClassVar, Final, Protocol, TypeVar, runtime_checkable

import hypothesis
from hypothesis import Phase, currently_in_test_context, event, note
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .. import Action, Durations, EcsModel, FaultKind, FaultRule, ManualClock
from .._faults import READ_ONLY
from .._model_platform import PLATFORM_STOP_CAUSES
from .._rules import PARAMETER_CHECKS
from .._spec import PRECEDENCE, REGION_ID, Check
from ..errors import ErrorCode, InvalidArgument
from ._conditions import Fleet
from ._coverage import MACHINE_ACTIONS, SUCCESS, OutcomeCoverage, resolve_actions
from ._outcomes import Outcome, Request, created_ids, documented_view
from ._strategies import (
    _creation_params,
    _names_one_instance,
    action_params,
    fault_rules,
    fleets,
    valid_requests,
)
from ._strategies import invalid_requests as _invalid_requests

__all__ = [
    "PROFILES",
    "DifferentialMachine",
    "Implementation",
    "get_profile",
    "harness_settings",
    "set_profile",
]


@runtime_checkable
class Implementation(Protocol):
    """What ``make_implementation`` returns: anything that answers ECS calls.

    ``call(action, params)`` takes the documented action name and parameters
    (as ``EcsModel.call`` does; an ``EcsModel`` is itself an implementation)
    and returns the response (a body mapping, an object with ``to_dict()``, or
    ``None``), or raises an exception whose ``code`` attribute is the error
    code (``lifecycle.ApiError`` and most SDK exceptions are such). An
    ``http_status`` or ``status_code`` on it is compared too.

    Optional methods, used when present:

    * ``add_fault(rule)``: inject a ``lifecycle.FaultRule`` (of the machine's
      ``fault_kinds``). Without it, the harness injects no faults, and the
      codes only faults give are left out of the coverage tally.
    * ``statuses(instance_ids) -> list[str]``: read statuses without a call
      (no fault can hit it). Without it, the status check calls both sides
      with the first of DescribeInstanceStatus, DescribeInstances and
      DescribeInstanceAttribute the machine's ``actions`` include.
    * ``close()``: called when an example ends.
    """

    def call(self, action: str, params: Mapping[str, object]) -> object:
        """Answer one call."""
        ...  # pragma: no cover


# --------------------------------------------------------------- settings
#: The harness profiles ``set_profile`` and ``--lifecycle-profile`` know by name,
#: on top of the active Hypothesis profile. Any registered Hypothesis profile
#: name is accepted as well.
PROFILES: Final[Mapping[str, Mapping[str, Any]]] = {
    "quick": {"max_examples": 20, "stateful_step_count": 20},
    "default": {},
    "thorough": {"max_examples": 1000, "stateful_step_count": 100},
}
_active_profile: str = "default"


def set_profile(name: str) -> None:
    """Choose the harness profile every ``DifferentialMachine`` runs with from now on.

    Args:
        name: ``"quick"``, ``"default"`` (the active Hypothesis profile as it
            is), ``"thorough"``, or the name of a registered Hypothesis profile.

    Raises:
        InvalidArgument: for a name that is none of these.
    """
    global _active_profile  # noqa: PLW0603 -- one process-wide choice, like Hypothesis's own
    if not isinstance(name, str) or (name not in PROFILES and not _is_hypothesis_profile(name)):
        known = ", ".join(PROFILES)
        raise InvalidArgument(
            f"profile {name!r}: expected one of {known} or a registered Hypothesis profile"
        )
    _active_profile = name


def get_profile() -> str:
    """The harness profile's name (``"default"`` unless ``set_profile`` changed it)."""
    return _active_profile


def _is_hypothesis_profile(name: str) -> bool:
    try:
        Settings.get_profile(name)
    except Exception:  # Hypothesis raises its own InvalidArgument for an unknown name
        return False
    return True


def harness_settings(**overrides: Any) -> Settings:
    """The settings a ``DifferentialMachine`` runs with, resolved now.

    The active Hypothesis profile, then the harness profile, then
    ``deadline=None`` and no explain phase, then ``overrides``. Use it to adjust rather than
    replace: ``@harness_settings(max_examples=500)`` on your subclass.
    """
    if _active_profile in PROFILES:
        parent = Settings.default
        assert parent is not None, "Hypothesis always has a default profile"
        layer = dict(PROFILES[_active_profile])
    else:
        parent = Settings.get_profile(_active_profile)
        layer = {}
    layer["deadline"] = None
    # The explain phase re-runs the failing example under a line tracer to name
    # the lines only failing runs execute: for a state machine that multiplies
    # shrinking time by about thirty (70 s against 2 s, measured), and the lines
    # it names are mostly the model's own.
    layer["phases"] = tuple(p for p in parent.phases if p is not Phase.explain)
    layer.update(overrides)
    return Settings(parent, **layer)


class _ResolvedSettings:
    """``TestCase.settings`` of a harness subclass: computed each time it is read."""

    def __init__(self, inherited: Settings | None) -> None:
        self._inherited = inherited

    def __get__(self, instance: object, owner: type | None = None) -> Settings:
        return self._inherited if self._inherited is not None else harness_settings()


# ---------------------------------------------------------------- machine
_INSTANCES: Final = Bundle("instances")
#: The actions that name one instance: a well-formed call of each has its own rule.
_SINGLE: Final = (Action.START_INSTANCE, Action.REBOOT_INSTANCE, Action.STOP_INSTANCE)
_BATCH: Final = (Action.START_INSTANCES, Action.STOP_INSTANCES, Action.REBOOT_INSTANCES)
#: The lifecycle actions that name one instance, and the ones that create.
_LIFE_SINGLE: Final = (
    Action.DELETE_INSTANCE,
    Action.RENEW_INSTANCE,
    Action.REACTIVATE_INSTANCES,
)
_CREATIONS: Final = (Action.RUN_INSTANCES, Action.CREATE_INSTANCE)
#: The actions that refuse an id naming no instance.
_REFUSE_UNKNOWN: Final = frozenset(
    {
        *_SINGLE,
        *_BATCH,
        Action.DESCRIBE_INSTANCE_ATTRIBUTE,
        *_LIFE_SINGLE,
        Action.DELETE_INSTANCES,
    }
)
#: The most instances one RunInstances of the machine creates: enough for ``Amount``,
#: ``MinAmount`` and a batch name to matter, few enough to keep each step cheap.
_MACHINE_AMOUNT: Final = 3
_VALID_PARAMS: Final = {
    **{action: action_params(action, valid=True) for action in (*_SINGLE, *_LIFE_SINGLE)},
    # A batch names fleet instances, now and then an unknown one too.
    **{
        action: action_params(action, valid=True, instance_ids=_INSTANCES)
        for action in (*_BATCH, Action.DELETE_INSTANCES)
    },
    **{action: _creation_params(action, True, _MACHINE_AMOUNT) for action in _CREATIONS},
}
#: Clock steps: small ones that land inside a transitory status, the default
#: durations, and long ones that cross PrePaid expiries.
CLOCK_STEPS: Final = (1.0, 5.0, 15.0, 30.0, 60.0, 3_600.0, 86_400.0)
#: DescribeInstanceStatus's largest page.
_PAGE: Final = 50
#: DescribeInstances' largest page (and most ids in one call).
_INSTANCES_PAGE: Final = 100


_Step = TypeVar("_Step", bound=Callable[..., Any])


def _sends(action: Action) -> Callable[[_Step], _Step]:
    """A rule's precondition: the machine's ``actions`` include ``action``."""
    return precondition(lambda self: action in self.actions)


class DifferentialMachine(RuleBasedStateMachine):
    """A Hypothesis state machine comparing your implementation of ECS with the model.

    Subclass it and implement ``make_implementation``. Class attributes you
    may override: ``actions`` (the actions your implementation answers; see
    below), ``durations`` (what both sides are told transitory statuses last)
    and ``fleet_strategy`` (the fleets drawn; default ``fleets()``).

    Each example draws a ``Fleet`` and builds the model from it and your
    implementation through ``make_implementation``. Rules: each action of
    ``actions`` with valid and invalid parameters (also naming an unknown
    instance), clock steps, and deterministic fault injections (when your
    implementation has ``add_fault``). Each call must answer what the model
    answers: the code and the HTTP status (when given) of an error; the body of
    a success, as ``documented_view`` reduces it (RequestId aside; a batch
    action's per-instance entries; a DescribeInstances page's ids and statuses,
    every page of a ``MaxResults`` walk, each side following its own
    ``NextToken``). The invariant compares every instance's status after every
    step.

    ``actions`` defaults to StartInstance, RebootInstance, StopInstance and
    DescribeInstanceStatus. The fleet actions (``FLEET_ACTIONS``:
    DescribeInstances, DescribeInstanceAttribute, StartInstances,
    StopInstances, RebootInstances) are opt-in, ``actions = ACTIONS``, because
    a fake written before the model answered them fails on its first such call.
    Any subset works, for a fake that answers only some actions; the invariant
    reads statuses through ``statuses()``, else the first of
    DescribeInstanceStatus, DescribeInstances and DescribeInstanceAttribute in
    ``actions``.

    A fake that models only part of ECS narrows the rest too:

    * ``invalid_requests = False``: no malformed requests (it does not check
      parameters); every parameter check's code is left out.
    * ``too_many_ids = False``: malformed requests, but none naming more than
      100 ids (it does not count them); ``TooManyInstanceIds`` is left out.
    * ``fault_kinds``: the ``lifecycle.FaultKind`` values injected (default:
      all four, when the implementation has ``add_fault``); ``()`` injects
      none. A code only faults give (``Throttling``, ``InternalError``) is
      left out when no kind left can give it, or when the implementation has
      no ``add_fault``.

    What is left out is not expected of the run: ``coverage.left_out`` names
    each pair with the setting that took it away, ``coverage.report()`` marks
    it ``LEFT OUT``, and the pytest summary counts it.

    Attributes:
        model: The reference ``EcsModel`` of the current example.
        implementation: What ``make_implementation`` returned.
        fleet: The fleet both were built from.
        clock: The ``ManualClock`` both read.
        coverage: Per subclass: the (action, outcome) pairs the model answered,
            over every example run so far; its ``actions`` are the machine's.
    """

    instances = _INSTANCES
    #: The actions the machine sends (names or ``Action``s; read as a tuple of ``Action``).
    actions: ClassVar[Sequence[Action | str]] = MACHINE_ACTIONS
    durations: ClassVar[Durations] = Durations()
    fleet_strategy: ClassVar[st.SearchStrategy[Fleet]] = fleets()
    #: Whether to send malformed requests (``invalid_requests()``).
    invalid_requests: ClassVar[bool] = True
    #: Whether a malformed request may name more than 100 ids.
    too_many_ids: ClassVar[bool] = True
    #: The fault kinds injected when the implementation has ``add_fault``; ``()`` for none.
    fault_kinds: ClassVar[Sequence[FaultKind | str]] = tuple(FaultKind)
    coverage: ClassVar[OutcomeCoverage] = OutcomeCoverage(MACHINE_ACTIONS)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if _NARROWING & set(own):
            _resolve_narrowing(cls)
            _install_action_rules(cls)
        cls.coverage = OutcomeCoverage(cls.actions)
        for why, pairs in _left_out(cls).items():
            cls.coverage.leave_out(pairs, why)
        inherited = next(
            (
                found
                for base in cls.__mro__[1:]
                if issubclass(base, DifferentialMachine) and base is not DifferentialMachine
                for found in [vars(base.TestCase).get("settings")]
                if isinstance(found, Settings)
            ),
            None,
        )
        setattr(cls.TestCase, "settings", _ResolvedSettings(inherited))  # noqa: B010
        setattr(cls.TestCase, "runTest", _run_test_of(cls))  # noqa: B010
        # Hypothesis marks a decorated class with an attribute that its subclasses
        # inherit, and then refuses @settings on them; each subclass starts fresh.
        cls._hypothesis_internal_settings_applied = False
        if "fleet_strategy" in vars(cls):
            strategy = cls.fleet_strategy

            def create_fleet(self: DifferentialMachine, fleet: Fleet) -> object:
                return self._create_fleet(fleet)

            cls.create_fleet = initialize(  # type: ignore[method-assign]
                target=_INSTANCES, fleet=strategy
            )(create_fleet)

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self._model: EcsModel | None = None
        self._implementation: Any = None
        self._fleet: Fleet | None = None
        # Created instances' ids on each side (a fake draws its own): the model's id
        # -> the implementation's, and back. Fleet instances share theirs.
        self._to_impl: dict[str, str] = {}
        self._to_model: dict[str, str] = {}
        #: Every id the bundle has been given, and the ids released since, in order.
        self._given: set[str] = set()
        self._released: list[str] = []

    @classmethod
    def run_as_test(cls, settings: Settings | None = None, /, **overrides: Any) -> None:
        """Run the machine as a test, outside pytest: what ``TestCase`` runs inside it.

        Args:
            settings: The settings (default: the class's, as ``TestCase`` resolves them).
            **overrides: Settings to change on top of those, such as ``max_examples=100``.
                ``print_blob`` is off unless given here: the calls printed
                reproduce a failure, in every profile (CI's prints a blob too).

        Raises:
            AssertionError: the one failure found (or the exception your
                implementation raised), with the calls that reproduce it as its
                notes and the harness's own frames trimmed from its traceback.
            ExceptionGroup: several distinct failures, each as above; the
                group's first note lists each failure's headline and its calls,
                one block per failure, before any traceback.
        """
        __tracebackhide__ = True  # pytest: the failure is in the calls, not in this frame
        resolved = cls.TestCase.settings if settings is None else settings
        resolved = Settings(resolved, **{"print_blob": False, **overrides})
        try:
            run_state_machine_as_test(cls, settings=resolved)
        except BaseException as failure:
            _present_failure(cls, failure)
            raise

    # ----------------------------------------------------------- the adapter
    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        """Build your implementation in exactly the condition ``fleet`` describes.

        Args:
            fleet: The instances (ids and conditions) and the account.
            clock: The clock to read; the harness advances it. Transitory
                statuses last as ``self.durations`` says.

        Returns:
            An ``Implementation``.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_implementation(fleet, clock)"
        )

    # -------------------------------------------------------------- accessors
    @property
    def model(self) -> EcsModel:
        """The reference model of the current example."""
        if self._model is None:
            raise InvalidArgument("no fleet yet: the model is built by the initialize rule")
        return self._model

    @property
    def implementation(self) -> Any:
        """Your implementation, as ``make_implementation`` returned it."""
        return self._implementation

    @property
    def fleet(self) -> Fleet | None:
        """The fleet of the current example."""
        return self._fleet

    # -------------------------------------------------------------- the rules
    @initialize(target=_INSTANCES, fleet=fleets())
    def create_fleet(self, fleet: Fleet) -> object:
        """Build the model and the implementation from one drawn fleet."""
        return self._create_fleet(fleet)

    def _create_fleet(self, fleet: Fleet) -> object:
        self._fleet = fleet
        self._model = fleet.build(clock=self.clock, durations=self.durations)
        implementation = self.make_implementation(fleet, self.clock)
        if not callable(getattr(implementation, "call", None)):
            raise InvalidArgument(
                f"make_implementation returned {implementation!r}, which has no call(action, "
                "params) method"
            )
        if not callable(getattr(implementation, "statuses", None)) and not (
            set(self.actions) & set(_STATUS_READERS)
        ):
            raise InvalidArgument(
                f"{type(self).__name__}: the implementation has no statuses(ids) and actions "
                "include no describe action, so no status can be compared; add one of "
                + ", ".join(a.value for a in _STATUS_READERS)
            )
        if self.fault_kinds and not callable(getattr(implementation, "add_fault", None)):
            why = "the implementation has no add_fault"
            unreachable = _unreachable(
                resolve_actions(self.actions), lambda action: dict.fromkeys(_FAULTS, why)
            )
            type(self).coverage.leave_out(unreachable, why)
        lifecycle_actions = set(self.actions)
        if Action.REACTIVATE_INSTANCES in lifecycle_actions:
            # Only the platform suspends an instance for overdue payment, and only an
            # account out of arrears reactivates one: the optional hooks do both.
            reactivated = (Action.REACTIVATE_INSTANCES, SUCCESS)
            not_enough = (Action.REACTIVATE_INSTANCES, ErrorCode.REOPEN_NOT_ENOUGH_BALANCE.value)
            if not callable(getattr(implementation, "stop_by_platform", None)):
                type(self).coverage.leave_out(
                    [reactivated, not_enough], "the implementation has no stop_by_platform"
                )
            elif not callable(getattr(implementation, "set_in_arrears", None)):
                type(self).coverage.leave_out(
                    [reactivated], "the implementation has no set_in_arrears"
                )
        self._implementation = implementation
        self._given.update(fleet.instance_ids)
        return multiple(*fleet.instance_ids)

    # Hypothesis picks among enabled rules evenly, so each kind of request has
    # its own rule: most steps are well-formed calls on fleet instances, which
    # get past the early checks to the rules late in the precedence.
    @_sends(Action.START_INSTANCE)
    @rule(instance_id=_INSTANCES, params=_VALID_PARAMS[Action.START_INSTANCE])
    def start_instance(self, instance_id: str, params: dict[str, object]) -> None:
        """A well-formed StartInstance on a fleet instance."""
        self._compare(Request(Action.START_INSTANCE, {"InstanceId": instance_id, **params}))

    @_sends(Action.REBOOT_INSTANCE)
    @rule(instance_id=_INSTANCES, params=_VALID_PARAMS[Action.REBOOT_INSTANCE])
    def reboot_instance(self, instance_id: str, params: dict[str, object]) -> None:
        """A well-formed RebootInstance on a fleet instance."""
        self._compare(Request(Action.REBOOT_INSTANCE, {"InstanceId": instance_id, **params}))

    @_sends(Action.STOP_INSTANCE)
    @rule(instance_id=_INSTANCES, params=_VALID_PARAMS[Action.STOP_INSTANCE])
    def stop_instance(self, instance_id: str, params: dict[str, object]) -> None:
        """A well-formed StopInstance on a fleet instance."""
        self._compare(Request(Action.STOP_INSTANCE, {"InstanceId": instance_id, **params}))

    @_sends(Action.DESCRIBE_INSTANCE_STATUS)
    @rule(
        params=action_params(Action.DESCRIBE_INSTANCE_STATUS, valid=True, instance_ids=_INSTANCES)
    )
    def describe_instance_status(self, params: dict[str, object]) -> None:
        """A well-formed DescribeInstanceStatus, listing fleet instances and an unknown one."""
        self._compare(Request(Action.DESCRIBE_INSTANCE_STATUS, params))

    @_sends(Action.DESCRIBE_INSTANCES)
    @rule(params=action_params(Action.DESCRIBE_INSTANCES, valid=True, instance_ids=_INSTANCES))
    def describe_instances(self, params: dict[str, object]) -> None:
        """A well-formed DescribeInstances: filters, and a page by number or every page by token.

        With ``MaxResults`` (token mode) each side's ``NextToken`` is followed
        while both give one, and every page is compared.
        """
        request = Request(Action.DESCRIBE_INSTANCES, params)
        expected, actual = self._compare(request)
        while "MaxResults" in params and _token(expected) and _token(actual):
            expected, actual = self._compare(
                Request(Action.DESCRIBE_INSTANCES, {**params, "NextToken": _token(expected)}),
                Request(Action.DESCRIBE_INSTANCES, {**params, "NextToken": _token(actual)}),
            )

    @_sends(Action.DESCRIBE_INSTANCE_ATTRIBUTE)
    @rule(instance_id=_INSTANCES)
    def describe_instance_attribute(self, instance_id: str) -> None:
        """A DescribeInstanceAttribute of a fleet instance."""
        self._compare(Request(Action.DESCRIBE_INSTANCE_ATTRIBUTE, {"InstanceId": instance_id}))

    @_sends(Action.START_INSTANCES)
    @rule(params=_VALID_PARAMS[Action.START_INSTANCES])
    def start_instances(self, params: dict[str, object]) -> None:
        """A well-formed StartInstances, AllTogether or SuccessFirst."""
        self._compare(Request(Action.START_INSTANCES, params))

    @_sends(Action.STOP_INSTANCES)
    @rule(params=_VALID_PARAMS[Action.STOP_INSTANCES])
    def stop_instances(self, params: dict[str, object]) -> None:
        """A well-formed StopInstances, AllTogether or SuccessFirst."""
        self._compare(Request(Action.STOP_INSTANCES, params))

    @_sends(Action.REBOOT_INSTANCES)
    @rule(params=_VALID_PARAMS[Action.REBOOT_INSTANCES])
    def reboot_instances(self, params: dict[str, object]) -> None:
        """A well-formed RebootInstances, AllTogether or SuccessFirst."""
        self._compare(Request(Action.REBOOT_INSTANCES, params))

    @_sends(Action.RUN_INSTANCES)
    @rule(target=_INSTANCES, params=_VALID_PARAMS[Action.RUN_INSTANCES])
    def run_instances(self, params: dict[str, object]) -> object:
        """A well-formed RunInstances (1 to 3 instances); the new ids join the instances."""
        return self._create(Request(Action.RUN_INSTANCES, params))

    @_sends(Action.CREATE_INSTANCE)
    @rule(target=_INSTANCES, params=_VALID_PARAMS[Action.CREATE_INSTANCE])
    def create_instance(self, params: dict[str, object]) -> object:
        """A well-formed CreateInstance; the new id joins the instances."""
        return self._create(Request(Action.CREATE_INSTANCE, params))

    @_sends(Action.DELETE_INSTANCE)
    @rule(
        target=_INSTANCES,
        instance_id=consumes(_INSTANCES),
        params=_VALID_PARAMS[Action.DELETE_INSTANCE],
    )
    def delete_instance(self, instance_id: str, params: dict[str, object]) -> object:
        """A well-formed DeleteInstance; a released id leaves the instances (kept otherwise)."""
        self._compare(Request(Action.DELETE_INSTANCE, {"InstanceId": instance_id, **params}))
        self._note_released([instance_id])
        return multiple(*([instance_id] if instance_id in self.model else []))

    @_sends(Action.DELETE_INSTANCES)
    @rule(params=_VALID_PARAMS[Action.DELETE_INSTANCES])
    def delete_instances(self, params: dict[str, object]) -> None:
        """A well-formed DeleteInstances. The ids it releases stay drawable: every later
        call naming one checks that both sides answer it as gone."""
        request = Request(Action.DELETE_INSTANCES, params)
        self._compare(request)
        self._note_released(request.instance_ids)

    @_sends(Action.RENEW_INSTANCE)
    @rule(instance_id=_INSTANCES, params=_VALID_PARAMS[Action.RENEW_INSTANCE])
    def renew_instance(self, instance_id: str, params: dict[str, object]) -> None:
        """A well-formed RenewInstance of an instance."""
        self._compare(Request(Action.RENEW_INSTANCE, {"InstanceId": instance_id, **params}))

    @_sends(Action.REACTIVATE_INSTANCES)
    @rule(instance_id=_INSTANCES, params=_VALID_PARAMS[Action.REACTIVATE_INSTANCES])
    def reactivate_instances(self, instance_id: str, params: dict[str, object]) -> None:
        """A well-formed ReActivateInstances of an instance."""
        self._compare(Request(Action.REACTIVATE_INSTANCES, {"InstanceId": instance_id, **params}))

    @precondition(lambda self: _has(self, "stop_by_platform"))
    @rule(instance_id=_INSTANCES, cause=st.sampled_from(PLATFORM_STOP_CAUSES))
    def stop_by_platform(self, instance_id: str, cause: str) -> None:
        """The platform stops a Running instance at expiry or for overdue payment, on both
        sides (the implementation's optional ``stop_by_platform(instance_id, cause)``)."""
        try:
            stopped = self.model.stop_by_platform(instance_id, cause)
        except InvalidArgument:
            return  # the cause does not apply to this instance, or it is gone: no such stop
        theirs = self.implementation.stop_by_platform(self._impl_id(instance_id), cause)
        if bool(theirs) != stopped:
            raise AssertionError(
                f"t={self.clock.now()} stop_by_platform({instance_id!r}, {cause!r}): "
                f"model {stopped}, implementation {theirs!r}"
            )

    @precondition(lambda self: _has(self, "set_in_arrears"))
    @rule(in_arrears=st.booleans())
    def set_in_arrears(self, in_arrears: bool) -> None:
        """The account falls into arrears or pays them, on both sides (the
        implementation's optional ``set_in_arrears(in_arrears)``)."""
        self.model.set_in_arrears(in_arrears)
        self.implementation.set_in_arrears(in_arrears)

    # malformed_request, unknown_instance and inject_fault draw from the machine's
    # actions: _install_action_rules adds them to each class that sets ``actions``.
    def malformed_request(self, request: Request) -> None:
        """Any of the machine's actions with one or two parameter defects."""
        self._compare(request)

    def unknown_instance(self, request: Request) -> None:
        """A well-formed call naming an instance that does not exist."""
        self._compare(request)

    def released_instance(self, request: Request, pick: int) -> None:
        """A well-formed call naming an instance released earlier: it is gone on both sides."""
        instance_id = self._released[pick % len(self._released)]
        self._compare(Request(request.action, {**request.params, "InstanceId": instance_id}))

    def inject_fault(self, fault: FaultRule) -> None:
        """Add the same fault rule to both sides (probability 1, counted: deterministic)."""
        self.model.add_fault(fault)
        self.implementation.add_fault(fault)

    @rule(seconds=st.sampled_from(CLOCK_STEPS))
    def advance_clock(self, seconds: float) -> None:
        """Move the shared clock: transitory statuses settle, subscriptions expire."""
        self.clock.advance(seconds)

    @invariant()
    def statuses_agree(self) -> None:
        """Every instance has the same status in the model and the implementation."""
        ids = list(self.model.instance_ids())
        reader = getattr(self.implementation, "statuses", None)
        if not callable(reader):
            # Through calls, both sides: when both answer, the listings must be equal
            # (a fault may refuse the read on both sides alike).
            for request in self._status_reads(ids):
                self._check(
                    request,
                    Outcome.of(functools.partial(request.send, self.model)),
                    self._implementation_outcome(request),
                    quiet=True,  # a read after every step: noted only if it disagrees
                )
            return
        expected = [status.value for status in self.model.statuses(ids)]
        actual = [str(status) for status in reader([self._impl_id(i) for i in ids])]
        # Raised, not asserted: pytest rewrites this package's asserts and would
        # append its own introspection of the comparison to the message.
        if actual != expected:
            raise AssertionError(
                f"statuses differ at t={self.clock.now()}: "
                + ", ".join(
                    f"{i}: model {e}, implementation {a}"
                    for i, e, a in zip(ids, expected, actual, strict=False)
                    if e != a
                )
                + ("" if len(actual) == len(expected) else f" (got {len(actual)} statuses)")
            )

    def teardown(self) -> None:
        """Close the implementation if it has ``close()``."""
        close = getattr(self._implementation, "close", None)
        if callable(close):
            close()

    # ------------------------------------------------------------ internals
    def _status_reads(self, ids: list[str]) -> list[Request]:
        """The calls that read every status, with the first describe action in ``actions``."""
        reader = next(a for a in _STATUS_READERS if a in self.actions)
        if reader is Action.DESCRIBE_INSTANCE_STATUS:
            return [
                Request(reader, {"InstanceId": ids[first : first + _PAGE], "PageSize": _PAGE})
                for first in range(0, len(ids), _PAGE)
            ]
        if reader is Action.DESCRIBE_INSTANCES:
            return [
                Request(
                    reader,
                    {
                        "RegionId": REGION_ID,
                        "InstanceIds": json.dumps(ids[first : first + _INSTANCES_PAGE]),
                        "PageSize": _INSTANCES_PAGE,
                    },
                )
                for first in range(0, len(ids), _INSTANCES_PAGE)
            ]
        return [Request(reader, {"InstanceId": instance_id}) for instance_id in ids]

    def _compare(self, request: Request, sent: Request | None = None) -> tuple[Outcome, Outcome]:
        """Send ``request`` to the model and ``sent`` (default: the same) to the
        implementation; check that they agree; return both outcomes."""
        before = _views(self.model, request)  # for the failure message: why the model answered
        model_outcome = Outcome.of(lambda: request.send(self.model))
        type(self).coverage.record(request.action, model_outcome)
        if currently_in_test_context():  # a pasted reproduction runs outside Hypothesis
            event(f"{request.action.value} -> {model_outcome.label}")
        outcome = self._implementation_outcome(request if sent is None else sent, model_outcome)
        self._check(request, model_outcome, outcome, before)
        return model_outcome, outcome

    # ------------------------------------------------- ids on the two sides
    def _impl_id(self, instance_id: str) -> str:
        return self._to_impl.get(instance_id, instance_id)

    def _implementation_outcome(self, request: Request, model: Outcome | None = None) -> Outcome:
        """Send ``request`` to the implementation in its own ids; its answer in the model's.

        A creation both sides answered pairs their new ids, in order, first.
        """
        if self._to_impl:
            request = Request(request.action, _renamed_params(request.params, self._to_impl))
        outcome = Outcome.of(lambda: request.send(self.implementation))
        if model is not None and model.ok and outcome.ok:
            mine = created_ids(request.action, model.body)
            theirs = created_ids(request.action, outcome.body)
            if len(mine) == len(theirs):
                for own, other in zip(mine, theirs, strict=True):
                    if own != other and own not in self._to_impl and other not in self._to_model:
                        self._to_impl[own], self._to_model[other] = other, own
        if self._to_model and outcome.body is not None:
            outcome = replace(outcome, body=_renamed(outcome.body, self._to_model))
        return outcome

    def _create(self, request: Request) -> object:
        """Compare a creation; the model's new ids (not seen before) join the instances."""
        expected, _ = self._compare(request)
        new = [i for i in created_ids(request.action, expected.body) if i not in self._given]
        self._given.update(new)
        return multiple(*new)

    def _note_released(self, instance_ids: Iterable[str]) -> None:
        model = self.model
        for instance_id in instance_ids:
            gone = instance_id in self._given and instance_id not in model
            if gone and instance_id not in self._released:
                self._released.append(instance_id)

    def _check(
        self,
        request: Request,
        expected: Outcome,
        actual: Outcome,
        before: str | None = None,
        *,
        quiet: bool = False,
    ) -> None:
        expected, actual = _documented(request, expected), _documented(request, actual)
        line = f"t={self.clock.now()} {request!r}: model {expected}, implementation {actual}"
        agreed = actual.agrees_with(expected)
        if currently_in_test_context() and not (quiet and agreed):
            note(f"# {line}")  # a comment, so that the printed reproduction stays pasteable
        if not agreed:
            raise AssertionError(
                line
                + _body_difference(expected, actual)
                + ("" if before is None else f"\n  before the call, the model had: {before}")
            )


#: The actions that read statuses, in the order the invariant prefers them.
_STATUS_READERS: Final = (
    Action.DESCRIBE_INSTANCE_STATUS,
    Action.DESCRIBE_INSTANCES,
    Action.DESCRIBE_INSTANCE_ATTRIBUTE,
)


#: The class attributes that narrow what a machine sends.
_NARROWING: Final = frozenset({"actions", "invalid_requests", "too_many_ids", "fault_kinds"})
#: The checks only a malformed request fails.
_PARAMETER_CHECKS: Final = PARAMETER_CHECKS
#: The checks only an injected fault fails.
_FAULTS: Final = (Check.THROTTLED, Check.INJECTED_FAULT)


def _resolve_narrowing(cls: type[DifferentialMachine]) -> None:
    """Check and normalise the narrowing attributes ``cls`` sets itself."""
    own = vars(cls)
    try:
        if "actions" in own:
            cls.actions = resolve_actions(cls.actions)
        for name in ("invalid_requests", "too_many_ids"):
            if name in own and not isinstance(own[name], bool):
                raise InvalidArgument(f"{name}={own[name]!r}: expected True or False")
        if "fault_kinds" in own:
            kinds = own["fault_kinds"]
            if isinstance(kinds, str) or not isinstance(kinds, Iterable):
                raise InvalidArgument(
                    f"fault_kinds={kinds!r}: expected a collection of kinds, such as [{kinds!r}]"
                )
            try:
                chosen = {FaultKind(kind) for kind in kinds}
            except ValueError:
                names = ", ".join(kind.value for kind in FaultKind)
                raise InvalidArgument(f"fault_kinds={kinds!r}: expected some of {names}") from None
            cls.fault_kinds = tuple(kind for kind in FaultKind if kind in chosen)
    except InvalidArgument as error:
        raise InvalidArgument(f"{cls.__name__}.{error}") from None


def _left_out(cls: type[DifferentialMachine]) -> dict[str, list[tuple[Action, str]]]:
    """The documented pairs ``cls``'s narrowing makes unreachable, by the setting responsible."""
    kinds = {FaultKind(kind) for kind in cls.fault_kinds}
    kinds_set = f"fault_kinds = {tuple(kind.value for kind in FaultKind if kind in kinds)!r}"

    def disabled(action: Action) -> dict[Check, str]:
        off: dict[Check, str] = {}
        if not cls.invalid_requests:
            off.update(dict.fromkeys(_PARAMETER_CHECKS, "invalid_requests = False"))
        elif not cls.too_many_ids:
            off[Check.INSTANCE_ID_COUNT] = "too_many_ids = False"
        if FaultKind.THROTTLE not in kinds:
            off[Check.THROTTLED] = kinds_set
        # A lost response hits only a call that changed something.
        lost = FaultKind.LOST_RESPONSE in kinds and action not in READ_ONLY
        if FaultKind.ERROR not in kinds and not lost:
            off[Check.INJECTED_FAULT] = kinds_set
        return off

    by_reason: dict[str, list[tuple[Action, str]]] = {}
    chosen = resolve_actions(cls.actions)
    for action in chosen:
        off = disabled(action)
        for pair, why in _unreachable_by_reason(action, off).items():
            by_reason.setdefault(why, []).append(pair)
    for pair, why in _lifecycle_left_out(chosen).items():
        by_reason.setdefault(why, []).append(pair)
    return by_reason


def _lifecycle_left_out(actions: Sequence[Action]) -> dict[tuple[Action, str], str]:
    """The lifecycle actions' pairs no machine reaches, whatever its implementation."""
    found: dict[tuple[Action, str], str] = {}
    for action in set(actions) & set(_CREATIONS):
        found[action, ErrorCode.NO_STOCK.value] = (
            "the machine sets no stock (EcsModel.set_stock is no API action)"
        )
    for action in set(actions) & {*_CREATIONS, Action.RENEW_INSTANCE}:
        found[action, ErrorCode.INSUFFICIENT_BALANCE.value] = (
            "the machine sets no price (EcsModel.set_price is no API action): all is free"
        )
    if not set(actions) & set(_CREATIONS):
        for action in set(actions) & {Action.DELETE_INSTANCE, Action.DELETE_INSTANCES}:
            found[action, ErrorCode.DELETION_PROTECTION.value] = (
                "no creation action: only RunInstances and CreateInstance set DeletionProtection"
            )
    if Action.DELETE_INSTANCES in actions:
        found[Action.DELETE_INSTANCES, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND.value] = (
            "the model answers InvalidInstanceIds.NotFound for an unknown id, never this code"
        )
    return found


def _unreachable(
    actions: Iterable[Action], disabled: Callable[[Action], Mapping[Check, str]]
) -> list[tuple[Action, str]]:
    """The pairs of ``actions`` that no enabled check can answer."""
    return [pair for action in actions for pair in _unreachable_by_reason(action, disabled(action))]


def _unreachable_by_reason(
    action: Action, off: Mapping[Check, str]
) -> dict[tuple[Action, str], str]:
    """Each code of ``action``'s precedence whose every check is in ``off``, with a reason."""
    producers: dict[str, list[Check]] = {}
    for each in PRECEDENCE[action]:
        producers.setdefault(each.code.value, []).append(each.check)
    return {
        (action, code): off[checks[0]]
        for code, checks in producers.items()
        if all(check in off for check in checks)
    }


def _install_action_rules(cls: type[DifferentialMachine]) -> None:
    """Give ``cls`` the rules that draw from its ``actions`` and narrowing: malformed
    requests, unknown instances and fault injections."""
    actions = cls.actions
    unknown = [a for a in actions if a in _REFUSE_UNKNOWN]
    if cls.invalid_requests:
        cls.malformed_request = rule(  # type: ignore[method-assign]
            request=_invalid_requests(
                actions, instance_ids=_INSTANCES, too_many_ids=cls.too_many_ids
            )
        )(_plain(DifferentialMachine.malformed_request))
    else:  # a plain method: no rule
        cls.malformed_request = _plain(  # type: ignore[method-assign]
            DifferentialMachine.malformed_request
        )
    if unknown:
        cls.unknown_instance = rule(  # type: ignore[method-assign]
            request=valid_requests(unknown, instance_ids=())
        )(_plain(DifferentialMachine.unknown_instance))
    else:  # none of its actions refuses an unknown id: no rule (a plain method hides it)
        cls.unknown_instance = _plain(  # type: ignore[method-assign]
            DifferentialMachine.unknown_instance
        )
    gone = [a for a in resolve_actions(actions) if a in _REFUSE_UNKNOWN and _names_one_instance(a)]
    if gone and {Action.DELETE_INSTANCE, Action.DELETE_INSTANCES} & set(actions):
        cls.released_instance = precondition(  # type: ignore[method-assign]
            lambda self: bool(self._released)
        )(
            rule(request=valid_requests(gone, instance_ids=()), pick=st.integers(0, 7))(
                _plain(DifferentialMachine.released_instance)
            )
        )
    else:  # nothing is ever released: no rule
        cls.released_instance = _plain(  # type: ignore[method-assign]
            DifferentialMachine.released_instance
        )
    if not cls.fault_kinds:
        cls.inject_fault = _plain(DifferentialMachine.inject_fault)  # type: ignore[method-assign]
        return
    cls.inject_fault = precondition(  # type: ignore[method-assign]
        lambda self: callable(getattr(self.implementation, "add_fault", None))
    )(
        rule(
            fault=fault_rules(
                actions=(None, *actions),
                kinds=cls.fault_kinds,
                deterministic=True,
                # Mostly for any instance: a rule limited to instances never hits
                # the listing or batch actions.
                instance_ids=st.none() | st.frozensets(_INSTANCES, min_size=1, max_size=2),
            )
        )(_plain(DifferentialMachine.inject_fault))
    )


def _run_test_of(machine: type[DifferentialMachine]) -> Callable[[Any], None]:
    """The ``runTest`` of ``machine.TestCase``: ``run_as_test`` with the case's settings."""

    def runTest(self: Any) -> None:  # unittest's name
        __tracebackhide__ = True
        machine.run_as_test(self.settings)

    # What Hypothesis marks its own runTest with: its pytest plugin and ours read them.
    runTest.is_hypothesis_test = True  # type: ignore[attr-defined]
    runTest._hypothesis_state_machine_class = machine  # type: ignore[attr-defined]
    return runTest


#: The first note Hypothesis gives a shrunk failure, before the steps.
_FAILING: Final = "Failing test case"
#: Frames in these directories are the harness's and Hypothesis's, never the user's.
_NOT_YOURS: Final = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep for path in (__file__, hypothesis.__file__)
)


def _present_failure(machine: type[DifferentialMachine], failure: BaseException) -> None:
    """Make a shrunk failure show its calls first, and drop the harness's frames.

    Leaves anything that is not shrunk failures (a health check, a flaky test,
    a bad definition) as Hypothesis raised it.
    """
    group = type(failure) in (ExceptionGroup, BaseExceptionGroup)
    failures: Sequence[BaseException] = (
        failure.exceptions if isinstance(failure, BaseExceptionGroup) and group else [failure]
    )
    steps = [_reproduction(each) for each in failures]
    if not all(steps):
        return
    for each in failures:
        each.__traceback__ = _outside_harness(each.__traceback__)
    if not group:
        return
    failure.__traceback__ = None
    blocks = [
        f"Failure {n} of {len(failures)}: {_headline(each)}\n"
        + "\n".join(f"    {line}" for line in calls)
        for n, (each, calls) in enumerate(zip(failures, steps, strict=True), 1)
    ]
    summary = (
        f"{machine.__name__}: {len(failures)} distinct failures, each shrunk to the calls "
        "that reproduce it (paste a block into a test to replay it; tracebacks follow):\n\n"
        + "\n\n".join(blocks)
    )
    failure.__notes__ = [summary, *getattr(failure, "__notes__", [])]


def _reproduction(failure: BaseException) -> list[str]:
    """The pasteable calls among a failure's notes: ``state = ...`` to ``state.teardown()``.

    A note that is not a call (your own ``note()``) becomes a comment. Empty when
    the failure carries no reproduction.
    """
    notes = [str(n) for n in getattr(failure, "__notes__", [])]
    start = next((n for n, text in enumerate(notes) if text.startswith(_FAILING)), None)
    if start is None:
        return []
    calls = []
    for text in notes[start + 1 :]:
        calls.append(text if _CALL.match(text) or text.startswith("#") else f"# {text}")
        if text == "state.teardown()":
            break
    return calls


#: A printed step: ``state = X()``, ``state.rule(...)``, ``(a, b) = state.rule(...)``.
_CALL: Final = re.compile(r"(state\b|[\w(), ]+ = state\.)")


def _headline(failure: BaseException) -> str:
    text = str(failure).splitlines()[0] if str(failure) else ""
    if isinstance(failure, AssertionError) and text:
        return text
    return f"{type(failure).__name__}: {text}" if text else type(failure).__name__


def _outside_harness(traceback: TracebackType | None) -> TracebackType | None:
    """``traceback`` without the harness's and Hypothesis's frames: what is left is your code's."""
    kept = []
    while traceback is not None:
        if not traceback.tb_frame.f_code.co_filename.startswith(_NOT_YOURS):
            kept.append(traceback)
        traceback = traceback.tb_next
    if not kept:
        return None
    for entry, following in zip(kept, [*kept[1:], None], strict=True):
        entry.tb_next = following
    return kept[0]


def _plain(method: Any) -> Any:
    """A fresh function calling ``method``, for one class's own rule decoration.

    Named as ``method`` (a reproduction prints ``state.<name>(...)``), but without
    its attributes: Hypothesis keeps a rule's marker there, and refuses a second.
    """

    def step(self: DifferentialMachine, *args: Any, **kwargs: Any) -> Any:
        return method(self, *args, **kwargs)

    step.__name__, step.__qualname__, step.__doc__ = (
        method.__name__,
        method.__qualname__,
        method.__doc__,
    )
    return step


_install_action_rules(DifferentialMachine)


def _has(machine: DifferentialMachine, hook: str) -> bool:
    """Whether the machine renews or reactivates and its implementation has ``hook``."""
    return bool(
        {Action.RENEW_INSTANCE, Action.REACTIVATE_INSTANCES} & set(machine.actions)
    ) and callable(getattr(machine.implementation, hook, None))


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` (a body, a list, a string) with each id in ``names`` replaced."""
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, Mapping):
        return {key: _renamed(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_renamed(item, names) for item in value]
    return value


def _renamed_params(params: Mapping[str, object], names: Mapping[str, str]) -> dict[str, object]:
    """A request's parameters with the ids they name replaced (``InstanceId``, its list,
    ``InstanceId.N``, DescribeInstances' JSON ``InstanceIds``)."""
    renamed: dict[str, object] = {}
    for key, value in params.items():
        new = value
        if key == "InstanceIds" and isinstance(value, str):
            try:
                listed = json.loads(value)
            except ValueError:
                listed = None
            if isinstance(listed, list):
                new = json.dumps(_renamed(listed, names))
        elif key == "InstanceId" or key.startswith("InstanceId."):
            new = _renamed(value, names)
        renamed[key] = new
    return renamed


def _token(outcome: Outcome) -> str:
    """The ``NextToken`` of a DescribeInstances page ("" when none, or not a page)."""
    token = outcome.body.get("NextToken") if outcome.body is not None else None
    return token if isinstance(token, str) else ""


def _documented(request: Request, outcome: Outcome) -> Outcome:
    """``outcome`` with its body reduced to what the documents fix (``documented_view``)."""
    if outcome.body is None:
        return outcome
    return replace(outcome, body=documented_view(request, outcome.body))


def _body_difference(expected: Outcome, actual: Outcome) -> str:
    """The keys where two success bodies differ, one line each, then the bodies if short."""
    if expected.code != actual.code or expected.body is None or actual.body is None:
        return ""
    found = list(_differences(expected.body, actual.body, ""))
    lines = [
        f"\n  {path}: model {_shown(model)}, implementation {_shown(theirs)}"
        + ("" if who is None else f" (InstanceId {who!r})")
        for path, model, theirs, who in found[:_DIFFERENCES_SHOWN]
    ]
    if len(found) > _DIFFERENCES_SHOWN:
        lines.append(f"\n  ... and {len(found) - _DIFFERENCES_SHOWN} more differences")
    bodies = f"\n  model body: {expected.body}\n  implementation body: {actual.body}"
    if len(bodies) > _BODIES_SHOWN:
        bodies = f"\n  (the whole bodies are not shown: {len(bodies)} characters)"
    return ", but the bodies differ:" + "".join(lines) + bodies


#: The most differing keys a failure names, and the longest pair of bodies it prints whole.
_DIFFERENCES_SHOWN: Final = 10
_BODIES_SHOWN: Final = 600
#: ``documented_view`` keeps these twice-wrapped lists as plain lists: a path names
#: them as the API does (``InstanceResponses.InstanceResponse[1]``).
_WRAPPED: Final = {"InstanceResponses": "InstanceResponse", "Instances": "Instance"}
_ABSENT: Final = object()


def _differences(
    model: object, theirs: object, path: str, who: str | None = None
) -> Iterator[tuple[str, object, object, str | None]]:
    """Each (path, model value, implementation value, instance id) where two bodies differ.

    Keys missing on one side are ``_ABSENT`` there; a list entry that is the same
    instance on both sides (equal ``InstanceId``) names it.
    """
    if isinstance(model, Mapping) and isinstance(theirs, Mapping):
        for key in (*model, *(k for k in theirs if k not in model)):
            mine, other = model.get(key, _ABSENT), theirs.get(key, _ABSENT)
            name = f"{path}.{key}" if path else str(key)
            if key in _WRAPPED and isinstance(mine, list) and isinstance(other, list):
                name += f".{_WRAPPED[key]}"
            yield from _differences(mine, other, name, who)
    elif isinstance(model, list) and isinstance(theirs, list):
        for n in range(max(len(model), len(theirs))):
            mine = model[n] if n < len(model) else _ABSENT
            other = theirs[n] if n < len(theirs) else _ABSENT
            same = _instance_id(mine)
            yield from _differences(
                mine, other, f"{path}[{n}]", same if same and same == _instance_id(other) else who
            )
    elif model != theirs:
        yield path, model, theirs, who


def _instance_id(entry: object) -> str | None:
    value = entry.get("InstanceId") if isinstance(entry, Mapping) else None
    return value if isinstance(value, str) else None


def _shown(value: object) -> str:
    return "(absent)" if value is _ABSENT else repr(value)


def _views(model: EcsModel, request: Request) -> str:
    account = model.account
    shown = (
        f"balance={account.balance} minimum_start_balance={account.minimum_start_balance} "
        f"in_arrears={account.in_arrears}"
    )
    views = []
    for instance_id in dict.fromkeys(request.instance_ids):
        if instance_id not in model:
            continue
        view = model.instance(instance_id)
        views.append(
            f"{instance_id} {view.status.value} {view.instance_type} {view.charge_type.value} "
            f"expired_time={view.expired_time} locks={list(view.lock_reasons)} "
            f"cloud_disk_abnormal={view.cloud_disk_abnormal} "
            f"local_disk_abnormal={view.local_disk_abnormal}; "
        )
    return "".join(views) + shown
