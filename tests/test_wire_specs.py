"""``lifecycle.wire`` says what ``specs/wire.toml`` says: error rows, signature vectors,
envelope constants, limits, and the parameters it passes to the model."""

from __future__ import annotations

from typing import Any

import pytest

import lifecycle
from lifecycle import Action, EcsModel, InvalidArgument
from lifecycle._spec import PARAMETERS
from lifecycle.wire import API_VERSION, WIRE_ERRORS, WireConfig, _envelope, _protocol, _signature
from tests.reference import operation
from tests.wire_helpers import WIRE


def test_every_protocol_error_row_equals_the_spec_field_by_field() -> None:
    spec = {row["code"]: (row["http_status"], row["message"]) for row in WIRE["errors"]}
    package = {code: (entry.http_status, entry.message) for code, entry in WIRE_ERRORS.items()}
    assert package == spec


def test_every_protocol_error_row_cites_a_source() -> None:
    for code, entry in WIRE_ERRORS.items():
        assert entry.code == code
        assert "section" in entry.source


def test_the_envelope_constants_are_the_documented_ones() -> None:
    envelope = WIRE["envelope"]
    assert envelope["json_content_type"] == _envelope.JSON_CONTENT_TYPE
    assert envelope["xml_content_type"] == _envelope.XML_CONTENT_TYPE
    assert envelope["request_id_header"] == _envelope.REQUEST_ID_HEADER
    assert envelope["recommend"] == _envelope.RECOMMEND
    body = _envelope.error_body("C", "m", "R", "h")
    assert list(body) == envelope["error_fields"]
    assert WIRE["version"] == API_VERSION
    assert WireConfig().host_id == WIRE["host_id"]


def test_the_default_limits_and_window_are_the_documented_ones() -> None:
    config = WireConfig()
    limits = WIRE["limits"]
    assert config.max_query_bytes == limits["max_query_bytes"]
    assert config.max_body_bytes == limits["max_body_bytes"]
    assert config.max_parameters == limits["max_parameters"]
    assert config.timestamp_window == WIRE["timestamp"]["window_seconds"]


@pytest.mark.parametrize("vector", WIRE["signature"]["v2"]["vectors"], ids=lambda v: v["source"])
def test_v2_reproduces_every_documented_and_captured_vector(vector: dict[str, Any]) -> None:
    params = [tuple(pair) for pair in vector["params"]]
    to_sign = _signature.string_to_sign_v2(vector["http_method"], params)
    assert to_sign == vector["string_to_sign"]
    assert _signature.sign_v2(vector["secret"], to_sign) == vector["signature"]


@pytest.mark.parametrize("vector", WIRE["signature"]["v3"]["vectors"], ids=lambda v: v["source"])
def test_v3_reproduces_the_captured_tea_sdk_signature(vector: dict[str, Any]) -> None:
    headers = dict(vector["headers"])
    canonical = _signature.canonical_request_v3(
        vector["http_method"],
        "/",
        [tuple(pair) for pair in vector["query"]],
        headers,
        sorted(headers),
        headers["x-acs-content-sha256"],
    )
    to_sign = _signature.string_to_sign_v3(canonical)
    assert to_sign.startswith(WIRE["signature"]["v3"]["algorithm"] + "\n")
    assert _signature.sign_v3(vector["secret"], to_sign) == vector["signature"]


def test_the_empty_body_hash_is_the_documented_one() -> None:
    assert WIRE["signature"]["v3"]["empty_body_sha256"] == _signature.EMPTY_SHA256


def test_the_wire_serves_exactly_the_model_s_actions() -> None:
    assert set(_protocol.ACTIONS) == {action.value for action in Action}


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_every_parameter_the_wire_passes_is_one_the_model_accepts(action: str) -> None:
    spec = _protocol.ACTIONS[action]
    model = EcsModel()
    sent: dict[str, object] = dict.fromkeys(spec.model, "x")
    if spec.listed:
        sent[spec.listed] = ["x"]  # a Name.N list reaches the model as a list
    documented = {row["code"] for row in operation(action)["errors"]}
    for name, value in sent.items():
        # An answer (a response, or an ApiError the action documents) means the name was
        # accepted; an unknown name is an InvalidArgument, and fails the test.
        answer: lifecycle.Response | lifecycle.ApiError
        try:
            answer = model.call(action, {name: value})
        except lifecycle.ApiError as error:
            assert error.code.value in documented, (name, error)
            answer = error
        assert answer.request_id, name


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_the_ignored_parameters_are_ones_the_model_refuses(action: str) -> None:
    # So they must never reach it: that is why the wire drops them.
    model = EcsModel()
    for name in _protocol.ACTIONS[action].ignored:
        with pytest.raises(InvalidArgument):
            model.call(action, {name: "x"})


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_the_passed_documented_parameters_are_ones_the_model_gathers_as_extra(
    action: str,
) -> None:
    """RunInstances' DataDisk.1.Size and the rest: the wire passes them (each ``.N`` a
    position), and ``EcsModel.call`` accepts them; an answer, never InvalidArgument."""
    spec = _protocol.ACTIONS[action]
    documented = {row["code"] for row in operation(action)["errors"]}
    for name in spec.extra:
        sent = at(name, "2")
        assert spec.passes.match(sent)
        try:
            EcsModel().call(action, {sent: "x"})
        except lifecycle.ApiError as error:  # MissingParameter: nothing else was sent
            assert error.code.value in documented, (name, error)


def test_only_the_creation_actions_pass_documented_parameters_as_extra() -> None:
    passing = {name for name, spec in _protocol.ACTIONS.items() if spec.extra}
    assert passing == {"RunInstances", "CreateInstance"}
    for name in passing:
        assert not _protocol.ACTIONS[name].ignored  # the model knows every one of them


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_the_wire_passes_every_parameter_the_model_documents(action: str) -> None:
    spec = _protocol.ACTIONS[action]
    passed = set(spec.model) | ({spec.listed} if spec.listed else set())
    assert {param.name for param in PARAMETERS[Action(action)]} == passed


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_the_wire_passes_exactly_the_parameters_the_operation_file_documents(
    action: str,
) -> None:
    """From ``specs/operations/<Action>.toml``, not the model's table: a RepeatList
    parameter is the ``Name.N`` list, every other one is passed as sent."""
    spec = _protocol.ACTIONS[action]
    documented = operation(action)["parameters"]
    lists = {row["name"] for row in documented if row["type"] == "RepeatList"}
    assert ({spec.listed} if spec.listed else set()) == lists
    assert set(spec.model) == {row["name"] for row in documented} - lists


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_the_ignored_parameters_are_the_documented_ones(action: str) -> None:
    rows = [row["name"] for row in WIRE["ignored_parameters"] if row["action"] == action]
    rows += [row["name"] for row in operation(action).get("ignored", [])]
    assert len(rows) == len(set(rows))
    spec = _protocol.ACTIONS[action]
    assert not spec.ignored & spec.extra
    assert spec.ignored | spec.extra == set(rows)
    for row in WIRE["ignored_parameters"]:
        assert row["reason"]
        assert "section" in row["source"]


def at(name: str, position: str) -> str:
    """A documented name with each ``N`` part a position: ``Tag.N.Key`` -> ``Tag.2.Key``."""
    return ".".join(position if part == "N" else part for part in name.split("."))


@pytest.mark.parametrize("action", list(_protocol.ACTIONS))
def test_every_ignored_name_is_matched_with_each_n_a_position(action: str) -> None:
    spec = _protocol.ACTIONS[action]
    for names, pattern in ((spec.ignored, spec.ignores), (spec.extra, spec.passes)):
        for name in names:
            assert pattern.match(at(name, "1"))
            assert pattern.match(at(name, "100"))
            assert not pattern.match(name + "x")
            assert not pattern.match("x" + name)
            if "N" in name.split("."):
                assert not pattern.match(name)
                assert not pattern.match(at(name, "0"))
                assert not pattern.match(at(name, "01"))


def test_an_action_with_no_ignored_parameter_ignores_none() -> None:
    spec = _protocol.ACTIONS["RebootInstance"]
    assert spec.ignored == frozenset()
    assert not spec.ignores.match("")
    assert not spec.ignores.match("Hibernate")


def test_only_describe_instance_status_needs_a_region_the_model_does_not() -> None:
    required = {name: spec.required for name, spec in _protocol.ACTIONS.items() if spec.required}
    assert required == {"DescribeInstanceStatus": ("RegionId",)}
    (row,) = [d for d in WIRE["decisions"] if d["topic"] == "RegionId"]
    assert "required, non-empty and otherwise ignored by DescribeInstanceStatus" in row["decision"]


def test_strict_parameters_are_off_by_default() -> None:
    assert WireConfig().strict_parameters is False
    (row,) = [d for d in WIRE["decisions"] if d["topic"] == "unknown parameters (issue 9)"]
    assert "WireConfig(strict_parameters=True)" in row["decision"]
    assert f"remembers up to {_protocol.MAX_NAMED} such pairs" in row["decision"]
