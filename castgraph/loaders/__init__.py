"""Loaders: read episodes from podcast-app pages, JSON / JSONL records, RSS feeds, CSV / TSV
tables and built graphs.

Every loader returns a :class:`LoadResult` (episodes and warnings) and raises
:class:`InputError` (a one-line message naming the file) when a whole input is
unusable; a problem inside a readable file becomes a warning.

Examples
--------
>>> result = parse_records('[{"title": "Hello", "show": "Tech Talks", "entities": [{"name": "swyx"}]}]')
>>> result.episodes[0].mentions[0].surface, result.warnings
('swyx', [])
"""

from __future__ import annotations

from castgraph.loaders.base import LoadResult
from castgraph.loaders.detect import SUPPORTED_SUFFIXES, detect_format, read_episodes, read_file, read_url
from castgraph.loaders.errors import InputError
from castgraph.loaders.feed import LinkedFiles, parse_feed, read_feed
from castgraph.loaders.fetch import Fetcher
from castgraph.loaders.graph import episodes_from_graph
from castgraph.loaders.page import parse_page, read_page
from castgraph.loaders.records import parse_records, read_records
from castgraph.loaders.table import parse_table, read_table

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Fetcher",
    "InputError",
    "LinkedFiles",
    "LoadResult",
    "detect_format",
    "episodes_from_graph",
    "parse_feed",
    "parse_page",
    "parse_records",
    "parse_table",
    "read_episodes",
    "read_feed",
    "read_file",
    "read_page",
    "read_records",
    "read_table",
    "read_url",
]
