"""A real Prometheus server scraping a running docket-scheduler, queried through its HTTP API.

The test submits cases whose receipt dates it chooses, has a desk (pyzmq, docs/protocol.md)
accept and decide every one, and then asks Prometheus what an operator's dashboard would ask:
completions by outcome, the median cycle time from the histogram, the posted processing time,
receipts by priority and deadline misses. Each answer is checked against what the test did.
"""

import bisect
import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import zmq

from docket_e2e import Peer, Scheduler, Worker, new_case, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DAY = 86400
# docket_cycle_time_seconds buckets (AgencyMetrics::kCycleTimeBuckets).
CYCLE_BOUNDS = [3600, 14400, 28800, 86400, 172800, 345600, 604800, 1209600, 2592000, 3888000,
                5184000, 7776000, 10368000, 12960000, 15552000, 20736000, 31536000, 47304000,
                63072000, 94608000, 157680000]
# The posted processing time is within one TrailingQuantile bucket, 2^(1/8), of the exact value.
POSTED_RESOLUTION = 2 ** (1 / 8)
# Days between receipt and submission. The middle five (62 to 80 days) share one histogram bucket,
# (60, 90] days, so the median is known to lie in it; the oldest are past the form's deadline.
AGES_DAYS = [5, 9, 14, 20, 26, 33, 40, 50, 62, 66, 70, 75, 80, 85, 100, 130, 160, 200, 230, 260, 300]
O1, O2 = "ISO-CSC-00001", "ISO-CSC-00002"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nearest_rank(values, q):
    v = sorted(values)
    return v[max(1, math.ceil(q * len(v) - 1e-9)) - 1]


class Prometheus:
    """/usr/bin/prometheus on a free loopback port, scraping `target` (host:port) every second."""

    def __init__(self, target):
        self.tmp = tempfile.mkdtemp(prefix="docket-prometheus-")
        config = os.path.join(self.tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    f"rule_files:\n  - {os.path.join(ROOT, 'metrics', 'rules', 'docket.rules.yaml')}\n"
                    "scrape_configs:\n  - job_name: docket\n    static_configs:\n"
                    f"      - targets: ['{target}']\n")
        self.log = open(os.path.join(self.tmp, "prometheus.log"), "w")
        self.proc = None
        for _ in range(3):  # A port taken between free_port() and the bind: try another.
            self.port = free_port()
            self.proc = subprocess.Popen(
                ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.tmp}/data",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdout=self.log, stderr=subprocess.STDOUT)
            try:
                wait_for(self.ready, timeout=30, interval=0.2)
                return
            except TimeoutError:
                self.proc.kill()
                self.proc.wait()
        raise RuntimeError("prometheus did not start:\n" + self.output())

    def output(self):
        with open(os.path.join(self.tmp, "prometheus.log")) as f:
            return f.read()

    def ready(self):
        if self.proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.loads(r.read().decode())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql):
        """The instant vector of `promql` as {frozenset(labels): value}."""
        data = self.api("query", query=promql)
        return {frozenset(s["metric"].items()): float(s["value"][1]) for s in data["result"]}

    def scalar(self, promql):
        """The single value of `promql`, or None while it has none."""
        result = self.query(promql)
        return next(iter(result.values())) if len(result) == 1 else None

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class PrometheusScrapesTheScheduler(unittest.TestCase):
    def setUp(self):
        self.s = Scheduler()
        self.addCleanup(self.s.close)
        self.ctx = zmq.Context()
        self.addCleanup(self.ctx.destroy, linger=0)
        target = urllib.parse.urlparse(self.s.metrics).netloc
        self.prom = Prometheus(target)
        self.addCleanup(self.prom.close)

    def test_prometheus_answers_what_the_cases_submitted_and_decided_say(self):
        mgmt = Peer(self.ctx, self.s.management)
        now = int(time.time())
        cases, received, outcome, priority = [], {}, {}, {}
        for i, age in enumerate(AGES_DAYS):
            receipt = "WAC25900005%02d" % i
            received[receipt] = now - age * DAY
            outcome[receipt] = "deny" if i % 3 == 0 else "approve"
            priority[receipt] = "expedite" if i % 4 == 0 else "normal"
            cases.append(new_case(receipt, received=received[receipt], priority=priority[receipt]))
        self.assertEqual(mgmt.call("submit", {"cases": cases})["accepted"], len(cases))
        deadline = {r: mgmt.call("status", {"receipt": r})["case"]["deadline"] for r in received}
        late = [r for r in received if deadline[r] < now]
        self.assertTrue(late, "the oldest cases are past their deadline")
        self.assertLess(len(late), len(received))

        # A deadline that passes while the case is open is a miss at once, before any decision.
        misses = 'sum(docket_deadline_misses_total{job="docket"})'
        wait_for(lambda: self.prom.scalar(misses) == len(late), timeout=20, interval=0.2)

        w = Worker(self.ctx, self.s.workers, [O1, O2])
        decided_at = {}
        while len(decided_at) < len(cases):
            case = w.offer(timeout=15)
            self.assertTrue(w.accept(case)["ok"])
            self.assertEqual(w.decide(case, outcome[case["receipt"]])["state"], "decided")
            decided_at[case["receipt"]] = time.time()
        cycles = [decided_at[r] - received[r] for r in received]

        # The decisions reach Prometheus with the next tick and scrape.
        total = 'sum(docket_completions_total{job="docket"})'
        wait_for(lambda: self.prom.scalar(total) == len(cases), timeout=20, interval=0.2)
        time.sleep(1.5)  # One more scrape, so that every series is of the same tick.

        by_outcome = self.prom.query('sum by (outcome) (docket_completions_total{job="docket",center="CSC",form="I-130"})')
        self.assertEqual({dict(k)["outcome"]: v for k, v in by_outcome.items()},
                         {"approve": float(list(outcome.values()).count("approve")),
                          "deny": float(list(outcome.values()).count("deny"))})

        median = self.prom.scalar('histogram_quantile(0.5, sum by (le) '
                                  '(docket_cycle_time_seconds_bucket{job="docket",center="CSC",form="I-130"}))')
        true_median = nearest_rank(cycles, 0.5)
        k = bisect.bisect_left(CYCLE_BOUNDS, true_median)  # Its bucket: (CYCLE_BOUNDS[k-1], CYCLE_BOUNDS[k]].
        self.assertGreater(median, CYCLE_BOUNDS[k - 1], (median, true_median))
        self.assertLessEqual(median, CYCLE_BOUNDS[k], (median, true_median))

        posted = self.prom.scalar('docket_posted_processing_time_seconds{job="docket",center="CSC",form="I-130"}')
        p80 = nearest_rank(cycles, 0.8)
        self.assertLessEqual(posted, p80 * POSTED_RESOLUTION, (posted, p80))
        self.assertGreaterEqual(posted, p80 / POSTED_RESOLUTION, (posted, p80))

        by_priority = self.prom.query('sum by (priority) (docket_receipts_total{job="docket"}) > 0')
        self.assertEqual({dict(k)["priority"]: v for k, v in by_priority.items()},
                         {p: float(list(priority.values()).count(p)) for p in set(priority.values())})

        # Each late case counted once: not again when it was decided.
        self.assertEqual(self.prom.scalar(misses), len(late))
        self.assertEqual(self.prom.scalar('sum(docket_backlog_cases{job="docket"})'), 0)

        # Every recording rule and alert evaluates against the live scheduler without error.
        groups = self.prom.api("rules")["groups"]
        self.assertTrue(groups)
        for g in groups:
            for rule in g["rules"]:
                self.assertEqual(rule.get("health"), "ok", rule)
        w.sock.close()
        mgmt.sock.close()


if __name__ == "__main__":
    unittest.main()
