"""End-to-end test support: a real docket-scheduler process and protocol clients in pyzmq.

The clients here are written from docs/protocol.md alone (frames, types, JSON bodies), so the
tests double as a check that the document is enough to write a client in another language.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import zmq

SIGNATURE = b"DKT1"
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "config", "docket.yaml")


def binary(name):
    """The built program `name`, from DOCKET_BIN_<NAME> (ctest sets it: DOCKET_BIN_SCHEDULER, ...)."""
    env = "DOCKET_BIN_" + name.replace("docket-", "").upper()
    if os.environ.get(env):
        return os.environ[env]
    raise RuntimeError(f"set {env} to the path of {name}")


class Scheduler:
    """docket-scheduler on free loopback ports with its own embedded Redis."""

    def __init__(self, config=CONFIG, args=(), data_dir=None):
        self.tmp = tempfile.mkdtemp(prefix="docket-e2e-")
        self.data_dir = data_dir or os.path.join(self.tmp, "redis")
        self.config = config
        self.extra = list(args)
        self.proc = None
        self.start()

    def start(self):
        self.log_path = os.path.join(self.tmp, f"scheduler-{int(time.time() * 1000)}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary("docket-scheduler"), "--config", self.config, "--data-dir", self.data_dir,
             "--metrics-listen", "127.0.0.1:0", "--workers", "tcp://127.0.0.1:0",
             "--management", "tcp://127.0.0.1:0"] + self.extra,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.log_path) as f:
                text = f.read()
            w = re.search(r"^workers: (\S+)", text, re.M)
            m = re.search(r"^management: (\S+)", text, re.M)
            x = re.search(r"^metrics: (\S+)", text, re.M)
            if w and m and x:
                self.workers, self.management, self.metrics = w.group(1), m.group(1), x.group(1)
                return
            if self.proc.poll() is not None:
                raise RuntimeError("docket-scheduler exited:\n" + text)
            time.sleep(0.05)
        raise RuntimeError("docket-scheduler did not start:\n" + self.output())

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        self.log.close()
        return self.proc.returncode

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def scrape(self):
        with urllib.request.urlopen(self.metrics, timeout=5) as r:
            return r.read().decode()


class Peer:
    """One DEALER socket speaking protocol version 1."""

    def __init__(self, ctx, endpoint, identity=None, curve=None):
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if curve:  # (server public key, own public key, own secret key)
            self.sock.curve_serverkey, self.sock.curve_publickey, self.sock.curve_secretkey = curve
        if identity:
            self.sock.setsockopt(zmq.IDENTITY, identity.encode())
        self.sock.connect(endpoint)
        self.next_id = 1
        self.inbox = []
        # A worker is expected to send HEARTBEAT while otherwise silent; a test stops that to
        # play a desk that died.
        self.heartbeat_every = None
        self.last_sent = time.time()

    def send(self, type_, body=None):
        self.last_sent = time.time()
        self.sock.send_multipart([SIGNATURE, type_.encode(), json.dumps(body or {}).encode()])

    def send_raw(self, frames):
        self.sock.send_multipart(frames)

    def recv(self, timeout=5.0):
        """The next message as (type, body); raises TimeoutError."""
        if self.inbox:
            return self.inbox.pop(0)
        return self.recv_socket(timeout)

    def recv_socket(self, timeout):
        """The next message from the socket itself, past the kept ones."""
        deadline = time.time() + timeout
        while True:
            slice_s = min(deadline - time.time(), 0.05)
            if slice_s <= 0:
                raise TimeoutError("no message")
            if self.sock.poll(max(1, int(slice_s * 1000))):
                break
            if self.heartbeat_every and time.time() - self.last_sent >= self.heartbeat_every:
                self.send("HEARTBEAT")
        frames = self.sock.recv_multipart()
        assert len(frames) == 3 and frames[0] == SIGNATURE, frames
        return frames[1].decode(), json.loads(frames[2])

    def expect(self, type_, timeout=5.0, where=None):
        """Waits for a message of `type_` (and matching `where`), keeping the others."""
        deadline = time.time() + timeout
        kept = []
        try:
            while True:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"no {type_} within {timeout}s; got {kept}")
                t, b = self.recv(left)
                if t == type_ and (where is None or where(b)):
                    return b
                if t != "HEARTBEAT":
                    kept.append((t, b))
        finally:
            self.inbox = kept + self.inbox

    def request(self, type_, body):
        body = dict(body)
        body["id"] = self.next_id
        self.next_id += 1
        self.send(type_, body)
        return body["id"]

    def call(self, cmd, args=None, timeout=10.0):
        rid = self.request("REQUEST", {"cmd": cmd, "args": args or {}})
        deadline = time.time() + timeout
        while True:
            t, b = self.recv(max(0.01, deadline - time.time()))
            if b.get("re") != rid:
                continue
            if t == "ERROR":
                raise ProtocolError(b["code"], b["message"])
            assert t == "REPLY", (t, b)
            return b["result"]


class ProtocolError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


class Worker(Peer):
    """A desk agent playing officers, driven step by step by a test."""

    def __init__(self, ctx, endpoint, officers, credit=16, identity=None, leases=None):
        super().__init__(ctx, endpoint, identity)
        self.heartbeat_every = 0.05
        body = {"agent": "e2e-test/1", "officers": [{"officer": o} for o in officers], "credit": credit}
        if leases:
            body["leases"] = leases
        rid = self.request("HELLO", body)
        self.welcome = self.expect("WELCOME", where=lambda b: b.get("re") == rid)

    def offer(self, timeout=10.0, receipt=None):
        """The next offered case (waits for OFFER messages)."""
        deadline = time.time() + timeout
        while True:
            for i, (t, b) in enumerate(self.inbox):
                if t == "OFFER":
                    for c in b["offers"]:
                        if receipt is None or c["receipt"] == receipt:
                            b["offers"].remove(c)
                            if not b["offers"]:
                                self.inbox.pop(i)
                            return c
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f"no offer{' of ' + receipt if receipt else ''}")
            t, b = self.recv_socket(left)
            if t != "HEARTBEAT":
                self.inbox.append((t, b))

    def answer(self, type_, items, key="offers", credit=0):
        body = {key: items}
        if credit:
            body["credit"] = credit
        rid = self.request(type_, body)
        return self.expect("RESULT", where=lambda b: b.get("re") == rid)["results"]

    def accept(self, case):
        return self.answer("ACCEPT", [{"receipt": case["receipt"], "epoch": case["epoch"]}], credit=1)[0]

    def decline(self, case, **extra):
        return self.answer("DECLINE", [dict({"receipt": case["receipt"], "epoch": case["epoch"]}, **extra)], credit=1)[0]

    def decide(self, case, outcome, epoch=None, **extra):
        item = dict({"receipt": case["receipt"], "epoch": case["epoch"] if epoch is None else epoch,
                     "outcome": outcome}, **extra)
        return self.answer("DECIDE", [item], key="decisions")[0]


def new_case(receipt, form="I-130", **extra):
    case = {"receipt": receipt, "form": form}
    case.update(extra)
    return case


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met")
