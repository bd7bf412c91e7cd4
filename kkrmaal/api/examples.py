"""Examples for the schema's components, taken from the demo (`python manage.py demo`:
Hovedstaden's KKR-mål for sundhed 2017–2018 and its 2018 round; long texts end at their first
paragraph). tests/test_api_schema.py checks each against its component's schema."""

PAPER_KEY = "001_b6c4e8802b7d46aa"
GOAL_TITLE = (
    "Vi vil sikre effektive akuttilbud i det nære sundhedsvæsen til borgere med fysiske sygdomme"
)
MILESTONE_TEXT = (
    "Kommunerne vil udarbejde og følge en fælles plan, som viser de forskellige udviklingstrin "
    "frem mod 2018, hvor alle kommuner skal sikre deres borgere adgang til en akutfunktion, "
    "som lever op til Sundhedsstyrelsens kvalitetsstandard."
)
SERVER = "http://127.0.0.1:8000"

REGION = {"slug": "hovedstaden", "name": "Hovedstaden", "code": 1084, "municipality_count": 29}
CLUSTER = {
    "id": 1,
    "region": "hovedstaden",
    "name": "Nord",
    "description": "Sundhedsklyngen omkring Nordsjællands Hospital (planområde Nord).",
    "order": 1,
}
MUNICIPALITY = {
    "kommunekode": 101,
    "name": "København",
    "region": "hovedstaden",
    "cluster": 4,
    "cluster_name": "Byen",
}
PAPER = {
    "id": 2,
    "key": PAPER_KEY,
    "region": "hovedstaden",
    "title": "KKR-mål for sundhed",
    "kind": "kkr_maal",
    "adopted_year": 2017,
    "first_year": 2017,
    "last_year": 2018,
    "state": "adopted",
    "public_label": {"da": "Vedtaget", "en": "Adopted"},
    "summary": (
        "I KKR-Hovedstaden vil vi sammen gøre en forskel for vores borgeres sundhed – uanset om "
        "det drejer sig om et brud på hoften eller et knækket sind."
    ),
    "source": "001_b6c4e8802b7d46aa.txt",
}
MILESTONE = {
    "id": 10,
    "key": f"{PAPER_KEY}:1:1",
    "goal": 4,
    "order": 1,
    "text": MILESTONE_TEXT,
    "due": "2018-12-31",
    "due_approximate": True,
    "due_text": "frem mod 2018",
    "scope": "municipality",
    "lead": "",
    "baseline_count": None,
    "baseline_of": None,
    "baseline_year": None,
}
GOAL = {
    "id": 4,
    "key": f"{PAPER_KEY}:1",
    "region": "hovedstaden",
    "paper": 2,
    "theme": "En fælles plan for akutfunktioner til borgere med fysiske sygdomme",
    "parent": None,
    "number": "1",
    "order": 1,
    "title": GOAL_TITLE,
    "description": (
        "Vi vil tegne en fælles og entydig profil for vores akutfunktioner med udgangspunkt i "
        "Sundhedsstyrelsens kvalitetsstandard."
    ),
    "kind": "commitment",
    "state": "active",
    "public_label": {"da": "KKR-mål · aktivt", "en": "KKR goal · active"},
    "national_goal": (
        "KKR-målene understøtter den nationale handlingsplan for den ældre medicinske patient."
    ),
    "replaces": 1,
    "milestones": [MILESTONE],
    "indicators": [],
}
LINKS = {
    "progress": f"{SERVER}/api/v1/rounds/2/progress/",
    "lines": f"{SERVER}/api/v1/rounds/2/lines/",
    "csv": f"{SERVER}/api/v1/rounds/2/lines.csv",
    "xlsx": f"{SERVER}/api/v1/rounds/2/lines.xlsx",
    "paper_pdf": f"{SERVER}/rapporter/hovedstaden/2018/statuspapir.pdf",
    "datapackage": f"{SERVER}/api/v1/regions/hovedstaden/datapackage.zip",
}
ROUND = {
    "id": 2,
    "region": "hovedstaden",
    "paper": 2,
    "paper_title": "KKR-mål for sundhed",
    "year": 2018,
    "opens": "2018-09-01",
    "deadline": "2018-10-15",
    "published_at": "2018-11-14T10:00:00+01:00",
    "version": 1,
    "links": LINKS,
}
TALLY = {"met": 23, "on_track": 0, "overdue": 6, "missing": 0, "not_relevant": 0, "total": 29}
GOAL_PROGRESS = {
    "id": 4,
    "key": f"{PAPER_KEY}:1",
    "number": "1",
    "title": GOAL_TITLE,
    "kind": "commitment",
    "verdict": "overdue",
    "verdict_label": "Forsinket",
    "verdict_reason": (
        "Forsinket, fordi en milepæl ikke er opfyldt efter fristen (Albertslund, Ballerup, "
        "Dragør, Gribskov, Halsnæs og Hørsholm)."
    ),
    "tally": TALLY,
    "clusters": [
        {
            "cluster": 1,
            "cluster_name": "Nord",
            "tally": {
                "met": 7,
                "on_track": 0,
                "overdue": 1,
                "missing": 0,
                "not_relevant": 0,
                "total": 8,
            },
        }
    ],
    "milestones": [
        {
            "id": 10,
            "key": f"{PAPER_KEY}:1:1",
            "text": MILESTONE_TEXT,
            "scope": "municipality",
            "due": "2018-12-31",
            "asked": True,
            "tally": TALLY,
            "statuses": {"met": 23, "in_progress": 6},
            "answers": [],
        }
    ],
    "decision": {
        "decision": "continue",
        "label": "fortsætter uændret",
        "comment": (
            "Målet er ikke nået ved periodens udgang. KKR fastholder det og følger op i de "
            "kommende statusrunder."
        ),
        "new_goal": None,
    },
}
MUNICIPALITY_PROGRESS = {
    "kommunekode": 165,
    "name": "Albertslund",
    "cluster": 3,
    "report_state": "approved",
    "tally": {"met": 1, "on_track": 0, "overdue": 0, "missing": 0, "not_relevant": 0, "total": 1},
}
LINE = {
    "round": 2,
    "region": "hovedstaden",
    "year": 2018,
    "kommunekode": 165,
    "municipality": "Albertslund",
    "cluster": 3,
    "cluster_name": "Syd",
    "goal": 4,
    "goal_key": f"{PAPER_KEY}:1",
    "goal_number": "1",
    "goal_title": GOAL_TITLE,
    "milestone": 10,
    "milestone_key": f"{PAPER_KEY}:1:1",
    "milestone_text": MILESTONE_TEXT,
    "due": "2018-12-31",
    "report_state": "approved",
    "status": "met",
    "status_label": "opfyldt",
    "evaluation": "met",
    "evaluation_label": "Opfyldt",
    "comment": "Opfyldt. Indsatsen er i drift og beskrevet i kommunens sundhedspolitik.",
    "evidence_url": "",
}
REPORT_SUMMARY = {
    "id": 82,
    "round": 3,
    "year": 2026,
    "paper_title": "KKR-mål for sundhed",
    "round_state": "open",
    "deadline": "2027-01-05",
    "kommunekode": 101,
    "municipality": "København",
    "state": "draft",
    "version": 2,
    "refusal": None,
    "updated_at": "2026-12-06T12:53:19.170413+01:00",
    "submitted_at": None,
    "review_comment": "",
}
REPORT = {
    **REPORT_SUMMARY,
    "lines": [
        {
            "milestone": 10,
            "goal_number": "1",
            "milestone_text": MILESTONE_TEXT,
            "status": "met",
            "comment": "",
            "evidence_url": "",
            "evidence_file": None,
        }
    ],
    "values": [],
}

# The demo's series (fixtures/series/, illustrative figures in Statistikbanken's format).
SERIES = {
    "id": 1,
    "region": "midtjylland",
    "paper": 4,
    "goal": 22,
    "goal_number": "1.2",
    "indicator": 1,
    "indicator_name": "Forebyggelige indlæggelser blandt ældre",
    "title": "Forebyggelige indlæggelser blandt ældre (65 år og derover) efter område og tid",
    "unit": "Pr. 1.000 indbyggere på 65 år og derover",
    "source_name": "Eksempeldata i Statistikbankens format (ikke officielle tal)",
    "source_url": "",
    "table_id": "EKSEMPEL-FI",
    "fetched_on": "2024-04-02",
    "first_year": 2010,
    "last_year": 2019,
    "value_count": 209,
    "links": {
        "observations": f"{SERVER}/api/v1/series/1/observations/",
        "csv": f"{SERVER}/api/v1/series/1/observations.csv",
        "xlsx": f"{SERVER}/api/v1/series/1/observations.xlsx",
    },
}
OBSERVATION = {
    "year": 2010,
    "level": "municipality",
    "kommunekode": 751,
    "area": "Aarhus",
    "value": 72.5,
}

EXAMPLES = {
    "Region": REGION,
    "Cluster": CLUSTER,
    "Municipality": MUNICIPALITY,
    "Paper": PAPER,
    "Goal": GOAL,
    "Milestone": MILESTONE,
    "Round": ROUND,
    "RoundLinks": LINKS,
    "Tally": TALLY,
    "GoalProgress": GOAL_PROGRESS,
    "MunicipalityProgress": MUNICIPALITY_PROGRESS,
    "Progress": {
        "round": ROUND,
        "reported_count": 29,
        "municipality_count": 29,
        "tally": TALLY,
        "goals": [GOAL_PROGRESS],
        "municipalities": [MUNICIPALITY_PROGRESS],
    },
    "Line": LINE,
    "LinePage": {
        "count": 29,
        "next": f"{SERVER}/api/v1/rounds/2/lines/?page=2&page_size=1",
        "previous": None,
        "results": [LINE],
    },
    "Series": SERIES,
    "Observation": OBSERVATION,
    "ObservationPage": {
        "count": 209,
        "next": f"{SERVER}/api/v1/series/1/observations/?page=2&page_size=1",
        "previous": None,
        "results": [
            {
                "year": 2010,
                "level": "national",
                "kommunekode": None,
                "area": "Hele landet",
                "value": 67.7,
            }
        ],
    },
    "ReportSummary": REPORT_SUMMARY,
    "Report": REPORT,
    "PatchedReportPatchRequest": {
        "lines": [
            {
                "milestone": 10,
                "status": "met",
                "comment": "Akutfunktionen lever op til kvalitetsstandarden.",
                "evidence_url": "https://www.kk.dk/sundhed",
            }
        ],
    },
    "Error": {
        "code": "stale",
        "detail": (
            "Indberetningen er ændret siden den version, du sendte i If-Match. Hent den igen."
        ),
    },
}
