"""How the generator writes the second-round variant classes: nicknames, katakana, numeronyms.

Kept apart from ``generate.py`` so each stays small; only the generator uses it.

>>> katakana("Karito Vinsol"), numeronym("Karitonevar")
('カリト・ヴィンソル', 'k9r')
"""

from __future__ import annotations

__all__ = ["FIRST_KATAKANA", "NICKNAMES", "SYL", "katakana", "numeronym"]


def _words(text: str) -> list[str]:
    return text.split()


SYL = _words(  # the syllables generated names are made of
    "ka ri to ne va lo mi ra zen tor bel dra qui nex sol mar vin gal por tes lun cor fer hal "
    "bri dex vor lix mon sar tel ven"
)
NICKNAMES = {"Andrew": "Andy", "Daniel": "Dan", "David": "Dave", "James": "Jim", "Jacob": "Jake",
             "Gabriel": "Gabe", "Victor": "Vic"}
"""Given names of FIRST and a nickname of each (as a curated nickname table has them)."""
# How extraction output writes given names and the syllables of generated names in katakana.
FIRST_KATAKANA = dict(zip(
    _words("Kenji Hiro Aiko Hana Mei Kai Maya Emma Nora Sara Leo Mila Tara Yara Zara Uma Omar"),
    _words("ケンジ ヒロ アイコ ハナ メイ カイ マヤ エマ ノラ "
           "サラ レオ ミラ タラ ヤラ ザラ ウマ オマール"), strict=True))
_SYL_KATAKANA = dict(zip(SYL, _words(
    "カ リ ト ネ ヴァ ロ ミ ラ ゼン トー ベル ドラ キ ネクス ソル マー ヴィン ガル ポー テス ルン コー "
    "フェー ハル ブリ デクス ヴォー リクス モン サー テル ヴェン"), strict=True))


def _syllables(word: str) -> list[str] | None:
    """``word`` cut into the syllables it was made of, or None."""
    if not word:
        return []
    for syl in SYL:
        if word.startswith(syl):
            rest = _syllables(word[len(syl):])
            if rest is not None:
                return [syl, *rest]
    return None


def katakana(name: str) -> str:
    """A generated name in katakana (words joined by ・), or "" when a word is not made of syllables."""
    words = []
    for word in name.split():
        syllables = _syllables(word.lower())
        if not syllables:
            return ""
        words.append("".join(_SYL_KATAKANA[s] for s in syllables))
    return "・".join(words)


def numeronym(word: str) -> str:
    """First letter, the count of the letters between, last letter."""
    return f"{word[0]}{len(word) - 2}{word[-1]}".lower()


