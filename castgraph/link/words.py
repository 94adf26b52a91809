"""The words the linker never links, or links only with care, and the guard every name passes first.

Examples
--------
>>> guard = NameGuard()
>>> [guard(name) for name in ("GitHub", "AI", "Agents", "松尾", "42")]
[True, False, False, True, False]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CJK_CHARS", "COMMON_WORDS", "GENERIC_NAMES", "NameGuard"]


#: Names too generic to link from text or tags, whatever entity carries them.
GENERIC_NAMES = frozenset([
    "ai", "api", "apis", "llm", "llms", "ml", "gpu", "gpus", "cpu", "agent", "agents", "model", "models",
    "app", "apps", "data", "code", "coding", "cloud", "web", "chat", "search", "software", "hardware",
    "tool", "tools", "product", "products", "platform", "company", "startup", "team", "research", "science",
    "engineering", "internet", "open-source", "opensource", "podcast", "episode", "show", "host", "guest",
    "news", "video"
]) | {"open source", "machine learning", "deep learning", "artificial intelligence"}

#: One-word names that are also ordinary English words (names of products and companies
#: especially): they link only when written exactly and often enough.
COMMON_WORDS = frozenset([
    "apple", "amazon", "notion", "linear", "cursor", "windows", "word", "excel", "slack", "teams", "zoom",
    "go", "rust", "swift", "ruby", "python", "java", "spark", "pages", "actions", "gemini", "mistral",
    "meta", "square", "stripe", "box", "discord", "signal", "threads", "llama", "alpaca", "falcon",
    "phoenix", "delta", "shell", "oracle", "target", "visa", "office", "outlook", "edge", "chrome",
    "safari", "modal", "render", "railway", "fly", "neon", "plaid", "ramp", "mercury", "loom", "bolt",
    "warp", "arc", "runway", "scale", "surge", "weights", "comet", "ray", "arrow", "flight", "duck",
    "iceberg", "chroma", "kafka", "beam", "storm", "temporal", "trigger", "segment", "amplitude", "heap",
    "sentry", "tempo", "build", "universe", "summit", "people", "human", "orange", "mint", "sage", "basil",
    "ginger", "pepper", "honey", "sugar", "salt", "bell", "ford", "king", "queen", "prince", "major",
    "general", "bishop", "baker", "cook", "smith", "miller", "hunter", "fisher", "carter", "mason", "wells",
    "brown", "white", "black", "green", "gray", "grey", "young", "long", "short", "little", "hill", "wood",
    "woods", "banks", "rose", "lily", "grace", "hope", "faith", "joy", "amber", "pearl", "crystal",
    "summer", "autumn", "winter", "spring", "june", "may", "april", "august", "will", "mark", "bill", "pat",
    "sue", "rob", "drew", "chase", "dean", "gene", "grant", "lane", "rich", "claude"
])

# Kana, kanji and hangul: the scripts without spaces (see castgraph.link.boundaries).
CJK_CHARS = re.compile("[\u3041-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                        "\uff66-\uff9f\uac00-\ud7af\u1100-\u11ff\u3005]")


@dataclass(frozen=True)
class NameGuard:
    """Whether a name may be linked at all: long enough, with a letter, not a generic word.

    A plain value (it pickles): a process that searches for the linker applies the same guard.
    """

    #: The fewest characters of a name (:class:`~castgraph.link.linker.LinkOptions` ``min_chars``).
    min_chars: int = 3
    #: The same for a name with kana, kanji or hangul (``min_chars_cjk``).
    min_chars_cjk: int = 2

    def __call__(self, name: str) -> bool:
        text = name.strip()
        if not text:
            return False
        if text.isascii():  # most names: no CJK, and a letter is whatever has two cases
            lowered = text.lower()
            return len(text) >= self.min_chars and lowered != text.upper() \
                and " ".join(lowered.split()) not in GENERIC_NAMES
        if " ".join(text.casefold().split()) in GENERIC_NAMES:
            return False
        cjk = CJK_CHARS.search(text) is not None
        if len(text) < (self.min_chars_cjk if cjk else self.min_chars):
            return False
        return any(c.isalpha() for c in text)
