"""``simulate(..., executor=client.get_executor())`` on a real Dask cluster of worker processes.

The README and docs/simulation.md say a run goes to Dask through its
``concurrent.futures`` interface, unchanged. This proves it on a
``distributed.LocalCluster`` of two worker processes: every task is pickled
to another interpreter, run there, and its result pickled back, and the
results and the merged trace files are the bytes one process gives.

Needs the ``[dask]`` extra (``python -m pip install -e ".[dask]"``, which CI
installs); without it the module is skipped.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from lifecycle.simulation import Workload, load_workload, simulate

distributed = pytest.importorskip("distributed")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workloads"
SEEDS = (5, 6, 7)


@pytest.fixture(scope="module")
def two_accounts() -> Workload:
    """Two accounts that share nothing, small enough for a run of about a tenth of a second."""
    return replace(load_workload(EXAMPLES / "two-accounts.toml").scaled(400), days=1.5)


def test_a_local_cluster_of_worker_processes_gives_the_one_process_result(
    tmp_path: Path, two_accounts: Workload
) -> None:
    here = simulate(two_accounts, SEEDS, trace=tmp_path / "here-{seed}.jsonl")
    seen: list[float] = []
    # Loopback only, no dashboard (no port 8787 to collide with another run): two worker
    # processes of one thread each, as `--jobs 2` would be.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = client.run(os.getpid)
        with distributed.get_task_stream(client) as stream:
            there = simulate(
                two_accounts,
                SEEDS,
                executor=client.get_executor(),
                trace=tmp_path / "dask-{seed}.jsonl",
                on_progress=seen.append,
            )
        ran_on = {task["worker"] for task in stream.data}
    # The tasks ran in the cluster's worker processes, not in this one.
    assert len(workers) == 2
    assert os.getpid() not in workers.values()
    assert len(stream.data) == len(SEEDS) * len(two_accounts.accounts) == 6
    assert ran_on <= set(workers)
    # Exactly one process's answer: the results, their rendering, and the merged traces.
    assert there == here
    assert [r.summary.render() for r in there] == [r.summary.render() for r in here]
    for seed in SEEDS:
        traced = (tmp_path / f"dask-{seed}.jsonl").read_bytes()
        assert traced == (tmp_path / f"here-{seed}.jsonl").read_bytes()
        assert b'"account":"team-a"' in traced
        assert b'"account":"team-b"' in traced
    # A cluster's executor cannot reach back with a task's share: whole tasks, in order.
    assert seen == [n / 6 for n in range(1, 7)]
    # No part files left behind: each seed's accounts were merged into its trace.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}-{seed}.jsonl" for name in ("here", "dask") for seed in SEEDS
    )
