"""Durations at their edges: a zero-width range, and the mean an exponential draw keeps."""

from __future__ import annotations

from random import Random
from statistics import fmean

from lifecycle import Durations, EcsModel, Exponential, InstanceStatus, Uniform


def test_a_uniform_range_of_zero_width_is_allowed_and_always_gives_its_value() -> None:
    """``high`` must be >= ``low``, so ``Uniform(5, 5)`` is a fixed 5 seconds."""
    duration = Uniform(5, 5)
    assert {duration.sample(Random(seed)) for seed in range(10)} == {5.0}
    model = EcsModel(durations=Durations(starting=duration))
    model.create_instance("i-1", status="Stopped")
    model.start_instance("i-1")
    assert model.instance("i-1").settles_at == 5.0
    model.advance(5)
    assert model.status("i-1") is InstanceStatus.RUNNING


def test_exponential_draws_average_to_the_configured_mean() -> None:
    """Seeded, so the figure is the same every run: within 5% of 12 s over 4,000 draws."""
    rng = Random(1)
    mean = fmean(Exponential(12).sample(rng) for _ in range(4000))
    assert abs(mean - 12) < 0.6
