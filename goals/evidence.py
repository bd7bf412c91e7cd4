"""Evidence documents a municipality uploads with its report: what may be uploaded, how much
of an upload is read, and when a stored file goes.

- A file is recognised by its content, never its name (an .exe renamed .pdf is an .exe).
- A PDF with active content (JavaScript, actions run on opening, launch actions, embedded
  files, XFA forms) is refused, as is anything carrying HTML; PDFs are read with pypdf.
- Office documents (docx, xlsx) are zip containers: refused past a number of entries or an
  unpacked size (zip bombs), or when a part is a program, a macro project or an embedded
  object, whatever its name (its content and its declared content type tell); zips inside
  (a chart's workbook) are looked into the same way.
- `EvidenceUploadHandler` stops reading a request as soon as one of its files passes
  EVIDENCE_MAX_BYTES, or all its files together EVIDENCE_FILES_PER_REQUEST times that:
  nothing more of it is read or stored.
- A replaced or removed file is deleted once no report line, nor any version of one in the
  history, names it (`delete_unreferenced`; `manage.py prune_evidence` sweeps the rest).
"""

import io
import logging
import os
import zipfile
import zlib

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler
from django.core.files.uploadhandler import StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

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

# An Office document of 10 MB has tens to a few hundred parts and unpacks to well under
# 100 MB (its pictures are compressed already); beyond that it is built to harm.
OFFICE_MAX_ENTRIES = 1000
OFFICE_MAX_UNPACKED = 100 * 1024 * 1024
# How many files of the largest size one save may carry (a report's lines each take one).
EVIDENCE_FILES_PER_REQUEST = 5
# Parts that run code: programs, scripts, and the macro project of a macro-enabled document.
PROGRAM_SUFFIXES = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js",
    ".jse", ".wsf", ".hta", ".jar", ".sh", ".app", ".lnk", ".bin",
)  # fmt: skip
# The same recognised by a part's first bytes (Windows and Linux programs, and the OLE
# compound file that holds macro projects and embedded objects, exploits' usual carrier),
# and by the content types [Content_Types].xml declares, which Office goes by, not names.
PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
ACTIVE_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"vbadata", b"oleobject", b"activex")
# A zip inside a document (a chart's workbook) is looked into, but not without end.
OFFICE_MAX_DEPTH = 3
# PDF names that make a reader do something by itself: run script, open another program or
# file (/GoToR to a network share hands Windows' password hash to it), submit or fetch data,
# play embedded media, carry files.
# An /OpenAction or /AA that only turns to a page is harmless; the action it names is
# walked like everything else and caught by its type (/S).
PDF_ACTIVE_NAMES = {
    "/JS", "/JavaScript", "/Launch", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData",
    "/RichMedia", "/RichMediaExecute", "/EmbeddedFile", "/EmbeddedFiles", "/FileAttachment",
    "/XFA",
}  # fmt: skip
# A PDF has tens of thousands of objects at most; walking more is a waste of the server.
PDF_MAX_OBJECTS = 200_000
HTML_MARKERS = (b"<html", b"<!doctype", b"<script", b"<svg", b"<iframe", b"<body", b"<head")


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


def evidence_type(uploaded):
    """The extension the file's content says it has ("pdf", "docx", …), or None."""
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
        try:
            with zipfile.ZipFile(uploaded) as archive:
                names = {info.filename for info in archive.infolist()[: OFFICE_MAX_ENTRIES + 1]}
        except (zipfile.BadZipFile, OSError, io.UnsupportedOperation, ValueError):
            return None
        finally:
            uploaded.seek(0)
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
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


def _pdf_active_content(reader):
    """The first active name found in the objects reachable from the document catalogue."""
    from pypdf.generic import ArrayObject
    from pypdf.generic import DictionaryObject
    from pypdf.generic import IndirectObject

    todo, seen, walked = [reader.trailer["/Root"]], set(), 0
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        walked += 1
        if walked > PDF_MAX_OBJECTS:
            return "too many objects"
        if isinstance(obj, DictionaryObject):
            for name, value in obj.items():
                if name in PDF_ACTIVE_NAMES:
                    return name
                if name == "/S" and value in PDF_ACTIVE_NAMES:
                    return value
                if name == "/Parent":
                    continue  # up the page tree: reached from the top anyway
                todo.append(value)
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)
    return None


def check_pdf(uploaded):
    """Refuse a PDF that pypdf cannot read or that carries active content."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    uploaded.seek(0)
    try:
        reader = PdfReader(uploaded, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refused(
                _("PDF-filen er beskyttet med adgangskode. Upload den uden beskyttelse."),
                "pdf_encrypted",
            )
        found = _pdf_active_content(reader)
    except forms.ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        log.info("Refused an unreadable PDF: %s", error)
        raise _refused(
            _("PDF-filen kan ikke læses. Gem den som PDF igen, og prøv på ny."), "pdf_unreadable"
        ) from None
    finally:
        uploaded.seek(0)
    if found:
        log.info("Refused a PDF with active content: %s", found)
        raise _refused(
            _(
                "PDF-filen indeholder aktivt indhold (script, handlinger eller indlejrede "
                "filer). Gem eller udskriv den som en almindelig PDF, og prøv igen."
            ),
            "pdf_active",
        )


def _office_program():
    return _refused(
        _(
            "Dokumentet indeholder programmer eller makroer. Gem det som et almindeligt "
            "Word- eller Excel-dokument uden makroer, og prøv igen."
        ),
        "office_program",
    )


def _office_bomb():
    return _refused(
        _("Dokumentet pakker ud til alt for meget indhold og kan ikke bruges."), "office_bomb"
    )


def _check_zip(archive, budget, depth):
    """Walk one zip (a document, or a zip inside one): `budget` is what is left of the
    entries and unpacked bytes allowed for the whole upload, nested parts included."""
    entries = archive.infolist()
    budget["entries"] -= len(entries)
    budget["bytes"] -= sum(entry.file_size for entry in entries)
    if budget["entries"] < 0 or budget["bytes"] < 0:
        raise _office_bomb()
    for entry in entries:
        # Windows drops trailing dots and spaces: "setup.exe " is setup.exe.
        if entry.filename.lower().rstrip(" .").endswith(PROGRAM_SUFFIXES):
            raise _office_program()
        if entry.filename == "[Content_Types].xml":
            declared = archive.read(entry).lower()
            if any(kind in declared for kind in ACTIVE_CONTENT_TYPES):
                raise _office_program()
        with archive.open(entry) as part:
            head = part.read(4)
        if head.startswith(PROGRAM_MAGIC):
            raise _office_program()
        if head == b"PK\x03\x04":
            if depth >= OFFICE_MAX_DEPTH:
                raise _office_bomb()
            # Its size was counted in the budget above: reading it stays within bounds.
            with zipfile.ZipFile(io.BytesIO(archive.read(entry))) as inner:
                _check_zip(inner, budget, depth + 1)


def check_office(uploaded):
    """Refuse an Office document built as a zip bomb or carrying programs, macros or
    embedded objects, at any depth."""
    budget = {"entries": OFFICE_MAX_ENTRIES, "bytes": OFFICE_MAX_UNPACKED}
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            _check_zip(archive, budget, 1)
    except forms.ValidationError:
        raise
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, zlib.error) as error:
        # Encrypted parts, sizes that lie, unknown compression: nothing Office itself writes.
        log.info("Refused an unreadable Office document: %s", error)
        raise _refused(
            _("Dokumentet kan ikke læses. Gem det igen som Word- eller Excel-dokument."),
            "office_unreadable",
        ) from None
    finally:
        uploaded.seek(0)


def validate_evidence(uploaded):
    """Refuse a file that is too large, not one of the accepted types, or active; name it
    after its real type so it is served with the right content type."""
    limit = settings.EVIDENCE_MAX_BYTES
    if uploaded.size > limit:
        raise too_large(filesizeformat(uploaded.size), limit)
    kind = evidence_type(uploaded)
    if kind is None:
        raise wrong_type()
    check_not_html(uploaded)
    if kind == "pdf":
        check_pdf(uploaded)
    elif kind in ("docx", "xlsx"):
        check_office(uploaded)
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
