"""A small backend as a new user would write one: Python's ThreadingHTTPServer, accept backlog 5, HTTP/1.1
keep-alive. It prints 'open N' each time the number of connections open at once changes, so a test counts the
connections at the backend itself. Usage: threading_backend.py PORT_FILE"""
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"open": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # head and body leave in one write (the handler flushes after each request): with the default unbuffered
    # writer they are two, and Nagle on this side with delayed ACKs on the other holds each answer 40 ms
    wbufsize = 64 * 1024

    def setup(self):
        super().setup()
        with lock:
            state["open"] += 1
            print("open %d" % state["open"], flush=True)

    def finish(self):
        try:
            super().finish()
        finally:
            with lock:
                state["open"] -= 1
                print("open %d" % state["open"], flush=True)

    def do_GET(self):
        body = b'{"ok":true}\n'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 5
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
print("listening %d" % server.server_address[1], flush=True)
server.serve_forever()
