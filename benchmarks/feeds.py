"""Feed and table loading speed: castgraph against feedparser, in one run.

Generates Podcasting 2.0 feeds of growing size (each item with a guid, HTML show
notes in CDATA, an enclosure, ``itunes:`` fields, keywords and two to four
``<podcast:person>`` tags; one item in 200 broken so the parser must recover) and
wide CSV tables with the same episodes, then times:

* ``castgraph feed``: :func:`castgraph.loaders.parse_feed` -- episodes with
  people, roles, show data and text summaries, validated;
* ``feedparser``: ``feedparser.parse`` of the same bytes (the peer apps and most
  Python tools use; its result has raw entries, no people resolution, and it drops
  Podcasting 2.0 ``person`` roles into generic dicts);
* ``castgraph table``: :func:`castgraph.loaders.parse_table` of a wide CSV of the
  same episodes (guests, sponsors, tags).

``items/s`` is items per second of wall time; ``cpu/1k`` the CPU seconds per
thousand items, which stays flat when parsing is linear.

Usage::

    python benchmarks/feeds.py                       # 1k, 2.5k, 5k and 10k items
    python benchmarks/feeds.py --sizes 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import random
import time
from collections.abc import Callable
from typing import Any

from castgraph.loaders import parse_feed, parse_table

__all__ = ["main", "make_feed", "make_table"]

_FIRST = ["Maya", "Lilian", "Kyle", "Priya", "Ren", "José", "Ann", "Bob", "Idris", "Sofia", "Tomás", "Yuki"]
_LAST = ["Chen", "Park", "Daigle", "Raman", "Ito", "Valim", "Lee", "Roe", "Bello", "Costa", "Ortega", "Sato"]


def _people(rng: random.Random) -> list[tuple[str, str]]:
    guests = [(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", "guest") for _ in range(rng.randint(1, 3))]
    return [("Maya Chen", "host"), *guests]


def make_feed(items: int, seed: int = 7) -> bytes:
    """A Podcasting 2.0 feed of ``items`` items (deterministic for a seed)."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
              'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
              'xmlns:podcast="https://podcastindex.org/namespace/1.0">\n<channel>\n'
              "<title>Generated Weekly</title><link>https://gen.example.org/</link>"
              "<itunes:author>Maya Chen</itunes:author><language>en</language>\n"
              '<itunes:category text="Technology"/>\n')
    for i in range(items):
        day = 1 + i % 28
        people = "".join(
            f'<podcast:person role="{role}" href="https://gen.example.org/p/{name.replace(" ", "-")}">{name}'
            "</podcast:person>" for name, role in _people(rng))
        broken = "<b>" if i % 200 == 199 else ""  # an unclosed tag now and then
        out.write(
            f"<item><title>Episode {i}: agents &amp; tools {broken}</title>"
            f"<guid isPermaLink=\"false\">gen-episode-{i:07d}</guid>"
            f"<link>https://gen.example.org/e/{i}</link>"
            f"<pubDate>Mon, {day:02d} Nov 2026 06:00:00 GMT</pubDate>"
            f'<enclosure url="https://media.gen.example.org/{i}.mp3" length="{rng.randint(10**7, 10**8)}" '
            'type="audio/mpeg"/>'
            f"<itunes:duration>{rng.randint(10, 90)}:{rng.randint(0, 59):02d}</itunes:duration>"
            f"<itunes:episode>{i}</itunes:episode>"
            f"<itunes:keywords>ai, agents, topic-{i % 50}</itunes:keywords>"
            f"<description><![CDATA[<p>In episode {i} we talk about <a href='https://gen.example.org/l/{i}'>"
            f"agents</a>, evals &amp; tooling.</p><ul><li>One</li><li>Two</li></ul>]]></description>"
            f"{people}</item>\n")
    out.write("</channel></rss>\n")
    return out.getvalue().encode("utf-8")


def make_table(items: int, seed: int = 7) -> str:
    """A wide CSV of ``items`` episodes: title, date, guests, sponsors, tags."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "show", "date", "duration", "guests", "sponsors", "tags"])
    for i in range(items):
        guests = "; ".join(n for n, role in _people(rng) if role == "guest")
        writer.writerow([f"Episode {i}", "Generated Weekly", f"2026-11-{1 + i % 28:02d}",
                         f"{rng.randint(10, 90)}:00", guests, "Acme Cloud, Inc.", f"ai|topic-{i % 50}"])
    return out.getvalue()


def _time(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall and CPU seconds of ``repeat`` runs (the machine may be shared: CPU is steadier)."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, best_cpu, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2500, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    args = parser.parse_args(argv)
    try:
        import feedparser
    except ImportError:  # the bench extra installs it
        feedparser = None
    print(f"{'loader':<16} {'items':>7} {'wall s':>7} {'cpu s':>7} {'items/s':>8} {'cpu/1k':>7}  result")
    for size in args.sizes:
        feed = make_feed(size)
        table = make_table(size)
        rows: list[tuple[str, float, float, str]] = []
        wall, cpu, result = _time(lambda feed=feed: parse_feed(feed, source="generated.xml"), args.repeat)
        people = sum(len(e.mentions) for e in result.episodes)
        rows.append(("castgraph feed", wall, cpu,
                     f"{len(result.episodes)} episodes, {people} people, {len(result.warnings)} warnings"))
        if feedparser is not None:
            wall, cpu, parsed = _time(lambda feed=feed: feedparser.parse(feed), args.repeat)
            rows.append(("feedparser", wall, cpu, f"{len(parsed.entries)} entries, bozo={int(parsed.bozo)}"))
        wall, cpu, result = _time(lambda table=table: parse_table(table, source="generated.csv"), args.repeat)
        people = sum(len(e.mentions) for e in result.episodes)
        rows.append(("castgraph table", wall, cpu,
                     f"{len(result.episodes)} episodes, {people} mentions"))
        for name, wall, cpu, what in rows:
            rate, per_1k = size / wall, cpu / size * 1000
            print(f"{name:<16} {size:>7} {wall:>7.2f} {cpu:>7.2f} {rate:>8,.0f} {per_1k:>7.3f}  {what}")

if __name__ == "__main__":
    main()
