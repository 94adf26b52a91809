"""JSON text as json writes it, made by orjson where orjson writes the same bytes.

The compact store and the query index hold node records and columns as JSON; json's
encoder takes seconds on the records of 100k episodes, orjson a fraction of that.
The two write the same text for text, whole numbers up to 64 bits, booleans, None and
most floats; they differ on NaN and infinity (orjson writes null), on floats under 1e-4
(``1e-05`` against ``0.00001``), and on what json cannot write at all. Where they would
differ, json writes the value.

Examples
--------
>>> compact_json({"a": [1, 2.5, "é", None]}).decode()
'{"a":[1,2.5,"é",null]}'
>>> [compact_json(v) for v in (float("nan"), [{"t": 1e-05}], 10**30, {1: "a"})]
[b'NaN', b'[{"t":1e-05}]', b'1000000000000000000000000000000', b'{"1":"a"}']
>>> written_alike([{"start": 0.5}]), written_alike([{"start": float("inf")}])
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import chain, compress
from operator import not_
from typing import Any

import numpy as np
import orjson

__all__ = ["compact_json", "indented_json", "json_encoder", "loads_json", "written_alike"]


def json_encoder(item_separator: str = ", ", key_separator: str = ": ") -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False)`` (with these separators) made once and reused:
    the same text, without setting up an encoder per value.

    >>> json_encoder()({"a": [1, "é"]}) == json.dumps({"a": [1, "é"]}, ensure_ascii=False)
    True
    """
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(item_separator, key_separator))
    if make is None:  # no C accelerator: the plain encoder
        return encoder.encode
    # No markers: castgraph's records hold no cycles to detect.
    run = make(None, encoder.default, json.encoder.encode_basestring, None, key_separator, item_separator,
               False, False, True)
    return lambda value: "".join(run(value, 0))


_compact_json = json_encoder(",", ":")
# Values orjson writes as json does (an integer beyond 64 bits it refuses).
_PLAIN = frozenset({str, int, bool, type(None)})
_is_plain, _is_dict = _PLAIN.__contains__, frozenset({dict}).__contains__
_is_list, _is_float = frozenset({list, tuple}).__contains__, frozenset({float}).__contains__
_KNOWN = _PLAIN | {dict, list, tuple, float}
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def compact_json(value: Any, *, checked: bool = False) -> bytes:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()``, byte for byte.

    orjson writes it when :func:`written_alike` (or the caller, with ``checked``) says it
    writes what json writes; otherwise, and on anything orjson refuses (integers beyond 64
    bits, keys that are not text), json writes it, with json's errors.
    """
    try:
        data = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return _compact_json(value).encode("utf-8")
    return data if checked or written_alike(value) else _compact_json(value).encode("utf-8")


def indented_json(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, character for character.

    What commands print with ``--json``: json's encoder writes indented text in Python (a
    second for the 67 MB of co-mention links at 100k episodes); orjson writes the same text
    where :func:`written_alike` says so, and json writes the rest, with json's errors.

    >>> value = {"a": [1, 2.5, "é\\x00"], "b": {}, "c": [float("nan")]}
    >>> indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)
    True
    """
    if written_alike(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
        except (TypeError, orjson.JSONEncodeError):  # beyond 64 bits, keys that are not text
            pass
    return json.dumps(value, ensure_ascii=False, indent=2)


def written_alike(value: Any) -> bool:
    """Whether orjson writes ``value`` as json does: only text, whole numbers, booleans, None and
    floats from 1e-4 (or 0) up, in lists and maps. Checked a level at a time, each a few passes
    in C: no Python call per value."""
    level = [value]
    while level:
        kinds = list(map(type, level))
        if not _KNOWN.issuperset(kinds):
            return False
        floats = np.fromiter(compress(level, map(_is_float, kinds)), dtype=np.float64)
        if len(floats) and not (np.isfinite(floats) & ((floats == 0) | (np.abs(floats) >= 1e-4))).all():
            return False
        dicts = compress(level, map(_is_dict, kinds))
        lists = compress(level, map(_is_list, kinds))
        members = list(chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists)))
        level = list(compress(members, map(not_, map(_is_plain, map(type, members)))))
    return True


def loads_json(data: bytes) -> Any:
    """``json.loads(data)``, read by orjson where it reads the same values.

    orjson reads an integer beyond 64 bits as a float, and refuses json's ``NaN`` and
    ``Infinity``: text with 19 digits in a row (an integer under -2**63 has 19) or that
    orjson refuses is read by json.

    >>> loads_json('{"a":[1,2.5,"é"]}'.encode()), loads_json(b'[NaN,-9223372036854775809]')
    ({'a': [1, 2.5, 'é']}, [nan, -9223372036854775809])
    """
    if b"0" * 19 not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)
