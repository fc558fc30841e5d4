#!/usr/bin/python3
"""A stand-in for X API v2's filtered stream, for tests only (plain HTTP on 127.0.0.1).

Serves GET/POST /2/tweets/search/stream/rules (stateful, X's JSON shapes and ids) and
GET /2/tweets/search/stream with real tweets from the corpus (Twitter v1.1 JSON lines),
converted to the v2 shape X sends ({"data", "includes", "matching_rules"}). Every endpoint
checks the bearer token (env X_STANDIN_TOKEN) and answers 401 like X when it is wrong.

Each stream connection follows the next behaviour of --script (comma-separated), then `hold`:
  keepalive:N  N tweets, a keep-alive "\\r\\n" before and after each, one write each
  split:N      N tweets, each line cut into 7-byte writes, flushed one by one
  batch:N      N tweets in one write
  ops          X's operational-disconnect error message
    (after each of these the stream ends cleanly, as X ends one for a deploy)
  drop:N       N tweets, then half of the next line, then the connection is cut
  stall:N      N tweets, then silence (not even keep-alives) until the client hangs up
  hold         keep-alives every second until the client hangs up
  429:S        HTTP 429 with x-rate-limit-reset S seconds ahead (epoch seconds)
  401, 503     that HTTP error with X's JSON body

Test-side endpoints (no token): GET /_standin/requests (every request: wall time, method,
path, query, headers without Authorization, whether Authorization was right, status, and for
the stream the behaviour and any x-rate-limit-reset sent), GET /_standin/served (every tweet
line served in full, in order). Prints "port N" on stdout once listening.
"""
import argparse
import datetime
import http.server
import json
import os
import re
import select
import socketserver
import sys
import threading
import time
import urllib.parse

RULES_PATH = "/2/tweets/search/stream/rules"
STREAM_PATH = "/2/tweets/search/stream"
MAX_RULE_LENGTH = 1024


def iso_time(v1_created_at):
    t = datetime.datetime.strptime(v1_created_at, "%a %b %d %H:%M:%S %z %Y")
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def v2_tweet(v1):
    """One v1.1 tweet as X API v2 sends it with expansions=author_id."""
    text = (v1.get("extended_tweet") or {}).get("full_text") or v1.get("full_text") or v1["text"]
    hashtags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in re.finditer(r"#(\w+)", text)]
    user = v1["user"]
    data = {
        "id": str(v1["id"]),
        "text": text,
        "author_id": str(user["id"]),
        "created_at": iso_time(v1["created_at"]),
        "lang": v1.get("lang") or "und",
        "edit_history_tweet_ids": [str(v1["id"])],
    }
    if hashtags:
        data["entities"] = {"hashtags": hashtags}
    return data, {"users": [{"id": str(user["id"]), "username": user["screen_name"], "name": user["name"]}]}


def load_corpus(path):
    tweets = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            v1 = json.loads(line)
            if "text" in v1 and "user" in v1 and "created_at" in v1:
                tweets.append(v2_tweet(v1))
    return tweets


class State:
    def __init__(self, token, corpus, script):
        self.lock = threading.Lock()
        self.token = token
        self.corpus = corpus
        self.cursor = 0
        self.script = list(script)
        self.rules = []  # {"id", "value", "tag"?}
        self.next_rule_id = 1_600_000_000_000_000_000
        self.requests = []
        self.served = []

    def next_behaviour(self):
        with self.lock:
            return self.script.pop(0) if self.script else "hold"

    def next_tweet_line(self):
        with self.lock:
            data, includes = self.corpus[self.cursor % len(self.corpus)]
            self.cursor += 1
            matching = [{"id": r["id"], "tag": r.get("tag", "")} for r in self.rules]
        return json.dumps({"data": data, "includes": includes, "matching_rules": matching}, ensure_ascii=False)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by main

    def log_message(self, *args):  # keep the test's output for what matters
        pass

    # --- plumbing ---------------------------------------------------------------------------
    def record(self, status, **extra):
        url = urllib.parse.urlsplit(self.path)
        entry = {"t": time.time(), "method": self.command, "path": url.path, "query": url.query,
                 "headers": {k: v for k, v in self.headers.items() if k.lower() != "authorization"},
                 "auth_ok": self.auth_ok(), "status": status}
        entry.update(extra)
        with self.state.lock:
            self.state.requests.append(entry)

    def auth_ok(self):
        return self.headers.get("Authorization") == f"Bearer {self.state.token}"

    def reply_json(self, status, body, headers=()):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def unauthorized(self):
        self.record(401)
        self.reply_json(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def client_gone(self, timeout):
        readable, _, _ = select.select([self.connection], [], [], timeout)
        if not readable:
            return False
        try:
            return self.connection.recv(1) == b""
        except OSError:
            return True

    # --- endpoints --------------------------------------------------------------------------
    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_standin/requests":
            with self.state.lock:
                return self.reply_json(200, list(self.state.requests))
        if path == "/_standin/served":
            with self.state.lock:
                return self.reply_json(200, list(self.state.served))
        if path not in (RULES_PATH, STREAM_PATH):
            self.record(404)
            return self.reply_json(404, {"title": "Not Found Error", "status": 404, "detail": path})
        if not self.auth_ok():
            return self.unauthorized()
        if path == RULES_PATH:
            self.record(200)
            with self.state.lock:
                rules = list(self.state.rules)
            body = {"meta": {"sent": now_iso(), "result_count": len(rules)}}
            if rules:
                body["data"] = rules
            return self.reply_json(200, body)
        return self.stream()

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path != RULES_PATH:
            self.record(404)
            return self.reply_json(404, {"title": "Not Found Error", "status": 404, "detail": path})
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.auth_ok():
            return self.unauthorized()
        try:
            body = json.loads(raw)
        except ValueError:
            self.record(400)
            return self.reply_json(400, {"title": "Invalid Request", "status": 400,
                                         "detail": "the body is not JSON"})
        if "delete" in body:
            return self.delete_rules(body["delete"].get("ids", []))
        return self.add_rules(body.get("add", []))

    def add_rules(self, adds):
        created, errors = [], []
        with self.state.lock:
            for rule in adds:
                value = rule.get("value", "")
                if not value or len(value) > MAX_RULE_LENGTH:
                    errors.append({"value": value, "title": "RuleTooLong" if value else "InvalidRule",
                                   "type": "https://api.twitter.com/2/problems/invalid-rules"})
                    continue
                if any(r["value"] == value for r in self.state.rules):
                    dup = next(r for r in self.state.rules if r["value"] == value)
                    errors.append({"value": value, "id": dup["id"], "title": "DuplicateRule",
                                   "type": "https://api.twitter.com/2/problems/duplicate-rules"})
                    continue
                self.state.next_rule_id += 1
                new = {"value": value, "id": str(self.state.next_rule_id)}
                if rule.get("tag"):
                    new["tag"] = rule["tag"]
                self.state.rules.append(new)
                created.append(new)
        body = {"meta": {"sent": now_iso(), "summary": {"created": len(created), "not_created": len(errors),
                                                         "valid": len(created), "invalid": len(errors)}}}
        if created:
            body["data"] = created
        if errors:
            body["errors"] = errors
        status = 201 if created else 200
        self.record(status, add=[r.get("value") for r in adds])
        self.reply_json(status, body)

    def delete_rules(self, ids):
        deleted, errors = 0, []
        with self.state.lock:
            for rid in ids:
                before = len(self.state.rules)
                self.state.rules = [r for r in self.state.rules if r["id"] != rid]
                if len(self.state.rules) < before:
                    deleted += 1
                else:
                    errors.append({"errors": [{"parameters": {}, "message": "Rule does not exist"}],
                                   "title": "Invalid Request", "detail": "One or more parameters are invalid.",
                                   "type": "https://api.twitter.com/2/problems/invalid-request"})
        body = {"meta": {"sent": now_iso(), "summary": {"deleted": deleted, "not_deleted": len(errors)}}}
        if errors:
            body["errors"] = errors
        self.record(200, delete=list(ids))
        self.reply_json(200, body)

    def stream(self):
        behaviour = self.state.next_behaviour()
        name, _, arg = behaviour.partition(":")
        if name == "401":
            self.record(401, behaviour=behaviour)
            return self.reply_json(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                         "detail": "Unauthorized"})
        if name == "503":
            self.record(503, behaviour=behaviour)
            return self.reply_json(503, {"title": "Service Unavailable", "type": "about:blank", "status": 503,
                                         "detail": "Service Unavailable"})
        if name == "429":
            reset = int(time.time()) + int(arg)
            self.record(429, behaviour=behaviour, rate_limit_reset=reset)
            return self.reply_json(429, {"title": "Too Many Requests", "type": "about:blank", "status": 429,
                                         "detail": "Too Many Requests"},
                                   headers=[("x-rate-limit-limit", "50"), ("x-rate-limit-remaining", "0"),
                                            ("x-rate-limit-reset", str(reset))])
        self.record(200, behaviour=behaviour)
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        n = int(arg) if arg else 0
        try:
            lines = [self.state.next_tweet_line().encode() + b"\r\n" for _ in range(n)]

            def served(line):
                with self.state.lock:
                    self.state.served.append(line[:-2].decode())

            if name == "keepalive":
                for line in lines:
                    self.chunk(b"\r\n")
                    self.chunk(line)
                    served(line)
                    self.chunk(b"\r\n")
            elif name == "split":
                for line in lines:
                    for i in range(0, len(line), 7):
                        self.chunk(line[i:i + 7])
                    served(line)
            elif name in ("batch", "drop", "stall"):
                if lines:
                    self.chunk(b"".join(lines))
                    for line in lines:
                        served(line)
            if name == "drop":
                half = self.state.next_tweet_line().encode()
                self.chunk(half[: len(half) // 2])
                self.connection.shutdown(2)  # cut mid-line, mid-chunked-body
                self.close_connection = True
                return
            if name == "ops":
                self.chunk(json.dumps({"errors": [{
                    "title": "operational-disconnect", "disconnect_type": "OperationalDisconnect",
                    "detail": "This stream has been disconnected for operational reasons.",
                    "type": "https://api.twitter.com/2/problems/operational-disconnect"}]}).encode() + b"\r\n")
            if name == "stall":
                while not self.client_gone(1.0):
                    pass
            elif name == "hold":
                while not self.client_gone(1.0):
                    self.chunk(b"\r\n")
            else:  # the stream ends (as X ends one for a deploy): the client reconnects
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self.close_connection = True


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # a client that hung up is no news
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    token = os.environ.get("X_STANDIN_TOKEN")
    if not token:
        sys.exit("X_STANDIN_TOKEN is not set")
    Handler.state = State(token, load_corpus(args.corpus), [s for s in args.script.split(",") if s])
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
