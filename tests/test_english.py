"""The public pages in English under /en/, Danish at /, and a catalogue with no gaps.

The catalogue is locale/en/LC_MESSAGES/django.po, compiled to django.mo beside it. A string
added to the code without an English translation fails here, whether or not anyone has run
makemessages since: the last test reads the strings straight out of the source the way
makemessages does.
"""

import ast
import gettext
import os
import re
from pathlib import Path

from django.conf import settings
from django.utils.translation.template import templatize

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
# What `makemessages --ignore=.venv --ignore=staticfiles --ignore=media` leaves out.
IGNORED = {".venv", "staticfiles", "media", "node_modules", ".git", "locale"}
GETTEXT_FUNCTIONS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
# A gettext call as templatize writes it: ngettext(u'one', u'many', count).
TEMPLATIZED_CALL = re.compile(r"n?p?gettext\((?:u'(?:[^'\\]|\\.)*',? ?)+\w*\)")


def _plain(response):
    assert response.status_code == 200
    html = response.content.decode()
    return html, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_front_page_under_en_is_in_english(client, status_history, other_region):
    html, text = _plain(client.get("/en/"))

    assert '<html lang="en">' in html
    assert "<h1>KKR health goals</h1>" in html
    assert "<h1>KKR-mål for sundhed</h1>" not in html
    assert "The municipalities in each region have set themselves shared health goals." in text
    assert "Kommunerne i hver region har sat sig fælles mål for sundhed." not in text
    assert "3 municipalities" in text and "3 kommuner" not in text
    assert "No adopted goal papers yet." in text  # Syddanmark has none
    assert "Ingen vedtagne målpapirer endnu." not in text
    # Links keep the reader in English.
    assert 'href="/en/hovedstaden/"' in html and 'href="/en/hovedstaden/status/2018/"' in html


def test_region_page_under_en_is_in_english(client, status_history):
    html, text = _plain(client.get("/en/hovedstaden/"))

    assert '<html lang="en">' in html
    assert "Shared health goals" in text and "Fælles mål for sundhed" not in text
    assert "3 of 3 municipalities have submitted their status." in text
    assert "3 af 3 kommuner har indsendt deres status." not in text
    assert "Download the 2018 status paper" in text and "Hent statuspapiret" not in text
    assert "Cluster Byen" in text and "Klynge Byen" not in text
    assert "Goal papers" in text and "Målpapirer" not in text
    # The goals and municipalities are data and stay as written.
    assert "Effektive akuttilbud" in text and "København" in text


def test_danish_stays_at_the_root_even_for_an_english_browser(client, status_history):
    _html, front = _plain(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    html, region = _plain(client.get("/hovedstaden/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Kommunerne i hver region har sat sig fælles mål for sundhed." in front
    assert "KKR health goals" not in front
    assert '<html lang="da">' in html
    assert "3 af 3 kommuner har indsendt deres status." in region
    assert "Shared health goals" not in region


def _catalogue():
    """(msgid, msgid_plural or None, [msgstr...], flags) for each entry but the header."""
    entries, entry, field = [], None, None
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and entry["msgid"]:
                entries.append(entry)
            entry = None
            continue
        entry = entry or {"msgid": None, "plural": None, "msgstr": [], "flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[field] += value
        else:
            keyword, value = line.split(" ", 1)
            field = "msgstr" if keyword.startswith("msgstr") else keyword
            field = "plural" if field == "msgid_plural" else field
            if field == "msgstr":
                entry["msgstr"].append(ast.literal_eval(value))
            elif field in ("msgid", "plural"):
                entry[field] = ast.literal_eval(value)
    return entries


def test_every_catalogue_entry_is_translated_and_compiled():
    entries = _catalogue()
    with open(LOCALE / "django.mo", "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)

    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"]) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"No English for: {untranslated}"
    assert not fuzzy, f"Fuzzy (check the English, then drop the flag): {fuzzy}"
    stale = [
        e["msgid"]
        for e in entries
        if (
            compiled.ngettext(e["msgid"], e["plural"], 2) != e["msgstr"][1]
            if e["plural"]
            else compiled.gettext(e["msgid"]) != e["msgstr"][0]
        )
    ]
    assert not stale, f"django.mo is older than django.po; run compilemessages: {stale}"


def _source_msgids():
    """Every literal msgid in the project's .py, .html and .txt files, as makemessages finds
    them: templates through Django's own templatize, Python through its syntax tree."""
    root = Path(settings.BASE_DIR)
    found = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in IGNORED)
        for filename in sorted(files):
            path = Path(folder) / filename
            if path.suffix in {".py", ".html", ".txt"}:
                for msgid in _msgids_in(path):
                    found.setdefault(msgid, str(path.relative_to(root)))
    return found


def _msgids_in(path):
    source = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".py":
        if "{%" not in source:
            return
        source = "\n".join(TEMPLATIZED_CALL.findall(templatize(source)))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        if path.suffix != ".py":
            raise
        return  # someone's Python work in progress; its own tests will say so
    # xgettext (gettext 0.21) does not look inside f-strings, so makemessages never offers
    # a string marked there for translation; it is left out here too.
    in_fstrings = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in in_fstrings:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_FUNCTIONS:
            continue
        first = 1 if name.startswith(("pgettext", "npgettext")) else 0
        args = node.args[first:]
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            yield args[0].value


def test_every_string_in_the_code_is_in_the_catalogue():
    in_catalogue = {e["msgid"] for e in _catalogue()}
    in_source = _source_msgids()

    assert len(in_source) > 100
    missing = {msgid: where for msgid, where in in_source.items() if msgid not in in_catalogue}
    assert not missing, (
        "Not in locale/en/LC_MESSAGES/django.po; run `manage.py makemessages -l en "
        "--ignore=.venv --ignore=staticfiles --ignore=media`, translate, then "
        f"`manage.py compilemessages --ignore=.venv`: {missing}"
    )
