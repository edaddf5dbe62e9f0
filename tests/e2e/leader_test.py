"""End-to-end tests of high availability: two docket-scheduler processes on one redis-server, a
real docket-worker given both endpoints, docketctl given both, and a leader killed with SIGKILL.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import zmq

from docket_e2e import CONFIG, Peer, ProtocolError, Worker, binary, new_case, wait_for

O1 = "ISO-CSC-00001"
O2 = "ISO-CSC-00002"
SENIOR = "ISO-CSC-00003"
RECEIPT = "WAC2590000201"
# Short enough that the test stays well under a minute, long enough for a loaded machine: the
# lease is renewed every 500 ms and given up after 750 ms without a renewal.
LEASE_MS = 1500


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(text, name):
    m = re.search(r"^" + re.escape(name) + r"(?:\{\})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class Redis:
    """A plain redis-server on a free loopback port, no persistence."""

    def __init__(self, tmp):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, timeout=20)

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def redis_call(port, *args):
    """One command to Redis over RESP; returns the decoded reply (bytes, int, list or None)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        out = f"*{len(args)}\r\n"
        for a in args:
            a = str(a)
            out += f"${len(a.encode())}\r\n{a}\r\n"
        s.sendall(out.encode())
        f = s.makefile("rb")

        def read():
            line = f.readline().rstrip(b"\r\n")
            kind, rest = line[:1], line[1:]
            if kind == b"+":
                return rest
            if kind == b"-":
                raise RuntimeError(rest.decode())
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                if n < 0:
                    return None
                data = f.read(n + 2)
                return data[:-2]
            if kind == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise RuntimeError(f"unexpected reply {line!r}")

        return read()


def metric_sum(text, name):
    """The sum of a metric's series, whatever their labels."""
    return sum(float(v) for v in re.findall(r"^" + re.escape(name) + r"(?:\{[^}]*\})? (\S+)$", text, re.M))


def stored_record(port, receipt):
    """The case's record fields as the store holds them (docs/architecture.md, "Record format"),
    from whichever center's hash has it; None when no center has it."""
    for key in redis_call(port, "KEYS", "docket:{c:*}:cases"):
        rec = redis_call(port, "HGET", key.decode(), receipt)
        if rec is not None:
            return rec.decode().split("|")
    return None


class HoldingProxy:
    """A TCP proxy in front of Redis. Once armed with a marker, the first connection whose
    replies carry it has its requests held from then on: the call the scheduler sends next on
    that connection never reaches Redis while the scheduler waits for it. release() then
    delivers what it held (Redis runs the call after the scheduler gave up on it, and the answer
    is lost) or drops it (Redis never runs it)."""

    def __init__(self, redis_port):
        self.redis_port = redis_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.marker = None
        self.holding = None  # [upstream socket, held bytes] of the held connection
        self.sockets = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, marker):
        with self.lock:
            self.marker = marker

    def held(self):
        """The bytes held so far (None before a connection is held)."""
        with self.lock:
            return None if self.holding is None else bytes(self.holding[1])

    def release(self, deliver):
        assert self.holding is not None, "nothing was held"
        with self.lock:
            upstream, data = self.holding
            self.holding[1] = None  # Later requests on that connection are dropped.
        if deliver:
            upstream.sendall(bytes(data))

    def close(self):
        self.closed = True
        for sock in [self.listener] + self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # Wakes the threads blocked on it.
            except OSError:
                pass
            sock.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.redis_port))
            self.sockets += [client, upstream]
            entry = [upstream, None]
            threading.Thread(target=self._up, args=(client, upstream, entry), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, entry), daemon=True).start()

    @staticmethod
    def _read(sock):
        """The next bytes from `sock`; empty once it is closed."""
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    def _up(self, client, upstream, entry):
        # Until the scheduler closes it; a held call stays for release().
        while data := self._read(client):
            with self.lock:
                if self.holding is entry:
                    if entry[1] is not None:
                        entry[1] += data
                    continue
            try:
                upstream.sendall(data)
            except OSError:
                return  # Closed at teardown.

    def _down(self, upstream, client, entry):
        while data := self._read(upstream):
            with self.lock:
                if self.marker is not None and self.marker in data and self.holding is None:
                    # Held before the reply goes on: the call it leads to is held.
                    self.marker = None
                    entry[1] = bytearray()
                    self.holding = entry
            try:
                client.sendall(data)
            except OSError:
                pass  # The scheduler gave up on the connection: the answer is lost.


class HaScheduler:
    """docket-scheduler against a shared Redis, on fixed ports so that they are known before it
    is elected (a standby binds nothing but its metrics endpoint)."""

    def __init__(self, tmp, name, redis_port, lease_ms=LEASE_MS, args=()):
        self.workers = f"tcp://127.0.0.1:{free_port()}"
        self.management = f"tcp://127.0.0.1:{free_port()}"
        self.log_path = os.path.join(tmp, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary("docket-scheduler"), "--config", CONFIG, "--redis", f"127.0.0.1:{redis_port}",
             "--lease-ms", str(lease_ms), "--heartbeat-ms", "100", "--liveness", "5",
             "--metrics-listen", "127.0.0.1:0", "--workers", self.workers,
             "--management", self.management, *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.metrics = wait_for(lambda: self.line(r"^metrics: (\S+)"), timeout=30)

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def line(self, pattern):
        m = re.search(pattern, self.output(), re.M)
        if m is None and self.proc.poll() is not None:
            raise RuntimeError("docket-scheduler exited:\n" + self.output())
        return m.group(1) if m else None

    def serving(self):
        """True once elected: the sockets are bound and printed."""
        return self.line(r"^(management): ") is not None

    def scrape(self):
        import urllib.request
        with urllib.request.urlopen(self.metrics, timeout=5) as r:
            return r.read().decode()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.log.close()
        return self.proc.returncode


class HaTestCase(unittest.TestCase):
    """One Redis shared by the schedulers a test starts; whatever is left running is killed."""
    lease_ms = LEASE_MS

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="docket-ha-")
        self.redis = Redis(self.tmp)
        self.ctx = zmq.Context()
        self.procs = []
        self.schedulers = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for s in self.schedulers:
            s.stop(signal.SIGKILL)
        self.ctx.destroy(linger=0)
        self.redis.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def scheduler(self, name, args=(), redis_port=None):
        s = HaScheduler(self.tmp, name, redis_port or self.redis.port, lease_ms=self.lease_ms,
                        args=args)
        self.schedulers.append(s)
        return s

    def proxied_leader(self):
        """A leader whose Redis connections go through a HoldingProxy, the proxy, and a
        management peer. The lease is long: a held connection may carry its renewals."""
        proxy = HoldingProxy(self.redis.port)
        self.addCleanup(proxy.close)
        self.lease_ms = 60000
        s = self.scheduler("a", redis_port=proxy.port)
        wait_for(s.serving, timeout=30)
        return proxy, s, Peer(self.ctx, s.management)

    def keep_desk(self, w, until, timeout=30):
        """Reads the desk's socket, so that it keeps sending heartbeats, until `until()` holds;
        nothing but heartbeats may come meanwhile."""
        deadline = time.time() + timeout
        while not until():
            self.assertLess(time.time(), deadline)
            try:
                self.assertEqual(w.recv_socket(0.1)[0], "HEARTBEAT")
            except TimeoutError:
                pass

    def leader(self, args=(), desk=()):
        """A scheduler (started with `args`) serving as leader, a management peer, and a desk
        playing the officers `desk` (None when there are none)."""
        s = self.scheduler("a", args)
        wait_for(s.serving, timeout=30)
        return s, Peer(self.ctx, s.management), Worker(self.ctx, s.workers, list(desk)) if desk else None

    def stop_cleanly(self, s, *peers):
        """Closes the peers and stops the scheduler, which must exit 0."""
        for p in peers:
            p.sock.close()
        self.assertEqual(s.stop(), 0)

    def cases_key(self, receipt):
        """The Redis hash of the center that holds `receipt`."""
        return next(k.decode() for k in redis_call(self.redis.port, "KEYS", "docket:{c:*}:cases")
                    if redis_call(self.redis.port, "HGET", k.decode(), receipt) is not None)

    def store_copy(self, source, receipt, **fields):
        """Stores `source`'s record again under `receipt`, behind the scheduler's back, with
        the given fields changed (state, officer, epoch: docs/architecture.md, "Record
        format")."""
        key = self.cases_key(source)
        record = redis_call(self.redis.port, "HGET", key, source).decode().split("|")
        for name, value in fields.items():
            record[{"state": 1, "officer": 6, "epoch": 7}[name]] = str(value)
        redis_call(self.redis.port, "HSET", key, receipt, "|".join(record))


class Failover(HaTestCase):

    def ctl(self, *args, scheduler):
        r = subprocess.run([binary("docketctl"), "--scheduler", scheduler, "--timeout", "10", *args],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def test_the_standby_takes_over_a_killed_leader_and_the_desk_carries_on(self):
        a = self.scheduler("a")
        wait_for(a.serving, timeout=30)
        b = self.scheduler("b")
        wait_for(lambda: b.line(r"^(standby): "), timeout=30)
        # One leader: the metrics say so on both, with the term each knows.
        self.assertEqual(metric(a.scrape(), "docket_scheduler_leader"), 1)
        self.assertEqual(metric(a.scrape(), "docket_scheduler_leader_term"), 1)
        wait_for(lambda: metric(b.scrape(), "docket_scheduler_leader_term") == 1, timeout=10)
        self.assertEqual(metric(b.scrape(), "docket_scheduler_leader"), 0)
        self.assertFalse(b.serving())
        both_mgmt = f"{a.management},{b.management}"
        self.assertRegex(self.ctl("ping", scheduler=both_mgmt),
                         "^" + re.escape(a.management) + r": docket-scheduler .*, leader,")

        mgmt_a = Peer(self.ctx, a.management)
        self.assertEqual(mgmt_a.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        # A person's desk, given both schedulers; the test types its commands.
        desk_log = open(os.path.join(self.tmp, "desk.log"), "w")
        desk = subprocess.Popen([binary("docket-worker"), "--scheduler", f"{a.workers},{b.workers}",
                                 "--officer", O1, "--behaviour", "interactive"],
                                stdin=subprocess.PIPE, stdout=desk_log, stderr=subprocess.STDOUT,
                                text=True)
        self.procs.append(desk)

        def held(mgmt, state):
            return [c for c in mgmt.call("my-cases", {"officer": O1})["cases"]
                    if c["receipt"] == RECEIPT and c["state"] == state]

        wait_for(lambda: held(mgmt_a, "offered"), timeout=20)
        desk.stdin.write(f"accept {RECEIPT}\n")
        desk.stdin.flush()
        before = wait_for(lambda: held(mgmt_a, "assigned"), timeout=20)[0]
        mgmt_a.sock.close()

        a.stop(signal.SIGKILL)
        # The standby takes over once the lease expires, with the next term.
        wait_for(b.serving, timeout=30)
        self.assertIn("leader: term 2", b.output())
        self.assertEqual(metric(b.scrape(), "docket_scheduler_leader"), 1)
        self.assertEqual(metric(b.scrape(), "docket_scheduler_leader_term"), 2)

        # The desk moves to it and resumes the case it holds, at the same epoch.
        mgmt_b = Peer(self.ctx, b.management)
        officer = lambda: [o for o in mgmt_b.call("officers")["officers"] if o["officer"] == O1][0]
        wait_for(lambda: officer()["connected"], timeout=30)
        resumed = held(mgmt_b, "assigned")
        self.assertEqual(resumed[0]["epoch"], before["epoch"])
        wait_for(lambda: "1 case(s) resumed" in open(desk_log.name).read(), timeout=10)

        desk.stdin.write(f"decide {RECEIPT} approve\n")
        desk.stdin.flush()
        wait_for(lambda: mgmt_b.call("status", {"receipt": RECEIPT})["case"]["state"] == "decided",
                 timeout=20)
        ops = [h["op"] for h in mgmt_b.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer", "accept", "decide"])
        self.assertEqual(mgmt_b.call("stats")["decided"], 1)
        # docketctl given both finds the new leader past the dead one.
        self.assertRegex(self.ctl("ping", scheduler=both_mgmt),
                         "^" + re.escape(b.management) + r": docket-scheduler .*, leader,")
        mgmt_b.sock.close()

        desk.stdin.write("quit\n")
        desk.stdin.flush()
        self.assertEqual(desk.wait(timeout=20), 0)
        desk_log.close()
        # A clean stop of the leader hands the lease back (exit 0).
        self.assertEqual(b.stop(), 0)
        self.assertIn("released the lease of term 2", b.output())


# The term key of the lease (docs/operations.md, "The lease").
TERM_KEY = "docket:{leader}:term"
# Record fields (docs/architecture.md, "Record format"), 0-based.
F_STATE, F_OFFICER, F_EPOCH = 1, 6, 7


class Fencing(HaTestCase):
    """A leader whose term is no longer current is refused by the store itself, however late its
    own step-down would come: the test moves the term on behind its back (INCR), as an election
    it did not notice would, with a lease long enough that the elector never steps down first."""
    lease_ms = 30000

    def scheduler(self, name):
        s = super().scheduler(name)
        wait_for(s.serving, timeout=30)
        return s

    def test_a_deposed_leader_writes_nothing_and_the_next_one_resumes_the_case(self):
        a = self.scheduler("a")
        self.assertIn("leader: term 1", a.output())
        mgmt = Peer(self.ctx, a.management)
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        w = Worker(self.ctx, a.workers, [O1])
        offered = w.offer(receipt=RECEIPT)
        before = stored_record(self.redis.port, RECEIPT)
        self.assertEqual((before[F_STATE], before[F_OFFICER], int(before[F_EPOCH])),
                         ("offered", O1, offered["epoch"]))

        self.assertEqual(redis_call(self.redis.port, "INCR", TERM_KEY), 2)
        # The accept reaches a leader of a past term: the store refuses it, the scheduler tells
        # the desk SHUTDOWN instead of a RESULT and exits as on a lost lease.
        w.request("ACCEPT", {"offers": [{"receipt": RECEIPT, "epoch": offered["epoch"]}]})
        w.expect("SHUTDOWN", timeout=10)
        self.assertEqual(a.proc.wait(timeout=20), 3, a.output())
        self.assertIn("fenced off by the state of record", a.output())
        self.assertEqual(stored_record(self.redis.port, RECEIPT), before)
        w.sock.close()
        mgmt.sock.close()

        # The fenced leader gave its lease back, so the next scheduler is elected at once, with a
        # term after the one that fenced the first, and finds the case as it was left.
        b = self.scheduler("b")
        self.assertIn("leader: term 3", b.output())
        mgmt_b = Peer(self.ctx, b.management)
        status = mgmt_b.call("status", {"receipt": RECEIPT})
        self.assertEqual((status["case"]["state"], status["case"]["epoch"]),
                         ("offered", offered["epoch"]))
        self.assertEqual([h["op"] for h in status["history"]], ["import", "offer"])
        # The desk resumes it with the new leader and carries on.
        w2 = Worker(self.ctx, b.workers, [O1], leases=[{"receipt": RECEIPT, "epoch": offered["epoch"]}])
        self.assertEqual([c["receipt"] for c in w2.welcome["resumed"]], [RECEIPT])
        self.assertEqual(w2.accept({"receipt": RECEIPT, "epoch": offered["epoch"]})["state"], "assigned")
        w2.sock.close()
        mgmt_b.sock.close()
        self.assertEqual(b.stop(), 0)

    def test_a_management_write_of_a_deposed_leader_is_answered_not_leader(self):
        a = self.scheduler("a")
        mgmt = Peer(self.ctx, a.management)
        redis_call(self.redis.port, "INCR", TERM_KEY)
        with self.assertRaises(ProtocolError) as refused:
            mgmt.call("submit", {"cases": [new_case(RECEIPT)]})
        self.assertEqual(refused.exception.code, "not_leader")
        self.assertEqual(a.proc.wait(timeout=20), 3, a.output())
        self.assertIsNone(stored_record(self.redis.port, RECEIPT))
        mgmt.sock.close()



class RetriedSubmit(HaTestCase):
    """A submit call sent again after a lost connection answers "duplicate" for the cases its
    first attempt wrote. The tests make that state by hand: a case stored queued or offered (a
    copy of another's record under a new receipt) that the scheduler does not track."""
    lease_ms = 30000

    def test_a_case_stored_but_not_queued_is_queued_when_submitted_again(self):
        a, mgmt, _ = self.leader()
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        written = "WAC2590000202"
        self.store_copy(RECEIPT, written)

        first = mgmt.call("submit", {"cases": [new_case(written)]})
        self.assertEqual((first["accepted"], first["duplicates"]), (1, 0))
        self.assertIn(f"{written} was stored queued but not tracked here", a.output())
        # Now the scheduler knows it: the same submit again is a real duplicate.
        again = mgmt.call("submit", {"cases": [new_case(written)]})
        self.assertEqual((again["accepted"], again["duplicates"]), (0, 1))
        w = Worker(self.ctx, a.workers, [O1])
        offered = {w.offer()["receipt"], w.offer()["receipt"]}
        self.assertEqual(offered, {RECEIPT, written})
        self.stop_cleanly(a, w, mgmt)

    def test_a_case_stored_offered_but_not_tracked_goes_back_to_its_queue_when_submitted_again(self):
        # An import cut off after Redis ran it, and the offer planned behind it: the store holds
        # the case offered, the scheduler tracks nothing, and no OFFER went out.
        a, mgmt, _ = self.leader(("--offer-timeout-ms", "1000"))
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        written = "WAC2590000202"
        self.store_copy(RECEIPT, written, state="offered", officer=O1, epoch=1)

        again = mgmt.call("submit", {"cases": [new_case(written)]})
        self.assertEqual((again["accepted"], again["duplicates"]), (1, 0))
        self.assertIn(f"{written} was stored offered but not tracked here", a.output())
        # Tracked as the store holds it, its offer times out, and the case is offered again.
        w = Worker(self.ctx, a.workers, [O1])
        case = w.offer(timeout=15.0, receipt=written)
        self.assertGreater(case["epoch"], 1)
        self.assertEqual(w.accept(case)["state"], "assigned")
        self.assertEqual(w.decide(case, "approve")["state"], "decided")
        self.assertEqual(stored_record(self.redis.port, written)[1], "decided")
        self.stop_cleanly(a, w, mgmt)

    def test_a_case_stored_but_not_tracked_is_offered_as_stored_when_submitted_to_a_waiting_desk(self):
        a, mgmt, w = self.leader(desk=[O1])
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        first = w.offer()
        written = "WAC2590000202"
        self.store_copy(RECEIPT, written, state="queued", officer="", epoch=0)  # As imported.

        # O1 has room and the desk credit: the case is queued before the store answers, and its
        # offer at epoch 0 is recorded on the stored case right behind the import. The submit
        # says it received a date in 2023; the stored case, and so the OFFER, keeps its own.
        again = mgmt.call("submit", {"cases": [new_case(written, received=1700000000)]})
        self.assertEqual((again["accepted"], again["duplicates"]), (1, 0))
        self.assertIn(f"{written} was stored queued but not tracked here", a.output())
        case = w.offer()
        self.assertEqual((case["receipt"], case["epoch"], case["received"]),
                         (written, 1, first["received"]))
        self.assertEqual(w.accept(case)["state"], "assigned")
        self.assertEqual(w.decide(case, "approve")["state"], "decided")
        stats = mgmt.call("stats")
        self.assertEqual((stats["received"], stats["decided"], stats["store_refusals"]), (2, 1, 0))
        self.stop_cleanly(a, w, mgmt)

    def test_a_case_stored_but_not_tracked_that_cannot_be_read_back_is_answered_unavailable(self):
        # Answered "duplicate", the client would not send the submit again, and the stored case
        # would wait untracked until a restart.
        proxy, a, mgmt = self.proxied_leader()
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        written = "WAC2590000202"
        self.store_copy(RECEIPT, written)
        # The import answers "duplicate", and the read-back behind it is held until it times
        # out (5 s).
        proxy.arm(b"dup|queued|")
        with self.assertRaises(ProtocolError) as refused:
            mgmt.call("submit", {"cases": [new_case(written)]}, timeout=30.0)
        self.assertEqual(refused.exception.code, "unavailable")
        self.assertIn(written, str(refused.exception))
        self.assertIn(b"HGET", proxy.held())
        proxy.release(deliver=False)
        self.assertEqual(mgmt.call("stats")["store_outages"], 1)

        # Sent again, the submit finds the case stored, reads it back and tracks it.
        again = mgmt.call("submit", {"cases": [new_case(written)]})
        self.assertEqual((again["accepted"], again["duplicates"]), (1, 0))
        self.assertIn(f"{written} was stored queued but not tracked here", a.output())
        w = Worker(self.ctx, a.workers, [O1])
        offered = {w.offer()["receipt"], w.offer()["receipt"]}
        self.assertEqual(offered, {RECEIPT, written})
        self.assertEqual(mgmt.call("stats")["backlog"], 0)
        self.stop_cleanly(a, w, mgmt)


if __name__ == "__main__":
    unittest.main()


class StoreOutage(HaTestCase):
    """Redis stops answering (SIGSTOP) while a desk's decision is on its way to it. The desk is
    answered `unavailable` once the call times out, the refusal is counted and logged, and the
    decision sent again after Redis is back is recorded once: nothing is lost or doubled,
    whether or not Redis ran the first call after all."""
    # Long enough that the scheduler keeps its leadership through the outage.
    lease_ms = 60000

    def serving(self, receipts=(RECEIPT,), officers=(O1,), args=(), **worker):
        """A leader (started with `args`) holding `receipts`, a desk playing `officers`, and the
        first case offered."""
        s = self.scheduler("a", args)
        wait_for(s.serving, timeout=30)
        mgmt = Peer(self.ctx, s.management)
        submitted = mgmt.call("submit", {"cases": [new_case(r) for r in receipts]})
        self.assertEqual(submitted["accepted"], len(receipts))
        w = Worker(self.ctx, s.workers, list(officers), **worker)
        return s, mgmt, w, w.offer()

    def cut_off(self, w, type_, body, meanwhile=None):
        """Sends `type_` from the desk while Redis is stopped, runs `meanwhile` while its store
        call is out, and checks that the message is answered `unavailable` once the call times
        out (5 s by default; the desk keeps its heartbeats going). Redis is resumed after."""
        os.kill(self.redis.proc.pid, signal.SIGSTOP)
        try:
            rid = w.request(type_, body)
            if meanwhile:
                meanwhile()
            err = w.expect("ERROR", where=lambda b: b.get("re") == rid, timeout=30)
            self.assertEqual(err["code"], "unavailable")
        finally:
            os.kill(self.redis.proc.pid, signal.SIGCONT)

    def test_a_decision_cut_off_by_a_stalled_redis_is_answered_unavailable_and_recorded_once(self):
        s, mgmt, w, case = self.serving()
        self.assertEqual(w.accept(case)["state"], "assigned")

        item = {"receipt": case["receipt"], "epoch": case["epoch"], "outcome": "approve"}
        self.cut_off(w, "DECIDE", {"decisions": [item]})
        self.assertIn("state of record unreachable", s.output())
        rejected = metric(s.scrape(), 'docket_messages_rejected_total{reason="unavailable",socket="workers"}')
        self.assertGreaterEqual(rejected, 1)

        # The desk sends its decision again, as docs/protocol.md asks of it.
        # The session outlived the stall: the heartbeats the scheduler had not read yet count.
        again = w.answer("DECIDE", [item], key="decisions")[0]
        self.assertEqual((again["ok"], again["state"]), (True, "decided"))
        ops = [h["op"] for h in mgmt.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer", "accept", "decide"])
        self.assertEqual(mgmt.call("stats")["decided"], 1)
        w.sock.close()
        mgmt.sock.close()

    def test_a_decision_redis_cannot_run_yet_is_answered_unavailable_and_recorded_once(self):
        s, mgmt, w, case = self.serving()
        self.assertEqual(w.accept(case)["state"], "assigned")
        # A script running past busy-reply-threshold: Redis answers every other call BUSY, and
        # runs none of them, until it ends 2 s later.
        redis_call(self.redis.port, "CONFIG", "SET", "busy-reply-threshold", "50")
        busy = threading.Thread(target=redis_call, args=(
            self.redis.port, "EVAL",
            "local s = redis.call('TIME') repeat local n = redis.call('TIME') "
            "until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 2000000 return 1", "0"))
        busy.start()
        time.sleep(0.3)
        item = {"receipt": case["receipt"], "epoch": case["epoch"], "outcome": "approve"}
        rid = w.request("DECIDE", {"decisions": [item]})
        err = w.expect("ERROR", where=lambda b: b.get("re") == rid, timeout=10)
        self.assertEqual(err["code"], "unavailable")
        self.keep_desk(w, until=lambda: not busy.is_alive())
        self.assertIn("Redis cannot run the call now: BUSY", s.output())
        again = w.answer("DECIDE", [item], key="decisions")[0]
        self.assertEqual((again["ok"], again["state"]), (True, "decided"))
        ops = [h["op"] for h in mgmt.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer", "accept", "decide"])
        self.assertEqual(mgmt.call("stats")["decided"], 1)
        self.stop_cleanly(s, w, mgmt)

    def test_the_loop_answers_what_needs_no_store_while_a_call_waits_for_redis(self):
        # Offers time out after a second: the accepted offer's timeout falls due while Redis is
        # stopped, and is found stale without waiting for the call out.
        s, mgmt, w, case = self.serving(args=("--offer-timeout-ms", "1000"))
        self.assertEqual(w.accept(case)["state"], "assigned")
        item = {"receipt": case["receipt"], "epoch": case["epoch"], "outcome": "approve"}

        def malformed_frame_answered():
            # The loop polls the store's socket with the desks' sockets instead of waiting for
            # the decision's answer: a malformed frame sent once the call is out is answered
            # long before the call can time out (5 s).
            with self.assertRaises(TimeoutError):  # 1.5 s of heartbeats, no answer.
                w.expect("RESULT", timeout=1.5)
            sent = time.monotonic()
            w.send_raw([b"DKT1", b"ACCEPT", b"{not json"])
            self.assertEqual(w.expect("ERROR", timeout=30)["code"], "malformed")
            self.assertLess(time.monotonic() - sent, 2.5)

        self.cut_off(w, "DECIDE", {"decisions": [item]}, meanwhile=malformed_frame_answered)
        again = w.answer("DECIDE", [item], key="decisions")[0]
        self.assertEqual((again["ok"], again["state"]), (True, "decided"))
        self.assertEqual(mgmt.call("stats")["decided"], 1)
        w.sock.close()
        mgmt.sock.close()

    def test_an_accept_cut_off_by_a_stalled_redis_and_sent_again_is_a_duplicate(self):
        s, mgmt, w, case = self.serving()
        item = {"receipt": case["receipt"], "epoch": case["epoch"]}
        self.cut_off(w, "ACCEPT", {"offers": [item]})
        # Redis ran the cut-off call once it resumed: the officer holds the case. The ACCEPT
        # sent again is answered as a duplicate (not refused as illegal), and the scheduler,
        # whose index still showed the offer, counts the acceptance now.
        again = w.answer("ACCEPT", [item])[0]
        self.assertEqual((again["ok"], again["state"], again.get("duplicate")), (True, "assigned", True))
        self.assertEqual(mgmt.call("stats")["accepted"], 1)
        self.assertEqual(w.decide(case, "approve")["state"], "decided")
        ops = [h["op"] for h in mgmt.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer", "accept", "decide"])
        self.assertEqual(mgmt.call("stats")["decided"], 1)
        w.sock.close()
        mgmt.sock.close()

    def test_credit_of_a_refused_message_is_not_granted_and_an_offer_cut_off_is_sent(self):
        receipts = [RECEIPT, "WAC2590000202", "WAC2590000203"]
        # Two officers with room, one credit: one offer; the accept grants none.
        s, mgmt, w, case = self.serving(receipts, (O1, O2), credit=1)
        self.assertEqual(w.answer("ACCEPT", [{"receipt": case["receipt"], "epoch": case["epoch"]}])[0]["state"],
                         "assigned")

        item = {"receipt": case["receipt"], "epoch": case["epoch"], "outcome": "approve"}
        # The decision grants one credit: the round it starts sends an offer of another case
        # to the stalled Redis too, and that call times out as well.
        self.cut_off(w, "DECIDE", {"decisions": [item], "credit": 1})
        # The refused message's credit is not granted: while the desk sends nothing but
        # heartbeats, no round (the periodic one runs every second) offers the third case.
        with self.assertRaises(TimeoutError):
            w.offer(timeout=3.0)
        again = w.answer("DECIDE", [item], key="decisions", credit=1)[0]
        self.assertEqual((again["ok"], again["state"]), (True, "decided"))
        # Redis ran the offer call after all once it resumed: the store holds that case
        # offered, and the next round sends that offer instead of leaving it unsent.
        decided = {case["receipt"]}
        while len(decided) < 3:
            nxt = w.offer(timeout=10.0)
            self.assertEqual(w.answer("ACCEPT", [{"receipt": nxt["receipt"], "epoch": nxt["epoch"]}],
                                      credit=1)[0]["state"], "assigned")
            self.assertEqual(w.decide(nxt, "approve")["state"], "decided")
            decided.add(nxt["receipt"])
        self.assertEqual(decided, set(receipts))
        self.assertEqual((mgmt.call("stats")["decided"], mgmt.call("stats")["backlog"]), (3, 0))
        self.assertIn("was already recorded", s.output())
        w.sock.close()
        mgmt.sock.close()


class SubmitAhead(HaTestCase):
    """A submitted case is queued in the scheduler's index before the store has recorded it, so
    that the round of the same turn sends its offer to Redis right behind its import. What the
    store does not take (a duplicate, a call cut off) leaves the index again, and its offer
    gives back the desk's credit and the officer's slot."""
    # Long enough that the scheduler keeps its leadership through a 5 s stall of Redis.
    lease_ms = 60000

    def test_the_offer_of_a_submitted_case_goes_to_redis_behind_its_import(self):
        a, mgmt, w = self.leader(desk=[O1])
        # Redis holds back every script while paused: the import waits in it, and the offer the
        # round planned in the same turn is queued behind it, unread, before any answer came.
        redis_call(self.redis.port, "CLIENT", "PAUSE", 5000, "WRITE")
        try:
            rid = mgmt.request("REQUEST", {"cmd": "submit", "args": {"cases": [new_case(RECEIPT)]}})

            def offer_queued_behind_import():
                with self.assertRaises(TimeoutError):  # The desk's heartbeats go on meanwhile.
                    w.expect("OFFER", timeout=0.05)
                for line in redis_call(self.redis.port, "CLIENT", "LIST").decode().splitlines():
                    f = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
                    if "b" in f["flags"] and f["cmd"] == "fcall" and int(f["qbuf"]) > 0:
                        return True
                return False

            wait_for(offer_queued_behind_import, timeout=3)
        finally:
            redis_call(self.redis.port, "CLIENT", "UNPAUSE")
        self.assertEqual(mgmt.expect("REPLY", where=lambda b: b.get("re") == rid)["result"]["accepted"], 1)
        case = w.offer()
        self.assertEqual((case["receipt"], case["epoch"]), (RECEIPT, 1))
        ops = [h["op"] for h in mgmt.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer"])
        self.stop_cleanly(a, w, mgmt)

    def test_a_late_case_submitted_again_is_not_counted_late_again_while_its_import_is_out(self):
        a, mgmt, w = self.leader(desk=[O1])
        late = new_case(RECEIPT, received=1577836800)  # 2020-01-01: long past its deadline.
        self.assertEqual(mgmt.call("submit", {"cases": [late]})["accepted"], 1)
        case = w.offer()
        self.assertEqual(w.accept(case)["state"], "assigned")
        self.assertEqual(w.decide(case, "approve")["state"], "decided")
        misses = lambda: metric_sum(a.scrape(), "docket_deadline_misses_total")
        wait_for(lambda: misses() == 1, timeout=5)

        # The same case again, while Redis holds the import back for longer than the agency's
        # one-second sweep: the sweep does not count the case queued ahead of its import.
        redis_call(self.redis.port, "CLIENT", "PAUSE", 5000, "WRITE")
        try:
            rid = mgmt.request("REQUEST", {"cmd": "submit", "args": {"cases": [late]}})
            with self.assertRaises(TimeoutError):
                w.expect("OFFER", timeout=2.5)
        finally:
            redis_call(self.redis.port, "CLIENT", "UNPAUSE")
        self.assertEqual(mgmt.expect("REPLY", where=lambda b: b.get("re") == rid)["result"]["duplicates"], 1)
        with self.assertRaises(TimeoutError):  # A sweep after the answer; no offer of the duplicate.
            w.expect("OFFER", timeout=1.5)
        self.assertEqual(misses(), 1)
        self.stop_cleanly(a, w, mgmt)

    def test_a_decided_case_submitted_again_to_a_waiting_desk_is_a_duplicate_and_offers_nothing(self):
        a, mgmt, w = self.leader(desk=[O1])
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        case = w.offer()
        self.assertEqual(w.accept(case)["state"], "assigned")
        self.assertEqual(w.decide(case, "approve")["state"], "decided")

        # The desk waits with credit and O1 has room: the round of the submit's turn offers the
        # case before the store answers that it is a duplicate. That offer is withdrawn.
        again = mgmt.call("submit", {"cases": [new_case(RECEIPT)]})
        self.assertEqual((again["accepted"], again["duplicates"]), (0, 1))
        with self.assertRaises(TimeoutError):
            w.offer(timeout=1.5)
        # It gave back O1's slot: two new cases are both offered to O1 (capacity 2).
        more = ["WAC2590000202", "WAC2590000203"]
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(r) for r in more]})["accepted"], 2)
        self.assertEqual(sorted([w.offer()["receipt"], w.offer()["receipt"]]), more)
        stats = mgmt.call("stats")
        self.assertEqual((stats["received"], stats["store_refusals"]), (3, 0))
        self.assertEqual(mgmt.call("status", {"receipt": RECEIPT})["case"]["state"], "decided")
        self.assertNotIn("store refused the offer", a.output())
        self.stop_cleanly(a, w, mgmt)

    def test_a_submit_cut_off_by_a_stalled_redis_and_sent_again_loses_nothing(self):
        a, mgmt, w = self.leader(desk=[O1])
        # The import and the offer planned behind it both wait for the stopped Redis; the submit
        # is answered `unavailable` once the calls time out (5 s). The desk keeps its heartbeats
        # going meanwhile.
        os.kill(self.redis.proc.pid, signal.SIGSTOP)
        try:
            rid = mgmt.request("REQUEST", {"cmd": "submit", "args": {"cases": [new_case(RECEIPT)]}})
            deadline = time.time() + 30
            while not mgmt.sock.poll(0) and time.time() < deadline:
                with self.assertRaises(TimeoutError):
                    w.expect("OFFER", timeout=0.2)
            err = mgmt.expect("ERROR", where=lambda b: b.get("re") == rid, timeout=1)
            self.assertEqual(err["code"], "unavailable")
        finally:
            os.kill(self.redis.proc.pid, signal.SIGCONT)
        with self.assertRaises(TimeoutError):
            w.offer(timeout=1.0)

        # The client sends its submit again, as docs/protocol.md asks of it. Whether or not
        # Redis ran the cut-off calls once it resumed, the case is offered once and decided once.
        again = mgmt.call("submit", {"cases": [new_case(RECEIPT)]})
        self.assertEqual(again["accepted"] + again["duplicates"], 1)
        case = w.offer(timeout=10.0)
        self.assertEqual(case["receipt"], RECEIPT)
        self.assertEqual(w.accept(case)["state"], "assigned")
        self.assertEqual(w.decide(case, "approve")["state"], "decided")
        with self.assertRaises(TimeoutError):
            w.offer(timeout=1.0)
        ops = [h["op"] for h in mgmt.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer", "accept", "decide"])
        # The cut-off offer gave back O1's slot: two new cases are both offered to it.
        more = ["WAC2590000202", "WAC2590000203"]
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(r) for r in more]})["accepted"], 2)
        self.assertEqual(sorted([w.offer()["receipt"], w.offer()["receipt"]]), more)
        stats = mgmt.call("stats")
        self.assertEqual((stats["decided"], stats["store_refusals"]), (1, 0))
        self.assertNotIn("store refused the offer", a.output())
        self.stop_cleanly(a, w, mgmt)


class StoreRefusal(HaTestCase):
    """A round takes its offers in the scheduler's index before the store has recorded them (so
    that the next round can be planned while the call is out); an offer the store refuses gives
    back the desk's credit, the officer's slot and the case's place in its queue."""

    def test_a_refused_offer_timeout_reads_the_case_back_and_offers_it_again(self):
        a, mgmt, w = self.leader(args=("--offer-timeout-ms", "1000"), desk=(O1,))
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        first = w.offer()
        self.assertEqual(first["epoch"], 1)
        # The store's record moves on behind the scheduler's back, still offered to O1: its
        # epoch is 5, where the scheduler's index says 1.
        self.store_copy(RECEIPT, RECEIPT, epoch=5)
        # The offer's timeout at epoch 1 is refused (stale). The case is read back, offered at
        # epoch 5; that offer times out in its turn (epoch 6), and the case is offered again at
        # epoch 7.
        again = w.offer(timeout=15.0, receipt=RECEIPT)
        self.assertEqual(again["epoch"], 7)
        self.assertIn(f"offer timeout of {RECEIPT} refused", a.output())
        self.assertEqual(w.accept(again)["state"], "assigned")
        self.assertEqual(w.decide(again, "approve")["state"], "decided")
        stats = mgmt.call("stats")
        self.assertEqual((stats["decided"], stats["backlog"]), (1, 0))
        self.stop_cleanly(a, w, mgmt)

    def test_a_refused_offer_whose_read_back_fails_goes_back_to_its_queue(self):
        proxy, a, mgmt = self.proxied_leader()
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        # The stored case moves on behind the scheduler's back: epoch 5, where the index says 0.
        self.store_copy(RECEIPT, RECEIPT, epoch=5)
        proxy.arm(b"err|stale_epoch|")
        w = Worker(self.ctx, a.workers, [O1])
        # The first offer is refused, and its read-back is held until it times out (5 s).
        self.keep_desk(w, until=lambda: f"cannot read {RECEIPT} back" in a.output())
        self.assertIn(b"HGET", proxy.held())
        proxy.release(deliver=False)
        # Back in its queue, the case is offered again: refused again, read back, and offered
        # at the stored epoch.
        offered = w.offer(timeout=15.0)
        self.assertEqual((offered["receipt"], offered["epoch"]), (RECEIPT, 6))
        self.assertEqual(w.accept(offered)["state"], "assigned")
        self.assertEqual(w.decide(offered, "approve")["state"], "decided")
        stats = mgmt.call("stats")
        self.assertEqual((stats["decided"], stats["backlog"], stats["store_refusals"]), (1, 0, 2))
        self.stop_cleanly(a, w, mgmt)

    def test_a_case_whose_stored_record_cannot_be_read_is_let_go_not_offered_at_every_round(self):
        a, mgmt, _ = self.leader()
        receipts = [RECEIPT, "WAC2590000202"]
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(r) for r in receipts]})["accepted"], 2)
        # Something other than a scheduler garbles one stored record.
        key = self.cases_key(RECEIPT)
        redis_call(self.redis.port, "HSET", key, RECEIPT, "garbled")
        # Its offer is refused (malformed) and the read-back cannot decode it: no outage, so the
        # case is let go, once. The other case is offered and decided.
        w = Worker(self.ctx, a.workers, [O1])
        offered = w.offer(timeout=10.0)
        self.assertEqual(offered["receipt"], receipts[1])
        self.assertEqual(w.accept(offered)["state"], "assigned")
        self.assertEqual(w.decide(offered, "approve")["state"], "decided")
        wait_for(lambda: f"cannot read {RECEIPT} back from the store" in a.output(), timeout=10)
        # Rounds run meanwhile: none may offer the garbled case again (only heartbeats come).
        quiet_until = time.time() + 1.0
        self.keep_desk(w, until=lambda: time.time() > quiet_until)
        stats = mgmt.call("stats")
        self.assertEqual((stats["store_refusals"], stats["backlog"], stats["decided"]), (1, 0, 1))
        self.assertEqual(redis_call(self.redis.port, "HGET", key, RECEIPT), b"garbled")
        self.assertIn("its record is unreadable", a.output())
        self.stop_cleanly(a, w, mgmt)

    def held_case_the_store_moved_on(self):
        """A leader, a management peer and a desk playing O1, who holds RECEIPT (assigned at
        epoch 1 in the scheduler's index) while the stored record has moved on to epoch 5, still
        assigned to O1, behind the scheduler's back."""
        a, mgmt, w = self.leader(desk=(O1,))
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        offered = w.offer()
        self.assertEqual(w.accept(offered)["state"], "assigned")
        self.store_copy(RECEIPT, RECEIPT, epoch=5)
        return a, mgmt, w

    def assert_still_held(self, mgmt, cmd):
        """`cmd` for O1 answers unavailable: its expiry at epoch 1 is refused, and the case read
        back is still O1's (at epoch 5)."""
        with self.assertRaises(ProtocolError) as refused:
            mgmt.call(cmd, {"officer": O1})
        self.assertEqual(refused.exception.code, "unavailable")
        self.assertIn("still holds 1 cases that could not be returned yet", str(refused.exception))
        self.assertEqual(mgmt.call("status", {"receipt": RECEIPT})["case"]["officer"], O1)

    def test_a_drain_that_cannot_return_a_case_answers_unavailable_until_it_has(self):
        a, mgmt, w = self.held_case_the_store_moved_on()
        self.assert_still_held(mgmt, "drain")
        self.assertIn(f"officer {O1} drained but still holds 1 cases", a.output())
        # Sent again, the expiry is made at the epoch read back, and the case is returned.
        self.assertEqual(mgmt.call("drain", {"officer": O1})["reclaimed"], 1)
        self.assertEqual(w.expect("LEASE_LOST")["cases"], [{"receipt": RECEIPT, "reason": "reclaimed"}])
        status = mgmt.call("status", {"receipt": RECEIPT})["case"]
        self.assertEqual((status["state"], status["epoch"]), ("queued", 6))
        self.stop_cleanly(a, w, mgmt)

    def test_a_removal_that_cannot_return_a_case_keeps_the_officer_until_it_has(self):
        a, mgmt, w = self.held_case_the_store_moved_on()
        self.assert_still_held(mgmt, "officer.remove")
        officers = {o["officer"]: o for o in mgmt.call("officers", {"center": "CSC"})["officers"]}
        self.assertEqual(officers[O1]["presence"], "away")
        self.assertEqual(mgmt.call("officer.remove", {"officer": O1}), {"officer": O1, "reclaimed": 1})
        self.assertNotIn(O1, {o["officer"] for o in mgmt.call("officers", {"center": "CSC"})["officers"]})
        status = mgmt.call("status", {"receipt": RECEIPT})["case"]
        self.assertEqual((status["state"], status["epoch"]), ("queued", 6))
        self.stop_cleanly(a, w, mgmt)

    def test_refused_offers_give_back_credit_and_slots(self):
        a, mgmt, _ = self.leader()
        receipts = [RECEIPT, "WAC2590000202"]
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(r) for r in receipts]})["accepted"], 2)
        # The store's records move on behind the scheduler's back (as another writer would move
        # them): their epoch is 5, where the scheduler's index says 0.
        key = self.cases_key(RECEIPT)
        for r in receipts:
            record = redis_call(self.redis.port, "HGET", key, r).decode().split("|")
            record[7] = "5"
            redis_call(self.redis.port, "HSET", key, r, "|".join(record))

        # One officer with room for two, and two credits: the first round offers both cases at
        # epoch 0, and the store refuses both. Had the round kept either credit or either slot,
        # no later round could offer them; the next one reads their epoch back and offers both.
        w = Worker(self.ctx, a.workers, [O1], credit=2)
        offered = [w.offer(timeout=10.0), w.offer(timeout=10.0)]
        self.assertEqual(sorted(c["receipt"] for c in offered), receipts)
        self.assertEqual([c["epoch"] for c in offered], [6, 6])
        self.assertEqual(mgmt.call("stats")["store_refusals"], 2)
        self.assertIn(f"store refused the offer of {RECEIPT}", a.output())
        for c in offered:
            self.assertEqual(w.accept(c)["state"], "assigned")
            self.assertEqual(w.decide(c, "approve")["state"], "decided")
        self.assertEqual((mgmt.call("stats")["decided"], mgmt.call("stats")["backlog"]), (2, 0))
        self.stop_cleanly(a, w, mgmt)


class StoreSetup(HaTestCase):
    """A Redis the store cannot use is refused when a scheduler starts, before it campaigns, so
    that a standby is refused too and no term is taken: here Redis' ACL denies FUNCTION, as a
    server before 7.0 or one with FUNCTION renamed would."""

    def test_a_redis_that_refuses_the_function_library_is_refused_at_start(self):
        redis_call(self.redis.port, "ACL", "SETUSER", "default", "-function")
        s = self.scheduler("a")
        self.assertEqual(s.proc.wait(timeout=30), 1, s.output())
        out = s.output()
        self.assertIn("cannot load the case store's function library into Redis", out)
        self.assertIn("NOPERM", out)
        self.assertIn("+function|load", out)
        self.assertNotIn("leader: term", out)
        self.assertIsNone(redis_call(self.redis.port, "GET", "docket:{leader}:term"))

        # Allowed again, the same scheduler starts, loads its library and serves.
        redis_call(self.redis.port, "ACL", "SETUSER", "default", "+function")
        s = self.scheduler("b")
        wait_for(s.serving, timeout=30)
        libraries = redis_call(self.redis.port, "FUNCTION", "LIST", "LIBRARYNAME", "docket_transition_*")
        self.assertEqual(len(libraries), 1)
        self.assertEqual(s.stop(), 0)

    def test_a_scheduler_started_on_a_read_only_replica_waits_and_serves_once_it_is_promoted(self):
        # A replica of a master that is not there: read-only, as during a failover.
        redis_call(self.redis.port, "REPLICAOF", "127.0.0.1", free_port())
        s = self.scheduler("a")
        wait_for(lambda: "cannot load the case store's function library yet" in s.output(), timeout=30)
        time.sleep(1.0)
        self.assertIsNone(s.proc.poll(), s.output())
        self.assertFalse(s.serving())
        redis_call(self.redis.port, "REPLICAOF", "NO", "ONE")
        wait_for(s.serving, timeout=30)
        mgmt = Peer(self.ctx, s.management)
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT)]})["accepted"], 1)
        w = Worker(self.ctx, s.workers, [O1])
        self.assertEqual(w.offer()["receipt"], RECEIPT)
        self.stop_cleanly(s, mgmt, w)


class SampleCutOff(HaTestCase):
    """A decision drawn for QA review: the qa_sample call that follows it is cut off (held by a
    proxy until the scheduler gives up on it, 5 s). The scheduler sends the sample again until
    the store answers, so the review reaches a senior officer once, whether Redis ran the cut-off
    call after all or never ran it."""

    def sampled_once(self, deliver, meanwhile=None):
        """Runs the cut-off: `meanwhile(desk, case)` runs once the scheduler gave up on the held
        call, before the proxy releases it."""
        proxy, s, mgmt = self.proxied_leader()
        self.assertEqual(mgmt.call("submit", {"cases": [new_case(RECEIPT, form="I-751")]})["accepted"], 1)
        w = Worker(self.ctx, s.workers, [O1])
        case = w.offer()
        self.assertEqual(w.accept(case)["state"], "assigned")
        proxy.arm(b"ok|decided|")
        self.assertEqual(w.decide(case, "deny")["state"], "decided")
        # The sample's call is held, and times out; the desk keeps its session meanwhile.
        self.keep_desk(w, until=lambda: re.search(r"QA sampling.*store unreachable", s.output()))
        self.assertIn(b"qa_sample", proxy.held())
        if meanwhile:
            meanwhile(w, case)
        proxy.release(deliver)
        w.sock.close()
        ws = Worker(self.ctx, s.workers, [SENIOR])
        review = ws.offer(timeout=15.0)
        self.assertEqual((review["receipt"], review["qa"], review["officer"]), (RECEIPT, True, SENIOR))
        self.assertEqual(ws.accept(review)["state"], "assigned")
        self.assertEqual(ws.decide(review, "approve")["state"], "decided")
        ops = [h["op"] for h in mgmt.call("status", {"receipt": RECEIPT})["history"]]
        self.assertEqual(ops, ["import", "offer", "accept", "decide", "qa_sample", "offer", "accept",
                               "qa_review"])
        self.assertEqual(mgmt.call("stats")["qa_sampled"], 1)
        self.stop_cleanly(s, ws, mgmt)

    def test_a_sample_redis_ran_after_its_call_was_cut_off_reaches_a_senior_officer(self):
        self.sampled_once(deliver=True)

    def test_a_sample_whose_call_never_reached_redis_is_sent_again(self):
        self.sampled_once(deliver=False)

    def test_a_case_read_back_decided_while_its_sample_waits_is_tracked_in_review(self):
        def stray_decision(w, case):
            # Refused (the case is decided), so the scheduler reads the case back: the store
            # shows it decided, and the index lets it go before the sample is answered.
            again = w.decide(case, "approve", epoch=case["epoch"] + 1)  # The decided epoch.
            self.assertEqual((again["ok"], again["code"]), (False, "illegal"))
        self.sampled_once(deliver=False, meanwhile=stray_decision)
