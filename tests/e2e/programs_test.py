"""End-to-end tests with every program as a real process: docket-scheduler, docket-worker and
docketctl, plus the live metrics checks (promtool, and the names the dashboards and rules use)."""

import glob
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import zmq

from docket_e2e import Peer, Scheduler, Worker, binary, new_case, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
O1, O2 = "ISO-CSC-00001", "ISO-CSC-00002"


class Programs(unittest.TestCase):
    def setUp(self):
        self.s = Scheduler(args=("--heartbeat-ms", "100", "--liveness", "3"))
        self.ctx = zmq.Context()
        self.mgmt = Peer(self.ctx, self.s.management)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.mgmt.sock.close()
        self.ctx.destroy(linger=0)
        self.s.close()

    def ctl(self, *args, check=None):
        r = subprocess.run([binary("docketctl"), "--scheduler", self.s.management, "--timeout", "10", *args],
                           capture_output=True, text=True, timeout=60)
        if check is not None:
            self.assertEqual(r.returncode, check, r.stdout + r.stderr)
        return r

    def test_a_worker_killed_mid_case_loses_it_to_another_officer_and_nothing_is_decided_twice(self):
        self.ctl("submit", "--receipt", "WAC2590000101", "--form", "I-130", check=0)
        # A real desk agent whose officer takes an hour and a half a case: it will hold the case.
        desk = subprocess.Popen([binary("docket-worker"), "--scheduler", self.s.workers, "--config",
                                 os.path.join(ROOT, "tests", "e2e", "config", "docket.yaml"),
                                 "--officer", O1, "--behaviour", "simulated", "--time-scale", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(desk)
        held = wait_for(lambda: [c for c in self.mgmt.call("my-cases", {"officer": O1})["cases"]
                                 if c["state"] == "assigned"], timeout=20)
        self.assertEqual(held[0]["receipt"], "WAC2590000101")
        desk.send_signal(signal.SIGKILL)
        desk.wait()
        w2 = Worker(self.ctx, self.s.workers, [O2])
        case = w2.offer(timeout=10)
        self.assertEqual(case["receipt"], "WAC2590000101")
        self.assertGreater(case["epoch"], held[0]["epoch"])
        w2.accept(case)
        self.assertEqual(w2.decide(case, "approve")["state"], "decided")
        w2.sock.close()
        status = json.loads(self.ctl("--json", "status", "WAC2590000101", check=0).stdout)
        ops = [h["op"] for h in status["history"]]
        self.assertEqual(ops.count("decide"), 1)
        self.assertIn("lease_expiry", ops)
        self.assertEqual(status["case"]["officer"], O2)

    def test_docketctl_imports_with_line_numbered_errors_and_reads_back(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("receipt,form,priority\n")
            f.write("WAC2590000201,I-130,normal\n")
            f.write("WAC25900002XX,I-130,normal\n")   # line 3: a bad receipt number
            f.write("WAC2590000203,I-999,normal\n")   # line 4: unknown form (the scheduler says)
            f.write("WAC2590000204,I-751,expedite\n")
        r = self.ctl("import", f.name, "--no-progress")
        os.unlink(f.name)
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn(":3:", r.stderr)
        self.assertIn(":4:", r.stderr)
        self.assertIn("I-999", r.stderr)
        rows = json.loads(self.ctl("--json", "queues", "--center", "CSC", check=0).stdout)["rows"]
        self.assertEqual(sum(row["queued"] for row in rows), 2)
        table = self.ctl("queues", check=0).stdout
        self.assertIn("I-751", table)
        explain = json.loads(self.ctl("--json", "explain", "WAC2590000201", check=0).stdout)
        self.assertEqual(explain["verdict"], "none_present")
        self.assertEqual(self.ctl("status", "WAC2599999999").returncode, 5)
        self.assertEqual(json.loads(self.ctl("--json", "ping", check=0).stdout)["protocol"], 1)


class LiveMetrics(unittest.TestCase):
    def test_a_live_scrape_passes_promtool_and_has_every_metric_the_dashboards_and_rules_use(self):
        s = Scheduler(args=("--heartbeat-ms", "100", "--liveness", "3"))
        ctx = zmq.Context()
        try:
            mgmt = Peer(ctx, s.management)
            cases = [new_case("WAC25900003%02d" % i) for i in range(6)] + \
                    [new_case("LIN25900003%02d" % i) for i in range(40, 46)]
            mgmt.call("submit", {"cases": cases})
            drained = mgmt.call("drain", {"center": "NSC"})
            self.assertEqual((drained["moved"], drained["complete"]), (6, True))
            w = Worker(ctx, s.workers, [O1, O2])
            a, b = w.offer(), w.offer()
            w.accept(a)
            w.decide(a, "approve")
            w.decline(b)
            w.heartbeat_every = None  # Silent from here: its lease lapses.
            time.sleep(1.0)
            bad = Peer(ctx, s.workers)
            bad.send_raw([b"garbage"])
            bad.expect("ERROR")
            plan = mgmt.call("rebalance.plan", {})
            self.assertIn("moves", plan)
            time.sleep(1.2)  # One agency tick.
            scrape = s.scrape()
            with tempfile.NamedTemporaryFile("w", suffix=".prom", delete=False) as f:
                f.write(scrape)
            r = subprocess.run(["promtool", "check", "metrics"], input=scrape, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            paths = glob.glob(os.path.join(ROOT, "metrics", "dashboards", "*.json")) + \
                glob.glob(os.path.join(ROOT, "metrics", "rules", "*.rules.yaml"))
            r = subprocess.run(["python3", os.path.join(ROOT, "metrics", "tools", "check_metric_names.py"),
                                "--scrape", f.name, *paths], capture_output=True, text=True)
            os.unlink(f.name)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for name in ("docket_receipts_total", "docket_completions_total", "docket_backlog_cases",
                         "docket_cycle_time_seconds_bucket", "docket_leases_expired_total",
                         "docket_rebalance_cases_moved_total", "docket_scheduler_leader 1"):
                self.assertIn(name, scrape)
            bad.sock.close()
            w.sock.close()
            mgmt.sock.close()
        finally:
            ctx.destroy(linger=0)
            s.close()


if __name__ == "__main__":
    unittest.main()
