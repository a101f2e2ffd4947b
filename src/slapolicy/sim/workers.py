"""Worker processes, each fed blocks in order through its own pipe and keeping its simulators for its
whole share; and the gate that turns SIGINT and SIGTERM into Interrupted between blocks, never
inside one."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from .lanes import Lanes, Plan


class ReplayError(RuntimeError):
    """A worker failed (the rules engine, most likely); carries its one-line message."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived during a replay; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Gate:
    """SIGINT and SIGTERM become Interrupted, raised at once, or when `held` work is done
    (a block being added, a partial being merged), so the total is never half-updated."""

    def __init__(self) -> None:
        self.holding = False
        self.pending: int | None = None

    def handler(self, signum: int, frame: object) -> None:
        if self.holding:
            self.pending = signum
        else:
            raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending is not None:
            raise Interrupted(self.pending)

    @contextlib.contextmanager
    def installed(self) -> Iterator[Gate]:
        previous = {}
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, self.handler)
        try:
            yield self
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def _die_with_parent() -> None:
    """Linux: the kernel ends this worker when the main process ends, however it ends."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker(conn: Connection, plan: Plan) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process handles it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    lanes = Lanes(plan)
    while True:
        task = conn.recv()
        if task is None:
            return
        try:
            if task[0] == "records":  # the first pass: correlation records of a block
                conn.send(("ok", lanes.records(task[1], task[2])))
                continue
            _, block, duplicates, correlated = task
            partial = plan.new_partial()
            lanes.replay(block, duplicates, partial, correlated)
        except Exception as exc:  # reported by the main process as one line, never lost
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        conn.send(("ok", partial.export()))


class Pool:
    """Worker processes, each fed its blocks in order through its own pipe."""

    def __init__(self, plan: Plan, jobs: int) -> None:
        # fork: workers inherit the compiled policies without pickling (Linux); spawn elsewhere
        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() \
            else multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(jobs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, plan), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def send(self, worker: int, task: tuple[Any, ...]) -> None:
        self.conns[worker].send(task)

    def receive(self, worker: int) -> Any:
        try:
            status, payload = self.conns[worker].recv()
        except EOFError:
            raise ReplayError(f"worker {worker + 1} ended unexpectedly (exit code {self.procs[worker].exitcode})") from None
        if status != "ok":
            raise ReplayError(payload)
        return payload

    def close(self, wait: bool) -> None:
        for conn, proc in zip(self.conns, self.procs):
            if wait:
                with contextlib.suppress(OSError, BrokenPipeError):
                    conn.send(None)
            else:
                proc.terminate()
        for conn, proc in zip(self.conns, self.procs):
            proc.join(timeout=5 if wait else 1)
            if proc.is_alive():
                proc.kill()
                proc.join()
            conn.close()


def in_flight(pool: Pool, tasks: Iterator[tuple[Any, ...]], done: Callable[[Any, int], None], gate: Gate) -> None:
    """Tasks to the workers in order, one in flight per worker, results handed to `done` in the same
    order. A worker never waits to hand back a result while this process waits to hand it a task
    (with bigger pipes in flight, both would block); a worker gets its next task before its last
    result is taken, so it works meanwhile."""
    pending: deque[tuple[int, int]] = deque()  # (worker, lines in its block), in task order

    def feed(worker: int) -> None:
        task = next(tasks, None)
        if task is not None:
            pool.send(worker, task)
            pending.append((worker, task[1].lines))

    for worker in range(len(pool.conns)):
        feed(worker)
    while pending:
        worker, count = pending.popleft()
        exported = pool.receive(worker)
        feed(worker)
        with gate.held():
            done(exported, count)


def default_jobs() -> int:
    """The processors this process may run on: as many workers as the replay uses by default."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
