"""The running service: one thread owns the replay (the policy's simulators are not shared between
threads) and the database connection it writes with; the HTTP loop hands it work and awaits the
answer; a second thread sends deliveries from a connection of its own.

Events waiting when the replay thread takes one are applied together, in order, in one
transaction (group commit): each is answered only after that transaction committed, so an
accepted event survives kill -9. Between batches the thread runs the scheduler at the earliest
wake it knows of (its own subjects': read back after a tick, lowered by the wakes a batch of events
wrote) or every `poll` seconds (what other instances changed), so a step fires within milliseconds
of its instant while the thread is not busy; the lag is measured (`slapolicy_escalation_lag_seconds`).

The clock is injectable: tests drive time and call `tick` and `deliver` themselves (`auto=False`).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..diagnostics.record import InputError
from ..validate.repository import PolicySet, open_policy_set
from .auth import Tokens
from .config import Deployment
from .deliveries import Channel, Deliverer
from .live import Answer, EventFailed, Live
from .metrics import Metrics
from .store import Store, open_store
from .tx import Tx

log = logging.getLogger("slapolicy.serve")
T = TypeVar("T")
BATCH_EVENTS = 500  # events applied in one transaction at most
TICK_SUBJECTS = 500  # subjects the scheduler replays in one transaction at most


@dataclass
class _Job:
    events: list[Any] | None  # a request's events, or None for `work`
    work: Callable[[Tx], Any] | None
    future: Future[Any] = field(default_factory=Future)


class Reloaded(Exception):
    """A reload refused: the new files do not validate (the policy in use stays)."""


class Service:
    def __init__(self, policy_path: str, policies: PolicySet, deployment: Deployment, engine: str | None = None,
                 clock: Callable[[], float] = time.time, auto: bool = True,
                 channels: dict[str, Channel] | None = None) -> None:
        self.policy_path = policy_path
        self.deployment = deployment
        self.clock = clock
        self.auto = auto
        self.metrics = Metrics()
        self.tokens = Tokens(deployment.tokens)
        self.store: Store = open_store(deployment.database)
        self.live = Live(policies, engine, deployment, clock())
        self.deliverer = Deliverer(self.store.connect(), deployment, self.metrics, channels)
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._stopping = threading.Event()
        self._next_wake: float | None = None
        self._threads: list[threading.Thread] = []

    @property
    def policies(self) -> PolicySet:
        return self.live.policies

    def start(self) -> None:
        self._next_wake = self.store.run(lambda tx: tx.next_wake(), write=False)
        self._threads = [threading.Thread(target=self._replay_loop, name="slapolicy-replay", daemon=True)]
        if self.auto:
            self._threads.append(threading.Thread(target=self._delivery_loop, name="slapolicy-deliveries", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=30)
        self.deliverer.close()
        self.store.close()

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    # ---- what the HTTP loop (and tests) ask -----------------------------------------------------
    async def events(self, events: list[Any]) -> list[Answer]:
        answers: list[Answer] = await asyncio.wrap_future(self._submit(_Job(events, None)))
        return answers

    async def run(self, work: Callable[[Tx], T]) -> T:
        """`work` in the replay thread, in a transaction of its own."""
        result: T = await asyncio.wrap_future(self._submit(_Job(None, work)))
        return result

    def call(self, work: Callable[[Tx], T]) -> T:
        """`run`, from a thread that is not the HTTP loop (tests, signal handlers)."""
        return self._submit(_Job(None, work)).result()  # type: ignore[no-any-return]

    def tick(self) -> int:
        """The scheduler once, as of the clock's now, until nothing is due (tests drive time with it)."""
        return self._submit(_Job(None, None)).result()  # type: ignore[no-any-return]

    def deliver(self) -> int:
        """The deliveries due now, sent from the calling thread (tests)."""
        return self.deliverer.run_once(self.clock())

    def reload(self) -> dict[str, Any]:
        """Load the policy directory again; replace the policy only if every file validates (Reloaded
        otherwise). Every subject that may still change is replayed again under the new one."""
        try:
            policies = open_policy_set(self.policy_path)
        except InputError as exc:
            self.metrics.add("policy_reloads_refused")
            raise Reloaded(exc.diagnostic.format()) from None
        if policies.id != self.policies.id:
            self.metrics.add("policy_reloads_refused")
            raise Reloaded(f"{self.policy_path} now holds the policy '{policies.id}', not '{self.policies.id}'")

        def use(tx: Tx) -> int:
            now = self.clock()
            self.live.use(policies, now)
            return tx.rewake_all(now)

        replayed = self.call(use)
        self.metrics.add("policy_reloads")
        log.info("policy reloaded: %s", ", ".join(p.version for p in policies.versions))
        return {"policy": policies.id, "versions": [p.version for p in policies.versions], "subjects_to_replay": replayed}

    # ---- the replay thread ---------------------------------------------------------------------
    def _submit(self, job: _Job) -> Future[Any]:
        if self._stopping.is_set():
            job.future.set_exception(RuntimeError("the service is stopping"))
        else:
            self._jobs.put(job)
        return job.future

    def _replay_loop(self) -> None:
        last_poll = 0.0
        while not self._stopping.is_set():
            timeout = None
            if self.auto:
                now = self.clock()
                due = last_poll + self.deployment.poll
                if self._next_wake is not None:
                    due = min(due, self._next_wake)
                timeout = max(due - now, 0.001)
            try:
                job = self._jobs.get(timeout=timeout)
            except queue.Empty:
                job = None
            if job is not None:
                self._work(job)
            elif self._stopping.is_set():
                break
            if self.auto and (self.clock() >= last_poll + self.deployment.poll or
                              (self._next_wake is not None and self.clock() > self._next_wake)):
                last_poll = self.clock()
                try:
                    self._schedule()
                except Exception:  # nothing of the failed transaction was kept: the next poll tries again
                    log.exception("the scheduler failed; trying again at the next poll")

    def _work(self, first: _Job) -> None:
        if first.events is None:
            if first.work is None:  # `tick`
                self._finish(first, lambda: self._schedule())
            else:
                self._finish(first, lambda: self._transaction(first.work))  # type: ignore[arg-type]
            return
        batch, count = [first], len(first.events)
        others: list[_Job] = []
        while count < BATCH_EVENTS:
            try:
                more = self._jobs.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._stopping.set()
                break
            if more.events is None:
                others.append(more)
                break
            batch.append(more)
            count += len(more.events)
        events = [e for job in batch for e in job.events or ()]
        try:
            answers = self._ingest(events)
        except Exception as exc:  # the database failed: nothing of the batch was kept; each request is told
            log.exception("a batch of events could not be stored")
            for job in batch:
                job.future.set_exception(exc)
        else:
            start = 0
            for job in batch:
                n = len(job.events or ())
                job.future.set_result(answers[start:start + n])
                start += n
            for answer in answers:
                self.metrics.add({202: "events_accepted", 200: "events_repeated"}.get(answer.status, "events_refused"))
        for job in others:
            self._work(job)

    def _ingest(self, events: list[Any]) -> list[Answer]:
        """The events in one transaction; one the replay fails on is answered 500 and the rest run again."""
        failed: dict[int, Answer] = {}
        while True:
            try:
                return self._transaction(lambda tx: self.live.ingest(tx, events, self.clock(), failed), exact=False)
            except EventFailed as exc:
                failed[exc.index] = exc.answer

    def _finish(self, job: _Job, work: Callable[[], Any]) -> None:
        try:
            job.future.set_result(work())
        except Exception as exc:
            job.future.set_exception(exc)

    def _transaction(self, work: Callable[[Tx], T], exact: bool = True) -> T:
        """`work` in one transaction; what it fired counted once it committed, and the next wake read back
        (not `exact`: the earlier of the one known and the wakes the transaction wrote, a statement
        less; at worst the scheduler then looks once at a wake that moved later and finds nothing)."""
        def unit(tx: Tx) -> tuple[T, float | None]:
            self.live.take_fired()  # a transaction run again (a deadlock on PostgreSQL) counts once
            result = work(tx)
            if exact:
                return result, tx.next_wake()
            return result, min((w for w in (self._next_wake, tx.earliest_wake) if w is not None), default=None)

        result, self._next_wake = self.store.run(unit)
        for fired in self.live.take_fired():
            self.metrics.fired(fired.lag, fired.source, fired.late)
        return result

    def _schedule(self) -> int:
        """Replay what is due, in transactions of at most TICK_SUBJECTS subjects, until nothing is."""
        total = 0
        while True:
            n = self._transaction(lambda tx: self.live.tick(tx, self.clock(), TICK_SUBJECTS))
            total += n
            if n < TICK_SUBJECTS:
                return total

    # ---- the delivery thread -------------------------------------------------------------------
    def _delivery_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = self.deliverer.run_once(self.clock())
            except Exception:
                log.exception("deliveries failed; trying again")
                sent = 0
            if not sent:
                self._stopping.wait(min(self.deployment.poll, 0.25))

