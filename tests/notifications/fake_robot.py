"""A fake WeCom/DingTalk group robot on loopback, for the webhook channel's tests.

It answers like the vendors document: HTTP 200 with {"errcode": 0, "errmsg": "ok"} for a
message in their format, an errcode for a malformed one or a bad DingTalk signature. Paths
choose the behaviour:

  /wecom            a WeCom robot (checks {"msgtype": "markdown"|"text", …})
  /dingtalk         a DingTalk robot; with `secret` set, checks timestamp + sign (加签)
  /error500         answers HTTP 500
  /slow             answers after `slow_seconds` (longer than the client's timeout)
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeRobot:
    def __init__(self, *, secret: str = "", slow_seconds: float = 2.0):
        self.secret = secret
        self.slow_seconds = slow_seconds
        self.received: list[dict] = []  # {"path", "query", "body"} of every request
        self.accepted: list[dict] = []  # bodies answered with errcode 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                robot.received.append({"path": parts.path, "query": query, "body": body})
                if parts.path == "/error500":
                    return self._answer(500, {"errcode": -1, "errmsg": "server error"})
                if parts.path == "/slow":
                    time.sleep(robot.slow_seconds)
                    return self._answer(200, {"errcode": 0, "errmsg": "ok"})
                if parts.path == "/wecom":
                    return self._answer(200, robot.check_wecom(body))
                if parts.path == "/dingtalk":
                    return self._answer(200, robot.check_dingtalk(body, query))
                return self._answer(404, {"errcode": 404, "errmsg": "no such robot"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeRobot":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def check_wecom(self, body) -> dict:
        ok = isinstance(body, dict) and (
            (body.get("msgtype") == "markdown"
             and isinstance(body.get("markdown", {}).get("content"), str))
            or (body.get("msgtype") == "text"
                and isinstance(body.get("text", {}).get("content"), str)))
        if not ok:
            return {"errcode": 40008, "errmsg": "invalid message type"}
        self.accepted.append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def check_dingtalk(self, body, query) -> dict:
        if self.secret:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(),
                              hashlib.sha256).digest()
            # parse_qs has already url-decoded the sign parameter.
            if not timestamp or sign != base64.b64encode(digest).decode():
                return {"errcode": 310000, "errmsg": "sign not match"}
            if abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                return {"errcode": 310000, "errmsg": "timestamp expired"}
        ok = isinstance(body, dict) and (
            (body.get("msgtype") == "markdown"
             and isinstance(body.get("markdown", {}).get("text"), str)
             and isinstance(body.get("markdown", {}).get("title"), str))
            or (body.get("msgtype") == "text"
                and isinstance(body.get("text", {}).get("content"), str)))
        if not ok:
            return {"errcode": 300001, "errmsg": "invalid msgtype"}
        if "OutletCRM" not in json.dumps(body, ensure_ascii=False):  # the keyword setting
            return {"errcode": 310000, "errmsg": "keywords not in content"}
        self.accepted.append(body)
        return {"errcode": 0, "errmsg": "ok"}
