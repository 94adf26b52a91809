"""The error a loader raises when a whole input cannot be used.

Problems inside a readable file (a broken record, an entity without a name) are
not errors: they become :class:`~castgraph.graph.model.LoadWarning` s and the rest
of the file is kept.

>>> str(InputError("data/x.json", "not valid JSON or JSONL (line 3: Expecting value)"))
'data/x.json: not valid JSON or JSONL (line 3: Expecting value)'
"""

from __future__ import annotations

from castgraph.errors import CastgraphError

__all__ = ["InputError"]


class InputError(CastgraphError):
    """An input file is unreadable, empty, unrecognizable or holds no episode.

    Parameters
    ----------
    source : str
        The file (or ``"<text>"``) the problem is in; or, alone, the whole message.
    problem : str, optional
        What is wrong, in a few words; kept on one line.

    >>> str(InputError("inputs.txt: no episodes"))
    'inputs.txt: no episodes'
    """

    def __init__(self, source: str, problem: str | None = None) -> None:
        self.source = source if problem is not None else ""
        self.problem = " ".join((problem if problem is not None else source).split())
        super().__init__(f"{source}: {self.problem}" if problem is not None else self.problem)
