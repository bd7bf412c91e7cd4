"""Evidence documents a municipality uploads with its report: what may be uploaded, how much
of an upload is read, and when a stored file goes.

- A file is recognised by its content, never its name (an .exe renamed .pdf is an .exe), and
  anything carrying HTML is refused.
- A PDF or an Office document (docx, xlsx) is checked for what it can do by
  `goals.inspection`, in a child process with a CPU limit (`EVIDENCE_CHECK_CPU_SECONDS`), a
  memory limit (`EVIDENCE_CHECK_MEMORY`) and a wall-clock timeout
  (`EVIDENCE_CHECK_SECONDS`): a file built to be slow to read is refused with a sentence
  saying it could not be checked in time, and the web worker is held for about a second a
  file at most, and a few seconds a save (`CheckBudget`). The child comes from
  multiprocessing's fork server (a small process with pypdf loaded, started once per worker,
  `start_checker`), not from the worker itself, whose threads and connections it must not
  inherit.
- `EvidenceUploadHandler` stops reading a request as soon as one of its files passes
  EVIDENCE_MAX_BYTES, or all its files together EVIDENCE_FILES_PER_REQUEST times that:
  nothing more of it is read or stored. A request with more than EVIDENCE_FILES_PER_REQUEST
  files is refused before any is checked (`too_many_files`); what was typed is shown again.
- A replaced or removed file is deleted once no report line, nor any version of one in the
  history, names it (`delete_unreferenced`; `manage.py prune_evidence` sweeps the rest).
"""

import logging
import multiprocessing
import os
import time

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler
from django.core.files.uploadhandler import StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from goals import inspection
from goals.models import MilestoneStatus

log = logging.getLogger(__name__)

# What may be uploaded as evidence, recognised by the file's first bytes (and, for the
# Office formats, which are zip files, by the part every such document has).
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}
EVIDENCE_ACCEPT = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"
UPLOAD_DIR = "evidence/"
# How many files one save may carry: each is checked in turn, for a second at most.
EVIDENCE_FILES_PER_REQUEST = 3
HTML_MARKERS = (b"<html", b"<!doctype", b"<script", b"<svg", b"<iframe", b"<body", b"<head")

# The fork server starts the checking children with the checks already imported.
_CHILDREN = multiprocessing.get_context("forkserver")
_CHILDREN.set_forkserver_preload(["goals.inspection", "pypdf", "pypdf.generic"])


def start_checker():
    """Start the fork server now rather than with the first upload (gunicorn's
    `post_worker_init`): it imports pypdf, which takes a moment. One child that does nothing
    waits until it is ready."""
    child = _CHILDREN.Process(target=int, daemon=True)
    child.start()
    child.join()


def _refused(message, code):
    return forms.ValidationError(message, code=code)


def wrong_type():
    return _refused(
        _(
            "Filtypen kan ikke bruges. Upload en PDF-, Word- (docx), Excel- (xlsx), "
            "PNG- eller JPEG-fil."
        ),
        "wrong_type",
    )


def too_large(size, limit):
    return _refused(
        _("Filen er for stor (%(size)s). Den må højst fylde %(limit)s.")
        % {"size": size, "limit": filesizeformat(limit)},
        "too_large",
    )


# The sentence for each finding of `goals.inspection`.
FINDINGS = {
    "pdf_unreadable": _("PDF-filen kan ikke læses. Gem den som PDF igen, og prøv på ny."),
    "pdf_encrypted": _("PDF-filen er beskyttet med adgangskode. Upload den uden beskyttelse."),
    "pdf_active": _(
        "PDF-filen indeholder aktivt indhold (script, handlinger eller indlejrede "
        "filer). Gem eller udskriv den som en almindelig PDF, og prøv igen."
    ),
    "pdf_remote": _(
        "PDF-filen henviser til en fil eller et netværksdrev, eller den åbner selv en adresse "
        "eller medier uden for dokumentet. Gem eller udskriv den som en almindelig PDF, og "
        "prøv igen. Almindelige links til hjemmesider, som læseren selv klikker på, er i orden."
    ),
    "pdf_too_many": _(
        "PDF-filen består af for mange dele til at kunne kontrolleres. Gem den som en mindre "
        "PDF (fx delt i flere filer), og prøv igen."
    ),
    "office_unreadable": _(
        "Dokumentet kan ikke læses. Gem det igen som Word- eller Excel-dokument."
    ),
    "office_program": _(
        "Dokumentet indeholder programmer eller makroer. Gem det som et almindeligt "
        "Word- eller Excel-dokument uden makroer, og prøv igen."
    ),
    "office_embedded": _(
        "Dokumentet indeholder indlejrede objekter (OLE-objekter, ActiveX-kontroller eller "
        "indsatte dokumenter), som kan køre programmer. Fjern dem, eller gem dokumentet som "
        "PDF, og prøv igen."
    ),
    "office_external": _(
        "Dokumentet henter indhold uden for sig selv (en skabelon, et billede, en datakilde "
        "eller en fil på et netværksdrev). Fjern henvisningerne, eller gem dokumentet som PDF, "
        "og prøv igen. Almindelige links til hjemmesider er i orden."
    ),
    "office_fields": _(
        "Dokumentet indeholder felter eller formler, der starter programmer eller henter "
        "indhold udefra (fx DDE, INCLUDETEXT, INCLUDEPICTURE eller WEBSERVICE). Gem dokumentet "
        "som PDF, og prøv igen."
    ),
    "office_bomb": _("Dokumentet pakker ud til alt for meget indhold og kan ikke bruges."),
    "limits": _(
        "Filen kunne ikke kontrolleres inden for tidsgrænsen, så den er ikke gemt. Gem den som "
        "en mindre eller enklere fil (fx som PDF), og prøv igen."
    ),
}


def evidence_type(uploaded):
    """ "pdf", "png", "jpg" or "zip" (an Office document, maybe), by the file's first bytes;
    or None."""
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def check_not_html(uploaded):
    """A browser told to sniff would run HTML that only starts like a PDF or a picture."""
    uploaded.seek(0)
    head = uploaded.read(4096).lower()
    uploaded.seek(0)
    if any(marker in head for marker in HTML_MARKERS):
        raise _refused(
            _("Filen indeholder HTML og kan ikke bruges som dokumentation."), "html_content"
        )


class CheckBudget:
    """The clock time the checks of one save share (`EVIDENCE_CHECK_REQUEST_SECONDS`, counted
    from its first check), so a save of several files each built to be slow still answers
    within a few seconds: each check gets at most `EVIDENCE_CHECK_SECONDS` of what is left."""

    def __init__(self):
        self.deadline = None

    def timeout(self):
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + settings.EVIDENCE_CHECK_REQUEST_SECONDS
        return max(0.0, min(settings.EVIDENCE_CHECK_SECONDS, self.deadline - now))


def inspect(kind, uploaded, budget=None):
    """`goals.inspection.check` of the file, run in a child process within the limits (see
    the module docstring) and the save's `budget`: (its kind, its finding or None); a child
    that ran out of time or memory, or found no time left, answers the finding "limits"."""
    timeout = (budget or CheckBudget()).timeout()
    if not timeout:
        log.warning("Evidence check of a %s skipped: the save's time for checks is used", kind)
        return None, "limits"
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    receive, send = _CHILDREN.Pipe(duplex=False)
    child = _CHILDREN.Process(
        target=inspection.check_limited,
        args=(
            kind,
            data,
            send,
            settings.EVIDENCE_CHECK_CPU_SECONDS,
            settings.EVIDENCE_CHECK_MEMORY,
        ),
        daemon=True,
    )
    started = time.monotonic()
    child.start()
    send.close()
    try:
        answer = receive.recv() if receive.poll(timeout) else None
    except EOFError:
        answer = None  # ended by its CPU limit
    finally:
        receive.close()
        child.kill()
        child.join()
    took = time.monotonic() - started
    if answer is None:
        log.warning("Evidence check of a %s ran out of time after %.2f s", kind, took)
        return None, "limits"
    log.info("Checked a %s of %d bytes in %.3f s: %s", kind, len(data), took, answer[1] or "ok")
    return answer


def validate_evidence(uploaded, budget=None):
    """Refuse a file that is too large, not one of the accepted types, or active (checked
    within the save's `CheckBudget`); name it after its real type so it is served with the
    right content type."""
    limit = settings.EVIDENCE_MAX_BYTES
    if uploaded.size > limit:
        raise too_large(filesizeformat(uploaded.size), limit)
    kind = evidence_type(uploaded)
    if kind is None:
        raise wrong_type()
    check_not_html(uploaded)
    if kind in ("pdf", "zip"):
        kind, finding = inspect(kind, uploaded, budget)
        if finding:
            raise _refused(FINDINGS[finding], finding)
        if kind is None:
            raise wrong_type()
    stem = os.path.splitext(os.path.basename(uploaded.name or ""))[0][:80]
    uploaded.name = f"{get_valid_filename(stem) or 'dokumentation'}.{kind}"
    return uploaded


def request_limit():
    """The most all files of one request together may carry."""
    return settings.EVIDENCE_MAX_BYTES * EVIDENCE_FILES_PER_REQUEST


class EvidenceUploadHandler(FileUploadHandler):
    """Stops reading the request once one of its files passes EVIDENCE_MAX_BYTES, or all its
    files together `request_limit()` (first in FILE_UPLOAD_HANDLERS): the rest is neither
    read nor stored, and `refused_upload` tells the view, which saves nothing."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received_in_all = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.received_in_all += len(raw_data)
        if self.received > settings.EVIDENCE_MAX_BYTES:
            self._stop(self.file_name or self.field_name)
        if self.received_in_all > request_limit():
            self._stop(None)
        return raw_data

    def _stop(self, name):
        # None: no single file was too large, only all of them together.
        self.request.refused_upload = name
        log.info("Stopped reading an upload past its limit (%s)", name or "all files")
        raise StopUpload(connection_reset=True)

    def file_complete(self, file_size):
        return None  # the next handler stores the file


_NOT_REFUSED = object()


def too_many_files(request):
    """The polite refusal when the request carries more files than one save may, or None:
    none of them is checked or saved, and the page shows what was typed again."""
    count = sum(len(files) for _name, files in request.FILES.lists())
    if count <= EVIDENCE_FILES_PER_REQUEST:
        return None
    return _(
        "Der kan højst gemmes %(limit)s filer ad gangen, og du valgte %(count)s. Intet er "
        "gemt. Dine indtastninger står herunder: vælg højst %(limit)s filer, og gem igen."
    ) % {"limit": EVIDENCE_FILES_PER_REQUEST, "count": count}


def refused_upload(request):
    """The polite refusal when the request's upload was stopped for its size, or None."""
    name = getattr(request, "refused_upload", _NOT_REFUSED)
    if name is _NOT_REFUSED:
        return None
    if name is None:
        return _(
            "Filerne fylder for meget tilsammen. Der kan højst gemmes %(limit)s ad gangen. "
            "Intet er gemt: vælg færre filer, og udfyld siden igen."
        ) % {"limit": filesizeformat(request_limit())}
    return _(
        "Filen er for stor (%(name)s). Den må højst fylde %(limit)s. Intet er gemt: vælg en "
        "mindre fil, og udfyld siden igen."
    ) % {"name": name, "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}


# --- removing files nothing refers to -------------------------------------------------------


def referenced_names():
    """Every evidence file a report line or a version of one in the history names."""
    live = MilestoneStatus.objects.exclude(evidence_file="").values_list("evidence_file", flat=True)
    old = MilestoneStatus.history.exclude(evidence_file="").values_list("evidence_file", flat=True)
    return set(live) | set(old)


def delete_unreferenced(names, storage=default_storage):
    """Delete those of `names` that nothing refers to any longer; returns how many went."""
    deleted = 0
    for name in {n for n in names if n}:
        in_use = (
            MilestoneStatus.objects.filter(evidence_file=name).exists()
            or MilestoneStatus.history.filter(evidence_file=name).exists()
        )
        if not in_use and storage.exists(name):
            storage.delete(name)
            deleted += 1
    return deleted


def prune(storage=default_storage):
    """Delete every stored evidence file nothing refers to (left by a save that was rolled
    back, or whose history has been cleaned); returns how many went."""
    keep = referenced_names()
    stored = []

    def walk(folder):
        folders, files = storage.listdir(folder)
        stored.extend(f"{folder}{name}" for name in files)
        for sub in folders:
            walk(f"{folder}{sub}/")

    if storage.exists(UPLOAD_DIR):
        walk(UPLOAD_DIR)
    return delete_unreferenced([name for name in stored if name not in keep], storage)
