"""The CSV / TSV loader: long and wide layouts, sniffed delimiters and encodings, bad and duplicate rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from castgraph.cli import main
from castgraph.loaders import InputError, parse_table, read_episodes, read_table

SAMPLES = ROOT / "samples" / "tables"
WIDE = "title,date,guests,sponsors,tags\nEp 1,2026-11-24,Jane Doe; Bob Roe,Acme,ai|agents\nEp 2,,Ann,,\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_long_format_gathers_rows_of_one_episode() -> None:
    text = (
        "episode_id,episode,entity,type,role,description,href\n"
        "e1,Agents,Jane Doe,Person,Guest,Researcher,https://example.org/jane\n"
        "e1,Agents,Acme,company,,,\n"
        "e2,Tools,Jane Doe,person,,,\n"
    )
    eps = parse_table(text).episodes
    assert [(e.id, e.title) for e in eps] == [("e1", "Agents"), ("e2", "Tools")]
    jane, acme = eps[0].mentions
    assert (jane.surface, jane.type_label, jane.role, jane.description, jane.href) == (
        "Jane Doe",
        "Person",
        "guest",
        "Researcher",
        "https://example.org/jane",
    )
    assert (acme.surface, acme.type_label, acme.role) == ("Acme", "company", "")


def test_long_format_by_title_only_gives_show_and_title_ids() -> None:
    eps = parse_table("show,episode,entity\nTech Talks,Agents,Jane\nTech Talks,Agents,Bob\n").episodes
    assert len(eps) == 1 and [m.surface for m in eps[0].mentions] == ["Jane", "Bob"]
    assert eps[0].id == type(eps[0]).make_id("Tech Talks", "Agents")


def test_wide_format_with_column_map() -> None:
    eps = parse_table(WIDE, column_map={"sponsors": "Organization", "tags": "topic"}).episodes
    assert [(m.surface, m.type_label, m.role) for m in eps[0].mentions] == [
        ("Jane Doe", "Person", "guest"),
        ("Bob Roe", "Person", "guest"),
        ("Acme", "Organization", ""),
    ]
    assert eps[0].tags == ["ai", "agents"] and eps[0].published == date(2026, 11, 24)
    assert [m.surface for m in eps[1].mentions] == ["Ann"]


def test_column_map_names_any_column_and_role_comes_from_its_name() -> None:
    text = "Episode Title,Co-Host,Tools Used\nEp,Ann | Bo,Postgres | Redis\n"
    (ep,) = parse_table(text, column_map={"co-host": "Person", "Tools Used": "Product"}).episodes
    assert [(m.surface, m.type_label, m.role) for m in ep.mentions] == [
        ("Ann", "Person", "co-host"),
        ("Bo", "Person", "co-host"),
        ("Postgres", "Product", ""),
        ("Redis", "Product", ""),
    ]


def test_unknown_map_type_is_an_error() -> None:
    with pytest.raises(InputError, match="'Spaceship' is not an entity type"):
        parse_table(WIDE, column_map={"guests": "Spaceship"})


@pytest.mark.parametrize(
    ("cell", "sep", "values"),
    [
        ("Jane Doe; Bob Roe", ";", ["Jane Doe", "Bob Roe"]),
        ("Jane Doe | Bob Roe", "|", ["Jane Doe", "Bob Roe"]),
        ("Jane Doe, Bob Roe", ",", ["Jane Doe", "Bob Roe"]),
        ("Acme Cloud, Inc.", ",", ["Acme Cloud, Inc."]),
    ],
)
def test_cells_split_as_the_data_shows(cell: str, sep: str, values: list[str]) -> None:
    (ep,) = parse_table(f'title,guests\nEp,"{cell}"\n').episodes
    assert [m.surface for m in ep.mentions] == values


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(delimiter: str) -> None:
    d = delimiter
    eps = parse_table(f"title{d}date{d}guests\nEp 1{d}2026-11-24{d}Jane\nEp 2{d}{d}Ann\n").episodes
    assert [(e.title, e.mentions[0].surface) for e in eps] == [("Ep 1", "Jane"), ("Ep 2", "Ann")]


def test_excel_sep_line_and_quoting() -> None:
    text = 'sep=;\ntitle;guests;summary\n"Ep; one";"Jane";"She said ""hi""\nand left"\n'
    (ep,) = parse_table(text).episodes
    assert (ep.title, ep.summary, ep.mentions[0].surface) == ("Ep; one", 'She said "hi"\nand left', "Jane")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
def test_encodings_are_sniffed(tmp_path: Path, encoding: str) -> None:
    text = "title,guests\nCaf\u00e9 talk,Jos\u00e9 Valim\n"
    path = _write(tmp_path, "t.csv", text.encode(encoding))
    result = read_table(path)
    assert [(e.title, e.mentions[0].surface) for e in result.episodes] == [
        ("Caf\u00e9 talk", "Jos\u00e9 Valim")
    ]
    assert bool(result.warnings) == (encoding == "cp1252")  # cp1252 is a guess, and says so


def test_duplicate_rows_are_reported_and_skipped() -> None:
    result = parse_table("title,guests\nEp,Jane\nEp,Jane\n Ep , Jane \n", source="g.csv")
    assert len(result.episodes) == 1 and len(result.episodes[0].mentions) == 1
    assert [str(w) for w in result.warnings] == [
        "g.csv, line 3: duplicate of line 2; skipped",
        "g.csv, line 4: duplicate of line 2; skipped",
    ]


def test_bad_rows_are_warnings_with_line_numbers_and_good_rows_kept() -> None:
    text = 'title,guests\nGood,Jane\nToo many,Jane,extra\n,Nobody\n"Multi\nline",Bob\nAlso good,Ann\n'
    result = parse_table(text, source="g.csv")
    assert [e.title for e in result.episodes] == ["Good", "Multi line", "Also good"]
    assert [str(w) for w in result.warnings] == [
        "g.csv, line 3: bad row: 3 fields, the header has 2; skipped",
        "g.csv, line 4: row has no episode title or id; skipped",
    ]
    assert result.episodes[2].source is not None and result.episodes[2].source.line == 7


def test_table_without_episode_column_is_one_line_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", b"name,role\nJane,guest\n")
    with pytest.raises(InputError, match=r"x.csv: table has no episode column"):
        read_table(path)


def test_sample_tables() -> None:
    result = read_episodes([SAMPLES])
    titles = {e.title: e for e in result.episodes}
    assert set(titles) == {
        "Elixir, Agents and the BEAM",
        "Shipping Copilot at GitHub scale",
        "Evals Are the New Unit Tests",
        "Hiring in 2027",
    }
    copilot = titles["Shipping Copilot at GitHub scale"]
    assert [(m.surface, m.role) for m in copilot.mentions if m.type_label == "Person"] == [
        ("Kyle Daigle", "guest"),
        ("Thomas Dohmke", "guest"),
    ]
    assert copilot.published == date(2026, 11, 20) and copilot.duration_seconds == 3130
    assert copilot.summary == 'Kyle Daigle and Thomas Dohmke on shipping, "trust" and scale.'
    assert [m.role for m in titles["Elixir, Agents and the BEAM"].mentions] == ["guest", "", "", "host"]
    assert len(result.warnings) == 3


def test_cli_map_option(tmp_path: Path) -> None:
    path = _write(tmp_path, "eps.csv", b"title,speakers\nEp,Jane Doe; Bob Roe\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(path), "--out", str(out), "--no-html", "--map", "speakers=Person"]
    )
    assert result.exit_code == 0, result.output
    assert "entities" in result.output and "Person 2" in result.output
    bad = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--map", "speakers"])
    assert bad.exit_code == 2 and "write COLUMN=TYPE" in bad.output
