"""End-to-end tests of dispatch: a real docket-scheduler (with its embedded redis-server) and
workers and management clients on real ZeroMQ sockets, written from docs/protocol.md."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import zmq

from docket_e2e import ProtocolError, Peer, Scheduler, Worker, binary, new_case, wait_for

O1, O2, SENIOR, NSC = "ISO-CSC-00001", "ISO-CSC-00002", "ISO-CSC-00003", "ISO-NSC-00001"


class Base(unittest.TestCase):
    args = ()

    def setUp(self):
        self.s = Scheduler(args=self.args)
        self.ctx = zmq.Context()
        self.mgmt = Peer(self.ctx, self.s.management)
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.sock.close()
        self.mgmt.sock.close()
        self.ctx.term()
        self.s.close()

    def worker(self, *officers, **kw):
        w = Worker(self.ctx, self.s.workers, list(officers), **kw)
        self.workers.append(w)
        return w

    def submit(self, *cases):
        return self.mgmt.call("submit", {"cases": list(cases)})

    def history_ops(self, receipt):
        return [h["op"] for h in self.mgmt.call("status", {"receipt": receipt})["history"]]


class Lifecycle(Base):
    def test_submit_offer_accept_decide_once(self):
        self.assertEqual(self.mgmt.call("ping")["protocol"], 1)
        r = self.submit(new_case("WAC2590000001"), new_case("WAC2590000002", form="I-999"),
                        new_case("XYZ123"))
        self.assertEqual(r["accepted"], 1)
        self.assertEqual([x["index"] for x in r["rejected"]], [1, 2])
        self.assertIn("unknown form type 'I-999'", r["rejected"][0]["message"])

        w = self.worker(O1, "ISO-NOBODY")
        self.assertEqual([o["officer"] for o in w.welcome["officers"]], [O1])
        self.assertEqual(w.welcome["rejected"][0]["code"], "unknown_officer")
        case = w.offer()
        self.assertEqual((case["receipt"], case["officer"], case["state"]), ("WAC2590000001", O1, "offered"))
        self.assertGreater(case["expires"], case["received"])
        res = w.accept(case)
        self.assertEqual((res["ok"], res["state"]), (True, "assigned"))
        # The same ACCEPT sent again (its answer lost) is answered as a duplicate, not refused.
        repeat = w.accept(case)
        self.assertEqual((repeat["ok"], repeat["state"], repeat.get("duplicate")),
                         (True, "assigned", True))
        first = w.decide(case, "approve")
        self.assertEqual((first["ok"], first["state"]), (True, "decided"))
        # The same decision sent again (a lost reply, a reconnect) is recorded once.
        again = w.decide(case, "approve")
        self.assertTrue(again["ok"])
        self.assertTrue(again.get("duplicate"))
        self.assertEqual(self.history_ops("WAC2590000001"), ["import", "offer", "accept", "decide"])
        st = self.mgmt.call("status", {"receipt": "WAC2590000001"})["case"]
        self.assertEqual((st["state"], st["outcome"]), ("decided", "approve"))
        stats = self.mgmt.call("stats")
        self.assertEqual((stats["received"], stats["accepted"], stats["decided"]), (1, 1, 1))

    def test_decline_returns_the_case_and_a_recusal_sends_it_to_another_officer(self):
        self.submit(new_case("WAC2590000011"))
        w1 = self.worker(O1)
        case = w1.offer()
        self.assertTrue(w1.decline(case, reason="conflict of interest", recuse=True)["ok"])
        w2 = self.worker(O2)
        again = w2.offer()
        self.assertEqual(again["receipt"], case["receipt"])
        self.assertGreater(again["epoch"], case["epoch"])
        # The stale epoch of the first offer is refused (fencing).
        stale = w1.accept(case)
        self.assertFalse(stale["ok"])
        self.assertIn(stale["code"], ("stale_epoch", "not_holder"))
        self.assertEqual(self.history_ops(case["receipt"])[:4], ["import", "offer", "decline", "offer"])

    def test_rfe_response_returns_the_case_to_the_same_officer(self):
        self.submit(new_case("WAC2590000021"))
        w1 = self.worker(O1)
        case = w1.offer()
        w1.accept(case)
        self.assertEqual(w1.decide(case, "rfe")["state"], "rfe_pending")
        w2 = self.worker(O2)  # Present, with room, and not the officer who asked.
        self.assertEqual(self.mgmt.call("respond", {"receipt": case["receipt"]})["state"], "queued")
        back = w1.offer()
        self.assertEqual((back["receipt"], back["officer"], back["returning"]), (case["receipt"], O1, True))
        with self.assertRaises(TimeoutError):
            w2.offer(timeout=0.5)

    def test_a_qa_sample_goes_to_a_different_senior_officer(self):
        self.submit(new_case("WAC2590000031", form="I-751"))
        w1 = self.worker(O1)
        case = w1.offer()
        w1.accept(case)
        w2 = self.worker(O2)
        ws = self.worker(SENIOR)
        self.assertEqual(w1.decide(case, "deny")["state"], "decided")
        review = ws.offer()
        self.assertEqual((review["receipt"], review["qa"], review["officer"]), (case["receipt"], True, SENIOR))
        ws.accept(review)
        self.assertEqual(ws.decide(review, "approve")["state"], "decided")
        with self.assertRaises(TimeoutError):
            w2.offer(timeout=0.3)
        ops = self.history_ops(case["receipt"])
        self.assertEqual(ops[-5:], ["decide", "qa_sample", "offer", "accept", "qa_review"])

    def test_a_sampled_decision_frees_one_slot_of_its_decider(self):
        # O1 (capacity 2) holds a case drawn for QA review and another; deciding the first
        # frees one slot, so one more case is offered and the third waits.
        self.submit(new_case("WAC2590000035", form="I-751"))
        w = self.worker(O1)
        sampled = w.offer()
        self.submit(new_case("WAC2590000036"))
        held = w.offer()
        w.accept(sampled)
        w.accept(held)
        self.submit(new_case("WAC2590000037"), new_case("WAC2590000038"))
        self.assertEqual(w.decide(sampled, "approve")["state"], "decided")
        nxt = w.offer()
        self.assertIn(nxt["receipt"], ("WAC2590000037", "WAC2590000038"))
        with self.assertRaises(TimeoutError):
            w.offer(timeout=1.5)
        o1 = next(o for o in self.mgmt.call("officers", {"center": "CSC"})["officers"] if o["officer"] == O1)
        self.assertEqual(o1["load"], 2)
        self.assertEqual(self.history_ops(sampled["receipt"])[-1], "qa_sample")

    def test_refer_holds_and_transfer_moves_to_another_center(self):
        self.submit(new_case("WAC2590000041"), new_case("WAC2590000042"))
        w = self.worker(O1)
        a, b = w.offer(), w.offer()
        w.accept(a)
        w.accept(b)
        self.assertEqual(w.decide(a, "refer", note="FDNS")["state"], "on_hold")
        self.assertTrue(w.decide(b, "transfer", to="NSC")["ok"])
        wn = self.worker(NSC)
        moved = wn.offer()
        self.assertEqual((moved["receipt"], moved["center"]), (b["receipt"], "NSC"))
        st = self.mgmt.call("status", {"receipt": a["receipt"]})["case"]
        self.assertEqual(st["state"], "on_hold")
        self.assertEqual(self.mgmt.call("release", {"receipt": a["receipt"]})["state"], "queued")

    def test_explain_and_queues_and_my_cases(self):
        self.submit(new_case("WAC2590000051"), new_case("LIN2590000052", form="I-751"))
        e = self.mgmt.call("explain", {"receipt": "WAC2590000051"})
        self.assertEqual(e["verdict"], "none_present")
        self.assertGreaterEqual(e["queue_position"], 1)
        # No NSC officer holds I-751: nobody is eligible for the NSC case.
        self.assertEqual(self.mgmt.call("explain", {"receipt": "LIN2590000052"})["verdict"], "no_eligible_officer")
        rows = {(r["center"], r["form"]): r for r in self.mgmt.call("queues")["rows"]}
        self.assertEqual(rows[("CSC", "I-130")]["queued"], 1)
        w = self.worker(O1)
        case = w.offer()
        mine = self.mgmt.call("my-cases", {"officer": O1})["cases"]
        self.assertEqual([c["receipt"] for c in mine], [case["receipt"]])
        self.assertEqual(self.mgmt.call("explain", {"receipt": case["receipt"]})["verdict"], "assigned")
        with self.assertRaises(ProtocolError) as err:
            self.mgmt.call("explain", {"receipt": "WAC2599999999"})
        self.assertEqual(err.exception.code, "unknown_case")


class Faults(Base):
    args = ("--heartbeat-ms", "100", "--liveness", "3", "--offer-timeout-ms", "400")

    def test_offer_timeout_returns_the_case(self):
        self.submit(new_case("WAC2590000061"))
        w = self.worker(O1)
        case = w.offer()
        lost = w.expect("LEASE_LOST", timeout=5)
        self.assertEqual(lost["cases"], [{"receipt": case["receipt"], "reason": "offer_timeout"}])
        again = w.offer(timeout=5, receipt=case["receipt"])
        self.assertGreater(again["epoch"], case["epoch"])
        self.assertIn("offer_timeout", self.history_ops(case["receipt"]))

    def test_a_silent_worker_loses_its_cases_to_another_officer_and_is_fenced(self):
        self.submit(new_case("WAC2590000071"))
        w1 = self.worker(O1, credit=4)
        case = w1.offer()
        w1.accept(case)
        # w1 goes silent (no heartbeats): its lease lapses and O2 gets the case.
        w1.heartbeat_every = None
        w2 = self.worker(O2)
        again = w2.offer(timeout=10)
        self.assertEqual(again["receipt"], case["receipt"])
        w2.accept(again)
        self.assertTrue(w2.decide(again, "approve")["ok"])
        # The stale holder's late decision is refused: the decision is not duplicated.
        w1.send("DECIDE", {"id": 99, "decisions": [{"receipt": case["receipt"], "epoch": case["epoch"],
                                                    "outcome": "deny"}]})
        reply = w1.expect("ERROR", where=lambda b: b.get("re") == 99)
        self.assertEqual(reply["code"], "not_registered")
        ops = self.history_ops(case["receipt"])
        self.assertEqual(ops.count("decide"), 1)
        self.assertIn("lease_expiry", ops)
        self.assertIn('docket_leases_expired_total{center="CSC"} 1', self.s.scrape())

    def test_malformed_frames_on_both_sockets_get_errors_and_are_counted(self):
        for endpoint in (self.s.workers, self.s.management):
            p = Peer(self.ctx, endpoint)
            cases = [
                ([b"garbage"], "malformed"),
                ([b"DKT1", b"HELLO", b"{not json"], "malformed"),
                ([b"DKT1", b"HELLO", b"[1]"], "malformed"),
                ([b"DKT9", b"HELLO", b"{}"], "version"),
                ([b"DKT1", b"NOPE", b"{}"], "unknown_type"),
                ([b"DKT1", b"HELLO", b"{\"x\":\"" + b"a" * (1 << 20) + b"\"}"], "too_large"),
            ]
            for frames, code in cases:
                p.send_raw(frames)
                self.assertEqual(p.expect("ERROR")["code"], code, frames[:2])
            p.sock.close()
        p = Peer(self.ctx, self.s.workers)
        p.send("ACCEPT", {"id": 1, "offers": []})
        self.assertEqual(p.expect("ERROR")["code"], "not_registered")
        p.send("HELLO", {"id": 2, "officers": [{"officer": O1, "presence": "asleep"}]})
        self.assertEqual(p.expect("ERROR")["code"], "bad_request")
        p.sock.close()
        with self.assertRaises(ProtocolError) as err:
            self.mgmt.call("no-such-command")
        self.assertEqual(err.exception.code, "unknown_command")
        with self.assertRaises(ProtocolError) as err:
            self.mgmt.call("submit", {"cases": "none"})
        self.assertEqual(err.exception.code, "bad_request")
        # The scheduler is still serving, and counted every refusal by reason.
        self.assertEqual(self.mgmt.call("ping")["protocol"], 1)
        scrape = self.s.scrape()
        self.assertIn('docket_messages_rejected_total{reason="malformed",socket="workers"} 3', scrape)
        self.assertIn('docket_messages_rejected_total{reason="too_large",socket="management"} 1', scrape)

    def test_sigterm_tells_the_workers_and_exits_zero(self):
        w = self.worker(O1)
        self.s.proc.send_signal(signal.SIGTERM)
        self.assertEqual(w.expect("SHUTDOWN", timeout=10)["reason"], "scheduler stopping")
        self.assertEqual(self.s.proc.wait(timeout=20), 0)
        self.assertIn("summary after", self.s.output())


class Security(unittest.TestCase):
    def test_curve_keys_are_required_when_configured(self):
        import os
        import tempfile
        server_public, server_secret = zmq.curve_keypair()
        with tempfile.NamedTemporaryFile("wb", delete=False) as f:
            f.write(server_secret)
        s = Scheduler(args=("--curve-key-file", f.name))
        ctx = zmq.Context()
        try:
            self.assertIn("CURVE on: clients need the server key " + server_public.decode(), s.output())
            good = Peer(ctx, s.management, curve=(server_public,) + zmq.curve_keypair())
            self.assertEqual(good.call("ping")["protocol"], 1)
            plain = Peer(ctx, s.management)
            with self.assertRaises(TimeoutError):
                plain.call("ping", timeout=1.0)
            good.sock.close()
            plain.sock.close()
        finally:
            ctx.term()
            s.close()
            os.unlink(f.name)


class Restart(Base):
    def test_a_worker_resumes_its_lease_after_a_scheduler_restart(self):
        self.submit(new_case("WAC2590000081"))
        w = self.worker(O1, identity="desk-o1")
        case = w.offer()
        w.accept(case)
        self.assertEqual(self.s.stop(), 0)
        self.s.start()
        self.mgmt.sock.close()
        self.mgmt = Peer(self.ctx, self.s.management)
        w2 = self.worker(O1, identity="desk-o1-b", leases=[{"receipt": case["receipt"], "epoch": case["epoch"]}])
        resumed = w2.welcome["resumed"]
        self.assertEqual([(c["receipt"], c["state"]) for c in resumed], [(case["receipt"], "assigned")])
        self.assertEqual(w2.welcome["lost"], [])
        self.assertEqual(w2.decide(resumed[0], "approve")["state"], "decided")

    def test_cases_of_a_desk_that_never_returns_are_reclaimed_after_a_restart(self):
        # A short lease (300 ms) so that the sweep's two passes take well under a second.
        self.s.stop()
        self.s.extra += ["--heartbeat-ms", "100", "--liveness", "3"]
        self.s.start()
        self.mgmt.sock.close()
        self.mgmt = Peer(self.ctx, self.s.management)
        self.submit(new_case("WAC2590000082"))
        w = self.worker(O1, identity="desk-o1")
        case = w.offer()
        w.accept(case)
        self.assertEqual(self.s.stop(), 0)
        w.sock.close()
        self.workers.remove(w)
        self.s.start()
        self.mgmt.sock.close()
        self.mgmt = Peer(self.ctx, self.s.management)
        # Officer O1's desk never comes back; O2 is present and gets the case, fenced by a new epoch.
        w2 = self.worker(O2, identity="desk-o2")
        again = w2.offer(timeout=10.0)
        self.assertEqual(again["receipt"], case["receipt"])
        self.assertGreater(again["epoch"], case["epoch"])
        self.assertIn("lease_expiry", self.history_ops(case["receipt"]))
        self.assertTrue(w2.accept(again)["ok"])
        self.assertEqual(w2.decide(again, "approve")["state"], "decided")


def metric(scrape, name):
    for line in scrape.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return None


class Burst(unittest.TestCase):
    """Under a burst the loop leaves its store calls running in Redis while it reads the next
    messages (docket_dispatch_turns_ahead_total). Every message is still answered once, in
    full, every case is decided once, and a management request sees every change sent before
    it."""

    OFFICERS, CAPACITY, CASES = 20, 25, 3000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="docket-burst-")
        config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config")
        for name in ("centers.yaml", "forms.yaml"):
            shutil.copy(os.path.join(config, name), self.tmp)
        with open(os.path.join(config, "docket.yaml")) as f:
            yaml_text = f.read()
        with open(os.path.join(self.tmp, "docket.yaml"), "w") as f:
            f.write(yaml_text)
        self.officers = [f"ISO-CSC-{9000 + i:05d}" for i in range(self.OFFICERS)]
        with open(os.path.join(self.tmp, "officers.csv"), "w") as f:
            f.write("id,center,skills,languages,clearance,capacity,presence,senior\n")
            for o in self.officers:
                f.write(f"{o},CSC,I-130:3,,public_trust,{self.CAPACITY},available,false\n")
        self.s = Scheduler(config=os.path.join(self.tmp, "docket.yaml"))
        self.ctx = zmq.Context()

    def tearDown(self):
        self.ctx.destroy(linger=0)
        self.s.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_every_message_is_answered_once_while_calls_run_ahead(self):
        mgmt = Peer(self.ctx, self.s.management)
        w = Worker(self.ctx, self.s.workers, self.officers, credit=self.OFFICERS * self.CAPACITY)
        receipts = [f"WAC26{i:08d}" for i in range(self.CASES)]
        # Submits pipelined: every request is sent before any reply is read, a malformed one
        # among them. The answers come back in the order asked (docs/protocol.md, section 4).
        ids = []
        for k in range(0, self.CASES, 500):
            ids.append(mgmt.request("REQUEST", {"cmd": "submit",
                                                "args": {"cases": [new_case(r) for r in receipts[k:k + 500]]}}))
            if k == 1000:
                ids.append(mgmt.request("REQUEST", {"cmd": "submit", "args": {"cases": "none"}}))
        answers = [mgmt.recv(30) for _ in ids]
        self.assertEqual([b["re"] for _, b in answers], ids)
        self.assertEqual([t for t, _ in answers].count("ERROR"), 1)
        self.assertEqual(sum(b["result"]["accepted"] for t, b in answers if t == "REPLY"), self.CASES)

        # The desk answers every offered case at once with an ACCEPT and a DECIDE of its own,
        # without waiting for the RESULTs, so that messages keep arriving while the scheduler
        # works; every message it sent must get exactly one RESULT.
        sent, results, decided, accepted_items = {}, {}, set(), set()
        deadline = time.time() + 120
        while len(decided) < self.CASES:
            self.assertLess(time.time(), deadline, f"{len(decided)} of {self.CASES} decided")
            t, b = w.recv(10.0)
            if t == "OFFER":
                for c in b["offers"]:
                    item = {"receipt": c["receipt"], "epoch": c["epoch"]}
                    sent[w.request("ACCEPT", {"offers": [item], "credit": 1})] = "ACCEPT"
                    sent[w.request("DECIDE", {"decisions": [dict(item, outcome="approve")]})] = "DECIDE"
            elif t == "RESULT":
                self.assertNotIn(b["re"], results, "a message answered twice")
                results[b["re"]] = b["results"]
                for item in b["results"]:
                    self.assertTrue(item["ok"], item)
                    self.assertNotIn("duplicate", item)
                    if sent[b["re"]] == "ACCEPT":
                        self.assertEqual(item["state"], "assigned")
                        accepted_items.add(item["receipt"])
                    else:
                        self.assertEqual(item["state"], "decided")
                        self.assertNotIn(item["receipt"], decided)
                        decided.add(item["receipt"])
            else:
                self.assertEqual(t, "HEARTBEAT", b)
        self.assertEqual(decided, set(receipts))
        self.assertEqual(accepted_items, set(receipts))
        self.assertEqual(set(results), set(sent))

        stats = mgmt.call("stats")
        self.assertEqual((stats["received"], stats["offered"], stats["accepted"], stats["decided"]),
                         (self.CASES,) * 4)
        self.assertEqual(stats["backlog"], 0)
        for r in receipts[::500]:
            ops = [h["op"] for h in mgmt.call("status", {"receipt": r})["history"]]
            self.assertEqual(ops, ["import", "offer", "accept", "decide"])
        self.assertGreater(metric(self.s.scrape(), "docket_dispatch_turns_ahead_total"), 0)
        w.sock.close()
        mgmt.sock.close()


def short_rounds(scrape):
    return metric(scrape, "docket_short_rounds_total")


class ShortQueue(Base):
    """--short-queue sets the queue length up to which a due round places cases without the
    graph; 0 turns that path off, so the same offer then comes from a full round.
    --short-round-gap-us spaces the rounds that place a short queue."""
    args = ("--short-queue", "0")

    def test_zero_turns_the_short_path_off(self):
        self.submit(new_case("WAC2590000401"))
        w = self.worker(O1)
        self.assertEqual(w.offer(receipt="WAC2590000401")["officer"], O1)
        self.assertEqual(short_rounds(self.s.scrape()), 0)
        self.assertGreaterEqual(self.mgmt.call("stats")["rounds"], 1)

    def test_the_default_places_a_short_queue_without_the_graph(self):
        default = Scheduler()
        try:
            mgmt = Peer(self.ctx, default.management)
            mgmt.call("submit", {"cases": [new_case("WAC2590000402")]})
            w = Worker(self.ctx, default.workers, [O1])
            self.assertEqual(w.offer(receipt="WAC2590000402")["officer"], O1)
            self.assertGreaterEqual(short_rounds(default.scrape()), 1)
            w.sock.close()
            mgmt.sock.close()
        finally:
            default.close()

    def lone_case_waits(self, args, first, count, pause=0.0):
        """Starts a scheduler with `args` and a desk that sends no heartbeats (nothing wakes the
        loop but the submits), submits `count` lone cases one after another, `pause` seconds
        apart, each decided before the next; returns the median submit -> OFFER wait in seconds,
        every wait, and the short rounds counted."""
        slow = Scheduler(args=args)
        try:
            mgmt = Peer(self.ctx, slow.management)
            w = Worker(self.ctx, slow.workers, [O1])
            w.heartbeat_every = None
            waits = []
            for i in range(count):
                time.sleep(pause)
                receipt = "WAC25900004%02d" % (first + i)
                started = time.monotonic()
                mgmt.call("submit", {"cases": [new_case(receipt)]})
                case = w.offer(timeout=10.0, receipt=receipt)
                waits.append(time.monotonic() - started)
                w.accept(case)
                self.assertEqual(w.decide(case, "approve")["state"], "decided")
            short = short_rounds(slow.scrape())
            w.sock.close()
            mgmt.sock.close()
        finally:
            slow.close()
        waits.sort()
        return waits[len(waits) // 2], waits, short

    def test_a_short_queue_does_not_wait_the_round_delay(self):
        # The round delay at the longest the loop ever sleeps (it wakes at least every 50 ms):
        # lone cases offered well within the delay came from the turn that found them queued,
        # not from a poll that slept it out.
        median, waits, short = self.lone_case_waits(
            ("--round-delay-ms", "50", "--round-interval-ms", "600000"), 10, 10)
        self.assertLess(median, 0.025, waits)
        self.assertGreaterEqual(short, 10)

    def test_a_full_round_after_a_quiet_spell_does_not_wait_the_round_delay(self):
        # Full rounds only (no short path), at least 200 ms apart: a lone case submitted once
        # the delay has passed since the last round is offered by the turn that reads it. A
        # delay counted from the change held each one back 200 ms.
        median, waits, short = self.lone_case_waits(
            ("--short-queue", "0", "--round-delay-ms", "200", "--round-interval-ms", "600000"),
            30, 5, pause=0.25)
        self.assertLess(median, 0.1, waits)
        self.assertEqual(short, 0)

    def after_a_short_round(self, pull):
        """Short rounds at least 1 s apart, and no full round meanwhile: a first lone case comes
        after a quiet spell and is placed at once (within 0.9 s); a second is submitted as soon
        as the first is decided, and the desk sends PULL for O1 if `pull`. Returns the seconds
        from the first submit to the second offer, PULL's `offered` (None without it) and the
        short rounds counted."""
        slow = Scheduler(args=("--short-round-gap-us", "1000000", "--round-delay-ms", "50",
                               "--round-interval-ms", "600000"))
        try:
            mgmt = Peer(self.ctx, slow.management)
            w = Worker(self.ctx, slow.workers, [O1])
            started = time.monotonic()
            mgmt.call("submit", {"cases": [new_case("WAC2590000450")]})
            first = w.offer(timeout=10.0, receipt="WAC2590000450")
            self.assertLess(time.monotonic() - started, 0.9)
            w.accept(first)
            self.assertEqual(w.decide(first, "approve")["state"], "decided")
            mgmt.call("submit", {"cases": [new_case("WAC2590000451")]})
            offered = None
            if pull:
                rid = w.request("PULL", {"officer": O1})
                offered = w.expect("RESULT", where=lambda b: b.get("re") == rid)["offered"]
            second = w.offer(timeout=10.0, receipt="WAC2590000451")
            waited = time.monotonic() - started
            self.assertEqual(second["officer"], O1)
            short = short_rounds(slow.scrape())
            w.sock.close()
            mgmt.sock.close()
        finally:
            slow.close()
        return waited, offered, short

    def test_a_case_within_the_gap_of_a_short_round_waits_for_the_next(self):
        waited, _, short = self.after_a_short_round(pull=False)
        self.assertGreaterEqual(waited, 1.0)
        self.assertEqual(short, 2)

    def test_a_pull_does_not_wait_the_gap(self):
        # The PULL's round places the second case, and its answer counts that offer.
        waited, offered, short = self.after_a_short_round(pull=True)
        self.assertEqual(offered, 1)
        self.assertLess(waited, 0.9)
        self.assertEqual(short, 2)

    def test_a_bad_value_is_refused(self):
        for flag in ("--short-queue", "--round-delay-ms", "--short-round-gap-us"):
            bad = subprocess.run([binary("docket-scheduler"), flag, "-1"],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
            self.assertIn(flag, bad.stdout + bad.stderr)


if __name__ == "__main__":
    unittest.main()
