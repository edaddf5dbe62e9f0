"""Measures what a failover costs: two docket-scheduler processes on one redis-server (empty
store), the leader killed (SIGKILL) or stopped (SIGTERM), and the time until the standby has
bound its sockets. Not a test; docs/operations.md ("High availability") quotes its output.

    DOCKET_BIN_SCHEDULER=build/scheduler/app/docket-scheduler python3 tests/e2e/failover_timing.py
"""

import shutil
import signal
import tempfile
import time

import leader_test
from leader_test import HaScheduler, Redis, wait_for


def failover_seconds(lease_ms, sig):
    leader_test.LEASE_MS = lease_ms
    tmp = tempfile.mkdtemp(prefix="docket-failover-")
    redis = Redis(tmp)
    a = b = None
    try:
        a = HaScheduler(tmp, "a", redis.port)
        wait_for(a.serving, timeout=60)
        b = HaScheduler(tmp, "b", redis.port)
        wait_for(lambda: b.line(r"^(standby): "), timeout=60)
        time.sleep(1.0)  # A renewal or two, so the lease is not fresh from the election.
        start = time.monotonic()
        a.proc.send_signal(sig)
        wait_for(b.serving, timeout=120, interval=0.01)
        return time.monotonic() - start
    finally:
        for s in (b, a):
            if s:
                s.stop(signal.SIGKILL)
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for lease in (1500, 10000):
        for sig in (signal.SIGKILL, signal.SIGTERM):
            print(f"--lease-ms {lease}, leader {sig.name}: the standby serves after "
                  f"{failover_seconds(lease, sig):.2f} s", flush=True)
