"""Python's ProcessPoolExecutor, measured: the baseline for waiter's ProcessPool.

Prints one JSON object: trivial tasks per second submitted one by one
(`submit` + `result`), and items per second through `map(chunksize=...)`,
both with the given number of worker processes.

    python3 python/process_pool_baseline.py --workers 2 --tasks 4000 --items 200000 --chunk 1000
"""

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=4000)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=1000)
    args = parser.parse_args()

    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        # Warm up: start the workers before timing.
        list(pool.map(square, range(args.workers * 4)))

        start = time.perf_counter()
        futures = [pool.submit(square, i) for i in range(args.tasks)]
        total = sum(f.result() for f in futures)
        one_by_one = args.tasks / (time.perf_counter() - start)

        start = time.perf_counter()
        mapped = sum(pool.map(square, range(args.items), chunksize=args.chunk))
        chunked = args.items / (time.perf_counter() - start)

    print(json.dumps({
        "python": ".".join(map(str, __import__("sys").version_info[:3])),
        "workers": args.workers,
        "one_by_one_tasks_per_s": one_by_one,
        "map_items_per_s": chunked,
        "check": [total, mapped],
    }))


if __name__ == "__main__":
    main()
