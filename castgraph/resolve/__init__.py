"""Entity resolution: turn the mentions of episodes into canonical entities.

The entry point is :func:`resolve`; :mod:`castgraph.resolve.resolver` documents
the rules (keys, aliases, fuzzy matching behind blocking, types, ids),
:mod:`castgraph.resolve.overrides` the curation file, and
:mod:`castgraph.resolve.output` the CSV export and ``explain``.

Examples
--------
>>> from castgraph.graph.model import Episode, Mention
>>> from castgraph.resolve import resolve
>>> ep = Episode(id="e1", title="T", mentions=[Mention(surface="GitHub, Inc.", type_label="organization"),
...                                           Mention(surface="Github", type_label="software")])
>>> res = resolve([ep])
>>> [(e.name, e.type.value, e.type_votes) for e in res.entities]
[('GitHub', 'Organization', {'Organization': 1, 'Product': 1})]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from castgraph.lazy import lazy_exports

if TYPE_CHECKING:
    from castgraph.resolve.normalize import name_tokens, normalize_name
    from castgraph.resolve.output import (
        explain_entity,
        read_review_csv,
        write_resolution_csv,
        write_review_csv,
    )
    from castgraph.resolve.overrides import Overrides, OverridesError, parse_overrides, read_overrides
    from castgraph.resolve.resolver import clear_caches, resolve

# Imported on first use: a query that only normalizes names need not load the resolver.
_HOMES = {
    "name_tokens": "normalize", "normalize_name": "normalize", "explain_entity": "output",
    "read_review_csv": "output", "write_resolution_csv": "output", "write_review_csv": "output",
    "Overrides": "overrides", "OverridesError": "overrides", "parse_overrides": "overrides",
    "read_overrides": "overrides", "resolve": "resolver", "clear_caches": "resolver",
}


__getattr__ = lazy_exports(__name__, _HOMES, globals())


__all__ = [
    "Overrides",
    "OverridesError",
    "clear_caches",
    "explain_entity",
    "name_tokens",
    "normalize_name",
    "parse_overrides",
    "read_overrides",
    "read_review_csv",
    "resolve",
    "write_resolution_csv",
    "write_review_csv",
]
