"""Reading files and directories: format detection, ordering, duplicates and the example corpus."""

from __future__ import annotations

import itertools
import shutil
from datetime import date
from pathlib import Path

import pytest

from castgraph.graph.model import EntityType
from castgraph.loaders import InputError, read_episodes, read_file
from castgraph.loaders.detect import expand_paths

DATA = Path(__file__).parent / "data"


def test_content_decides_over_the_extension() -> None:
    page = read_file(DATA / "page-named.json")
    assert [e.title for e in page.episodes] == ["Stored As JSON But Really A Page"]
    assert page.episodes[0].tags == ["naming"]
    records = read_file(DATA / "records-named.txt")
    assert [e.id for e in records.episodes] == ["t1", "t2"]
    assert records.episodes[0].source is not None and records.episodes[0].source.line == 1


def test_a_directory_loads_supported_files_recursively_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(DATA / "records-named.txt", tmp_path / "nested" / "deeper" / "b.txt")
    shutil.copy(DATA / "page-named.json", tmp_path / "a.json")
    (tmp_path / "README.md").write_text("# not an input\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.jsonl").write_text('{"title": "hidden"}\n')
    assert [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path])] == [
        "a.json",
        "nested/deeper/b.txt",
    ]
    result = read_episodes([tmp_path])
    assert [e.title for e in result.episodes] == [
        "Stored As JSON But Really A Page",
        "JSONL In A Text File",
        "Another Line",
    ]


def test_same_episodes_in_the_same_order_whatever_the_input_order(tmp_path: Path) -> None:
    for name in ("small-page.txt", "broken-records.jsonl", "records-named.txt", "page-named.json"):
        shutil.copy(DATA / name, tmp_path / name)
    # The same episode as line 1 of records-named.txt, with a summary too: the fuller copy wins.
    (tmp_path / "dupe.jsonl").write_text(
        '{"id": "t1", "title": "JSONL In A Text File", "summary": "fuller", '
        '"entities": [{"name": "Ada Quinn", "type": "Person"}]}\n'
    )
    files = sorted(tmp_path.iterdir())
    dumps = set()
    for order in itertools.islice(itertools.permutations(files), 0, None, 17):
        result = read_episodes(order, as_of=date(2026, 11, 25))
        dumps.add(result.model_dump_json())
    assert len(dumps) == 1
    result = read_episodes(files)
    t1 = next(e for e in result.episodes if e.id == "t1")
    assert t1.summary == "fuller"
    assert [w.message for w in result.warnings if "duplicate" in w.message] == [
        f"duplicate of episode t1 from {tmp_path / 'dupe.jsonl'}, line 1; kept that copy"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"just a note\nwith two lines\n", "unrecognized content"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    ],
)
def test_unusable_files_raise_input_errors_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"^{path}: {message}"):
        read_episodes([path])


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        read_episodes([tmp_path / "nope.jsonl"])
    with pytest.raises(InputError, match="no episode files in directory"):
        read_episodes([tmp_path])
    with pytest.raises(InputError, match="no input files given"):
        read_episodes([])


def test_real_page_with_a_json_extension_reads_the_same(tmp_path: Path, real_page_path: Path) -> None:
    renamed = tmp_path / "latent-space.json"
    shutil.copy(real_page_path, renamed)
    episodes = read_episodes([renamed]).episodes
    assert sum(len(e.mentions) for e in episodes) == 137


# --- the example corpus -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(examples_dir: Path) -> list:
    result = read_episodes([examples_dir], as_of=date(2026, 11, 25))
    assert result.warnings == []
    return result.episodes


def test_examples_load_both_files(corpus: list) -> None:
    files = {Path(e.source.file).name for e in corpus}
    assert files == {"episodes.jsonl", "tech-talks-page.txt"}
    assert len(corpus) == 15
    assert sum(1 for e in corpus if Path(e.source.file).name == "tech-talks-page.txt") == 5
    assert all(e.published is not None and e.mentions and e.chapters and e.tags for e in corpus)
    assert any(any("\u3040" <= ch <= "\u30ff" for ch in e.title) for e in corpus)


def test_examples_write_recurring_entities_in_varied_ways(corpus: list) -> None:
    surfaces = {m.surface for e in corpus for m in e.mentions}
    variants = [
        {"OpenAI", "Open AI", "OpenAI, Inc."},
        {"Hugging Face", "HuggingFace"},
        {"Shawn Wang / swyx", "swyx"},
        {"Andrej Karpathy", "Andrej Karpaty"},
        {"José Valim", "Jose Valim"},
        {"Amazon Web Services (AWS)", "AWS"},
        {"GPT-4", "GPT4"},
        {"Claude", "Claude Code"},
        {"GitHub", "GitHub Copilot"},
        {"Llama 2", "Llama 3"},
    ]
    for group in variants:
        assert group <= surfaces, group - surfaces
    labels = {m.type_label for e in corpus for m in e.mentions}
    assert {"Person", "人物", "組織", "Organization"} <= labels
    assert EntityType.OTHER not in {EntityType.from_label(label) for label in labels}


def test_a_page_that_is_not_utf8_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cp1252-page.txt"
    text = (DATA / "page-named.json").read_text(encoding="utf-8").replace("A page saved", "Café page saved")
    path.write_bytes(text.encode("cp1252"))
    result = read_episodes([path])
    assert result.episodes[0].summary.startswith("Café page saved")
    assert [(w.source.file, w.message.split(" (")[0]) for w in result.warnings] == [
        (str(path), "not valid UTF-8")
    ]


def test_a_single_path_can_be_given_bare(examples_dir: Path) -> None:
    assert read_episodes(str(examples_dir)) == read_episodes([examples_dir])
