"""End-to-end test of runtime officer changes: `docketctl officer update --skill` on a running
scheduler, then an offer of a form the officer could not take before."""

import re
import subprocess
import time
import unittest

import zmq

from docket_e2e import Peer, ProtocolError, Scheduler, Worker, binary, new_case, wait_for

NSC = "ISO-NSC-00001"  # Certified for I-130 only in tests/e2e/config/officers.csv.
I130, I751 = "LIN2590000301", "LIN2590000302"


class SchedulerCase(unittest.TestCase):
    """A scheduler with its embedded Redis, started for each test."""

    def setUp(self):
        self.s = Scheduler()
        self.ctx = zmq.Context()

    def tearDown(self):
        self.ctx.destroy(linger=0)
        self.s.close()

    def ctl(self, *args):
        return subprocess.run([binary("docketctl"), "--scheduler", self.s.management, "--timeout",
                               "10", *args], capture_output=True, text=True, timeout=60)


class SkillUpdate(SchedulerCase):
    def setUp(self):
        super().setUp()
        self.mgmt = Peer(self.ctx, self.s.management)

    def skills(self):
        officers = self.mgmt.call("officers", {"center": "NSC"})["officers"]
        return [o for o in officers if o["officer"] == NSC][0]

    def pull(self, w):
        rid = w.request("PULL", {"officer": NSC})
        return w.expect("RESULT", where=lambda b: b.get("re") == rid)["offered"]

    def test_a_new_certification_applies_to_the_next_round_and_held_cases_stay(self):
        self.mgmt.call("submit", {"cases": [new_case(I130, form="I-130")]})
        w = Worker(self.ctx, self.s.workers, [NSC])
        held = w.offer(receipt=I130)
        self.assertEqual(w.accept(held)["state"], "assigned")
        self.mgmt.call("submit", {"cases": [new_case(I751, form="I-751")]})
        self.assertEqual(self.pull(w), 0)  # Not certified for I-751: nothing to offer.

        # A bad skill changes nothing, not even the valid field sent with it.
        bad = self.ctl("officer", "update", NSC, "--capacity", "5", "--skill", "I-999:3")
        self.assertEqual(bad.returncode, 3, bad.stdout + bad.stderr)
        self.assertIn("unknown skill 'I-999'", bad.stderr)
        self.assertEqual((self.skills()["skills"], self.skills()["capacity"]), ({"I-130": 3}, 2))

        # Certified for I-751 and no longer for I-130, at runtime.
        ok = self.ctl("officer", "update", NSC, "--skill", "I-751:3", "--skill", "I-130:0")
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertEqual(self.skills()["skills"], {"I-751": 3})
        offer = w.offer(receipt=I751)
        self.assertEqual((offer["officer"], offer["form"]), (NSC, "I-751"))
        # The I-130 case already on the desk stays there and can be decided.
        cases = {c["receipt"]: c["state"] for c in self.mgmt.call("my-cases", {"officer": NSC})["cases"]}
        self.assertEqual(cases, {I130: "assigned", I751: "offered"})
        self.assertEqual(w.decide(held, "approve")["state"], "decided")
        w.sock.close()


NEW = "ISO-NSC-09001"  # Not in the roster file: added at runtime.
I751_HELD = "LIN2590000303"


class RosterPersists(SchedulerCase):
    """Officers added or changed at runtime are kept in the state of record, so a restart on the
    same Redis (the embedded one's data directory) keeps them over the roster file."""

    def officer(self, mgmt, name):
        return [o for o in mgmt.call("officers", {"center": "NSC"})["officers"]
                if o["officer"] == name][0]

    def test_runtime_changes_survive_a_restart_and_win_over_the_roster_file(self):
        mgmt = Peer(self.ctx, self.s.management)
        added = mgmt.call("officer.add", {"officer": {
            "officer": NEW, "center": "NSC", "skills": {"I-751": 4},
            "capacity": 3, "senior": True}})["officer"]
        self.assertEqual(added["officer"], NEW)
        mgmt.call("officer.update", {"officer": NSC, "skills": {"I-751": 2}, "capacity": 5,
                                     "presence": "away"})
        # The new officer takes a case and holds it across the restart.
        mgmt.call("submit", {"cases": [new_case(I751_HELD, form="I-751")]})
        w = Worker(self.ctx, self.s.workers, [NEW])
        held = w.offer(receipt=I751_HELD)
        self.assertEqual(w.accept(held)["state"], "assigned")
        w.sock.close()
        mgmt.sock.close()

        self.assertEqual(self.s.stop(), 0)
        self.s.start()
        self.assertIn("roster: 1 officers added, 1 changed and 0 removed at runtime restored from the store",
                      self.s.output())
        mgmt = Peer(self.ctx, self.s.management)
        new = self.officer(mgmt, NEW)
        self.assertEqual((new["skills"], new["languages"], new["capacity"], new["senior"],
                          new["presence"]), ({"I-751": 4}, [], 3, True, "available"))
        old = self.officer(mgmt, NSC)
        # The roster file says I-130:3, capacity 2, available; the runtime change wins.
        self.assertEqual((old["skills"], old["capacity"], old["presence"]),
                         ({"I-130": 3, "I-751": 2}, 5, "away"))
        cases = mgmt.call("my-cases", {"officer": NEW})["cases"]
        self.assertEqual([(c["receipt"], c["state"]) for c in cases], [(I751_HELD, "assigned")])
        # docketctl shows the same roster.
        r = self.ctl("--json", "officers", "--center", "NSC")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(NEW, r.stdout)
        mgmt.sock.close()


O1, O2 = "ISO-CSC-00001", "ISO-CSC-00002"  # Both certified for I-130 at CSC.
HELD = "WAC2590000401"


def backlog(scrape, center, form):
    """The non-zero docket_backlog_cases of one center and form, by state."""
    out = {}
    for line in scrape.splitlines():
        if not line.startswith("docket_backlog_cases{"):
            continue
        labels, value = line.rsplit(" ", 1)
        if f'center="{center}"' in labels and f'form="{form}"' in labels and float(value) != 0:
            out[re.search(r'state="([a-z_]+)"', labels).group(1)] = float(value)
    return out


class OfficerDrain(SchedulerCase):
    """`docketctl drain --officer`: the cases offered to or assigned to the officer go back to
    their queue, and the backlog gauges (docket_backlog_cases) follow each case as it moves."""

    def test_a_drained_officers_cases_are_queued_again_and_the_backlog_gauges_follow(self):
        mgmt = Peer(self.ctx, self.s.management)
        receipts = ["WAC25900005%02d" % i for i in range(6)]
        mgmt.call("submit", {"cases": [new_case(r) for r in receipts]})
        w1 = Worker(self.ctx, self.s.workers, [O1])  # Capacity 2: two offers.
        first, second = w1.offer(), w1.offer()
        self.assertEqual(w1.accept(first)["state"], "assigned")
        gauges = lambda: backlog(self.s.scrape(), "CSC", "I-130")
        expected = {"queued": 4.0, "offered": 1.0, "assigned": 1.0}
        self.assertEqual(wait_for(lambda: gauges() == expected and gauges(), timeout=5), expected)

        r = self.ctl("drain", "--officer", O1)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lost = set()  # One LEASE_LOST per case, or one for both.
        while len(lost) < 2:
            lost |= {(c["receipt"], c["reason"]) for c in w1.expect("LEASE_LOST")["cases"]}
        self.assertEqual(lost, {(first["receipt"], "reclaimed"), (second["receipt"], "reclaimed")})
        for case in (first, second):
            self.assertEqual(mgmt.call("status", {"receipt": case["receipt"]})["case"]["state"], "queued")
        presence = {o["officer"]: o["presence"] for o in mgmt.call("officers", {"center": "CSC"})["officers"]}
        self.assertEqual(presence[O1], "away")
        self.assertEqual(wait_for(lambda: gauges() == {"queued": 6.0} and gauges(), timeout=5),
                         {"queued": 6.0})

        # Another officer takes two of them: the gauges move with the offers.
        w2 = Worker(self.ctx, self.s.workers, [O2])
        w2.offer(), w2.offer()
        expected = {"queued": 4.0, "offered": 2.0}
        self.assertEqual(wait_for(lambda: gauges() == expected and gauges(), timeout=5), expected)
        w1.sock.close()
        w2.sock.close()
        mgmt.sock.close()


class OfficerRemoval(SchedulerCase):
    """`docketctl officer remove`: the officer's cases go back to their queues and on to another
    officer, the officer is never offered work again, and the removal outlives a restart even
    though the roster file still lists them."""

    def listed(self, mgmt):
        return {o["officer"] for o in mgmt.call("officers", {"center": "CSC"})["officers"]}

    def assert_refused(self, mgmt, code, cmd, args):
        with self.assertRaises(ProtocolError) as refused:
            mgmt.call(cmd, args)
        self.assertEqual(refused.exception.code, code)
        return str(refused.exception)

    def assert_hello_refused(self):
        desk = Peer(self.ctx, self.s.workers)
        desk.send("HELLO", {"id": 1, "agent": "e2e-test/1", "officers": [{"officer": O1}]})
        t, body = desk.recv()
        self.assertEqual((t, body["code"]), ("ERROR", "unknown_officer"))
        desk.sock.close()

    def test_a_removed_officers_case_goes_to_another_and_the_removal_outlives_a_restart(self):
        mgmt = Peer(self.ctx, self.s.management)
        mgmt.call("submit", {"cases": [new_case(HELD)]})
        w1 = Worker(self.ctx, self.s.workers, [O1])
        held = w1.offer(receipt=HELD)
        self.assertEqual(w1.accept(held)["state"], "assigned")

        # Not without --yes: nothing is sent.
        r = self.ctl("officer", "remove", O1)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("--yes", r.stderr)
        self.assertIn(O1, self.listed(mgmt))

        r = self.ctl("officer", "remove", O1, "--yes", "--reason", "left the agency")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, f"removed {O1}: 1 cases returned to their queues\n")
        lost = w1.expect("LEASE_LOST")
        self.assertEqual(lost["cases"], [{"receipt": HELD, "reason": "reclaimed"}])
        self.assertNotIn(O1, self.listed(mgmt))

        # The case goes on to another officer, and its history says why it moved.
        w2 = Worker(self.ctx, self.s.workers, [O2])
        again = w2.offer(receipt=HELD)
        self.assertEqual((again["officer"], again["epoch"]), (O2, held["epoch"] + 2))  # The expiry, then the offer.
        self.assertEqual(w2.accept(again)["state"], "assigned")
        self.assertEqual(w2.decide(again, "approve")["state"], "decided")
        history = mgmt.call("status", {"receipt": HELD})["history"]
        self.assertEqual([h["op"] for h in history],
                         ["import", "offer", "accept", "lease_expiry", "offer", "accept", "decide"])
        self.assertEqual(history[3]["detail"], "removed: left the agency")

        # Gone for good: no desk may play the officer, and the id is not given out again.
        self.assert_hello_refused()
        self.assertIn("was removed from the roster",
                      self.assert_refused(mgmt, "unknown_officer", "officer.update",
                                          {"officer": O1, "capacity": 3}))
        self.assertIn("was removed from the roster",
                      self.assert_refused(mgmt, "unknown_officer", "my-cases", {"officer": O1}))
        # Sent again (its first answer lost), a removal is recorded again and returns nothing.
        self.assertEqual(mgmt.call("officer.remove", {"officer": O1}),
                         {"officer": O1, "reclaimed": 0})
        self.assertIn("ids are not reused", self.assert_refused(
            mgmt, "bad_request", "officer.add",
            {"officer": {"officer": O1, "center": "CSC", "skills": {"I-130": 3}}}))
        w1.sock.close()
        w2.sock.close()
        mgmt.sock.close()

        # The roster file still lists the officer; the removal kept in the store wins.
        self.assertEqual(self.s.stop(), 0)
        self.s.start()
        self.assertIn("roster: 0 officers added, 0 changed and 1 removed at runtime restored from "
                      "the store", self.s.output())
        mgmt = Peer(self.ctx, self.s.management)
        self.assertEqual(self.listed(mgmt), {O2, "ISO-CSC-00003"})
        self.assert_hello_refused()
        mgmt.call("submit", {"cases": [new_case("WAC2590000402")]})
        w2 = Worker(self.ctx, self.s.workers, [O2])
        self.assertEqual(w2.offer(receipt="WAC2590000402")["officer"], O2)
        w2.sock.close()
        mgmt.sock.close()

    def test_a_desk_that_says_hello_again_with_fewer_officers_no_longer_plays_the_others(self):
        mgmt = Peer(self.ctx, self.s.management)
        w = Worker(self.ctx, self.s.workers, [O1, O2])
        rid = w.request("HELLO", {"agent": "e2e-test/1", "officers": [{"officer": O2}],
                                  "credit": 16})
        self.assertEqual([o["officer"] for o in
                          w.expect("WELCOME", where=lambda b: b.get("re") == rid)["officers"]],
                         [O2])
        # The session's last officer is removed, and the session ends. O1, whom the desk no
        # longer plays, is offline: a case waits for a desk that plays them.
        self.assertEqual(mgmt.call("officer.remove", {"officer": O2})["reclaimed"], 0)
        # Rounds run while some desk is connected: one plays an officer of another center.
        nsc = Worker(self.ctx, self.s.workers, [NSC])
        self.assertEqual(mgmt.call("stats")["workers"], 1)
        mgmt.call("submit", {"cases": [new_case(HELD)]})
        time.sleep(0.5)  # Rounds run meanwhile (each within round_delay_ms of the submit).
        self.assertEqual(mgmt.call("my-cases", {"officer": O1})["cases"], [])
        self.assertEqual(mgmt.call("queues", {"center": "CSC"})["rows"][0]["queued"], 1)
        other = Worker(self.ctx, self.s.workers, [O1])
        self.assertEqual(other.offer(receipt=HELD)["officer"], O1)
        for peer in (other, nsc, w, mgmt):
            peer.sock.close()


if __name__ == "__main__":
    unittest.main()
