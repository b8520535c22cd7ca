"""`python bench/attacks.py [--graph BUILD] [--json PATH]`: the linked-data server under load and attack, on loopback.

Starts `hqkg serve` as its own process (so its memory can be read from /proc) and runs, each bounded in count and
time: a load of concurrent queries; clients that send a query with a large answer and never read it; a query of
thousands of nested braces, repeated; request smuggling (a body on GET, two Content-Length headers, Content-Length
with Transfer-Encoding); SERVICE hidden behind an escaped quote; slowloris (connections that trickle their
headers). It reports requests, status codes, p50/p95 latency and the server's resident memory before and after.
`tests/server/test_attacks.py` runs the same functions with smaller counts and asserts on what they return.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASK = "ASK { ?s ?p ?o }"
LARGE = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"  # the whole dataset: a few MB of JSON


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_process(graph: Path, *options: str, startup_seconds: float = 120):
    """`hqkg serve` on a free loopback port in its own process group: yields (host, port, pid)."""
    port = free_port()
    command = [sys.executable, "-c", "from graph.cli import main; main()", "serve", "--graph", str(graph),
               "--port", str(port), "--quiet", *options]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if request("127.0.0.1", port, ASK)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield "127.0.0.1", port, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and its query workers: this group only
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def request(host: str, port: int, query: str, timeout: float = 30) -> tuple[int, float]:
    """POST a query (form); (status, seconds)."""
    body = urllib.parse.urlencode({"query": query}).encode()
    started = time.perf_counter()
    req = urllib.request.Request(f"http://{host}:{port}/sparql", data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000 if ordered else 0.0


def concurrent(send, clients: int, each: int) -> dict:
    """`clients` threads each calling `send()` (which returns (status, seconds)) `each` times, one after another:
    requests, wall seconds, status codes (an OSError counts by its class name), p50 and p95 latency."""
    codes, times, lock = Counter(), [], threading.Lock()

    def client() -> None:
        for _ in range(each):
            try:
                status, seconds = send()
            except OSError as error:
                status, seconds = type(error).__name__, 0.0
            with lock:
                codes[status] += 1
                times.append(seconds)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"requests": clients * each, "seconds": round(time.perf_counter() - started, 2),
            "codes": {str(k): v for k, v in sorted(codes.items(), key=str)},
            "p50_ms": round(_percentile(times, 0.5), 1), "p95_ms": round(_percentile(times, 0.95), 1)}


def load(host: str, port: int, clients: int = 8, each: int = 50, query: str = ASK) -> dict:
    return concurrent(lambda: request(host, port, query), clients, each)


def non_readers(host: str, port: int, pid: int, clients: int = 40, hold_seconds: float = 8) -> dict:
    """Clients that send a query with a large answer and never read it; the server's memory while they wait."""
    before = rss_bytes(pid)
    body = urllib.parse.urlencode({"query": LARGE}).encode()
    sockets, peak = [], before
    for _ in range(clients):
        s = socket.create_connection((host, port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Accept: application/sparql-results+json\r\nContent-Length: " + str(len(body)).encode() +
                  b"\r\n\r\n" + body)
        sockets.append(s)
    deadline = time.monotonic() + hold_seconds
    while time.monotonic() < deadline:
        peak = max(peak, rss_bytes(pid))
        time.sleep(0.2)
    during = request(host, port, ASK, timeout=60)
    for s in sockets:
        s.close()
    time.sleep(1)
    return {"clients": clients, "rss_before_mb": round(before / 2**20, 1), "rss_peak_mb": round(peak / 2**20, 1),
            "rss_after_mb": round(rss_bytes(pid) / 2**20, 1), "query_during": during[0],
            "query_during_s": round(during[1], 2)}


def nested(host: str, port: int, depth: int = 6000, times: int = 20) -> dict:
    query = "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth
    codes = Counter(request(host, port, query)[0] for _ in range(times))
    after = request(host, port, ASK)[0]
    return {"query_bytes": len(query), "requests": times, "codes": {str(k): v for k, v in codes.items()},
            "answer_after": after}


def _raw_exchange(host: str, port: int, data: bytes, wait: float = 2.0) -> list[str]:
    """Send bytes; the status lines of every response read until the server closes or `wait` passes."""
    with socket.create_connection((host, port), timeout=wait) as s:
        s.sendall(data)
        received = b""
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except socket.timeout:
            pass
    return [line for line in received.decode("latin-1").split("\r\n") if line.startswith("HTTP/1.")]


def smuggling(host: str, port: int) -> dict:
    ask = "/sparql?query=" + urllib.parse.quote(ASK)
    inner = b"GET /graph.nt HTTP/1.1\r\nHost: x\r\n\r\n"
    cases = {
        "body on GET": f"GET {ask} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(inner)}\r\n\r\n".encode() + inner,
        "two Content-Length": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                               b"Content-Length: 6\r\nContent-Length: 40\r\n\r\nASK {}" + inner),
        "Content-Length and Transfer-Encoding": (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 6\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + inner),
        "signed Content-Length": (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                  b"Content-Length: +6\r\n\r\nASK {}" + inner),
    }
    return {name: _raw_exchange(host, port, data) for name, data in cases.items()}


def service_escape(host: str, port: int) -> dict:
    query = 'SELECT * WHERE { ?s ?p "\\u0022" SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }'
    return {"status": request(host, port, query)[0]}


def slowloris(host: str, port: int, connections: int = 200, seconds: float = 12) -> dict:
    """Connections that send one header byte a second; a normal client asks every half second meanwhile."""
    conns = []
    for _ in range(connections):
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.sendall(b"GET /sparql HTTP/1.1\r\nHost: x\r\n")
            conns.append(s)
        except OSError:
            break
    answered, codes, first_ok = 0, Counter(), None
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        for s in list(conns):
            try:
                s.send(b"X")
            except OSError:
                conns.remove(s)  # closed by the server
        try:
            status = request(host, port, ASK, timeout=5)[0]
        except OSError as error:
            status = type(error).__name__
        codes[status] += 1
        if status == 200:
            answered += 1
            first_ok = first_ok if first_ok is not None else round(time.monotonic() - started, 1)
        time.sleep(0.5)
    still_open = len(conns)
    for s in conns:
        s.close()
    return {"connections": connections, "seconds": seconds, "still_open_at_end": still_open,
            "normal_requests": dict((str(k), v) for k, v in codes.items()), "first_answer_after_s": first_ok}


def run_all(graph: Path, scale: float = 1.0) -> dict:
    options = ("--header-timeout", "3", "--request-timeout", "10", "--max-connections", "64")
    with server_process(graph, *options) as (host, port, pid):
        results = {"rss_start_mb": round(rss_bytes(pid) / 2**20, 1)}
        results["load"] = load(host, port, clients=8, each=max(5, int(50 * scale)))
        results["load_large"] = load(host, port, clients=4, each=max(2, int(10 * scale)), query=LARGE)
        results["non_readers"] = non_readers(host, port, pid, clients=40, hold_seconds=max(4, 8 * scale))
        results["nested"] = nested(host, port, times=max(3, int(20 * scale)))
        results["smuggling"] = smuggling(host, port)
        results["service_escape"] = service_escape(host, port)
        results["slowloris"] = slowloris(host, port, connections=200, seconds=max(6, 12 * scale))
        results["rss_end_mb"] = round(rss_bytes(pid) / 2**20, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=ROOT / "build")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = run_all(args.graph)
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    main()
