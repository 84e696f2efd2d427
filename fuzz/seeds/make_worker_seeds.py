"""Writes seeds/worker/*: streams of valid calls to the fuzzed worker's tasks
(`waiter::process::fuzzing::registry`), with the right fingerprints, which
random mutation alone does not find. Run from fuzz/: python3 seeds/make_worker_seeds.py"""

import os


def fnv(*parts):
    h = 0xCBF29CE484222325
    for part in parts:
        for b in part.encode() + b"\xff":
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def text(s):
    b = s.encode()
    return varint(len(b)) + b


def call(id, task, fingerprint, items):
    body = varint(id) + text(task) + varint(fingerprint) + varint(len(items))
    for item in items:
        body += varint(len(item)) + item
    return len(body).to_bytes(4, "little") + body


SQUARE = ("square", "u64", "u64")
SPLIT = ("split", "alloc::string::String", "alloc::vec::Vec<alloc::string::String>")
EVEN = ("even", "u32", "u32")
seeds = {
    "square": [call(1, "square", fnv(*SQUARE), [varint(3), varint(2**40)])],
    "split": [call(2, "split", fnv(*SPLIT), [text("a,b,c"), text("")])],
    "even": [call(3, "even", fnv(*EVEN), [varint(4), varint(7)])],
    "mixed": [
        call(1, "square", fnv(*SQUARE), [varint(9)]),
        call(2, "even", fnv(*EVEN), [varint(1)]),
        call(3, "split", fnv(*SQUARE), [text("x")]),
        call(4, "nope", 0, []),
    ],
}
os.makedirs("seeds/worker", exist_ok=True)
for name, frames in seeds.items():
    with open(f"seeds/worker/{name}", "wb") as f:
        f.write(b"".join(frames))
