"""How fast castgraph's HTML pages are made and opened, against pyvis on the same data.

For synthetic graphs of 1k/10k/100k episodes (castgraph.viz.synthetic), prints:
the time to build the page (views + HTML) and its size, the time pyvis's
``add_node``/``add_edge`` take to take in the same graph (stopped at a time cap:
both scan their lists on every call), and the time headless Chromium needs until
the page reports its layout done (physics stopped).

Usage::

    python benchmarks/viz.py                      # 1k, 10k, 100k episodes
    python benchmarks/viz.py --episodes 1000 10000 --pyvis-cap 20 --no-browser
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from castgraph.viz import write_html
from castgraph.viz.synthetic import synthetic_graph
from castgraph.viz.views import MAX_NODES

__all__ = ["main", "time_browser", "time_pyvis"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def time_pyvis(graph: nx.MultiDiGraph, cap: float) -> tuple[float, str]:
    """Seconds pyvis needs to add every node and edge of ``graph``, or the cap and how far it got."""
    from pyvis.network import Network

    net = Network(directed=True)
    start = time.perf_counter()
    nodes = list(graph.nodes(data=True))
    edges = list(graph.edges())
    for i, (node, attrs) in enumerate(nodes):
        net.add_node(node, label=str(attrs.get("name") or attrs.get("title") or node))
        if i % 500 == 0 and time.perf_counter() - start > cap:
            return cap, f"> {cap:.0f}s ({i:,} of {len(nodes):,} nodes)"
    for i, (u, v) in enumerate(edges):
        net.add_edge(u, v)
        if i % 500 == 0 and time.perf_counter() - start > cap:
            return cap, f"> {cap:.0f}s (nodes, {i:,} of {len(edges):,} edges)"
    seconds = time.perf_counter() - start
    return seconds, f"{seconds:.1f}s"


def time_browser(path: Path, timeout_s: float = 300) -> float:
    """Seconds from navigation until the page says its layout is done, offline."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_function("() => window.castgraph && window.castgraph.ready === true",
                                   timeout=timeout_s * 1000)
            return time.perf_counter() - start
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--pyvis-cap", type=float, default=60.0, help="seconds before pyvis is stopped")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    parser.add_argument("--no-pyvis", action="store_true", help="skip pyvis")
    args = parser.parse_args(argv)

    header = (f"{'episodes':>9} {'nodes':>9} {'edges':>10} {'graph s':>8} {'page s':>7} {'page MB':>8} "
              f"{'drawn':>6} {'chromium ready s':>17}  pyvis add_node/add_edge")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.episodes:
            t0 = time.perf_counter()
            graph = synthetic_graph(n, seed=0)
            t1 = time.perf_counter()
            path = write_html(graph, Path(tmp, f"graph-{n}.html"))
            t2 = time.perf_counter()
            size = path.stat().st_size / 1e6
            drawn = min(graph.number_of_nodes(), MAX_NODES)
            ready = "-" if args.no_browser else f"{time_browser(path):.1f}"
            pyvis = "-" if args.no_pyvis else time_pyvis(graph, args.pyvis_cap)[1]
            print(f"{n:>9,} {graph.number_of_nodes():>9,} {graph.number_of_edges():>10,} {t1 - t0:>8.1f} "
                  f"{t2 - t1:>7.1f} {size:>8.1f} {drawn:>6,} {ready:>17}  {pyvis}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
