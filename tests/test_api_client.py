"""An integrator's first hour, with a tool nobody here wrote: a Python client generated from the
live schema by openapi-python-client reads the public data (typed, with its ETag and a 304),
downloads a spreadsheet, and writes and submits a report with a token, sent as the client
sends it by default (`Authorization: Bearer <key>`)."""

import importlib
import json
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from goals.models import StatusReport
from municipalities import tokens

CONFIG = """\
project_name_override: kkr-maal-client
package_name_override: kkr_maal_client
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
  application/zip: application/octet-stream
post_hooks: []  # or keep ruff's formatting, with ruff installed
"""


@pytest.fixture
def generated(live_server, tmp_path, status_history, report):
    """The client, generated from the schema the live server serves."""
    with urllib.request.urlopen(f"{live_server.url}/api/v1/schema/?format=json") as answer:
        schema = json.load(answer)
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "config.yaml").write_text(CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(tmp_path / "schema.json"),
            "--config",
            str(tmp_path / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "kkr_maal_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Every operation made it into the client: the generator warns of nothing it skipped.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("kkr_maal_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("kkr_maal_client")]:
            del sys.modules[name]


def test_a_generated_client_reads_and_writes(
    generated, live_server, status_history, report, reporters
):
    from kkr_maal_client.api.datapackage import datapackage
    from kkr_maal_client.api.goals import goals_list
    from kkr_maal_client.api.regions import regions_list
    from kkr_maal_client.api.reports import reports_partial_update
    from kkr_maal_client.api.reports import reports_retrieve
    from kkr_maal_client.api.reports import reports_submit
    from kkr_maal_client.api.rounds import round_lines_csv
    from kkr_maal_client.api.rounds import round_lines_list
    from kkr_maal_client.models import Error
    from kkr_maal_client.models import GoalStateEnum
    from kkr_maal_client.models import LineInputRequest
    from kkr_maal_client.models import LineStatusEnum
    from kkr_maal_client.models import PatchedReportPatchRequest
    from kkr_maal_client.models import RegionEnum
    from kkr_maal_client.models import ReportStateEnum

    anonymous = generated.Client(base_url=live_server.url)

    # A read, typed, with the validators the schema declares.
    regions = regions_list.sync_detailed(client=anonymous)
    assert regions.status_code == 200
    assert [region.slug for region in regions.parsed.results] == ["hovedstaden"]
    again = regions_list.sync_detailed(client=anonymous, if_none_match=regions.headers["ETag"])
    assert again.status_code == 304 and again.parsed is None
    assert "RateLimit" in regions.headers

    goals = goals_list.sync(client=anonymous, region=RegionEnum.HOVEDSTADEN)
    assert {goal.state for goal in goals.results} == {GoalStateEnum.ACTIVE}
    assert goals.results[0].key.endswith(":1")

    second = status_history[2018].pk
    lines = round_lines_list.sync(client=anonymous, id=second, page_size=2)
    assert lines.count == 6 and len(lines.results) == 2
    assert isinstance(lines.results[0].goal_number, str)
    assert lines.results[0].status in set(LineStatusEnum)
    spreadsheet = round_lines_csv.sync_detailed(client=anonymous, id=second)
    assert spreadsheet.status_code == 200
    assert spreadsheet.parsed.lstrip("\ufeff").startswith("round;region;year;kommunekode")
    assert spreadsheet.headers["Content-Disposition"].isascii()
    package = datapackage.sync(client=anonymous)
    assert "datapackage.json" in zipfile.ZipFile(package.payload).namelist()

    # A write with a token, as the generator's client sends it by default: "Bearer <key>".
    _token, key = tokens.issue_token(reporters[101], by=reporters[101])
    wrong = generated.AuthenticatedClient(base_url=live_server.url, token="0" * 64)
    refused = reports_retrieve.sync_detailed(client=wrong, id=report.pk)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, Error) and refused.parsed.code == "authentication_failed"

    reporter = generated.AuthenticatedClient(base_url=live_server.url, token=key)
    read = reports_retrieve.sync_detailed(client=reporter, id=report.pk)
    assert read.status_code == 200
    assert read.headers["Cache-Control"] == "private, no-store"
    etag = read.headers["ETag"]
    milestones = [line.milestone for line in read.parsed.lines]
    body = PatchedReportPatchRequest(
        lines=[LineInputRequest(milestone=m, status=LineStatusEnum.MET) for m in milestones]
    )
    saved = reports_partial_update.sync_detailed(
        client=reporter, id=report.pk, body=body, if_match=etag
    )
    assert saved.status_code == 200, saved.content
    assert saved.headers["ETag"] != etag
    stale = reports_partial_update.sync_detailed(
        client=reporter, id=report.pk, body=body, if_match=etag
    )
    assert stale.status_code == 412 and stale.parsed.code == "stale"

    sent = reports_submit.sync(client=reporter, id=report.pk, if_match=saved.headers["ETag"])
    assert sent.state == ReportStateEnum.SUBMITTED
    assert StatusReport.objects.get(pk=report.pk).state == StatusReport.State.SUBMITTED
