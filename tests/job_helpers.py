"""What tests/test_worker_crash.py needs from the portal's side, run in the portal's own
environment (`manage.py shell -c "from tests.job_helpers import seed; seed()"`), never in the
test process: a region of eight municipalities with last year's round published and this
year's closed, ready to publish, and a secretariat member to publish it."""

import json

from goals.models import StatusRound
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region
from tests.builders import PASSWORD
from tests.builders import add_goal
from tests.builders import build_round
from tests.builders import make_paper
from tests.builders import make_user

MUNICIPALITIES = [
    (101, "København"),
    (147, "Frederiksberg"),
    (151, "Ballerup"),
    (153, "Brøndby"),
    (155, "Dragør"),
    (157, "Gentofte"),
    (159, "Gladsaxe"),
    (161, "Glostrup"),
]
# This year's reports still in draft: the status page says "6 af 8".
DRAFTS = [155, 161]


def seed():
    region = Region.objects.create(name="Hovedstaden", slug="hovedstaden", code=1084)
    cluster = Cluster.objects.create(region=region, name="Byen", order=1)
    for code, name in MUNICIPALITIES:
        Municipality.objects.create(kommunekode=code, name=name, region=region, cluster=cluster)
    paper = make_paper(region, "crash-test.txt")
    theme = paper.themes.create(order=1, title="Akutfunktioner")
    add_goal(
        theme,
        "1",
        "Effektive akuttilbud",
        milestone="Alle kommuner har en akutfunktion, der lever op til kvalitetsstandarden.",
        indicator=("Akutpladser", "pladser"),
    )
    add_goal(
        theme,
        "2",
        "Unges sundhed",
        order=2,
        milestone="Hver kommune har en strategi for unges sundhed.",
    )
    build_round(
        paper, 2017, lines=[(code, "1", 1, "in_progress", "") for code, _ in MUNICIPALITIES]
    )
    closed = build_round(
        paper,
        2018,
        state=StatusRound.State.CLOSED,
        lines=[
            *(
                (code, "1", 1, "met", f"Akutfunktionen i {name} er i drift.")
                for code, name in MUNICIPALITIES
            ),
            *((code, "2", 1, "in_progress", "") for code, _ in MUNICIPALITIES),
        ],
        drafts=DRAFTS,
    )
    user = make_user("sekretariat-hovedstaden", region=region, is_staff=True)
    print(json.dumps({"round": closed.pk, "username": user.username, "password": PASSWORD}))
