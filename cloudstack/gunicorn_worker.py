"""The API's gunicorn worker: gunicorn's threaded worker, except that what gunicorn itself
refuses before Django sees a request (a request line or headers over the limits, a malformed
request) is answered in CloudStack's JSON error envelope instead of gunicorn's HTML page."""
import json

from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

CONTENT_TYPE = "application/json; charset=UTF-8"


def error_bytes(errorcode, errortext, status=None):
    body = json.dumps({"errorresponse": {"uuidList": [], "errorcode": errorcode, "cserrorcode": 9999,
                                         "errortext": errortext}}).encode()
    status = status or errorcode
    head = (f"HTTP/1.1 {status} {'Bad Request' if status < 500 else 'Internal Server Error'}\r\n"
            f"Connection: close\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n"
            f"X-Description: {errortext}\r\n\r\n")
    return head.encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):
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
