"""The API's gunicorn worker: gunicorn's threaded worker, with two changes.

* What gunicorn itself refuses before Django sees a request (a request line or headers over
  the limits, a malformed request) is answered in CloudStack's JSON error envelope instead of
  gunicorn's HTML page.
* **Back-pressure**: requests wait for a thread in a queue that is bounded by how long its
  oldest one has waited: once that is over ``JAVELIN_API_MAX_QUEUE_WAIT`` seconds (2), or
  ``JAVELIN_API_MAX_HELD`` requests are held, a new request is answered at once, without
  queueing, with HTTP 503, ``Retry-After`` and CloudStack's envelope (errorcode 503). A burst
  of quick calls passes; a load beyond what the process can serve gets fast answers to retry
  on instead of timeouts, and the queue is short enough to drain as soon as the load drops.
"""
import json
import os
import socket
import threading
import time
from collections import deque

from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

CONTENT_TYPE = "application/json; charset=UTF-8"


REASONS = {431: "Bad Request", 503: "Service Unavailable"}


def error_bytes(errorcode, errortext, status=None, extra_headers=None):
    body = json.dumps({"errorresponse": {"uuidList": [], "errorcode": errorcode, "cserrorcode": 9999,
                                         "errortext": errortext}}).encode()
    status = status or errorcode
    headers = {"Connection": "close", "Content-Type": CONTENT_TYPE, "Content-Length": str(len(body)),
               "X-Description": errortext, **(extra_headers or {})}
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Internal Server Error')}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


MAX_QUEUE_WAIT_S = float(os.environ.get("JAVELIN_API_MAX_QUEUE_WAIT", "2.0"))
MAX_HELD = int(os.environ.get("JAVELIN_API_MAX_HELD", "256"))
RETRY_AFTER_S = 2


class JsonErrorWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held = 0  # requests queued or running
        self._queued = deque()  # when each queued request arrived, oldest first (the pool is FIFO)
        self._busy_lock = threading.Lock()
        self.refused = 0

    def enqueue_req(self, conn):
        now = time.monotonic()
        with self._busy_lock:
            waited = now - self._queued[0] if self._queued else 0.0
            overloaded = self._held >= MAX_HELD or waited > MAX_QUEUE_WAIT_S
            if not overloaded:
                self._held += 1
                self._queued.append(now)
        if overloaded:
            self._refuse(conn)
            return
        super().enqueue_req(conn)

    def handle(self, conn):
        with self._busy_lock:  # a thread takes the oldest queued request: this one
            if self._queued:
                self._queued.popleft()
        return super().handle(conn)

    def _wrap_future(self, fs, conn):
        super()._wrap_future(fs, conn)
        fs.add_done_callback(self._done)

    def _done(self, fs):
        with self._busy_lock:
            self._held -= 1
            if fs.cancelled() and self._queued:  # never ran (a shutdown): it waits no more
                self._queued.pop()

    def _refuse(self, conn):
        """Answer 503 now: read what the client has sent (so that closing does not reset the
        connection under its feet), write the answer, close."""
        self.refused += 1
        reply = error_bytes(503, "The API is at capacity; retry shortly", status=503,
                            extra_headers={"Retry-After": str(RETRY_AFTER_S)})
        sock = conn.sock
        try:
            sock.setblocking(False)
            try:
                while sock.recv(65536):
                    pass
            except (BlockingIOError, InterruptedError):
                pass
            sock.setblocking(True)
            sock.settimeout(2)
            sock.sendall(reply)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            with self._lock:
                self.nr_conns -= 1
            try:
                sock.close()
            except OSError:
                pass
        if self.refused % 100 == 1:
            self.log.warning("back-pressure: %s requests refused with 503 so far by worker %s", self.refused, os.getpid())

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, LimitRequestLine):
            reply = error_bytes(431, f"The request line is longer than {self.cfg.limit_request_line} bytes: "
                                     "send the parameters in a POST body")
        elif isinstance(exc, LimitRequestHeaders):
            reply = error_bytes(431, "The request headers are larger than this server accepts")
        elif isinstance(exc, Exception) and type(exc).__module__.startswith("gunicorn.http"):
            reply = error_bytes(431, "Malformed HTTP request")
        else:
            self.log.exception("Error handling request")
            reply = error_bytes(530, "Internal error")
        self.log.warning("refused a request from %s: %s", (addr or ("",))[0], exc)
        try:
            client.sendall(reply)
        except OSError:
            pass
