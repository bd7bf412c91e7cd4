"""What tests/test_deployment.py needs from the portal's side, run in the deployment's own
environment (`kkrmaal-manage shell -c "from tests.deploy_helpers import ...; ..."`), never
in the test process: the data of a published round with its stored PDF, made directly with
the ORM (rendering a real paper takes WeasyPrint many seconds)."""

import datetime
import json

from django.core.files.base import ContentFile
from django.utils import timezone

from goals.models import GoalPaper
from goals.models import StatusRound
from municipalities.models import Region
from reports.models import StoredPaper
from reports.papers import download_filename
from reports.progress import freeze

REGION = "hovedstaden"
YEAR = 2018
# Big enough that nginx sends it in several chunks, small enough to compare at once.
PDF = b"%PDF-1.7\n% KKR-maal deployment test\n" + bytes(range(256)) * 1024 + b"\n%%EOF\n"


def publish_a_round():
    """Hovedstaden's round of 2018, published, with its status paper stored as PDF; prints
    the paper's storage name (under MEDIA_ROOT) as JSON."""
    region = Region.objects.create(name="Hovedstaden", slug=REGION, code=1084)
    paper = GoalPaper.objects.create(
        region=region,
        source="deployment-test.txt",
        title="KKR-mål for sundhed",
        kind=GoalPaper.Kind.KKR_GOALS,
        first_year=YEAR - 1,
        adopted_year=YEAR - 1,
        last_year=YEAR,
    )
    status_round = StatusRound.objects.create(
        paper=paper,
        year=YEAR,
        opens=datetime.date(YEAR, 9, 1),
        deadline=datetime.date(YEAR, 11, 1),
        state=StatusRound.State.PUBLISHED,
        published_at=timezone.now(),
    )
    stored = StoredPaper(
        round=status_round,
        publication=freeze(status_round),
        state=StoredPaper.State.DONE,
        rendered_at=timezone.now(),
    )
    stored.file.save(download_filename(status_round), ContentFile(PDF), save=True)
    print(json.dumps({"name": stored.file.name}))
