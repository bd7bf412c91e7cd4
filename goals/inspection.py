"""What an evidence file can do, read from its bytes alone: the checks `goals.evidence` runs in
a child process with a time and memory limit. Nothing here imports Django, so the child starts
from a small process (multiprocessing's fork server) and never holds the web worker's state.

Each check answers a finding, a code `goals.evidence` turns into a Danish sentence, or None.
The checks look at what a format can do, not at a list of names:

- **Counted before walked.** A PDF's declared objects (its `/Size`, the objects packed in its
  object streams, its `obj` keywords, names decoded) and streams, and an Office package's
  parts, their declared unpacked sizes and compression ratios, are counted from the raw bytes
  and the zip's directory before anything is parsed or unpacked; past a limit the file is
  refused at once. What the counts miss (a lying header), the child's CPU limit stops.
- **PDF** (read with pypdf, which decodes names such as `/J#61vaScript` and reads objects
  inside compressed object streams): script, launching, another document (`/GoToR`,
  `/GoToE`), submitting or importing data, media (`/Rendition`, `/RichMedia`, movies, sounds,
  3D), embedded files and XFA are refused wherever they are; an address (`/URI`) may only be
  the action of a link annotation a reader clicks, and only to http, https or mailto; any
  `file:` or `\\\\host` target, a URL file specification and a stream kept in another file
  are refused. The structure tree and back-references are not walked: a reader runs nothing
  from them.
- **Office** (.docx, .xlsx, and zips inside them): every markup part is read, in chunks, to
  its end, as UTF-8 whatever its encoding (UTF-16 too); pictures by their first bytes.
  Refused: a relationship to anything outside the package except a hyperlink to http, https
  or mailto; a relationship that embeds or runs (OLE objects, ActiveX controls, altChunk,
  macro projects, attached templates, external workbook links, sub-documents); any `file:`,
  `\\\\host` or `//host` target in an attribute; OLE, ActiveX, altChunk, DDE and external
  workbook elements; RTF carrying objects (`\\obj…`); Word fields that run or fetch (DDE,
  DDEAUTO, INCLUDETEXT, INCLUDEPICTURE, LINK, …, also split over runs, written with
  character references or named by another field); Excel formulas and defined names that
  call DDE (`app|topic`), fetch (WEBSERVICE, RTD, CALL, IMAGE …) or read a workbook by its
  address or path (`'http://host/[b.xlsx]Ark1'!A1`); macro, OLE and add-in content types,
  programs by their first bytes, and `.bin` parts other than printer settings. A tag is read
  attribute by attribute: a `>` inside a quoted value does not end it.
"""

import codecs
import html
import io
import re
import resource
import zipfile
import zlib

# --- limits ----------------------------------------------------------------------------------

# A 10 MB PDF from Word or InDesign has a few thousand objects; the attack of issue 20 packed
# 199,000 into 1.9 MB. pypdf needs about 45 µs an object in an object stream, so a file past
# this could not be walked within the child's second anyway.
PDF_MAX_OBJECTS = 50_000
PDF_MAX_STREAMS = 20_000
# An Office document of 10 MB has tens to a few hundred parts and unpacks to well under
# 100 MB (its pictures are compressed already); beyond that it is built to harm.
OFFICE_MAX_ENTRIES = 1000
OFFICE_MAX_UNPACKED = 100 * 1024 * 1024
# XML packs 10-20 to one, a sheet of empty styled cells up to about 100; a zip bomb about
# 1,000. Parts under a megabyte unpacked are left to the total.
OFFICE_MAX_RATIO = 200
OFFICE_RATIO_FROM = 1024 * 1024
# A zip inside a document (a chart's workbook) is looked into, but not without end.
OFFICE_MAX_DEPTH = 3
CHUNK = 1024 * 1024
MARKUP = ("xml", "rels", "vml")
# What makes a zip a Word or an Excel document: the part each of them has.
OFFICE_KINDS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"))

# --- PDF -------------------------------------------------------------------------------------

# Names that make a reader run, open or play something, wherever they stand (key or value).
PDF_ACTIVE = {
    "/JS", "/JavaScript", "/Launch", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData",
    "/EmbeddedFile", "/EmbeddedFiles", "/FileAttachment", "/XFA", "/RichMediaExecute",
}  # fmt: skip
# Media and what fetches from elsewhere: refused as "opens something outside the document".
PDF_REMOTE = {"/Rendition", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"}
# Back-references and the structure tree: nothing a reader runs is reached only through them.
PDF_NOT_WALKED = {"/Parent", "/P", "/StructTreeRoot", "/StructParent", "/StructParents"}
LINK_SCHEMES = ("http://", "https://", "mailto:")
ELSEWHERE = re.compile(r"\s*(?:file:|\\\\)", re.IGNORECASE)
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def pdf_declared_objects(data):
    """How many objects and streams the file says it holds, before parsing: the largest
    `/Size`, and the `obj` keywords plus the objects packed in object streams (`/N`), names
    decoded (`/S#69ze` is `/Size`)."""
    if b"#" in data:
        data = NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    sizes = [int(n) for n in re.findall(rb"/Size\s+(\d{1,12})", data)]
    keywords = len(re.findall(rb"\d\s+\d+\s+obj\b", data))
    packed = sum(int(n) for n in re.findall(rb"/N\s+(\d{1,12})", data))
    return max([keywords + packed, *sizes]), data.count(b"endstream")


def check_pdf(data):
    """The finding of a PDF (see the module docstring), or None."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    objects, streams = pdf_declared_objects(data)
    if objects > PDF_MAX_OBJECTS or streams > PDF_MAX_STREAMS:
        return "pdf_too_many"
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return "pdf_encrypted"
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return "pdf_unreadable"
    packed = len(reader.xref_objStm) + sum(len(table) for table in reader.xref.values())
    if packed > PDF_MAX_OBJECTS:
        return "pdf_too_many"
    try:
        return _pdf_walk(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return "pdf_unreadable"


def _pdf_walk(reader):
    """Walk every object reachable from the catalogue once (twice when it is also a link's
    action, where an address is allowed) and answer the first finding."""
    from pypdf.generic import ArrayObject
    from pypdf.generic import DictionaryObject
    from pypdf.generic import IndirectObject

    todo, seen, walked = [(reader.trailer["/Root"], False)], set(), 0
    while todo:
        obj, link_action = todo.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation, link_action)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        walked += 1
        if walked > PDF_MAX_OBJECTS:
            return "pdf_too_many"
        if isinstance(obj, DictionaryObject):
            found = _pdf_dictionary(obj, link_action)
            if found:
                return found
            link = _direct(obj, "/Subtype") == "/Link"
            todo.extend(
                (value, link and name == "/A")
                for name, value in obj.items()
                if name not in PDF_NOT_WALKED
            )
        elif isinstance(obj, ArrayObject):
            todo.extend((value, False) for value in obj)
        elif isinstance(obj, (str, bytes)) and ELSEWHERE.match(_text(obj)):
            return "pdf_remote"
    return None


def _text(value):
    return value if isinstance(value, str) else bytes(value).decode("latin-1")


def _pdf_dictionary(obj, link_action):
    """The finding of one dictionary (an action, an annotation, a file specification, a
    stream's dictionary), or None. Its values are read through references, as readers do
    (`/S 12 0 R` naming `/URI`)."""
    from pypdf.generic import StreamObject

    action, subtype, kind = (_direct(obj, key) for key in ("/S", "/Subtype", "/Type"))
    kinds = {str(name) for name in (action, subtype, kind) if isinstance(name, str)}
    if PDF_ACTIVE & (kinds | set(obj.keys())):
        return "pdf_active"
    if PDF_REMOTE & kinds or _direct(obj, "/FS") == "/URL":
        return "pdf_remote"
    if isinstance(obj, StreamObject) and "/F" in obj:
        return "pdf_remote"  # the stream's data is read from another file or address
    if action == "/Thread" and "/F" in obj:
        return "pdf_remote"
    if action == "/URI":
        address = _direct(obj, "/URI")
        address = _text(address).strip().lower() if isinstance(address, (str, bytes)) else ""
        if not link_action or not address.startswith(LINK_SCHEMES):
            return "pdf_remote"
    return None


def _direct(obj, key):
    """The value of `key`, through a reference if it is one."""
    value = obj.get(key)
    return value.get_object() if hasattr(value, "get_object") else value


# --- Office ----------------------------------------------------------------------------------

# Parts that are programs, by name (a part's content type and first bytes are checked too).
PROGRAM_SUFFIXES = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js",
    ".jse", ".wsf", ".hta", ".jar", ".sh", ".app", ".lnk",
)  # fmt: skip
# Windows and Linux programs, and the OLE compound file that holds macro projects and
# embedded objects (exploits' usual carrier), by their first bytes.
PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
# Pictures are checked by their first bytes only: nothing in them is read as markup.
IMAGE_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"\x01\x00\x00\x00",
    b"\xd7\xcd\xc6\x9a",
)  # fmt: skip
# Content types Office goes by (not names): macros, embedded objects, controls, add-ins,
# Excel 4 macro sheets.
ACTIVE_CONTENT_TYPES = (
    "macroenabled", "vbaproject", "vbadata", "oleobject", "activex", "macrosheet",
    "webextension",
)  # fmt: skip
# Relationship types (their last segment) that embed or run something, or read another
# workbook (the answer when the relationship is inside the package).
RUNNING_RELATIONSHIPS = {
    "oleobject": "office_embedded", "afchunk": "office_embedded",
    "vbaproject": "office_program", "wordvbadata": "office_program",
    "control": "office_embedded", "activexcontrol": "office_embedded",
    "activexcontrolbinary": "office_embedded", "attachedtemplate": "office_external",
    "subdocument": "office_external", "webextension": "office_external",
    "externallink": "office_fields",
}  # fmt: skip
# The inside of a start tag up to its `>`, read attribute by attribute: a quoted value may hold
# a `>` (XML allows it, e.g. in an attribute Office is told to ignore), which must not end the
# tag there and hide the attributes after it.
TAG_PIECE = rb"""(?:[^>"']|"[^"]*"|'[^']*')"""
TAG_BODY = TAG_PIECE + rb"*"
# Elements that embed an object; that run DDE or read another workbook; that fetch from a
# data source or load an add-in. XML names are case-sensitive, and so is Office.
EMBEDDING_ELEMENTS = re.compile(
    rb"<(?:[\w.-]+:)?(?:oleObject|OLEObject|objectEmbed|objectLink|altChunk|control)\b"
)
DDE_ELEMENTS = re.compile(rb"<(?:[\w.-]+:)?(?:ddeLink|oleLink|externalBook)\b")
FETCHING_ELEMENTS = re.compile(rb"<(?:[\w.-]+:)?(?:mailMerge|connection|webextension)\b")
# A piece holding none of these words is not searched with the patterns above (a substring
# search is ten times faster than a pattern's): that keeps a large sheet within the CPU limit.
ELEMENT_WORDS = (
    b"bject", b"altChunk", b"control", b"Link", b"externalBook", b"mailMerge", b"connection",
    b"webextension",
)  # fmt: skip
FILE_ATTRIBUTE = re.compile(rb"""=\s*["']\s*(?:file:|\\\\|//)""", re.IGNORECASE)
DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
CHARACTER_REFERENCE = re.compile(rb"&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});")
# Word fields: the start, separator and end of a complex field, its instruction text, and a
# simple field's instruction.
FIELD_TOKEN = re.compile(
    rb"<(?:[\w.-]+:)?fldChar\b" + TAG_PIECE + rb"*?\bfldCharType\s*=\s*[\"'](\w+)"
    rb"|<(?:[\w.-]+:)?instrText\b" + TAG_BODY + rb">([^<]*)"
    rb"|\binstr\s*=\s*\"([^\"]*)\"|\binstr\s*=\s*'([^']*)'"
)
# Fields that run a program, fetch a file or picture, or query a data source.
RUNNING_FIELDS = {
    "DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE", "INCLUDE", "IMPORT", "LINK",
    "MACROBUTTON", "DATABASE",
}  # fmt: skip
FIELD_ELSEWHERE = re.compile(r"file:|\"\s*(?:\\\\|//)", re.IGNORECASE)
# An Excel formula that may call DDE or fetch; `_formula_runs` decides.
FORMULA_SUSPECT = re.compile(
    rb"<(?:[\w.-]+:)?(?:f|definedName)\b" + TAG_BODY + rb">"
    rb"([^<]*?(?:\||\\\\|file:|webservice|rtd|call|register|exec|image|\[)"
    rb"[^<]*)",
    re.IGNORECASE,
)
FORMULA_WORDS = (
    b"|", b"\\\\", b"file:", b"webservice", b"rtd", b"call", b"register", b"exec", b"image",
    b"[",
)  # fmt: skip
FORMULA_FETCHES = re.compile(
    r"\b(?:WEBSERVICE|RTD|CALL|REGISTER|REGISTER\.ID|EXEC|IMAGE)\s*\(", re.IGNORECASE
)
# A reference to a cell of another workbook named by its address or path, `'http://host/[b.xlsx]
# Ark1'!A1` or `[b.xlsx]Ark1!A1`: Excel reads it from there. (A workbook Excel saved names it
# `[1]Ark1!A1`, through an external link part, refused by its relationship; `Tabel1[Antal]`
# is a table's column.)
OTHER_WORKBOOK = re.compile(r"\[(?!\d+\])[^\]\[]*\][^\[\]'!(),;+\-*/&=<>^]*'?!")
# Quoted text and quoted sheet names: a `|` there is no DDE.
QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
DOUBLE_QUOTED = re.compile(r'"(?:[^"]|"")*"')


class _Budget:
    """What is left of the parts and unpacked bytes allowed for one upload, nested zips
    included."""

    def __init__(self):
        self.entries = OFFICE_MAX_ENTRIES
        self.bytes = OFFICE_MAX_UNPACKED


def check_office(data):
    """The kind of an Office package ("docx", "xlsx", or None when it is no Word or Excel
    document) and its finding (see the module docstring), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.infolist()) > OFFICE_MAX_ENTRIES:
                return None, "office_bomb"
            names = set(archive.namelist())
            kind = next((kind for part, kind in OFFICE_KINDS if part in names), None)
            return kind, kind and _check_zip(archive, _Budget(), 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
        # Encrypted parts, sizes that lie, unknown compression: nothing Office itself writes.
        return None, "office_unreadable"


def _check_zip(archive, budget, depth):
    """Count the zip's parts and declared sizes first, then read each part."""
    entries = archive.infolist()
    budget.entries -= len(entries)
    budget.bytes -= sum(entry.file_size for entry in entries)
    if budget.entries < 0 or budget.bytes < 0:
        return "office_bomb"
    for entry in entries:
        too_packed = entry.file_size > max(
            OFFICE_RATIO_FROM, entry.compress_size * OFFICE_MAX_RATIO
        )
        if too_packed:
            return "office_bomb"
    types = _content_types(archive)
    if isinstance(types, str):
        return types
    for entry in entries:
        found = _check_part(archive, entry, types, budget, depth)
        if found:
            return found
    return None


def _content_types(archive):
    """{part name or extension: declared content type}, or the finding of [Content_Types].xml."""
    try:
        declared = archive.read("[Content_Types].xml")
    except KeyError:
        return {}
    lowered = declared.lower()
    if any(kind.encode() in lowered for kind in ACTIVE_CONTENT_TYPES):
        return "office_program"
    types = {}
    for tag in re.finditer(rb"<(?:[\w.-]+:)?(?:Default|Override)\b" + TAG_BODY + rb">", declared):
        attributes = dict(re.findall(rb'(\w+)\s*=\s*"([^"]*)"', tag.group()))
        key = attributes.get(b"PartName") or attributes.get(b"Extension") or b""
        types[key.decode("utf-8", "replace").lstrip("/").lower()] = (
            attributes.get(b"ContentType", b"").decode("utf-8", "replace").lower()
        )
    return types


def _check_part(archive, entry, types, budget, depth):
    """The finding of one part: by name and declared type, by first bytes, then its content."""
    name = entry.filename.lower().rstrip(" .")  # Windows: "setup.exe " is setup.exe
    extension = name.rsplit(".", 1)[-1]
    declared = types.get(name) or types.get(extension, "")
    if name.endswith(PROGRAM_SUFFIXES) or any(k in declared for k in ACTIVE_CONTENT_TYPES):
        return "office_program"
    if extension == "bin" and "printersettings" not in declared:
        return "office_program"
    with archive.open(entry) as part:
        head = part.read(CHUNK)
        if head.startswith(PROGRAM_MAGIC):
            return "office_program"
        if head.startswith(b"PK\x03\x04"):
            return _check_inner_zip(head + part.read(), budget, depth)
        if head.startswith(IMAGE_MAGIC):
            return None
        encoding = _encoding(head)
        start = head[:64].decode(encoding, "replace").lstrip("\ufeff \t\r\n")
        if start.startswith("{\\rtf"):
            return _scan(_pieces(part, head, encoding), _RtfScan())
        if name.endswith(".rels"):
            return _scan(_pieces(part, head, encoding), _RelationshipScan())
        if "xml" in declared or extension in MARKUP or start.startswith("<"):
            return _scan(_pieces(part, head, encoding), _XmlScan())
    return None  # a font, printer settings: nothing in them is read as markup


def _encoding(head):
    """UTF-16 (Office reads XML parts in it too) by its byte order mark or its first `<`;
    else UTF-8."""
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "utf-8"


def _pieces(part, head, encoding):
    """The part's content from `head` on, in chunks, as UTF-8 bytes whatever its encoding, so
    the byte patterns below see the same markup."""
    chunks = iter(lambda: part.read(CHUNK), b"")
    if encoding == "utf-8":
        yield head
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for chunk in (head, *chunks):
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


def _check_inner_zip(content, budget, depth):
    """A zip inside the document (its size was counted in the budget already)."""
    if depth >= OFFICE_MAX_DEPTH:
        return "office_bomb"
    with zipfile.ZipFile(io.BytesIO(content)) as inner:
        return _check_zip(inner, budget, depth + 1)


def _scan(chunks, scan):
    """Feed `chunks` to `scan` in pieces that end before a `<`, so no tag and no text between
    two tags is ever cut in two; answer its first finding."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        cut = pending.rfind(b"<")
        if cut > 0:
            found = scan.feed(bytes(pending[:cut]))
            if found:
                return found
            del pending[:cut]
    return scan.feed(bytes(pending)) or scan.finish()


class _RtfScan:
    """RTF (an altChunk's content): refused when it carries an object (`\\objdata`,
    `\\object`, `\\objemb`, …); the last bytes of a piece are kept to find a word cut in two."""

    tail = b""

    def feed(self, piece):
        if b"\\obj" in (self.tail + piece).lower():
            return "office_embedded"
        self.tail = piece[-8:]
        return None

    def finish(self):
        return None


class _XmlScan:
    """Any other part, read as markup (pictures were let through by their first bytes)."""

    def __init__(self):
        self.fields = []  # the open complex fields: [instruction, named by another field]
        self.found = None

    def feed(self, piece):
        if b"&#" in piece:
            piece = CHARACTER_REFERENCE.sub(_character, piece)
        if b"<!" in piece and DOCTYPE.search(piece):
            return "office_unreadable"  # Office writes no DTD; entities only hide things
        if _mentions(piece, ELEMENT_WORDS):
            if EMBEDDING_ELEMENTS.search(piece):
                return "office_embedded"
            if DDE_ELEMENTS.search(piece):
                return "office_fields"
            if FETCHING_ELEMENTS.search(piece):
                return "office_external"
        if FILE_ATTRIBUTE.search(piece):
            return "office_external"
        if _mentions(piece.lower(), FORMULA_WORDS):
            for formula in FORMULA_SUSPECT.finditer(piece):
                found = _formula_runs(formula.group(1))
                if found:
                    return found
        if b"instr" in piece:
            for token in FIELD_TOKEN.finditer(piece):
                self._field_token(*token.groups())
                if self.found:
                    return self.found
        return None

    def finish(self):
        for instruction, computed in self.fields:  # fields never ended
            self._check_field(instruction, computed)
        return self.found

    def _field_token(self, char_type, instr_text, simple_double, simple_single):
        if char_type == b"begin":
            if self.fields and not self.fields[-1][0].strip():
                self.fields[-1][1] = True  # its name is what the inner field gives
            self.fields.append(["", False])
        elif char_type in (b"separate", b"end") and self.fields:
            instruction, computed = self.fields[-1]
            self._check_field(instruction, computed)
            if char_type == b"end":
                self.fields.pop()
            else:
                self.fields[-1] = ["", False]  # the result follows: no instruction
        elif instr_text is not None:
            text = _unescape(instr_text)
            if self.fields:
                self.fields[-1][0] += text
            else:
                self._check_field(text, False)
        elif simple_double is not None or simple_single is not None:
            self._check_field(_unescape(simple_double or simple_single), False)

    def _check_field(self, instruction, computed):
        words = instruction.split()
        name = words[0].strip("\"'\\").upper() if words else ""
        if computed or name in RUNNING_FIELDS:
            self.found = self.found or "office_fields"
        elif FIELD_ELSEWHERE.search(instruction):
            self.found = self.found or "office_external"


def _mentions(piece, words):
    return any(word in piece for word in words)


def _formula_runs(formula):
    """The finding of an Excel formula that calls DDE (`app|topic!item`, outside quoted
    text), fetches or runs (WEBSERVICE, RTD, CALL, …), or names a file or network share."""
    text = _unescape(formula)
    if FIELD_ELSEWHERE.search(text) or "\\\\" in text:
        return "office_external"
    if OTHER_WORKBOOK.search(DOUBLE_QUOTED.sub('""', text)):
        return "office_external"
    code = QUOTED.sub('""', text)
    if "|" in code or FORMULA_FETCHES.search(code):
        return "office_fields"
    return None


class _RelationshipScan(_XmlScan):
    """A relationships part (`_rels/….rels`): each relationship's type, target and mode."""

    RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b" + TAG_BODY + rb">")
    ATTRIBUTE = re.compile(rb"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")

    def feed(self, piece):
        found = super().feed(piece)
        if found:
            return found
        if b"&#" in piece:
            piece = CHARACTER_REFERENCE.sub(_character, piece)
        for tag in self.RELATIONSHIP.finditer(piece):
            attributes = {
                key.decode("ascii").lower(): _unescape(double or single)
                for key, double, single in self.ATTRIBUTE.findall(tag.group())
            }
            found = _relationship(attributes)
            if found:
                return found
        return None


def _relationship(attributes):
    kind = attributes.get("type", "").rstrip("/").rsplit("/", 1)[-1].lower()
    target = attributes.get("target", "").strip()
    external = attributes.get("targetmode", "").strip().lower() == "external"
    if kind in RUNNING_RELATIONSHIPS:
        return "office_external" if external else RUNNING_RELATIONSHIPS[kind]
    if ELSEWHERE.match(target) or target.startswith("//"):
        return "office_external"
    if external and not (kind == "hyperlink" and target.lower().startswith(LINK_SCHEMES)):
        return "office_external"
    return None


def _character(match):
    text = match.group(1)
    code = int(text[1:], 16) if text[:1] in (b"x", b"X") else int(text)
    try:
        return chr(code).encode("utf-8")
    except (ValueError, OverflowError):
        return b""


def _unescape(raw):
    return html.unescape(raw.decode("utf-8", "replace"))


# --- in the child ----------------------------------------------------------------------------


def check(kind, data):
    """(the file's kind, its finding or None): `kind` is "pdf" or "zip" (an Office package,
    which the check names "docx" or "xlsx", or None when it is neither)."""
    if kind == "pdf":
        return "pdf", check_pdf(data)
    return check_office(data)


def check_limited(kind, data, answer, cpu_seconds, memory_bytes):
    """The child's work: set its own limits, `check`, and send the answer through the pipe
    `answer`. Past the CPU limit the kernel ends the child (SIGXCPU), and the parent reads the
    closed pipe as "could not be checked in time"; past the memory limit an allocation fails,
    with the same answer."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        result = check(kind, data)
    except MemoryError:
        result = None, "limits"
    except Exception:  # noqa: BLE001 - whatever breaks the reader, the file cannot be used
        result = None, "pdf_unreadable" if kind == "pdf" else "office_unreadable"
    answer.send(result)
    answer.close()
