"""Evidence files and stored PDF papers on S3-compatible storage, shared by several app
servers: with AWS_STORAGE_BUCKET_NAME set the portal stores them in the bucket, and every
part that touches a file (upload, download, publishing, retry, health check, backup and
restore) goes through the storage API, never a local path (S3 has none).

The bucket is moto's in-process S3, spoken to by the real boto3 and django-storages."""

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from moto import mock_aws

from goals import rounds
from goals.models import StatusRound
from kkrmaal.backup import row_counts
from reports import publishing
from tests.builders import build_round
from tests.builders import post_file
from tests.builders import small_pdf
from tests.test_settings import manage

BUCKET = "kkrmaal-media"


def use_bucket(settings, name):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "region_name": "eu-north-1",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }


@pytest.fixture
def bucket(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-north-1")
        for name in (BUCKET, "kkrmaal-restored"):
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
            )
        use_bucket(settings, BUCKET)
        # Nothing may fall back to the media folder.
        settings.MEDIA_ROOT = "/nonexistent/kkrmaal-media"
        yield s3


def keys(s3, bucket=BUCKET):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_evidence_is_stored_in_the_bucket_and_served_from_it(bucket, client, reporters, report):
    client.force_login(reporters[101])
    content = small_pdf()

    response, line = post_file(client, report, SimpleUploadedFile("Akutplan.pdf", content))

    assert "Kladden er gemt" in response.content.decode()
    assert keys(bucket) == [line.evidence_file.name]
    download = client.get(reverse("goals:evidence_file", args=[line.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content

    # The same name again: a new object, the first one is not overwritten.
    report.refresh_from_db()
    _response, again = post_file(client, report, SimpleUploadedFile("Akutplan.pdf", small_pdf()))
    assert again.evidence_file.name != line.evidence_file.name
    # The history still names the first, so it stays.
    assert keys(bucket) == sorted([line.evidence_file.name, again.evidence_file.name])


def test_published_papers_are_stored_in_the_bucket_and_downloaded(
    bucket, client, paper, municipalities, secretariat, django_capture_on_commit_callbacks
):
    closed = build_round(paper, 2018, state=StatusRound.State.CLOSED, lines=[])
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_round(closed, by=secretariat)

    stored = [k for k in keys(bucket) if k.startswith("statuspapirer/hovedstaden/2018/")]
    assert len(stored) == 4
    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    # A republication stores its own version beside the first, which stays readable.
    rounds.reopen_round(closed, reason="Rettelse", by=secretariat)
    rounds.close_round(closed, by=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_round(closed, by=secretariat)
    papers = [k for k in keys(bucket) if k.startswith("statuspapirer/")]
    assert len(papers) == 8 and set(stored) < set(papers)
    assert client.get("/rapporter/hovedstaden/2018/v1/statuspapir.pdf").status_code == 200
    assert client.get("/rapporter/hovedstaden/2018/v2/statuspapir.pdf").status_code == 200


def test_health_check_writes_to_the_bucket(bucket, client, db):
    response = client.get("/healthz/ready")

    assert response.json()["checks"]["storage"] == {"status": "ok"}
    assert keys(bucket) == []


@pytest.mark.django_db(transaction=True)  # restore needs a real, empty database
def test_backup_and_restore_between_buckets(bucket, settings, client, reporters, report, tmp_path):
    client.force_login(reporters[101])
    post_file(client, report, SimpleUploadedFile("Akutplan.pdf", small_pdf()))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive))
    counts = row_counts()

    call_command("flush", interactive=False, verbosity=0)
    use_bucket(settings, "kkrmaal-restored")
    call_command("restore", str(archive))

    assert row_counts() == counts
    assert keys(bucket, "kkrmaal-restored") == keys(bucket)


def test_the_bucket_is_chosen_by_environment_variables():
    code = (
        "from django.conf import settings; d = settings.STORAGES['default']; "
        "print(d['BACKEND'], d.get('OPTIONS', {}).get('endpoint_url'))"
    )
    bucket = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        AWS_STORAGE_BUCKET_NAME="kkr-filer",
        AWS_S3_ENDPOINT_URL="https://s3.example.dk",
    )
    folder = manage("shell", "--no-imports", "-c", code)

    assert bucket.returncode == 0, bucket.stderr
    assert bucket.stdout.split() == ["storages.backends.s3.S3Storage", "https://s3.example.dk"]
    assert folder.stdout.split() == ["django.core.files.storage.FileSystemStorage", "None"]
