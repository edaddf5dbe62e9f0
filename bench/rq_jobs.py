"""The job the RQ peer runs: a no-op decision, so that only the queue's own cost is measured.

RQ workers import a job's function by its dotted name, so it lives in a module of its own.
"""


def decide(receipt):
    """Approves a case without looking at it (zero effort time, like Docket's load workers)."""
    return "approve"
