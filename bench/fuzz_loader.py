"""Fuzzing campaign: damaged and hostile checkpoints either load or get one clear error.

    python bench/fuzz_loader.py [--cases 5000] [--seed 0]

Starts from two real bundled checkpoints (the Shakespeare RNN language model and
the dates translator) and makes each case by one of five mutations:

    bytes      1–16 random bytes overwritten anywhere in the file
    truncate   the file cut at a random length
    header     one tensor entry's shape, data_offsets or dtype replaced by a lie
    metadata   one metadata value replaced by junk, broken JSON or 1 MB of text
    length     the 8-byte header length replaced by a random (often huge) number

Every case is opened by the loader for its kind. An outcome is "loaded" (and the
model then takes one step), "refused" (a `UserError` whose message is one line
naming the file), or anything else — which is a bug, printed with its traceback.
Peak RSS is printed so that an allocation of a declared-but-absent 10 GB tensor
would show. Exit status 1 if any case was a bug.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import resource
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path

from rnn_tui.bundled import bundled_models
from rnn_tui.engine.loading import load_language_model, load_translator
from rnn_tui.engine.translation_search import greedy
from rnn_tui.errors import UserError

SOURCES = {"lm": "shakespeare-rnn", "translator": "dates-bigru-additive"}
JUNK_VALUES: list[object] = [-1, 0, 2**40, 2**63, 1.5, "x", None, [], {}, [1, -2], [2**62, 3]]


def split_file(data: bytes) -> tuple[dict, bytes]:
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join_file(header: dict, payload: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + payload


def mutate(original: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["bytes", "truncate", "header", "metadata", "length"])
    if kind == "bytes":
        data = bytearray(original)
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return kind, bytes(data)
    if kind == "truncate":
        return kind, original[: rng.randrange(len(original))]
    if kind == "length":
        return kind, struct.pack("<Q", rng.choice([0, 1, 7, 2**20, 2**40, 2**63])) + original[8:]
    header, payload = split_file(original)
    if kind == "header":
        name = rng.choice([n for n in header if n != "__metadata__"])
        field = rng.choice(["shape", "data_offsets", "dtype"])
        header[name][field] = rng.choice(
            [*JUNK_VALUES, [50_000, 50_000], [0, 10**10], "F64", "I8", "Q99"]
        )
        return kind, join_file(header, payload)
    meta = header["__metadata__"]
    key = rng.choice(sorted(meta))
    meta[key] = rng.choice(["{not json", "[]", "null", "1e999", "x" * 1_000_000, '{"a": 1}'])
    return kind, join_file(header, payload)


def outcome(path: Path, kind: str) -> str:
    loader = load_language_model if kind == "lm" else load_translator
    try:
        model = loader(path)
    except UserError as error:
        message = str(error)
        if "\n" in message or str(path) not in message:
            return f"bug: unclear message {message[:200]!r}"
        return "refused"
    except Exception:  # anything but a clear refusal is what this campaign looks for
        return "bug: " + traceback.format_exc(limit=4)
    if kind == "lm":
        model.step(1, model.initial_state())
    else:
        greedy(model, model.encode_text("9 May 2018"), max_len=3)
    return "loaded"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    files = {p.stem: p for p in bundled_models()}
    originals = {kind: files[stem].read_bytes() for kind, stem in SOURCES.items()}
    counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
    bugs = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.safetensors"
        for case in range(options.cases):
            kind = rng.choice(sorted(originals))
            mutation, data = mutate(originals[kind], rng)
            path.write_bytes(data)
            result = outcome(path, kind)
            if result.startswith("bug"):
                bugs += 1
                print(f"case {case} ({kind}, {mutation}): {result}", file=sys.stderr)
                result = "bug"
            counts[kind, mutation, result] += 1
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{options.cases} cases in {elapsed:.1f} s (seed {options.seed}); "
        f"peak RSS {peak_mib:.0f} MiB"
    )
    print(f"{'kind':<11}{'mutation':<10}{'loaded':>8}{'refused':>9}{'bug':>6}")
    for kind in sorted(originals):
        for mutation in ("bytes", "truncate", "header", "metadata", "length"):
            row = [counts[kind, mutation, r] for r in ("loaded", "refused", "bug")]
            print(f"{kind:<11}{mutation:<10}{row[0]:>8}{row[1]:>9}{row[2]:>6}")
    print(f"bugs: {bugs}")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
