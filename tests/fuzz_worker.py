"""Run mutants of model files through the whole read path, in a capped child process.

    python fuzz_worker.py SEED COUNT FILE...

Prints one JSON line: {"mutants": N, "rejected": R, "failures": [...], "slowest": s}.
A failure is any exception other than ModelFormatError, or a mutant slower than 5 s.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import struct
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspector.analyses.quantization import summarize  # noqa: E402
from inspector.analyses.stats import model_stats  # noqa: E402
from inspector.errors import ModelFormatError  # noqa: E402
from inspector.graph import build_graph  # noqa: E402
from inspector.parse import parse_bytes  # noqa: E402
from inspector.render.inspect_json import model_json  # noqa: E402

HUGE = (0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x40000000, 0xFFFFFFF0, 0x10000)


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:  # flipped bytes
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == 1:  # a 32-bit length or offset set to something huge or negative
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(0, max(1, len(b) - 4)) & ~3
            struct.pack_into("<I", b, i, rng.choice(HUGE))
    elif kind == 2:  # truncation
        b = b[: rng.randrange(len(b))]
    elif kind == 3:  # a duplicated chunk
        i = rng.randrange(len(b))
        j = min(len(b), i + rng.randint(1, 256))
        k = rng.randrange(len(b))
        b[k:k] = b[i:j]
    else:  # random bytes over a region
        i = rng.randrange(len(b))
        n = min(len(b) - i, rng.randint(1, 64))
        b[i : i + n] = bytes(rng.randrange(256) for _ in range(n))
    return bytes(b)


def _timeout(signum, frame):  # noqa: ANN001
    raise TimeoutError("mutant took longer than 5 s")


def main() -> None:
    seed, count, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    cap = 2 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    signal.signal(signal.SIGALRM, _timeout)
    rng = random.Random(seed)
    originals = [Path(f).read_bytes() for f in files]
    failures = []
    rejected = 0
    slowest = 0.0
    for n in range(count):
        src = rng.randrange(len(originals))
        data = mutate(originals[src], rng)
        t0 = time.perf_counter()
        signal.alarm(5)
        try:
            model = parse_bytes(data, f"mutant{n}")
            json.dumps(model_json(model, model_stats(model), summarize(model)))
            build_graph(model)
        except ModelFormatError:
            rejected += 1
        except BaseException as exc:  # noqa: BLE001 - that is what we are looking for
            failures.append(
                {
                    "mutant": n,
                    "file": files[src],
                    "error": repr(exc)[:300],
                    "where": traceback.format_exc().splitlines()[-3:],
                }
            )
        finally:
            signal.alarm(0)
        slowest = max(slowest, time.perf_counter() - t0)
    print(
        json.dumps(
            {"mutants": count, "rejected": rejected, "failures": failures, "slowest": slowest}
        )
    )


if __name__ == "__main__":
    main()
