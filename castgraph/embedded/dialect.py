"""Neo4j's Cypher, as castgraph documents it, in the dialect of the embedded engine (LadybugDB).

LadybugDB keeps one table per node kind, so a node has one label. castgraph's schema gives an
entity two (``:Entity:Person``); on the embedded store each entity type is a table, and a node
pattern's labels are rewritten to the tables they denote: ``(p:Person)`` and
``(p:Entity:Person)`` → ``(p:Person)``; ``(x:Entity)`` → ``(x:Person:Organization:...)`` (a
LadybugDB multi-table pattern, meaning "any of"). The other rewrites are spelling:
``shortestPath((a)-[:R*..12]-(b))`` → ``(a)-[:R* SHORTEST 1..12]-(b)``, list comprehensions →
``list_transform``/``list_filter``, ``labels(n)`` → the Neo4j label list. Everything else is passed
through unchanged; what the engine cannot run is reported by :class:`UnsupportedCypherError`
naming the construct.

The rewrite works on tokens (string literals, comments and backquoted names are never touched),
never on data: values stay parameters.

Examples
--------
>>> to_embedded("MATCH (p:Person)<-[:MENTIONS]-(e:Episode) RETURN p.name")
'MATCH (p:Person)<-[:MENTIONS]-(e:Episode) RETURN p.name'
>>> to_embedded("MATCH (x:Entity {name: $n}) RETURN x")
'MATCH (x:Person:Organization:Product:Concept:Event:Place:Other {name: $n}) RETURN x'
>>> to_embedded("MATCH p = shortestPath((a)-[:MENTIONS*..12]-(b)) RETURN [n IN nodes(p) | n.id]")
'MATCH p = (a)-[:MENTIONS* SHORTEST 1..12]-(b) RETURN list_transform(nodes(p), n -> n.id)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from castgraph.errors import CastgraphError

__all__ = ["ENTITY_TABLES", "LABEL_TABLES", "UnsupportedCypherError", "to_embedded", "tokenize"]

#: The entity types (``castgraph.graph.neo4j_schema.ENTITY_TYPE_LABELS``, a test keeps them equal),
#: spelled out so that a query does not import the data model: start-up time counts here.
ENTITY_TABLES: tuple[str, ...] = ("Person", "Organization", "Product", "Concept", "Event", "Place", "Other")
#: Each Neo4j label of the castgraph schema → the embedded tables holding its nodes.
LABEL_TABLES: dict[str, tuple[str, ...]] = {
    "Episode": ("Episode",),
    "Topic": ("Topic",),
    "Entity": ENTITY_TABLES,
    **{t: (t,) for t in ENTITY_TABLES},
}

_NEEDS_NEO4J = "run it on Neo4j with --neo4j"
# Words the embedded grammar does not take as a property key unquoted (found by trying each).
_RESERVED = frozenset({
    "acyclic", "all", "and", "any", "asc", "ascending", "case", "cast", "column", "create", "default",
    "desc", "descending", "distinct", "else", "end", "ends", "exists", "false", "group", "headers", "in",
    "index", "install", "macro", "none", "not", "null", "on", "only", "optional", "or", "order", "primary",
    "profile", "shortest", "single", "starts", "table", "then", "trail", "true", "union", "unwind", "when",
    "where", "with", "xor",
})


class UnsupportedCypherError(CastgraphError):
    """A construct the embedded engine cannot run (the message names it and suggests --neo4j)."""


@dataclass(frozen=True)
class Token:
    kind: str  # "space", "comment", "string", "name", "param", "number", "punct"
    text: str


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>`(?:[^`]|``)*`|[^\W\d]\w*)
  | (?P<param>\$(?:\w+|`(?:[^`]|``)*`))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<punct>\.\.|<>|<=|>=|<-|->|=~|\+=|[^\s\w])
""", re.X | re.S)


def tokenize(query: str) -> list[Token]:
    """Split ``query`` into tokens; an unclosed string or comment is an error naming where.

    >>> [t.text for t in tokenize("MATCH (a:X) WHERE a.n = 'x:(y' RETURN a") if t.kind != "space"]
    ['MATCH', '(', 'a', ':', 'X', ')', 'WHERE', 'a', '.', 'n', '=', "'x:(y'", 'RETURN', 'a']
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            raise UnsupportedCypherError(f"cannot read the query at character {pos + 1}: "
                                         f"{query[pos:pos + 20]!r} (an unclosed string or comment?)")
        kind = match.lastgroup
        assert kind is not None
        tokens.append(Token(kind, match.group()))
        pos = match.end()
    return tokens


def _word(tok: Token, *words: str) -> bool:
    return tok.kind == "name" and tok.text.upper() in words


class _Rewriter:
    """One pass over the tokens, producing the embedded query text."""

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens

    def next_solid(self, i: int) -> int:
        """Index of the first non-space token at or after ``i`` (``len`` when none)."""
        while i < len(self.toks) and self.toks[i].kind in ("space", "comment"):
            i += 1
        return i

    def prev_solid(self, i: int) -> Token | None:
        i -= 1
        while i >= 0 and self.toks[i].kind in ("space", "comment"):
            i -= 1
        return self.toks[i] if i >= 0 else None

    def closing(self, i: int) -> int:
        """Index of the bracket closing the one at ``i``."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        stack = [pairs[self.toks[i].text]]
        j = i + 1
        while j < len(self.toks):
            text = self.toks[j].text if self.toks[j].kind == "punct" else ""
            if text in pairs:
                stack.append(pairs[text])
            elif text in (")", "]", "}"):
                if text != stack.pop():
                    break
                if not stack:
                    return j
            j += 1
        raise UnsupportedCypherError("unbalanced brackets in the query")

    def run(self, start: int = 0, end: int | None = None) -> str:
        end = len(self.toks) if end is None else end
        out: list[str] = []
        i = start
        while i < end:
            tok = self.toks[i]
            step = self._special(i, end)
            if step is not None:
                text, i = step
                out.append(text)
                continue
            out.append(tok.text)
            i += 1
        return "".join(out)

    def _special(self, i: int, end: int) -> tuple[str, int] | None:
        tok = self.toks[i]
        if tok.kind == "name":
            upper = tok.text.upper()
            after = self.next_solid(i + 1)
            calls = after < end and self.toks[after].text == "("
            if upper == "CALL":
                self._check_call(i, end)
            if calls and upper in ("SHORTESTPATH", "ALLSHORTESTPATHS"):
                close = self.closing(after)
                return self._shortest(after + 1, close, upper == "ALLSHORTESTPATHS"), close + 1
            if calls and upper == "LABELS":
                close = self.closing(after)
                arg = self.run(after + 1, close)
                return (f"CASE label({arg}) WHEN 'Episode' THEN ['Episode'] WHEN 'Topic' THEN ['Topic'] "
                        f"ELSE ['Entity', label({arg})] END"), close + 1
            return None
        if tok.kind != "punct":
            return None
        if tok.text == "(" and self._starts_node(i):
            return self._node(i)
        if tok.text == "." and i + 1 < end and self.toks[i + 1].text.lower() in _RESERVED:
            # Neo4j allows property keys the embedded grammar reserves (m.group): backquote them.
            return f".`{self.toks[i + 1].text}`", i + 2
        if tok.text == "[":
            return self._list_comprehension(i)
        return None

    def _check_call(self, i: int, end: int) -> None:
        j = self.next_solid(i + 1)
        parts: list[str] = []
        while j < end and (self.toks[j].kind == "name" or self.toks[j].text == "."):
            parts.append(self.toks[j].text)
            j += 1
        name = "".join(parts)
        if name.split(".")[0].lower() in ("db", "dbms", "apoc", "gds", "genai", "tx"):
            raise UnsupportedCypherError(
                f"the procedure {name} is Neo4j's and the embedded graph has no such procedure; "
                f"{_NEEDS_NEO4J}")
        if j < end and self.toks[self.next_solid(j)].text == "{":
            raise UnsupportedCypherError("CALL { ... } subqueries are not supported on the embedded graph; "
                                         + _NEEDS_NEO4J)

    def _starts_node(self, i: int) -> bool:
        before = self.prev_solid(i)
        # A node pattern's "(" follows a keyword, a pattern arrow, "=", "," or another "(":
        # a "(" after a name is a function call, after a value it is grouping.
        if before is not None and before.kind in ("name", "number", "string", "param"):
            return _word(before, "MATCH", "MERGE", "CREATE", "WHERE", "NOT", "AND", "OR", "XOR",
                         "OPTIONAL", "EXISTS", "WITH", "RETURN")
        if before is not None and before.text in (")", "]", "}"):
            return False
        j = self.next_solid(i + 1)
        if j < len(self.toks) and self.toks[j].kind == "name":
            j = self.next_solid(j + 1)
        return j < len(self.toks) and self.toks[j].text in (":", ")", "{")

    def _node(self, i: int) -> tuple[str, int]:
        """``( name? :L1:L2|L3 ...`` with the labels rewritten to tables."""
        k = self.next_solid(i + 1)
        if self.toks[k].kind == "name":
            k = self.next_solid(k + 1)
        if self.toks[k].text != ":":
            return "(", i + 1
        head = "".join(t.text for t in self.toks[i:k])
        j = k
        alternatives: list[list[str]] = [[]]
        while k < len(self.toks) and self.toks[k].text in (":", "&", "|"):
            sep = self.toks[k].text
            k = self.next_solid(k + 1)
            if self.toks[k].text == "!" or self.toks[k].text == "%":
                raise UnsupportedCypherError(f"the label expression {self.toks[k].text} is not supported "
                                             f"on the embedded graph; {_NEEDS_NEO4J}")
            if self.toks[k].kind != "name":
                raise UnsupportedCypherError("a label name is missing after ':' in a node pattern")
            if sep == "|":
                alternatives.append([])
            alternatives[-1].append(self.toks[k].text.strip("`"))
            j = k + 1
            k = self.next_solid(j)
        tables: list[str] = []
        for labels in alternatives:
            for table in _tables(labels):
                if table not in tables:
                    tables.append(table)
        return head + ":" + ":".join(tables), j

    def _shortest(self, start: int, close: int, every: bool) -> str:
        text = self.run(start, close).strip()
        match = re.search(r"\*\s*(\d*)\s*(?:\.\.\s*(\d*))?", text)
        if match is None:
            raise UnsupportedCypherError("shortestPath needs a variable-length relationship, "
                                         "e.g. shortestPath((a)-[:MENTIONS*..12]-(b))")
        low, high = match.group(1) or "1", match.group(2)
        if high is None:
            high = low if match.group(1) and ".." not in match.group(0) else "30"
        kind = "ALL SHORTEST" if every else "SHORTEST"
        return text[:match.start()] + f"* {kind} {low}..{high}" + text[match.end():]

    def _list_comprehension(self, i: int) -> tuple[str, int] | None:
        close = self.closing(i)
        j = self.next_solid(i + 1)
        k = self.next_solid(j + 1)
        if not (j < close and self.toks[j].kind == "name" and k < close and _word(self.toks[k], "IN")):
            if j < close and self.toks[j].text == "(":
                after = self.next_solid(self.closing(j) + 1)
                if after < close and self.toks[after].text in ("-", "<-", "<"):
                    raise UnsupportedCypherError("pattern comprehensions ([(a)-->(b) | ...]) are not "
                                                 "supported on the embedded graph; " + _NEEDS_NEO4J)
            return None
        var = self.toks[j].text
        where = bar = None
        depth = 0
        for m in range(k + 1, close):
            tok = self.toks[m]
            if tok.kind == "punct" and tok.text in "([{":
                depth += 1
            elif tok.kind == "punct" and tok.text in ")]}":
                depth -= 1
            elif depth == 0 and where is None and bar is None and _word(tok, "WHERE"):
                where = m
            elif depth == 0 and tok.text == "|" and bar is None:
                bar = m
        source_end = where if where is not None else bar if bar is not None else close
        source = self.run(k + 1, source_end).strip()
        if where is not None:
            condition = self.run(where + 1, bar if bar is not None else close).strip()
            source = f"list_filter({source}, {var} -> {condition})"
        if bar is None:
            return source, close + 1
        projection = self.run(bar + 1, close).strip()
        return f"list_transform({source}, {var} -> {projection})", close + 1


def _tables(labels: list[str]) -> list[str]:
    tables: list[str] | None = None
    for label in labels:
        if label not in LABEL_TABLES:
            known = ", ".join(LABEL_TABLES)
            raise UnsupportedCypherError(f"no label {label} in the castgraph schema (labels: {known})")
        found = LABEL_TABLES[label]
        tables = list(found) if tables is None else [t for t in tables if t in found]
    if not tables:
        raise UnsupportedCypherError(f"no node has all the labels {':'.join(labels)}")
    return tables


def to_embedded(query: str) -> str:
    """``query`` (Neo4j Cypher over the castgraph schema) in the embedded engine's dialect.

    Raises :class:`UnsupportedCypherError` for a construct the embedded engine does not have.

    >>> to_embedded("MATCH (e:Episode) WHERE NOT (e)-[:MENTIONS]->() RETURN labels(e) AS l")
    "MATCH (e:Episode) WHERE NOT (e)-[:MENTIONS]->() RETURN CASE label(e) WHEN 'Episode' THEN ['Episode'] \
WHEN 'Topic' THEN ['Topic'] ELSE ['Entity', label(e)] END AS l"
    >>> to_embedded('CALL db.index.fulltext.queryNodes("names", $q) YIELD node RETURN node')
    Traceback (most recent call last):
    ...
    castgraph.embedded.dialect.UnsupportedCypherError: the procedure db.index.fulltext.queryNodes is Neo4j's \
and the embedded graph has no such procedure; run it on Neo4j with --neo4j
    """
    return _Rewriter(tokenize(query)).run()
