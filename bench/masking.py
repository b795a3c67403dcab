"""Masking's throughput: texts of 500 characters made public, each with its own case's people, on one core.

Prints one JSON line: {"texts_per_s": …, "wall_texts_per_s": …, "texts": …, "chars": …, "leaks_after": …,
"publish_1000_s": …, "publish_db": …}

`texts_per_s` counts the process's CPU time (one core's work, the measure of the target), `wall_texts_per_s` the
time on the clock, which other work on a shared machine lengthens.

The texts are the unit tests' generated complaints (names, phone and ID numbers, cards, plates, addresses in
every written form, among window and document numbers, amounts and dates), joined and cut to 500 characters.
Each text belongs to a different case, so the patterns of what the platform holds about its people are built
for every text, as when a day's rulings are published. `leaks_after` counts what `find_leaks` still finds in
the masked texts (0 expected).
`publish_1000_s` is `bench/publication.py`'s: a day's 1,000 rulings published (masking, the leak gate, the rows,
audit, notifications and webhooks) on the database named by --publish (SQLite by default; `none` leaves it out).
Usage: .venv/bin/python bench/masking.py [--texts 4000] [--rounds 3] [--publish sqlite|postgres|none]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from review.core.privacy import Complainant, find_leaks, mask_text
from tests.unit.review.core.privacy_corpus import corpus

LENGTH = 500
Job = tuple[str, Complainant, tuple[str, ...]]


def texts(count: int, seed: int) -> list[Job]:
    """`count` texts of LENGTH characters, each with the people of the first sample it was built from."""
    samples = corpus(count * 3, seed=seed)
    jobs: list[Job] = []
    at = 0
    while len(jobs) < count and at < len(samples):
        first, text = samples[at], ""
        while len(text) < LENGTH and at < len(samples):
            text += samples[at].text
            at += 1
        jobs.append((text[:LENGTH], first.known, first.names))
    return jobs


def texts_per_s(jobs: list[Job]) -> tuple[float, float]:
    """Texts masked per second of this process's CPU time (one core's work, whatever else the machine runs) and
    per second of wall time, over `jobs`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for text, known, names in jobs:
        mask_text(text, names, known=known)
    return len(jobs) / (time.process_time() - cpu), len(jobs) / (time.perf_counter() - wall)


def masking_figures(count: int, rounds: int) -> dict[str, object]:
    """`texts_per_s` and the figures beside it, over `rounds` rounds of `count` fresh texts."""
    rates, walls = [], []
    for round_ in range(rounds):
        jobs = texts(count, seed=round_ + 1)  # fresh cases each round: nothing cached from the last
        cpu, wall = texts_per_s(jobs)
        rates.append(cpu)
        walls.append(wall)
    leaks = sum(len(find_leaks(mask_text(t, n, known=k), known=k, names=n)) for t, k, n in jobs)
    return {
        "texts_per_s": round(statistics.median(rates)),
        "wall_texts_per_s": round(statistics.median(walls)),
        "texts": len(jobs),
        "chars": LENGTH,
        "rounds": [round(r) for r in rates],
        "leaks_after": leaks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--publish", choices=["sqlite", "postgres", "none"], default="sqlite")
    args = parser.parse_args()
    result = masking_figures(args.texts, args.rounds)
    if args.publish != "none":
        published = subprocess.run([sys.executable, str(Path(__file__).with_name("publication.py")), "--db",
                                    args.publish, "--rulings", "1000"], check=True, stdout=subprocess.PIPE, text=True)
        figures = json.loads(published.stdout.strip().splitlines()[-1])
        result.update(publish_1000_s=figures["publish_1000_s"], publish_db=args.publish)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
