"""The serving worker on real sockets, one worker in this process, and the load table it shares
with the others (here: one more slot, the other worker, whose load a test sets). Its accept
rule: a worker leaves a new connection to one with a lower load (or the same load and a lower
slot) for a moment, then takes it; when the other took it meanwhile, the next connection gets
a wait of its own. (Two workers spreading real connections: tests/test_served_workers.py.)
Its keep-alive: the thread that answered serves the same client's next request itself when it
comes at once."""
from __future__ import annotations

import selectors
import socket
import threading
import time

import pytest

from talentflow.server import gunicorn_available

pytestmark = pytest.mark.skipif(not gunicorn_available(), reason="gunicorn runs on POSIX only")


@pytest.fixture
def worker():
    from gunicorn.config import Config

    from talentflow.gunicorn_worker import BalancedThreadWorker, LoadTable
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    made = BalancedThreadWorker(1, 0, [listener], None, 30, Config(), None)
    made.alive = True
    made.load_table = LoadTable(4)
    made.load_slot = made.load_table.assign([])  # slot 0
    made.other_slot = made.load_table.assign([made])  # slot 1: the other worker, load 0
    made.poller = selectors.DefaultSelector()
    made.accepted = []
    made.enqueue_req = made.accepted.append  # the request itself is not what is tested here
    clients = []

    def connect():
        clients.append(socket.create_connection(listener.getsockname()))

    made.connect = connect
    yield made
    for client in clients:
        client.close()
    for conn in made.accepted:
        conn.close()
    made.poller.close()
    made.tmp.close()
    listener.close()


def loop_once(worker, timeout=0.05):
    """One turn of gunicorn's run loop: listen if there is room, wait, dispatch."""
    worker.set_accept_enabled(worker.nr_conns < worker.worker_connections)
    worker.wait_for_and_dispatch_events(timeout)


def test_an_empty_worker_accepts_at_once(worker):
    worker.connect()
    loop_once(worker)
    assert len(worker.accepted) == 1


def test_a_worker_holding_more_waits_for_the_other_then_accepts(worker):
    from talentflow.gunicorn_worker import ACCEPT_WAIT_MAX
    worker.nr_conns = 1  # a request in progress: load 2
    worker.load_table.publish(worker.other_slot, 1)  # the other: one idle connection
    worker.connect()
    started = time.monotonic()
    loop_once(worker)
    assert worker.accepted == []  # left to the emptier worker for now
    while not worker.accepted:  # which does not take it here: this one does, at the end
        assert time.monotonic() - started < 1
        loop_once(worker)
    assert time.monotonic() - started >= ACCEPT_WAIT_MAX


def test_of_two_alike_the_lower_slot_takes_it(worker):
    worker.load_slot, worker.other_slot = 1, 0  # this worker in the higher slot, both at 0
    worker.connect()
    loop_once(worker)
    assert worker.accepted == []  # the other, alike, takes it at once


def test_after_another_worker_took_the_connection_the_next_one_waits_again(worker):
    worker.nr_conns = 1
    worker.connect()
    loop_once(worker)
    assert worker.accepted == []
    taken, _ = worker.sockets[0].accept()  # the other worker takes it during the wait
    taken.close()
    time.sleep(0.03)
    loop_once(worker, timeout=0.01)  # listening again: nothing there
    worker.connect()
    loop_once(worker, timeout=0.01)
    assert worker.accepted == []  # a new wait, not the end of the old one


def test_a_worker_without_a_table_accepts_as_gthread_does(worker):
    worker.load_table = None
    worker.nr_conns = 3
    worker.connect()
    loop_once(worker)
    assert len(worker.accepted) == 1


def test_idle_connections_weigh_less_than_busy_ones(worker):
    """A client's spare connection between requests holds a worker less than one it is
    answering: the load counts it once, a connection with a request in progress twice."""
    worker.nr_conns = 2
    assert worker.load() == 4
    worker.keepalived_conns.append(object())
    assert worker.load() == 3
    worker.keepalived_conns.clear()


def test_the_load_is_published_and_a_worker_stopping_frees_its_slot(worker):
    table = worker.load_table
    worker.nr_conns = 1
    loop_once(worker, timeout=0.01)
    assert not table.ahead_of(worker.other_slot, 1)  # 2 published: the other, at 1, is first
    assert table.ahead_of(worker.other_slot, 3)
    worker.alive = False  # shutting down: no longer listening, nobody waits for it
    loop_once(worker, timeout=0.01)
    assert not table.ahead_of(worker.other_slot, 100)
    worker.nr_conns = 0


def test_the_master_gives_each_worker_a_free_slot():
    from types import SimpleNamespace

    from talentflow.gunicorn_worker import LoadTable
    table = LoadTable(3)
    first = SimpleNamespace(load_slot=table.assign([]))
    second = SimpleNamespace(load_slot=table.assign([first]))
    assert (first.load_slot, second.load_slot) == (0, 1)
    table.release(first.load_slot)  # exited: its slot goes to the next worker forked
    third = SimpleNamespace(load_slot=table.assign([second]))
    assert third.load_slot == 0
    fourth = SimpleNamespace(load_slot=table.assign([second, third]))
    assert table.assign([second, third, fourth]) is None  # full: that worker runs without


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def _accepted_conn(worker):
    from gunicorn.glogging import Logger
    worker.log = Logger(worker.cfg)
    worker.wsgi = _hello
    worker.alive = True
    listener = worker.sockets[0]
    client = socket.create_connection(listener.getsockname())
    served, address = listener.accept()
    from gunicorn.workers.gthread import TConn
    return client, TConn(worker.cfg, served, address, listener.getsockname())


REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def _answers(client, count):
    received = b""
    client.settimeout(5)
    while received.count(b"HTTP/1.1 200") < count or not received.endswith(b"ok"):
        received += client.recv(65536)
    return received.count(b"HTTP/1.1 200")


def test_requests_sent_together_are_answered_by_one_thread(worker):
    client, conn = _accepted_conn(worker)
    try:
        client.sendall(REQUEST * 3)
        assert worker.handle(conn) is True  # keep-alive: the connection goes back to the poller
        assert worker.nr == 3 and _answers(client, 3) == 3
    finally:
        client.close()
        conn.close()


def test_the_next_request_sent_at_once_is_served_by_the_same_thread(worker, monkeypatch):
    # "at once" on a loaded test machine: the client here is a thread of this process
    monkeypatch.setattr("talentflow.gunicorn_worker.LINGER", 0.5)
    client, conn = _accepted_conn(worker)

    def one_after_the_other():
        for _ in range(3):
            client.sendall(REQUEST)
            _answers(client, 1)

    sending = threading.Thread(target=one_after_the_other)
    try:
        sending.start()
        assert worker.handle(conn) is True
        sending.join()
        assert worker.nr == 3
    finally:
        client.close()
        conn.close()


def test_a_quiet_connection_goes_back_to_the_main_loop(worker):
    from talentflow.gunicorn_worker import LINGER
    client, conn = _accepted_conn(worker)
    try:
        client.sendall(REQUEST)
        started = time.monotonic()
        assert worker.handle(conn) is True
        assert worker.nr == 1 and _answers(client, 1) == 1
        assert time.monotonic() - started < LINGER + 1  # waited LINGER, not for the client
    finally:
        client.close()
        conn.close()
