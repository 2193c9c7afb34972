"""A tiny HTTP/1.1 keep-alive backend for the chaos tests: every GET answers 200 with JSON naming the backend."""
import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = (json.dumps({"backend": NAME, "path": self.path}) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: backend.py NAME PORT")
    NAME = sys.argv[1]
    Server(("0.0.0.0", int(sys.argv[2])), Handler).serve_forever()
