"""The served HTTP edge over raw sockets: oversized and endless headers, heads and bodies
that stop arriving. The server is the one `insight serve` runs, on a loopback port, with
its timeouts set to a second."""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from app.main import create_app
from app.platform.settings import Settings
from app.web.serving import server_config

TIMEOUT = 1.0
SETTINGS = Settings(
    request_head_timeout_seconds=TIMEOUT,
    request_body_timeout_seconds=TIMEOUT,
    max_request_headers=100,
    max_request_header_bytes=32 * 1024,
)


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = server_config(
        create_app(SETTINGS), SETTINGS, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.01)
    try:
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=5 * TIMEOUT)


def _send(conn: socket.socket, data: bytes) -> None:
    # The server may answer and close before it has read everything.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        conn.sendall(data)


def _read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _status_and_body(response: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def test_a_megabyte_header_is_refused_and_the_connection_closed(
    address: tuple[str, int],
) -> None:
    with _connect(address) as conn:
        _send(conn, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1024 * 1024)
        _send(conn, b"\r\n\r\n")
        status, problem = _status_and_body(_read_all(conn))
    assert (status, problem["code"]) == (431, "headers_too_large")


def test_ten_thousand_headers_are_refused(address: tuple[str, int]) -> None:
    headers = b"".join(b"X-H-%d: v\r\n" % i for i in range(10_000))
    with _connect(address) as conn:
        _send(conn, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        status, problem = _status_and_body(_read_all(conn))
    assert (status, problem["code"]) == (431, "headers_too_large")


def test_too_many_small_headers_get_a_problem_in_the_clients_language(
    address: tuple[str, int],
) -> None:
    headers = b"".join(b"X-%d: v\r\n" % i for i in range(150))  # 1 kB: few bytes, many
    with _connect(address) as conn:
        _send(
            conn,
            b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nAccept-Language: fi\r\n"
            b"Connection: close\r\n" + headers + b"\r\n",
        )
        status, problem = _status_and_body(_read_all(conn))
    assert (status, problem["code"]) == (431, "headers_too_large")
    assert problem["max_headers"] == 100
    assert problem["title"] == "Otsakkeet ovat liian suuret"


def test_ordinary_headers_pass(address: tuple[str, int]) -> None:
    headers = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 200) for i in range(50))
    with _connect(address) as conn:
        _send(
            conn,
            b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n",
        )
        response = _read_all(conn)
    assert response.startswith(b"HTTP/1.1 200 ")


def test_a_body_that_stops_arriving_is_answered_408_and_closed(
    address: tuple[str, int],
) -> None:
    with _connect(address) as conn:
        _send(
            conn,
            b"POST /api/v1/insights HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"kind": "obs',
        )
        started = time.monotonic()
        response = _read_all(conn)
        elapsed = time.monotonic() - started
    status, problem = _status_and_body(response)
    assert (status, problem["code"]) == (408, "request_timeout")
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: "],
    ids=["nothing", "half a head"],
)
def test_a_head_that_stops_arriving_is_closed(address: tuple[str, int], sent: bytes) -> None:
    with _connect(address) as conn:
        _send(conn, sent)
        started = time.monotonic()
        response = _read_all(conn)
        elapsed = time.monotonic() - started
    assert response == b""
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2


def test_a_head_sent_slowly_is_closed_all_the_same(address: tuple[str, int]) -> None:
    # A byte at a time keeps no timer alive: the head as a whole has its time.
    with _connect(address) as conn:
        _send(conn, b"GET /openapi.json HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < TIMEOUT + 2:
            try:
                conn.sendall(b"X")
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            conn.settimeout(0.01)
            try:
                if conn.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
        assert closed
