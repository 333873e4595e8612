"""The PostgreSQL watchdog's rules, on socket pairs: what it cuts (a statement waiting on the
server too long), what it leaves alone (a connection its caller holds between statements, a
statement in flight while the process was paused). The whole-stack behaviour against a
stalled server is in test_database_outage.py."""

import socket
import time
from collections.abc import Iterator

import pytest

from service.core.db import PAUSE_FORGIVEN, _SocketWatchdog, _StallGuard

HOLD = 0.3
WAIT = 4 * HOLD


@pytest.fixture
def watchdog() -> _SocketWatchdog:
    return _SocketWatchdog()


@pytest.fixture
def guard() -> _StallGuard:
    """A server that answers new connections: only the hold can cut."""
    return _StallGuard(probe=lambda: None)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """The client's end (watched) and the server's end."""
    client, server = socket.socketpair()
    server.settimeout(WAIT)
    yield client, server
    client.close()
    server.close()


def checked_out(
    watchdog: _SocketWatchdog, client: socket.socket, guard: _StallGuard, *, hold: float
) -> int:
    """A connection handed out, its ping answered: in the caller's hands, nothing waiting."""
    token = watchdog.arm(client.fileno(), hold, guard)
    watchdog.statement_ended(token)
    return token


def cut(server: socket.socket) -> bool:
    """True when the client's end was shut down within `WAIT`."""
    try:
        return server.recv(1) == b""
    except TimeoutError:
        return False


def test_a_statement_waiting_past_the_hold_is_cut(
    watchdog: _SocketWatchdog, guard: _StallGuard, pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = pair
    token = checked_out(watchdog, client, guard, hold=HOLD)
    watchdog.statement_started(token)

    assert cut(server)
    assert watchdog.disarm(token) is True


def test_a_connection_held_between_statements_is_not_cut(
    watchdog: _SocketWatchdog, guard: _StallGuard, pair: tuple[socket.socket, socket.socket]
) -> None:
    """The caller's own code taking its time is no sign the server stopped answering."""
    client, server = pair
    token = checked_out(watchdog, client, guard, hold=HOLD)

    assert not cut(server)
    assert watchdog.disarm(token) is False


def test_each_statement_gets_the_whole_hold(
    watchdog: _SocketWatchdog, guard: _StallGuard, pair: tuple[socket.socket, socket.socket]
) -> None:
    """A long unit of work made of quick statements is never cut."""
    client, server = pair
    token = watchdog.arm(client.fileno(), HOLD, guard)
    for _ in range(8):
        watchdog.statement_ended(token)
        time.sleep(HOLD / 2)
        watchdog.statement_started(token)
    watchdog.statement_ended(token)

    assert not cut(server)
    assert watchdog.disarm(token) is False


def test_a_pause_of_the_process_is_not_counted_against_a_statement(
    watchdog: _SocketWatchdog, guard: _StallGuard, pair: tuple[socket.socket, socket.socket]
) -> None:
    """The watchdog's thread kept from running past a statement's deadline (here by holding its
    lock, as a frozen machine or a thread holding the interpreter would): once it runs again,
    the time it could not run is not counted, and the statement reads its answer in time."""
    client, server = pair
    hold = 1.0
    token = checked_out(watchdog, client, guard, hold=hold)
    watchdog.statement_started(token)
    with watchdog._condition:
        time.sleep(hold + PAUSE_FORGIVEN)
    time.sleep(hold / 3)  # it wakes, late, and gives the statement that time back
    watchdog.statement_ended(token)

    assert not cut(server)
    assert watchdog.disarm(token) is False


def test_a_pause_is_forgiven_once_per_statement(
    watchdog: _SocketWatchdog, guard: _StallGuard, pair: tuple[socket.socket, socket.socket]
) -> None:
    """A process that keeps not running on time still cuts a stalled statement, late: at most
    one hold is given back."""
    client, server = pair
    token = checked_out(watchdog, client, guard, hold=HOLD)
    watchdog.statement_started(token)
    for _ in range(3):
        with watchdog._condition:
            time.sleep(PAUSE_FORGIVEN + 0.2)
        time.sleep(0.05)

    assert cut(server)
    assert watchdog.disarm(token) is True


def test_a_connection_cut_after_its_statement_returned_is_known_at_checkin(
    watchdog: _SocketWatchdog, guard: _StallGuard, pair: tuple[socket.socket, socket.socket]
) -> None:
    """So the pool pings it before handing it out again, instead of handing out a dead one."""
    client, server = pair
    token = watchdog.arm(client.fileno(), HOLD, guard)
    assert cut(server)  # the checkout's ping never returned

    assert watchdog.disarm(token) is True
