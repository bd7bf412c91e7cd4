"""A goal paper from a spreadsheet (issue 25): the template, the preview with one Danish error
per row and cell, the import as a draft all or nothing, the command with --dry-run, who may
import into which region, and a paper exported and imported again unchanged."""

import csv
import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook
from openpyxl import load_workbook

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import Milestone
from goals.paper_import import COLUMNS
from goals.paper_import import import_paper
from goals.paper_import import read_paper
from goals.sheets import read_sheet
from municipalities.models import Region
from tests.builders import assert_polite
from tests.builders import command_error
from tests.builders import make_user

pytestmark = pytest.mark.django_db

HEADER = [header for _key, header in COLUMNS]
IMPORT_URL = "/admin/goals/goalpaper/import/"


def sheet_file(rows, fmt="xlsx", name=None):
    """The rows (the header first) as an uploaded .xlsx or CSV file."""
    if fmt == "xlsx":
        book = Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    else:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        data = buffer.getvalue().encode("utf-8-sig")
    return SimpleUploadedFile(name or f"maal.{fmt}", data)


def good_rows():
    return [
        HEADER,
        ["Akutfunktioner", "1", "Ensartede akutfunktioner", "KKR-mål", "Alle kommuner har en akutfunktion.",
         "inden udgangen af 2027", "kommune", "1 af 3 (2026)", "Styregruppen", "Forebyggelige indlæggelser", "pr. 1.000"],
        ["", "", "", "", "Kommunerne laver en fælles plan.", "primo 2027", "fælles", "", "", "", ""],
        ["Unge", "2", "Unges sundhed", "", "Hver kommune har en strategi.", "31.12.2026", "", "", "", "", ""],
        ["Unge", "A", "Demens", "udviklingsområde", "", "", "", "", "", "", ""],
    ]  # fmt: skip


def test_the_template_has_the_issues_columns_and_an_example_row(staff):
    response = staff.get("/sekretariat/maalpapirer/skabelon.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Tema", "Mål nr.", "Mål", "Type", "Milepæl", "Frist", "Omfang", "Udgangspunkt",
        "Tovholder", "Indikator", "Enhed",
    ]  # fmt: skip
    assert len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["Type"] == "KKR-mål" and example["Omfang"] == "kommune"
    assert (
        example["Frist"] == "inden udgangen af 2027"
        and example["Udgangspunkt"] == "18 af 19 (2026)"
    )
    csv_text = staff.get("/sekretariat/maalpapirer/skabelon.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ";".join(HEADER)


def test_the_template_imports_as_it_is(loaded):
    """Filled in with nothing but its example, the template is a paper of one goal."""
    from goals.paper_import import template_rows

    rows = [HEADER, [template_rows()[0][key] for key, _h in COLUMNS]]
    plan = read_paper(read_sheet(sheet_file(rows)), Region.objects.get(slug="midtjylland"))

    assert plan.errors == []
    assert plan.summary() == "1 tema, 1 mål, 1 milepæl, 1 indikator"


def test_every_kind_of_error_is_named_by_row_and_cell(region, municipalities):
    rows = [
        HEADER,
        ["Tema", "1", "Et mål", "KKR-mål", "Første milepæl", "inden udgangen af 2027", "kommune", "", "", "", ""],
        ["", "1", "", "", "Frist uden dato", "snart", "", "", "", "", ""],
        ["", "1", "", "", "Forkert omfang", "i 2027", "region", "", "", "", ""],
        ["", "1", "", "", "For mange kommuner", "", "kommune", "20 af 21", "", "", ""],
        ["Tema", "2", "Et andet mål", "", "", "", "", "", "", "", ""],
        ["Tema", "1", "Et mål igen", "", "Igen", "", "", "", "", "", ""],
        ["", "3", "Forkert type", "delmål", "", "", "", "", "", "", ""],
        ["", "4", "", "", "Mål uden titel", "", "", "", "", "", ""],
        ["", "5", "Udgangspunkt", "", "Flere end i alt", "", "", "3 af 2", "", "", ""],
        ["", "6", "Frist uden milepæl", "", "", "i 2027", "", "", "", "", ""],
        ["", "6", "", "", "", "", "", "", "", "", "pct."],
    ]  # fmt: skip

    plan = read_paper(read_sheet(sheet_file(rows)), region)

    assert [str(error) for error in plan.errors] == [
        (
            "Række 3, Frist (F3): “snart” er hverken en dato eller en trykt frist. Skriv fx "
            "31.12.2017, “primo 2018” eller “inden udgangen af 2017”, eller skriv datoen i parentes "
            "efter ordlyden: “efter aftale (31.12.2017)”."
        ),
        "Række 4, Omfang (G4): “region” er ikke et omfang. Skriv kommune, fælles eller klynge.",
        (
            "Række 5, Udgangspunkt (H5): Udgangspunktet er ud af 21 kommuner, men KKR Hovedstaden "
            "har 3."
        ),
        (
            "Række 7, Mål nr. (B7): Mål nr. 1 står allerede i række 2. Et nummer må kun bruges til ét "
            "mål, og et måls rækker skal stå lige under hinanden."
        ),
        (
            "Række 8, Type (D8): “delmål” er ikke en type. Skriv KKR-mål, udviklingsområde eller "
            "fokusområde."
        ),
        "Række 9, Mål (C9): Målets titel mangler.",
        "Række 10, Udgangspunkt (H10): Udgangspunktet 3 af 2 er flere end i alt.",
        "Række 11, Frist (F11): Frist er udfyldt, men rækken har ingen milepæl.",
        "Række 12, Enhed (K12): Enheden er udfyldt, men rækken har ingen indikator.",
    ]


def test_a_sheet_without_the_templates_headers_is_refused_in_words(region, municipalities):
    plan = read_paper(read_sheet(sheet_file([["Nummer", "Titel"], ["1", "Et mål"]], "csv")), region)

    assert [str(e) for e in plan.errors] == [
        "Række 1: Overskriftsrækken mangler kolonnen “Mål nr.”, “Mål”. Den første udfyldte række "
        "skal have skabelonens overskrifter: " + ", ".join(HEADER) + "."
    ]


def test_the_preview_shows_the_errors_and_saves_nothing(staff, region, municipalities):
    rows = good_rows()
    rows[2][5] = "snart"
    papers = GoalPaper.objects.count()

    page = staff.post(
        IMPORT_URL,
        {"step": "preview", "region": region.pk, "title": "KKR-mål 2027", "kind": "kkr_maal",
         "file": sheet_file(rows)},
    ).content.decode()  # fmt: skip

    assert "Filen har 1 fejl. Intet er gemt" in page
    assert "<td>3</td><td>F3</td><td>Frist</td><td>“snart” er hverken en dato" in unescape(page)
    assert 'value="Importér som udkast"' not in page
    assert GoalPaper.objects.count() == papers


def _confirmation(page):
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden = {name: unescape(value) for name, value in hidden.items()}
    hidden["step"] = "import"
    return hidden


def test_the_secretariat_imports_a_2027_paper_as_a_draft(
    staff, secretariat, region, municipalities
):
    page = staff.post(
        IMPORT_URL,
        {"step": "preview", "region": region.pk, "title": "KKR-mål 2027", "kind": "kkr_maal",
         "file": sheet_file(good_rows())},
    ).content.decode()  # fmt: skip
    assert "Filen giver <strong>2 temaer, 3 mål, 3 milepæle, 1 indikator</strong>" in page
    assert not GoalPaper.objects.filter(title="KKR-mål 2027").exists()  # a preview saves nothing

    response = staff.post(IMPORT_URL, _confirmation(page))

    paper = GoalPaper.objects.get(title="KKR-mål 2027")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/goals/goalpaper/{paper.pk}/change/"
    assert paper.state == GoalPaper.State.DRAFT and paper.region == region
    assert (paper.first_year, paper.last_year) == (2026, 2027)  # from the deadlines
    assert paper.provenance["first_year"]["estimated"] is True
    assert [t.title for t in paper.themes.all()] == ["Akutfunktioner", "Unge"]
    goals = {g.number: g for g in paper.goals.all()}
    assert goals["A"].kind == Goal.Kind.DEVELOPMENT_AREA and goals["A"].state == Goal.State.PIPELINE
    first, joint = goals["1"].milestones.order_by("order")
    assert (first.due.isoformat(), first.due_approximate, first.due_text) == (
        "2027-12-31",
        False,
        "inden udgangen of 2027".replace("of", "af"),
    )
    assert (first.baseline_count, first.baseline_of, first.baseline_year) == (1, 3, 2026)
    assert first.lead == "Styregruppen" and joint.scope == Milestone.Scope.JOINT
    assert joint.due_approximate and joint.due.isoformat() == "2027-03-31"
    assert goals["1"].indicators.get().unit == "pr. 1.000"
    assert first.history.get().history_user == secretariat
    followed = staff.get(response["Location"]).content.decode()
    assert (
        "Målpapiret er importeret som udkast: 2 temaer, 3 mål, 3 milepæle, 1 indikator." in followed
    )


def test_a_region_of_another_secretariat_is_not_offered_nor_taken(
    client, other_secretariat, region, other_region, municipalities
):
    client.force_login(other_secretariat)
    form = client.get(IMPORT_URL).content.decode()
    assert f'value="{region.pk}"' not in form and f'value="{other_region.pk}"' in form

    page = client.post(
        IMPORT_URL,
        {"step": "preview", "region": region.pk, "title": "Indbrud", "kind": "kkr_maal",
         "file": sheet_file(good_rows())},
    ).content.decode()  # fmt: skip

    assert "Vælg en region, hvis sekretariat du er med i." in page
    assert not GoalPaper.objects.filter(title="Indbrud").exists()


def test_a_preview_signed_for_one_user_does_not_import_for_another(
    client, staff, secretariat, region, municipalities
):
    page = staff.post(
        IMPORT_URL,
        {"step": "preview", "region": region.pk, "title": "KKR-mål 2027", "kind": "kkr_maal",
         "file": sheet_file(good_rows())},
    ).content.decode()  # fmt: skip
    colleague = make_user("kollega", region=region, is_staff=True)
    client.force_login(colleague)

    refused = client.post(IMPORT_URL, _confirmation(page)).content.decode()

    assert "Forhåndsvisningen kunne ikke genkendes. Upload filen igen." in refused
    assert not GoalPaper.objects.filter(title="KKR-mål 2027").exists()


def test_only_the_secretariat_gets_the_import_page(client, reporters, paper):
    client.force_login(reporters[101])
    assert client.get(IMPORT_URL).status_code == 302  # to the admin's login
    client.force_login(make_user("uden-sekretariat", is_staff=True))
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get("/sekretariat/maalpapirer/skabelon.xlsx").status_code == 404


def test_a_paper_is_exported_only_to_its_own_regions_secretariat(staff, paper, other_paper):
    assert staff.get(f"/sekretariat/maalpapirer/{paper.pk}/regneark.xlsx").status_code == 200
    assert staff.get(f"/sekretariat/maalpapirer/{other_paper.pk}/regneark.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("upload", "said"),
    [
        (SimpleUploadedFile("stor.csv", b"a;b\n" * 600_000), "Filen er for stor (2,3\xa0MB). Den må højst fylde 2,0\xa0MB."),
        (SimpleUploadedFile("billede.csv", b"\x89PNG\r\n\x1a\n\x00\x00"), "Filen kan ikke læses som et regneark."),
        (SimpleUploadedFile("gammel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64), "Excels gamle .xls-format"),
        (SimpleUploadedFile("tom.csv", b""), "Den medsendte fil er tom."),
    ],
)  # fmt: skip
def test_a_file_that_is_no_spreadsheet_is_refused_in_danish(
    staff, region, municipalities, upload, said
):
    page = staff.post(
        IMPORT_URL,
        {"step": "preview", "region": region.pk, "title": "T", "kind": "kkr_maal", "file": upload},
    ).content.decode()

    assert said in unescape(page)
    assert_polite(page)
    assert not GoalPaper.objects.filter(title="T").exists()


def test_an_import_that_fails_half_way_leaves_nothing(region, municipalities, monkeypatch):
    plan = read_paper(read_sheet(sheet_file(good_rows())), region)
    assert plan.errors == []
    papers, goals = GoalPaper.objects.count(), Goal.objects.count()

    def broken(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Indicator, "save", broken)  # after the paper, its themes and goals
    with pytest.raises(RuntimeError):
        import_paper(plan, region=region, title="Halvt")

    assert (GoalPaper.objects.count(), Goal.objects.count()) == (papers, goals)


def _write(tmp_path, rows, fmt="xlsx"):
    path = tmp_path / f"maal.{fmt}"
    path.write_bytes(sheet_file(rows, fmt).read())
    return str(path)


def test_the_command_checks_with_dry_run_and_prints_the_previews_errors(
    tmp_path, region, municipalities, capsys
):
    rows = good_rows()
    rows[2][6] = "region"
    path = _write(tmp_path, rows)
    err = io.StringIO()

    said = command_error(
        "import_paper", path, region="hovedstaden", title="KKR 2027", dry_run=True, stderr=err
    )

    expected = [str(e) for e in read_paper(read_sheet(sheet_file(rows)), region).errors]
    assert err.getvalue().splitlines() == expected
    assert expected == [
        "Række 3, Omfang (G3): “region” er ikke et omfang. Skriv kommune, fælles eller klynge."
    ]
    assert said == "Filen er ikke importeret: 1 fejl. Ret dem, og prøv igen; intet er gemt."
    assert not GoalPaper.objects.filter(title="KKR 2027").exists()


def test_the_command_imports_after_a_dry_run(tmp_path, region, municipalities):
    path = _write(tmp_path, good_rows(), "csv")
    out = io.StringIO()

    call_command(
        "import_paper", path, region="hovedstaden", title="KKR 2027", dry_run=True, stdout=out
    )
    assert (
        "Filen kan importeres: 2 temaer, 3 mål, 3 milepæle, 1 indikator. Intet er gemt"
        in out.getvalue()
    )
    assert not GoalPaper.objects.filter(title="KKR 2027").exists()

    call_command("import_paper", path, region="hovedstaden", title="KKR 2027", first_year="2026",
                 last_year="2028", stdout=out)  # fmt: skip
    paper = GoalPaper.objects.get(title="KKR 2027")
    assert paper.state == GoalPaper.State.DRAFT and (paper.first_year, paper.last_year) == (
        2026,
        2028,
    )
    assert "first_year" not in paper.provenance and "adopted_year" in paper.provenance
    assert f"(id {paper.pk}) er importeret som udkast" in out.getvalue()


def test_the_command_names_what_is_wrong_with_its_options(tmp_path, region):
    path = _write(tmp_path, good_rows())
    assert "Der er ingen region med det korte navn »atlantis«" in command_error(
        "import_paper", path, region="atlantis", title="T"
    )
    assert "kan ikke åbnes" in command_error(
        "import_paper", str(tmp_path / "findes-ikke.xlsx"), region="hovedstaden", title="T"
    )
    assert "--first-year skal være mellem 2000 og 2100" in command_error(
        "import_paper", path, region="hovedstaden", title="T", first_year="1900"
    )


# --- a paper exported and imported again ----------------------------------------------------


def _shape(paper):
    """A paper's goals, milestones and indicators in the template's terms, in order."""
    goals = []
    for goal in Goal.objects.filter(paper=paper).order_by("order", "number"):
        goals.append(
            (
                goal.number,
                goal.title,
                goal.kind,
                goal.theme.title if goal.theme else "",
                goal.parent.number if goal.parent else None,
                [
                    (m.order, m.text, m.due, m.due_approximate, m.due_text, m.scope, m.lead,
                     m.baseline_count, m.baseline_of, m.baseline_year)
                    for m in goal.milestones.order_by("order")
                ],
                [(i.order, i.name, i.unit) for i in goal.indicators.order_by("order")],
            )
        )  # fmt: skip
    return goals


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_loaded_paper_exported_and_imported_again_is_the_same(loaded, superuser_client, fmt):
    midtjylland = GoalPaper.objects.get(source="002_73cf8f81b5b917b6.txt")
    Indicator.objects.create(goal=midtjylland.goals.get(number="1.2"), order=1,
                             name="=Forebyggelige; indlæggelser", unit="pr. 1.000")  # fmt: skip
    papers = list(GoalPaper.objects.order_by("pk"))
    assert len(papers) == 5
    for paper in papers:
        url = f"/sekretariat/maalpapirer/{paper.pk}/regneark.{fmt}"
        exported = superuser_client.get(url).content
        plan = read_paper(read_sheet(SimpleUploadedFile(f"x.{fmt}", exported)), paper.region)
        assert plan.errors == [], (paper.source, [str(e) for e in plan.errors])

        copy = import_paper(plan, region=paper.region, title=paper.title, source=f"kopi-{paper.pk}")

        assert _shape(copy) == _shape(paper), paper.source
        again = superuser_client.get(f"/sekretariat/maalpapirer/{copy.pk}/regneark.{fmt}").content
        if fmt == "csv":
            assert again == exported
