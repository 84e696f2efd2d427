"""Real asyncio: the baseline for `waiter async`.

Runs the same programs as the Rust lab, on asyncio's event loop:

- a heartbeat that sleeps one tick again and again and records how late
  each wake-up is (the loop's lag), beside
  - nothing (alone),
  - a calculation that never awaits (blocked),
  - the same calculation in loop.run_in_executor(ThreadPoolExecutor)
    (offloaded),
  - the same calculation cut in slices, `await asyncio.sleep(0)` after each
    (cooperative);
- the blocked and cooperative cases again in asyncio's debug mode, keeping
  what it logs about slow callbacks;
- many concurrent `asyncio.sleep`s: wall time and extra resident memory.

The calculation is the note's squares, calibrated to last --work-ms here.
Prints ONE JSON object on stdout; nothing else goes to stdout.

    python3 python/async_baseline.py --work-ms 200 --tick-ms 1 --slice-ms 2 \\
        --margin-ms 20 --sleepers 10000 --nap-ms 100 --slow-ms 100

`waiter async` writes this file to a temporary directory and runs it with
the interpreter given by `--python` (default `python3`).
"""

import argparse
import asyncio
import json
import logging
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def squares(n):
    """The note's complex_calculation: the squares of range(n)."""
    return sum(x * x for x in range(n))


def timed(n):
    start = time.perf_counter()
    squares(n)
    return time.perf_counter() - start


def calibrate(target_s):
    """How many squares take about target_s here. Each measurement is the
    best of three runs (a busy machine only ever makes a run slower), and
    big squares cost more than small ones in Python (more digits), so the
    first guess is measured again (on half of it) and corrected."""
    n = 1 << 12
    while True:
        took = min(timed(n) for _ in range(3))
        if took >= 0.02:
            break
        n *= 4
    # Correct once, on half the guess (the sums of its squares have about
    # as many digits as the guess's).
    half = max(1, int(n * target_s / took) // 2)
    return max(1, int(2 * half * target_s / (2 * timed(half))))


async def heartbeat(tick_s, stop):
    lags = []
    while not stop.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(tick_s)
        lags.append(max(0.0, time.perf_counter() - asked - tick_s) * 1e3)
    return lags


async def case(name, n, args, executor):
    tick_s, margin_s = args.tick_ms / 1e3, args.margin_ms / 1e3
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(tick_s, stop))
    await asyncio.sleep(margin_s)
    work_s = None
    if name == "alone":
        await asyncio.sleep(args.work_ms / 1e3)
    elif name == "blocked":
        start = time.perf_counter()
        squares(n)
        work_s = time.perf_counter() - start
    elif name == "offloaded":
        loop = asyncio.get_running_loop()

        def timed():
            start = time.perf_counter()
            squares(n)
            return time.perf_counter() - start

        work_s = await loop.run_in_executor(executor, timed)
    elif name == "cooperative":
        slices = max(1, int(args.work_ms / args.slice_ms))
        each = max(1, n // slices)
        work_s = 0.0
        done = 0
        while done < n:
            piece = min(each, n - done)
            start = time.perf_counter()
            squares(piece)
            work_s += time.perf_counter() - start
            done += piece
            await asyncio.sleep(0)
    await asyncio.sleep(margin_s)
    stop.set()
    lags = await beat
    return {
        "case": name,
        "lags_ms": lags,
        "work_ms": None if work_s is None else work_s * 1e3,
    }


class Captured(logging.Handler):
    """Keeps what asyncio's logger says."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def debug_mode(n, args):
    """The blocked and cooperative cases in debug mode: what it warns."""
    logger = logging.getLogger("asyncio")
    said = []
    for name in ("blocked", "cooperative"):
        handler = Captured()
        logger.addHandler(handler)
        old = logger.propagate
        logger.propagate = False  # nothing on stderr; we keep the lines
        try:
            async def main():
                loop = asyncio.get_running_loop()
                loop.slow_callback_duration = args.slow_ms / 1e3
                return await case(name, n, args, None)

            ran = asyncio.run(main(), debug=True)
        finally:
            logger.removeHandler(handler)
            logger.propagate = old
        said.append({"case": name, "work_ms": ran["work_ms"], "warnings": handler.messages})
    return said


def resident_kib(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def sleepers(count, nap_s):
    """count concurrent asyncio.sleep(nap_s): wall time, extra peak RSS."""
    reset = True
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        reset = False
    before = resident_kib("VmRSS:") if reset else None

    async def main():
        tasks = [asyncio.create_task(asyncio.sleep(nap_s)) for _ in range(count)]
        await asyncio.gather(*tasks)

    start = time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - start
    peak = resident_kib("VmHWM:")
    extra = None if before is None or peak is None else max(0, peak - before)
    return {"sleeps": count, "wall_s": wall, "extra_rss_kib": extra}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-ms", type=float, default=200.0)
    parser.add_argument("--tick-ms", type=float, default=1.0)
    parser.add_argument("--slice-ms", type=float, default=2.0)
    parser.add_argument("--margin-ms", type=float, default=20.0)
    parser.add_argument("--sleepers", type=int, default=10000)
    parser.add_argument("--nap-ms", type=float, default=100.0)
    parser.add_argument("--slow-ms", type=float, default=100.0,
                        help="debug mode's slow_callback_duration (asyncio's default: 100 ms)")
    args = parser.parse_args()

    errors = []
    n = calibrate(args.work_ms / 1e3)
    heartbeat_rows = []
    with ThreadPoolExecutor(max_workers=1) as executor:
        for name in ("alone", "blocked", "offloaded", "cooperative"):
            try:
                heartbeat_rows.append(asyncio.run(case(name, n, args, executor)))
            except Exception as error:  # one case failing keeps the others
                errors.append(f"{name}: {error!r}")
    try:
        debug = debug_mode(n, args)
    except Exception as error:
        debug = []
        errors.append(f"debug mode: {error!r}")
    try:
        slept = sleepers(args.sleepers, args.nap_ms / 1e3)
    except Exception as error:
        slept = None
        errors.append(f"sleepers: {error!r}")
    json.dump(
        {
            "implementation": platform.python_implementation().lower(),
            "python": platform.python_version(),
            "switch_interval_s": sys.getswitchinterval(),
            "slow_callback_s": args.slow_ms / 1e3,
            "squares": n,
            "heartbeat": heartbeat_rows,
            "debug": debug,
            "sleepers": slept,
            "errors": errors,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
