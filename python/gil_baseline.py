"""Real CPython under its GIL: the baseline for `waiter gil`.

Runs the same units of work as the Rust lab (count primes by trial
division; blocking sleeps) sequentially, on two threads, on two processes
(ProcessPoolExecutor) and with asyncio (asyncio.sleep, and
run_in_executor for the CPU part), then measures the convoy effect: the
round trip of an echo thread while CPU-bound threads hold the GIL, with a
client thread of the same process and with a client process. Prints ONE
JSON object on stdout; nothing else goes to stdout.

    python3 python/gil_baseline.py --unit-ms 500 --io-ms 500 \\
        --convoy process:0:5:200:200,thread:1:5:200:200

A convoy case is CLIENT:CPU_THREADS:INTERVAL_MS:ROUND_TRIPS:BUDGET_MS, with
CLIENT `thread` (a thread of this process) or `process` (another process):
at most ROUND_TRIPS back-to-back round trips, none started after BUDGET_MS
(but at least 3).
`waiter gil` writes this file to a temporary directory and runs it with
the interpreter given by `--python` (default `python3`).
"""

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

try:
    import resource
except ImportError:  # not on Windows
    resource = None


# ------------------------------------------------------------------ work


def is_prime(n):
    if n < 4:
        return n >= 2
    if n % 2 == 0:
        return False
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes(below):
    """The CPU unit: count the primes below `below`, by trial division."""
    count = 0
    for n in range(2, below):
        if is_prime(n):
            count += 1
    return count


def io_unit(seconds):
    """The I/O unit: a blocking wait (it releases the GIL)."""
    time.sleep(seconds)
    return 0


def run_unit(unit):
    kind, size = unit
    if kind == "cpu":
        return count_primes(size)
    return io_unit(size)


def cpu_seconds():
    """CPU time of this process and of its waited-for children, or None."""
    if resource is None:
        return time.process_time(), False
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, True


def calibrate(target_s):
    """A bound whose count_primes takes about `target_s` on this machine."""
    n = 1000
    while True:
        start = time.perf_counter()
        count_primes(n)
        took = time.perf_counter() - start
        if took >= target_s / 8 or took >= 0.05 or n >= 1 << 40:
            break
        n *= 2
    took = max(took, 1e-6)
    # Work grows like m^1.5 / ln m (the primes, sqrt(m)/2 divisions each).
    goal = (target_s / took) * n ** 1.5 / math.log(n)
    m = float(n)
    for _ in range(20):
        m = (goal * math.log(max(m, 3.0))) ** (2.0 / 3.0)
    return max(int(m), 3), n, took


# ------------------------------------------------------------------ modes


def units_of(workload, bound, io_s):
    cpu, io = ("cpu", bound), ("io", io_s)
    return {"cpu": [cpu, cpu], "io": [io, io], "mixed": [io, cpu]}[workload]


def sequential(units):
    return [run_unit(u) for u in units]


def threads(units):
    results = [None] * len(units)

    def target(i, unit):
        results[i] = run_unit(unit)

    ts = [threading.Thread(target=target, args=(i, u)) for i, u in enumerate(units)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return results


STARTUP = []


def processes(units):
    """Start-up (the pool, and every worker through one empty task) is
    timed apart too, into STARTUP."""
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=len(units)) as pool:
        list(pool.map(io_unit, [0] * len(units)))
        STARTUP.append(time.perf_counter() - start)
        return list(pool.map(run_unit, units))


def with_asyncio(units):
    async def one(loop, unit):
        kind, size = unit
        if kind == "io":
            await asyncio.sleep(size)
            return 0
        return await loop.run_in_executor(None, count_primes, size)

    async def main():
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(one(loop, u) for u in units))

    return asyncio.run(main())


MODES = {
    "sequential": sequential,
    "threads": threads,
    "processes": processes,
    "asyncio": with_asyncio,
}


def measure(workload, mode, units):
    before, counted = cpu_seconds()
    STARTUP.clear()
    start = time.perf_counter()
    results = MODES[mode](units)
    wall = time.perf_counter() - start
    after, _ = cpu_seconds()
    return {
        "workload": workload,
        "mode": mode,
        "wall_s": wall,
        "cpu_s": after - before,
        "cpu_includes_children": counted,
        "check": sum(results),
        "startup_s": STARTUP[0] if STARTUP else None,
    }


# ------------------------------------------------------------------ convoy

STOP = False


def burn():
    """A CPU-bound thread: pure bytecode, never a blocking call."""
    x = 0
    while not STOP:
        for i in range(500):
            x += i
    return x


MIN_ROUND_TRIPS = 3


def client_loop(write_fd, read_fd, round_trips, budget_s, pause_s):
    """Round trips, each after a pause: at most `round_trips`, none started
    after `budget_s` (but at least MIN_ROUND_TRIPS). Each is timed from the
    end of its pause (when the client meant to send, as if a timer fired)
    to the answer in hand, in microseconds: for a client thread, that
    includes getting the GIL back after the pause."""
    rtts = []
    began = time.perf_counter()
    for done in range(round_trips):
        if done >= MIN_ROUND_TRIPS and time.perf_counter() - began >= budget_s:
            break
        start = time.perf_counter() + pause_s
        if pause_s > 0:
            time.sleep(pause_s)
        os.write(write_fd, b"x")
        if not os.read(read_fd, 1):
            break
        rtts.append((time.perf_counter() - start) * 1e6)
    return rtts


def echo(read_fd, write_fd):
    while True:
        data = os.read(read_fd, 64)
        if not data:
            return
        os.write(write_fd, data)


def convoy_case(client, cpu_threads, interval_ms, round_trips, budget_s, pause_s):
    global STOP
    STOP = False
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval_ms / 1000.0)
    burners = [threading.Thread(target=burn, name=f"cpu-{i}") for i in range(cpu_threads)]
    try:
        for b in burners:
            b.start()
        time.sleep(2 * interval_ms / 1000.0)
        if client == "thread":
            req_r, req_w = os.pipe()
            resp_r, resp_w = os.pipe()
            server = threading.Thread(target=echo, args=(req_r, resp_w), name="echo")
            server.start()
            rtts = []

            def run_client():
                rtts.extend(client_loop(req_w, resp_r, round_trips, budget_s, pause_s))

            c = threading.Thread(target=run_client, name="client")
            c.start()
            c.join()
            os.close(req_w)
            server.join()
            for fd in (req_r, resp_r, resp_w):
                os.close(fd)
        else:
            child = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--client",
                 str(round_trips), str(budget_s), str(pause_s)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                bufsize=0,
            )
            server = threading.Thread(
                target=echo, args=(child.stdout.fileno(), child.stdin.fileno()), name="echo"
            )
            server.start()
            report = child.stderr.read()
            server.join()
            child.wait()
            rtts = json.loads(report.decode() or "[]")
    finally:
        STOP = True
        for b in burners:
            b.join()
        sys.setswitchinterval(old)
    return {
        "client": client,
        "cpu_threads": cpu_threads,
        "interval_ms": interval_ms,
        "rtts_us": rtts,
    }


def serve_as_client(round_trips, budget_s, pause_s):
    """The client process: requests on stdout, answers on stdin, the round
    trips (µs) as JSON on stderr at the end."""
    rtts = client_loop(1, 0, round_trips, budget_s, pause_s)
    os.close(1)
    sys.stderr.write(json.dumps(rtts))
    sys.stderr.flush()


def lock_handoff(rounds=200):
    """A threading.Lock passed back and forth between two threads: each
    sample is half a round trip, the time from a release in one thread to
    the acquire returning in the other (a wake-up, and the GIL taken
    back). It is what one failed GIL acquisition costs at least: a thread
    woken for nothing. In microseconds."""
    ping, pong = threading.Lock(), threading.Lock()
    ping.acquire()
    pong.acquire()

    def answer():
        for _ in range(rounds):
            ping.acquire()
            pong.release()

    other = threading.Thread(target=answer, daemon=True)
    other.start()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        ping.release()
        pong.acquire()
        samples.append((time.perf_counter() - start) * 1e6 / 2)
    other.join()
    return samples


def parse_case(text):
    client, cpu, interval, trips, budget = text.split(":")
    if client not in ("thread", "process"):
        raise ValueError(f"unknown client {client!r}")
    return client, int(cpu), float(interval), int(trips), float(budget) / 1000.0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--client":
        serve_as_client(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit-ms", type=float, default=500.0,
                        help="calibrate the CPU unit to take this long")
    parser.add_argument("--cpu-bound", type=int, default=None,
                        help="count primes below this (skips the calibration)")
    parser.add_argument("--io-ms", type=float, default=500.0)
    parser.add_argument("--workloads", default="cpu,io,mixed")
    parser.add_argument("--modes", default="sequential,threads,processes,asyncio")
    parser.add_argument("--switch-interval", type=float, default=0.005,
                        help="sys.setswitchinterval for the workloads, in seconds")
    parser.add_argument("--convoy", default="",
                        help="CLIENT:CPU:INTERVAL_MS:TRIPS:BUDGET_MS,...")
    parser.add_argument("--pause-ms", type=float, default=1.0,
                        help="the convoy client's pause before each request")
    args = parser.parse_args()

    out = {
        "implementation": sys.implementation.name,
        "python": ".".join(map(str, sys.version_info[:3])),
        "default_switch_interval_s": sys.getswitchinterval(),
        "cpus": os.cpu_count(),
        "runs": [],
        "convoy": [],
        "errors": [],
    }
    if args.cpu_bound is not None:
        bound = max(args.cpu_bound, 3)
        out["calibration"] = None
    else:
        bound, probe, took = calibrate(args.unit_ms / 1000.0)
        out["calibration"] = {"probe_bound": probe, "probe_s": took}
    out["cpu_bound"] = bound
    start = time.perf_counter()
    count_primes(bound)
    out["cpu_unit_s"] = time.perf_counter() - start

    sys.setswitchinterval(args.switch_interval)
    out["switch_interval_s"] = sys.getswitchinterval()
    try:
        out["lock_handoff_us"] = lock_handoff()
    except Exception as error:
        out["errors"].append(f"lock handoff: {type(error).__name__}: {error}")
    io_s = args.io_ms / 1000.0
    for workload in filter(None, args.workloads.split(",")):
        for mode in filter(None, args.modes.split(",")):
            try:
                out["runs"].append(measure(workload, mode, units_of(workload, bound, io_s)))
            except Exception as error:  # a row that failed, not the whole run
                out["errors"].append(f"{workload}/{mode}: {type(error).__name__}: {error}")
    for text in filter(None, args.convoy.split(",")):
        try:
            client, cpu, interval, trips, budget = parse_case(text)
            out["convoy"].append(
                convoy_case(client, cpu, interval, trips, budget, args.pause_ms / 1000.0))
        except Exception as error:
            out["errors"].append(f"convoy {text}: {type(error).__name__}: {error}")
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
