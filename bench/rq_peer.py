#!/usr/bin/python3
"""The peer of bench/dispatch_load: the same number of no-op jobs through Debian's python3-rq.

Enqueues --jobs jobs (rq_jobs.decide) as fast as RQ allows (enqueue_many in pipelined batches)
while --workers RQ workers drain the queue, and prints one JSON object: jobs completed per
second from the first enqueue to the last job finished.

The workers are rq.SimpleWorker processes in burst mode: SimpleWorker runs each job in its own
process instead of forking a work horse per job, which is RQ's fastest configuration, so the
comparison is not weighed down by a fork per job. They are processes rather than threads because
RQ workers are single-threaded and Python threads would share one interpreter lock. A burst
worker returns when the queue is momentarily empty; each process then starts another until every
job has been enqueued and the queue is empty, so a worker that outruns the producer does not stop
early.

Run it with Debian's interpreter, which is the one python3-rq is installed for:
  /usr/bin/python3 bench/rq_peer.py --port 6379 --db 1 --jobs 200000 --workers 4
"""

import argparse
import json
import multiprocessing as mp
import os
import sys
import time

import redis
import rq
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry, FinishedJobRegistry

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rq_jobs  # noqa: E402  (after the path is set, for the workers' import by name)

QUEUE = "docket-peer"


def connect(args):
    return redis.Redis(host=args.host, port=args.port, db=args.db)


def work(args, index, start, enqueued_all, out):
    """One worker process: burst workers until the producer is done and the queue is empty."""
    conn = connect(args)
    queue = Queue(QUEUE, connection=conn)
    start.wait()
    rounds = 0
    while True:
        rounds += 1
        worker = SimpleWorker([queue], connection=conn, name=f"peer-{os.getpid()}-{rounds}")
        worker.work(burst=True, logging_level="WARNING")
        finished = time.time()
        if enqueued_all.is_set() and queue.count == 0:
            break
        time.sleep(0.001)  # The producer is behind: wait for it instead of spinning.
    out.put({"worker": index, "finished": finished, "bursts": rounds})


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db", type=int, default=1, help="Redis database (Docket uses 0)")
    p.add_argument("--jobs", type=int, default=200_000)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--batch", type=int, default=1000, help="jobs per enqueue_many pipeline")
    args = p.parse_args()

    conn = connect(args)
    conn.flushdb()
    queue = Queue(QUEUE, connection=conn)
    # Fork before any job exists, so that starting the processes is not timed.
    ctx = mp.get_context("fork")
    start, enqueued_all, out = ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=work, args=(args, i, start, enqueued_all, out))
             for i in range(args.workers)]
    for proc in procs:
        proc.start()
    time.sleep(0.5)  # Let every process connect and wait on the start event.

    t0 = time.time()
    start.set()
    for first in range(0, args.jobs, args.batch):
        datas = [Queue.prepare_data(rq_jobs.decide, args=(f"IOE{9000000000 + i:010d}",))
                 for i in range(first, min(args.jobs, first + args.batch))]
        with conn.pipeline() as pipe:
            queue.enqueue_many(datas, pipeline=pipe)
            pipe.execute()
    enqueued = time.time()
    enqueued_all.set()
    reports = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    last = max(r["finished"] for r in reports)
    # Finished jobs stay in the registry for RQ's default result_ttl (500 s): the count of jobs
    # that ran to completion.
    completed = FinishedJobRegistry(queue=queue).count
    result = {
        "rq_version": rq.__version__,
        "python": sys.version.split()[0],
        "workers": args.workers,
        "worker_class": "SimpleWorker (burst, no fork per job)",
        "jobs": args.jobs,
        "completed": completed,
        "failed_registry": FailedJobRegistry(queue=queue).count,
        "enqueue_seconds": enqueued - t0,
        "enqueue_per_second": args.jobs / (enqueued - t0),
        "seconds": last - t0,
        "jobs_per_second": completed / (last - t0),
        "bursts": sum(r["bursts"] for r in reports),
    }
    conn.flushdb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
