"""The federation file: import, export round trip, the Peru template, bad input."""

from __future__ import annotations

import json

import pytest

from asamblea.cli.federation import spec_to_csv
from asamblea.cli.main import main
from asamblea.errors import InvalidFile
from asamblea.federation.importing import do_import_federation, export_federation
from asamblea.federation.models import Body, Delegation, Federation, Level
from asamblea.federation.peru import peru_spec
from asamblea.federation.spec import parse_file
from asamblea.record.models import Entry
from support.factories import small_federation_spec

GOOD_CSV = """slug,name,kind,level,sector,parents,delegation_seats,code,seat_method,seat_total,seat_min,seat_max
national,National assembly,council,national,territorial,,,,dhondt,9,1,
national-command,National command,command,national,territorial,national,,,,,,
north,North assembly,council,region,territorial,national,,,sainte-lague,5,1,
south,South assembly,council,region,territorial,national,,,dhondt,5,,
union,Dockers union,base,base,workers,north|south,2,,,,,
village,Village assembly,base,base,territorial,north,,,,,,
"""


def test_a_csv_file_imports_and_exports_back_to_the_same_csv(db, tmp_path):
    spec = parse_file(GOOD_CSV, path="fed.csv", slug="csvfed", name="CSV federation")
    federation = do_import_federation(spec)
    assert Body.objects.filter(federation=federation).count() == 6
    union_up = Delegation.objects.filter(source__slug="union").order_by("council__slug")
    assert [(d.council.slug, d.fixed_seats, d.next_seats) for d in union_up] == [
        ("north", 2, 2),
        ("south", 2, 2),
    ]
    assert Body.objects.get(slug="national-command").command_of.slug == "national"
    assert list(Level.objects.filter(federation=federation).values_list("key", "rank")) == [
        ("national", 0),
        ("region", 1),
        ("base", 2),
    ]
    assert spec_to_csv(export_federation(federation)) == GOOD_CSV


def test_a_csv_saved_by_excel_in_spanish_imports_the_same(db, tmp_path):
    # Semicolons and Windows-1252, as Excel in a Spanish locale writes "CSV".
    excel = GOOD_CSV.replace(",", ";").replace("Village assembly", "Asamblea de Cañete")
    source = tmp_path / "fed.csv"
    source.write_bytes(excel.replace("\n", "\r\n").encode("cp1252"))
    assert main(["federation", "import", str(source), "--slug", "xl", "--name", "Excel"]) == 0
    federation = Federation.objects.get(slug="xl")
    assert Body.objects.get(federation=federation, slug="village").name == "Asamblea de Cañete"
    assert spec_to_csv(export_federation(federation)) == GOOD_CSV.replace(
        "Village assembly", "Asamblea de Cañete"
    )


def test_a_json_export_imports_into_an_identical_federation(db):
    first = do_import_federation(small_federation_spec("one"))
    exported = export_federation(first).to_json()
    exported["federation"]["slug"] = "two"
    text = json.dumps(exported, indent=2)
    second = do_import_federation(parse_file(text, path="two.json"))
    again = export_federation(second).to_json()
    again["federation"]["slug"] = "one"
    exported["federation"]["slug"] = "one"
    assert again == exported


def test_the_cli_round_trips_through_files(db, tmp_path, capsys):
    source = tmp_path / "fed.csv"
    source.write_text(GOOD_CSV, encoding="utf-8")
    assert main(["federation", "import", str(source), "--slug", "clifed", "--name", "CLI"]) == 0
    out = tmp_path / "out.json"
    assert main(["federation", "export", "clifed", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {b["slug"] for b in data["bodies"]} == {
        "national",
        "national-command",
        "north",
        "south",
        "union",
        "village",
    }


BAD_CSV = [
    pytest.param(
        "slug,name,kind,level,sector,parents\nx,X,council,top,t,\ny,Y,base,b,t,nowhere\n",
        3,
        "'nowhere', which is not a body",
        id="csv-parent-that-does-not-exist",
    ),
    pytest.param(
        "slug,name,kind,level,sector\nx,X,council,top,t\ny,,base,b,t\n",
        3,
        "'name' field is empty",
        id="csv-empty-name",
    ),
    pytest.param(
        "slug,name,kind,level,sector\nx,X,assembly,top,t\n",
        2,
        "kind 'assembly' is not one of",
        id="csv-unknown-kind",
    ),
    pytest.param(
        "slug,name,kind,level,sector,parents\nx,X,council,top,t,\ny,Y,base,b,t,x,extra\n",
        3,
        "more fields than the header",
        id="csv-extra-field",
    ),
    pytest.param(
        "slug,name,kind,level,sector,seat_total\nx,X,council,top,t,lots\n",
        2,
        "seat_total must be a whole number",
        id="csv-seat-total-not-a-number",
    ),
    pytest.param(
        "slug,name,kind,level,sector,parents\na,A,council,top,t,b\nb,B,council,top,t,a\n",
        3,
        "closes a loop",
        id="csv-delegation-cycle",
    ),
    pytest.param(
        "slug,name,kind,level,sector,parents\nx,X,council,top,t,\nx,X2,council,top,t,\n",
        3,
        "already a body 'x'",
        id="csv-duplicate-slug",
    ),
    pytest.param(
        "slug,name,kind,level,sector,parents\nx,X,base,top,t,\ny,Y,base,b,t,x\n",
        3,
        "delegates go to councils",
        id="csv-delegates-to-a-base-assembly",
    ),
    pytest.param(
        "slug,name,kind,level\nx,X,council,top\n",
        1,
        "lacks the column(s) sector",
        id="csv-missing-column",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_CSV)
def test_a_malformed_csv_names_the_line_and_changes_nothing(
    db, tmp_path, capsys, text, line, message
):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    code = main(["federation", "import", str(path), "--slug", "bad", "--name", "Bad"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"line {line}:" in err and message in err
    assert "Traceback" not in err
    assert not Federation.objects.filter(slug="bad").exists()


BAD_JSON = [
    pytest.param(
        '{"federation": {"slug": "j", "name": "J"},\n "levels": [\n',
        3,
        "not valid JSON",
        id="json-truncated",
    ),
    pytest.param(
        '{"federation": {"slug": "j", "name": "J"},\n"levels": [{"key": "l", "rank": 0}],'
        '\n"sectors": [{"key": "s"}],\n"bodies": [\n {"slug": "a", "name": "A", '
        '"kind": "council", "level": "l", "sector": "s"},\n {"slug": "b", "name": "B", '
        '"kind": "base", "level": "l", "sector": "nope"}\n]}',
        6,
        "sector 'nope' is not defined",
        id="json-unknown-sector",
    ),
    pytest.param(
        '{"federation": {"slug": "j", "name": "J"},\n"levels": [{"key": "l", "rank": 0}],'
        '\n"sectors": [{"key": "s"}],\n"bodies": [\n {"slug": "a", "name": "A", '
        '"kind": "council", "level": "l", "sector": "s"}],\n"delegations": [\n'
        ' {"source": "a", "council": "a", "seats": 2}]}',
        7,
        "closes a loop",
        id="json-delegation-to-itself",
    ),
    pytest.param(
        '{"federation": {"slug": "j", "name": "J"},\n"levels": [{"key": "l", "rank": 0}],'
        '\n"sectors": [{"key": "s"}],\n"bodies": [\n {"slug": "a", "name": "A", '
        '"kind": "council", "level": "l", "sector": "s"},\n {"slug": "b", "name": "B", '
        '"kind": "base", "level": "l", "sector": "s"}],\n"delegations": [\n'
        ' {"source": "b", "council": "a", "seats": -1}]}',
        8,
        "must be at least 1",
        id="json-negative-seats",
    ),
    pytest.param("[1, 2]", 1, "expected a JSON object", id="json-not-an-object"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_JSON)
def test_a_malformed_json_file_names_the_line_and_changes_nothing(
    db, tmp_path, capsys, text, line, message
):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    assert main(["federation", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"line {line}:" in err and message in err
    assert not Federation.objects.exists()


def test_a_file_that_fails_in_the_database_leaves_nothing_half_written(db):
    do_import_federation(small_federation_spec("dup"))
    entries = Entry.objects.count()
    bodies = Body.objects.count()
    again = small_federation_spec("dup")  # same slugs: adds nothing, names the clash
    again.levels, again.sectors = [], []
    with pytest.raises(InvalidFile, match="already a body 'national'"):
        do_import_federation(again)
    assert Body.objects.count() == bodies and Entry.objects.count() == entries


def test_the_peru_template_has_26_regions_and_196_provinces():
    spec = peru_spec()
    kinds = [(b.level, b.kind) for b in spec.bodies]
    assert kinds.count(("regional", "council")) == 26
    assert kinds.count(("provincial", "council")) == 196
    assert kinds.count(("nacional", "council")) == 1
    regions = {b.slug for b in spec.bodies if b.level == "regional" and b.kind == "council"}
    assert {"region-lima-metropolitana", "region-lima-provincias", "region-callao"} <= regions
    lima = [d.council for d in spec.delegations if d.source == "provincia-lima"]
    assert lima == ["region-lima-metropolitana"]


def test_all_1891_districts_import_as_base_assemblies_under_their_provinces(db):
    federation = do_import_federation(peru_spec("all"))
    bases = Body.objects.filter(federation=federation, kind="base")
    assert bases.count() == 1891
    assert (
        Delegation.objects.filter(source__in=bases, council__level__key="provincial").count()
        == 1891
    )
    huamanga = Body.objects.get(federation=federation, slug="provincia-huamanga")
    assert Delegation.objects.filter(council=huamanga).count() == 16
    # Every council's apportioned seats add up to its total.
    for council in Body.objects.filter(federation=federation, kind="council"):
        seats = sum(d.next_seats for d in Delegation.objects.filter(council=council))
        children = Delegation.objects.filter(council=council).count()
        assert seats == max(council.seat_total, children), council.slug


def test_districts_can_be_added_to_an_existing_federation_on_demand(db):
    do_import_federation(peru_spec())
    spec = peru_spec({"05"})
    spec.bodies = [b for b in spec.bodies if b.level == "distrital"]
    spec.delegations = [d for d in spec.delegations if d.source.startswith("distrito-")]
    spec.levels, spec.sectors = [], []
    do_import_federation(spec)
    assert Body.objects.filter(kind="base", code__startswith="05").count() == 124
