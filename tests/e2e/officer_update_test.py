"""End-to-end test of runtime officer changes: `docketctl officer update --skill` on a running
scheduler, then an offer of a form the officer could not take before."""

import subprocess
import unittest

import zmq

from docket_e2e import Peer, Scheduler, Worker, binary, new_case

NSC = "ISO-NSC-00001"  # Certified for I-130 only in tests/e2e/config/officers.csv.
I130, I751 = "LIN2590000301", "LIN2590000302"


class SkillUpdate(unittest.TestCase):
    def setUp(self):
        self.s = Scheduler()
        self.ctx = zmq.Context()
        self.mgmt = Peer(self.ctx, self.s.management)

    def tearDown(self):
        self.ctx.destroy(linger=0)
        self.s.close()

    def ctl(self, *args):
        return subprocess.run([binary("docketctl"), "--scheduler", self.s.management, "--timeout", "10",
                               *args], capture_output=True, text=True, timeout=60)

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


if __name__ == "__main__":
    unittest.main()
