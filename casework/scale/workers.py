"""Batches built ahead in worker processes while the main process writes the last one.

Building rows (Python objects, Fernet tokens, blind indexes, COPY text, the entries' canonical
forms) is most of the generator's own CPU. Worker processes build the next batches while the
main process streams the current one into PostgreSQL, so building, COPY and the server's work
overlap on every core. Workers are forked: they inherit Django, the keys and the generator's
state, and never speak to the database.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing

from django.db import connections

_job = None  # what a worker runs: set before the fork, so every worker inherits it
_inherited = []


def _forget_connections() -> None:
    """A forked worker must never use its parent's database sessions: keep the inherited
    connection objects referenced (closing one would end the parent's session on the server)
    and leave the worker unopened ones."""
    for connection in connections.all(initialized_only=True):
        _inherited.append(connection.connection)
        connection.connection = None


def _run(spec):
    return _job(spec)


def in_order(job, specs, *, workers: int):
    """Yield job(spec) for each spec, in order: in this process when `workers` is 0, else
    built in that many forked processes, at most workers + 1 batches ahead of the consumer."""
    global _job
    if workers < 1:
        yield from map(job, specs)
        return
    _job = job
    specs = iter(specs)
    with multiprocessing.get_context("fork").Pool(workers, _forget_connections) as pool:
        pending = collections.deque(
            pool.apply_async(_run, (spec,)) for spec in itertools.islice(specs, workers + 1)
        )
        while pending:
            built = pending.popleft().get()
            for spec in itertools.islice(specs, 1):
                pending.append(pool.apply_async(_run, (spec,)))
            yield built
