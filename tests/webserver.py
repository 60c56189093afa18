"""A real HTTP server on 127.0.0.1 for the tests of web import: good pages, slow and trickling ones, a 404,
redirects (followed, looping, to another scheme), huge and non-HTML bodies, and RSS / Atom feeds."""

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPH = (
    "Officials in Basra said on Tuesday that {n} families had returned to the old quarter after the floods, "
    "and that the city council would rebuild the two bridges over the Shatt al-Arab before the winter rains."
)


def page(title: str, n: int) -> bytes:
    body = "".join(f"<p>{PARAGRAPH.format(n=n + i)}</p>" for i in range(3))
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Basra Wire</title>
<item><title>Families return</title><link>/story.html</link></item>
<item><title>Bridges</title><link>http://HOST/story2.html</link></item>
<item><title>No link at all</title></item>
<item><title>Again</title><link>http://HOST/story2.html</link></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
<entry><title>One</title><link href="http://HOST/story.html"/><id>1</id><updated>2026-11-30T10:00:00Z</updated></entry>
</feed>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def send(self, status: int, body: bytes = b"", kind: str | None = "text/html; charset=utf-8", **headers) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (/trickle, /huge)
            self.answer()

    def answer(self) -> None:
        host = f"127.0.0.1:{self.server.server_address[1]}".encode()
        path = self.path
        if path == "/story.html" or path.startswith("/story.html?"):  # a feed's tracking query: the same page
            self.send(200, page("Families return to Basra", 100))
        elif path == "/story2.html":
            self.send(200, page("Basra bridges to be rebuilt", 200))
        elif path == "/latin1.html":
            self.send(200, page("Café in Basra", 300).decode().encode("latin-1"), "text/html; charset=iso-8859-1")
        elif path == "/moved":
            self.send(302, Location="/story.html")
        elif path.startswith("/loop-a"):
            self.send(302, Location="/loop-b")
        elif path.startswith("/loop-b"):
            self.send(302, Location="/loop-a")
        elif path.startswith("/hop"):  # /hop5 -> /hop4 -> ... -> /hop0 -> the story
            n = int(path[4:])
            self.send(302, Location=f"/hop{n - 1}" if n else "/story.html")
        elif path == "/to-ftp":
            self.send(301, Location="ftp://127.0.0.1/file.txt")
        elif path == "/slow":
            time.sleep(3)
            self.send(200, page("Too late", 1))
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"<p>x</p>")
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/huge":  # no Content-Length: the cap is found while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"<p>" + b"y" * 4096 + b"</p>")
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10 * 2**20))
            self.end_headers()
        elif path == "/report.pdf":
            self.send(200, b"%PDF-1.7 not a page", "application/pdf")
        elif path == "/empty":
            self.send(200, b"")
        elif path == "/feed.xml":
            self.send(200, RSS.replace(b"HOST", host), "application/rss+xml")
        elif path == "/atom.xml":
            self.send(200, ATOM.replace(b"HOST", host), "application/atom+xml")
        elif path == "/not-a-feed":
            self.send(200, b"<html><body><p>Hello</p></body></html>", "text/html")
        else:
            self.send(404, b"not here")


@contextlib.contextmanager
def serving() -> Iterator[str]:
    """Serve Handler on a free port of 127.0.0.1; yields the base address, e.g. http://127.0.0.1:40123."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True  # a handler still sleeping (/slow) does not hold the tests up
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
