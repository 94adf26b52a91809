"""Generate a synthetic podcast corpus with gold entity labels.

Writes ``DIR/episodes.jsonl`` (one episode record a line, the format the loaders
read) and ``DIR/gold.tsv`` (``episode_id  ordinal  entity``: the true entity of
every mention). Seeded and deterministic: the same arguments give byte-identical
files.

The entity pool grows with the number of episodes (about one entity per two
episodes), popularity follows a Zipf law, and each episode mentions 8-16
entities written the way extraction output writes them: case changes, legal
and domain suffixes, slash and parenthesis aliases, acronyms, typos in long
names, dropped accents, full-width letters, type labels in English and
Japanese. Variant classes that keys alone do not join: short forms in
parentheses (numeronyms ``k8r (Karitonevar)``, clipped forms, word
abbreviations ``KN Labs``), a leading "The" and generic heads (``Vorlex app``),
people's titles, post-nominals and middle initials, nicknames (``Dave`` /
``David``), and katakana spellings of names (`generate_variants.py`). Hard negatives are built in:
versioned siblings ("Vorlex 2" / "Vorlex 3"), containment names ("Vorlex" /
"Vorlex Studio"), close person names ("Noah Smith" / "Noah Shinn"), a different
person under a nickname of another's name ("Dave Rinaldi" / "David Rinaldi"),
and company/product pairs that share a name are one gold entity seen with both
labels. ``gold.tsv`` names the variant class of every mention.

Usage::

    python benchmarks/generate.py --episodes 100000 --out /tmp/corpus
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from generate_variants import FIRST_KATAKANA, NICKNAMES, SYL, katakana, numeronym

__all__ = ["GenEntity", "generate", "main", "make_pool", "write_corpus"]


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Aaron Adele Aiko Alan Alex Alice Amara Andre Andrew Anika Anna Arjun Ben Bianca Brandon "
    "Carla Carlos Chen Chloe Clara Daniel David Diego Elena Emil Emma Ethan Fatima Felix "
    "Gabriel Grace Hana Hannah Hiro Ines Isaac Ivan Jacob Jake James Jana Jonas Julia Kai Kenji "
    "Kyle Laura Leo Lena Liam Lucia Maya Marco Maria Mateo Matt Mei Mila Nadia Noah Nora Olga "
    "Omar Oscar Paula Pedro Priya Rafael Ravi Rosa Ruth Sam Sara Sofia Tara Theo Tom Uma Victor "
    "Vera Wei Yara Yusuf Zara Zoe"
)
FIRST_ACCENTED = {"Jose": "José", "Zoe": "Zoë", "Andre": "André", "Ines": "Inês", "Lucia": "Lucía",
                  "Elena": "Eléna", "Rafael": "Rafaël", "Emil": "Émil"}
FIRST += list(FIRST_ACCENTED)
LAST = _words(
    "Abbott Alvarez Andersen Baker Barros Becker Bianchi Brennan Castillo Chandra Costa Dalton "
    "Delgado Dubois Eriksen Ferrari Fischer Gallagher Garrido Hansen Hartmann Herrera Holloway "
    "Ibarra Jansen Kapoor Karlsson Kowalski Lambert Larsen Lindqvist Lombardi Maddox Marchetti "
    "Mendoza Moreau Nakamura Navarro Nielsen Okafor Oliveira Pereira Petrov Quintero Ramirez "
    "Rasmussen Rinaldi Romero Sandoval Schneider Sorensen Stavros Takahashi Tanaka Valencia "
    "Vasquez Weber Whitfield Yamamoto Zimmermann"
)
ACCENTED_LAST = {"Muller": "Müller", "Nunez": "Núñez", "Garcon": "Garçon", "Lopez": "López",
                 "Bjork": "Björk", "Soren": "Sørensen"}
LAST += [k for k in ACCENTED_LAST if k != "Soren"]
KANA = _words(
    "ア イ ウ エ オ カ キ ク ケ コ サ シ ス セ ソ タ チ ツ テ ト ナ ニ ヌ ネ ノ "
    "ハ ヒ フ ヘ ホ マ ミ ム メ モ ヤ ユ ヨ ラ リ ル レ ロ ワ ン "
    "ガ ギ グ ゲ ゴ ザ ジ ズ ゼ ゾ ダ デ ド バ ビ ブ ベ ボ パ ピ プ ペ ポ"
)
KANJI = "自己符号化器学習推論分散生成強化検索蒸留表現埋込注意構造計画評価安全整合".replace("", " ").split()
CONCEPT_WORDS = _words(
    "sparse dense latent neural adaptive recursive contrastive causal agentic federated "
    "distributed probabilistic symbolic hybrid modular streaming retrieval attention memory "
    "reasoning planning alignment distillation tokenization quantization inference evaluation "
    "orchestration grounding"
)
CONCEPT_HEADS = _words("learning search decoding routing caching sampling scaling verification embedding")
ORG_TAIL = ["Labs", "AI", "Systems", "Robotics", "Health", "Capital", "Ventures", "Bio", "Cloud"]
PRODUCT_TAIL = ["Code", "Studio", "Cloud", "Scope", "Pro", "Flash", "Vision", "Agent"]

TYPE_LABELS = {
    "Person": ["Person", "person", "人物", "Person", "guest", "人物"],
    "Organization": ["Organization", "organization", "company", "組織", "企業", "Organization"],
    "Product": ["Software", "software", "ソフトウェア", "technology", "product", "tool", "model", "ツール"],
    "Concept": ["Concept", "concept", "概念", "Concept", "method"],
}
ROLES = {
    "Person": ["researcher at {org}", "founder of {org}", "host of the show", "engineer at {org}",
               "{org}の研究者", "CEO of {org}"],
    "Organization": ["AI company", "startup building developer tools", "research lab", "AI企業",
                     "cloud provider"],
    "Product": ["open-source library", "language model by {org}", "developer tool", "データベース",
                "coding assistant"],
    "Concept": ["technique discussed in the episode", "機械学習の手法", "research idea"],
}

FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@dataclass
class GenEntity:
    """One gold entity: its id, type, and weighted surface variants."""

    gid: str
    type: str
    name: str
    variants: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)

    classes: dict[str, str] = field(default_factory=dict)

    def add(self, surface: str, weight: float, cls: str = "") -> None:
        if surface and surface not in self.variants:
            self.variants.append(surface)
            self.weights.append(weight)
            if cls:
                self.classes[surface] = cls

    def variant_class(self, surface: str) -> str:
        """The class of a surface: a second-round class, else ``usual`` (the name) or ``earlier``."""
        return self.classes.get(surface) or ("usual" if surface == self.name else "earlier")


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(SYL) for _ in range(n)).capitalize()


def _typo(rng: random.Random, word: str) -> str:
    """One edit (swap, drop or double a letter) away from ``word``, never at the first letter."""
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _fullwidth(text: str) -> str:
    return "".join(FULLWIDTH.get(c, c) for c in text)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _key(text: str) -> str:
    return "".join(ch for ch in _strip_accents(text).casefold() if ch.isalnum())


class _Pool:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.entities: list[GenEntity] = []
        self.keys: set[str] = set()
        self.deletions: dict[str, set[str]] = {}
        self.acronyms: set[str] = set()

    def near(self, key: str) -> set[str]:
        """The keys already used that are one edit (or less) from ``key``."""
        found = set(self.deletions.get(key, ()))
        if key in self.keys:
            found.add(key)
        for i in range(len(key)):
            shorter = key[:i] + key[i + 1:]
            if shorter in self.keys:
                found.add(shorter)
            found.update(self.deletions.get(shorter, ()))
        return found

    def claim_typo(self, typo: str, name: str) -> bool:
        key = _key(typo)
        if not key or not self.near(key) <= {_key(name)}:
            return False
        self._add(key)
        return True

    def _add(self, key: str) -> None:
        self.keys.add(key)
        for i in range(len(key)):
            self.deletions.setdefault(key[:i] + key[i + 1:], set()).add(key)

    def claim(self, *names: str) -> bool:
        # Distinct entities are kept more than one edit apart (a typo must stay recognizable);
        # the designed hard negatives (versions, containment, close names) are two or more apart.
        keys = [_key(n) for n in names]
        if any(not k or k in self.keys or (len(k) >= 6 and self.near(k)) for k in keys) \
                or len(set(keys)) != len(keys):
            return False
        for k in keys:
            self._add(k)
        return True

    def claim_acronym(self, name: str, acronym: str) -> bool:
        """Claim ``name`` and its ``acronym``; every acronym belongs to one entity only."""
        if acronym in self.acronyms or not self.claim(name, acronym):
            return False
        self.acronyms.add(acronym)
        return True

    def new(self, type_: str, name: str) -> GenEntity:
        ent = GenEntity(gid=f"g{len(self.entities)}", type=type_, name=name)
        self.entities.append(ent)
        return ent


def _describe(rng: random.Random, ent: GenEntity, orgs: list[str]) -> None:
    org = rng.choice(orgs) if orgs else "Acme"
    roles = rng.sample(ROLES[ent.type], 2)
    ent.descriptions = [r.format(org=org) for r in roles]


def _person(pool: _Pool, rng: random.Random, orgs: list[str]) -> None:
    for _ in range(20):
        first, last = rng.choice(FIRST), rng.choice(LAST) if rng.random() < 0.3 else _word(rng, 3)
        display_first = FIRST_ACCENTED.get(first, first) if rng.random() < 0.5 else first
        display_last = ACCENTED_LAST.get(last, last)
        name = f"{display_first} {display_last}"
        handle = (first[0] + last[:4]).lower() + rng.choice(["", "x", "dev", "ai"])
        has_handle = rng.random() < 0.15
        if not (pool.claim(name, handle) if has_handle else pool.claim(name)):
            continue
        ent = pool.new("Person", name)
        ent.add(name, 10)
        ent.add(name.lower(), 1)
        ent.add(_strip_accents(name), 2)
        if len(display_last) >= 8:
            typo = f"{display_first} {_typo(rng, display_last)}"
            if pool.claim_typo(typo, name):
                ent.add(typo, 1)
        if orgs and rng.random() < 0.4:
            ent.add(f"{name} ({rng.choice(orgs)})", 2)
        if has_handle:
            ent.add(f"{name} / {handle}", 3)
            ent.add(handle, 6)
        if rng.random() < 0.15:
            ent.add(f"Dr. {name}", 1, "person-name")
        if rng.random() < 0.08:
            ent.add(f"{name}, PhD", 1, "person-name")
        if rng.random() < 0.08:
            ent.add(f"{display_first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {display_last}", 1, "person-name")
        nick = NICKNAMES.get(first)
        if nick and rng.random() < 0.5 and pool.claim(f"{nick} {display_last}"):
            ent.add(f"{nick} {display_last}", 2, "nickname")
        kata = katakana(f"{display_last}") if rng.random() < 0.3 else ""
        if kata and first in FIRST_KATAKANA and pool.claim(kata):
            ent.add(f"{FIRST_KATAKANA[first]}・{kata}", 2, "cross-script")
        ent.labels = TYPE_LABELS["Person"]
        _describe(rng, ent, orgs)
        # a different person under a nickname of this one's given name
        if nick and rng.random() < 0.05 and pool.claim(f"{nick} {display_last}."):
            other = f"{nick} {display_last}"
            if other not in ent.variants:
                o = pool.new("Person", other)
                o.add(other, 10)
                o.labels = TYPE_LABELS["Person"]
                _describe(rng, o, orgs)
        # a close person name: same first name, surname two edits away, a different person
        if rng.random() < 0.1 and len(display_last) >= 5:
            middle = "".join(rng.choice("aeiounrst") for _ in range(2))
            sib_last = display_last[:2] + middle + display_last[4:]
            sib = f"{display_first} {sib_last}"
            if _key(sib_last) != _key(display_last) and pool.claim(sib):
                s = pool.new("Person", sib)
                s.add(sib, 10)
                s.add(sib.lower(), 1)
                s.labels = TYPE_LABELS["Person"]
                _describe(rng, s, orgs)
        return


def _organization(pool: _Pool, rng: random.Random) -> str | None:
    for _ in range(20):
        if rng.random() < 0.35:
            words = [_word(rng, 2), _word(rng, 2), rng.choice(ORG_TAIL)]
            name = " ".join(words)
            acr = "".join(w[0] for w in words).upper()
            if not pool.claim_acronym(name, acr):
                continue
            ent = pool.new("Organization", name)
            ent.add(name, 8)
            ent.add(f"{name} ({acr})", 3)
            ent.add(acr, 4)
            ent.add(f"{name}, Inc.", 1)
            short = f"{acr[:2]} {words[2]}"  # "Karito Nevalo Labs (KN Labs)"
            if rng.random() < 0.3 and pool.claim(short):
                ent.add(f"{name} ({short})", 2, "short-form")
                ent.add(short, 2, "short-form")
        else:
            a, b = _word(rng, 1), _word(rng, 1)
            name = f"{a}{b.capitalize()}" if rng.random() < 0.5 else _word(rng, 3)
            if not pool.claim(name):
                continue
            ent = pool.new("Organization", name)
            ent.add(name, 10)
            ent.add(f"{name}, Inc.", 2)
            ent.add(f"{name} Inc", 1)
            ent.add(f"{name} Corp.", 1)
            ent.add(f"{name.lower()}.io", 1)
            ent.add(name.upper(), 1)
            ent.add(_fullwidth(name), 1)
            if name[1:] != name[1:].lower():  # camel case: also written with a space
                split = next(i for i in range(1, len(name)) if name[i].isupper())
                ent.add(f"{name[:split]} {name[split:]}", 2)
            if rng.random() < 0.15:
                ent.add(f"The {name}", 1, "article-or-head")
            one_word = name.isalpha() and name[1:] == name[1:].lower()
            kata = katakana(name) if rng.random() < 0.2 and one_word else ""
            if kata and pool.claim(kata):
                ent.add(kata, 2, "cross-script")
        ent.labels = TYPE_LABELS["Organization"]
        if rng.random() < 0.2:  # a company and its product of the same name: one entity
            ent.labels = ent.labels + TYPE_LABELS["Product"][:2]
        _describe(rng, ent, [])
        return ent.name
    return None


def _product(pool: _Pool, rng: random.Random, orgs: list[str]) -> None:
    for _ in range(20):
        base = _word(rng, 2)
        family = rng.random() < 0.35
        versions = rng.sample(["2", "3", "3.5", "4", "4o", "5"], 3)
        names = [f"{base} {v}" for v in versions] if family else [base]
        if rng.random() < 0.3:
            names.append(f"{base} {rng.choice(PRODUCT_TAIL)}")  # containment sibling
        if not pool.claim(*names):
            continue
        for name in names:
            ent = pool.new("Product", name)
            ent.add(name, 10)
            ent.add(name.lower(), 2)
            if " " in name and name.split()[-1][0].isdigit():
                ent.add(name.replace(" ", "-"), 3)
                ent.add(name.replace(" ", ""), 2)
            if len(name) >= 9 and name.isalpha():
                typo = _typo(rng, name)
                if pool.claim_typo(typo, name):
                    ent.add(typo, 1)
            ent.add(_fullwidth(name), 1)
            if name.isalpha() and len(name) >= 8:
                roll = rng.random()
                if roll < 0.15 and pool.claim(numeronym(name)) and numeronym(name) not in pool.acronyms:
                    pool.acronyms.add(numeronym(name))
                    ent.add(f"{name} ({numeronym(name)})", 2, "short-form")
                    ent.add(numeronym(name), 2, "short-form")
                elif roll < 0.25 and pool.claim(name[:5]):
                    ent.add(f"{name} ({name[:5]})", 2, "short-form")
                    ent.add(name[:5], 2, "short-form")
            if name.isalpha() and rng.random() < 0.15:
                ent.add(f"{name} {rng.choice(['app', 'platform', 'library'])}", 1, "article-or-head")
            ent.labels = TYPE_LABELS["Product"]
            _describe(rng, ent, orgs)
        return


def _concept(pool: _Pool, rng: random.Random) -> None:
    for _ in range(20):
        if rng.random() < 0.4:
            kana = "".join(rng.choice(KANA) for _ in range(rng.randint(3, 5)))
            ja = kana + rng.choice(KANJI) + rng.choice(KANJI)
            acr = "".join(rng.choice("ABCDEFGHKLMNPRSTV") for _ in range(3))
            if not pool.claim_acronym(ja, acr):
                continue
            ent = pool.new("Concept", ja)
            ent.add(ja, 6)
            ent.add(f"{ja} / {acr}", 3)
            ent.add(acr, 3)
            ent.add(f"{acr}({ja})", 1)
        else:
            words = [*rng.sample(CONCEPT_WORDS, 2), rng.choice(CONCEPT_HEADS)]
            name = " ".join(words).capitalize()
            acr = "".join(w[0] for w in words).upper()
            use_acr = acr not in pool.acronyms and rng.random() < 0.5
            if not (pool.claim_acronym(name, acr) if use_acr else pool.claim(name)):
                continue
            ent = pool.new("Concept", name)
            ent.add(name, 8)
            ent.add(name.lower(), 3)
            ent.add(name.title(), 2)
            ent.add(name.replace(" ", "-", 1), 1)
            if rng.random() < 0.1:
                ent.add(f"The {name.lower()}", 1, "article-or-head")
            if use_acr:
                ent.add(f"{name} ({acr})", 3)
                ent.add(acr, 3)
        ent.labels = TYPE_LABELS["Concept"]
        _describe(rng, ent, [])
        return


def make_pool(size: int, seed: int = 7) -> list[GenEntity]:
    """Return about ``size`` gold entities (persons, organizations, products, concepts)."""
    rng = random.Random(seed)
    pool = _Pool(rng)
    orgs: list[str] = []
    while len(pool.entities) < size:
        r = rng.random()
        if r < 0.2:
            org = _organization(pool, rng)
            if org:
                orgs.append(org)
        elif r < 0.55:
            _person(pool, rng, orgs)
        elif r < 0.85:
            _product(pool, rng, orgs)
        else:
            _concept(pool, rng)
    return pool.entities


_NOTES = (
    "In this episode we sit down with {a} to talk about {b} and what changed this year.",
    "We cover how {a} thinks about evaluation, why {b} matters, and where {c} fits in.",
    "Later the conversation turns to {c}, open models and the cost of inference at scale.",
    "Along the way: hiring, pricing, the state of agents, and a few hot takes on {d}.",
    "Show notes and links are below; thanks to our sponsors for supporting the show.",
    "They compare notes on {d} and {e}, and on what the next twelve months could bring.",
)


def _show_notes(rng: random.Random, names: list[str]) -> tuple[str, list[str]]:
    """A few sentences of show notes naming ``names`` (the listed ones first), and two chapter summaries."""
    slots = dict(zip("abcde", names, strict=False))
    sentences = [line.format(**slots) for line in rng.sample(_NOTES, k=4)]
    chapters = [f"{names[0]} explains the background and the first product.",
                f"Why {names[-1]} and {names[1]} keep coming up in every conversation."]
    return " ".join(sentences), chapters


HOST_SHARE = (0.85, 0.7)


def generate(episodes: int, seed: int = 7, pool_size: int | None = None,  # type: ignore[no-untyped-def]
             hosts: int = 2, *, with_classes: bool = False, summaries: bool = False):
    """Yield ``(record, gold)`` per episode; ``gold`` lists the gold entity id of each mention.

    The first ``hosts`` persons of the pool are hosts: each is in most episodes
    (85 %, 70 %, ...), as a real show's hosts are, so that queries meet heavy heads.
    With ``with_classes``, yield ``(record, gold, classes)``: the variant class of each mention too.
    With ``summaries``, each episode gets show notes and chapter summaries naming three of
    its entities and two it does not list (for the linker); the records are otherwise the same.
    """
    size = pool_size or max(200, episodes // 2)
    pool = make_pool(size, seed)
    rng = random.Random(seed + 1)
    host_ids = [i for i, ent in enumerate(pool) if ent.type == "Person"][:hosts]
    host_rng = random.Random(seed + 2)
    # Zipf popularity over a shuffled pool, so that popular entities are of every kind.
    order = list(range(len(pool)))
    rng.shuffle(order)
    cum = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(order))))
    var_cum = [list(itertools.accumulate(e.weights)) for e in pool]
    shows = ["Latent Space", "Deep Currents", "The Inference Hour", "Model Behavior", "AIエンジニア通信"]
    start = date(2021, 1, 1)
    total = cum[-1]
    notes_rng = random.Random(seed + 3)  # its own stream: records without notes stay byte-identical
    for i in range(episodes):
        n = rng.randint(8, 16)
        chosen: list[int] = []
        seen: set[int] = set()
        for k, idx in enumerate(host_ids):
            if host_rng.random() < HOST_SHARE[min(k, len(HOST_SHARE) - 1)]:
                seen.add(idx)
                chosen.append(idx)
        while len(chosen) < n:
            idx = order[bisect.bisect_left(cum, rng.random() * total)]
            if idx not in seen:
                seen.add(idx)
                chosen.append(idx)
        ents, gold, classes = [], [], []
        for idx in chosen:
            ent = pool[idx]
            vc = var_cum[idx]
            surface = ent.variants[bisect.bisect_left(vc, rng.random() * vc[-1])]
            ents.append({"name": surface, "type": rng.choice(ent.labels),
                         "description": rng.choice(ent.descriptions)})
            gold.append(ent.gid)
            classes.append(ent.variant_class(surface))
        ep_id = f"syn-{i:07d}"
        published = start + timedelta(days=i * 3 // 2 % 2000)
        record = {
            "id": ep_id, "title": f"Episode {i}: {pool[chosen[0]].name} and {pool[chosen[1]].name}",
            "show": shows[i % len(shows)], "published": published.isoformat(),
            "duration": 1800 + (i * 37) % 5400, "url": f"https://example.org/episodes/{i}",
            "summary": f"A conversation about {pool[chosen[0]].name}.",
            "tags": ["ai", shows[i % len(shows)].split()[0].lower()],
            "chapters": [{"title": "Intro", "start": 0}, {"title": "Main", "start": 300}],
            "entities": ents,
        }
        if summaries:
            others = [pool[order[bisect.bisect_left(cum, notes_rng.random() * total)]].name for _ in range(2)]
            notes, chapter_notes = _show_notes(notes_rng, [pool[c].name for c in chosen[:3]] + others)
            record["summary"] = notes
            for chapter, text in zip(record["chapters"], chapter_notes, strict=True):
                chapter["summary"] = text
        yield (record, gold, classes) if with_classes else (record, gold)


def write_corpus(out: Path, episodes: int, seed: int = 7, hosts: int = 2,
                 summaries: bool = False) -> tuple[int, int]:
    """Write ``episodes.jsonl`` and ``gold.tsv`` under ``out``; return (episodes, mentions)."""
    out.mkdir(parents=True, exist_ok=True)
    mentions = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with (out / "episodes.jsonl").open("w", encoding="utf-8") as ef, \
            (out / "gold.tsv").open("w", encoding="utf-8") as gf:
        gf.write("episode_id\tordinal\tentity\tclass\n")
        for record, gold, classes in generate(episodes, seed, hosts=hosts, with_classes=True,
                                              summaries=summaries):
            ef.write(dumps(record) + "\n")
            ep_id = record["id"]
            rows = enumerate(zip(gold, classes, strict=True))
            gf.write("".join(f"{ep_id}\t{k}\t{g}\t{c}\n" for k, (g, c) in rows))
            mentions += len(gold)
    return episodes, mentions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python benchmarks/generate.py --episodes 10000 --out c")
    parser.add_argument("--episodes", type=int, default=1000, help="number of episodes (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--hosts", type=int, default=2,
                        help="persons in most episodes, like a show's hosts (default 2)")
    parser.add_argument("--summaries", action="store_true",
                        help="add show notes and chapter summaries that name entities (for the linker)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    n_eps, n_mentions = write_corpus(args.out, args.episodes, args.seed, args.hosts, summaries=args.summaries)
    print(f"wrote {n_eps} episodes, {n_mentions} mentions to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
