"""An indicator's series from a file as Statistikbanken and eSundhed publish them.

The files come in two shapes, both read here without being told which:

- years as columns (Statistikbanken's CSV, "matrix"): a header block (the table's title, then
  lines such as "Enhed: …", "Kilde: …", "Hentet: 02.04.2024"), a header row whose cells are the
  years, then a row per area, its name (or "751 Aarhus", or the code) in the first columns;
- years as rows (eSundhed's and Statistikbanken's long tables): a header block, a header row
  naming the columns ("Kommunekode", "Kommune", "År", "Andel (pct.)"), then a row per area and
  year. When the table has several columns of figures, the caller names the one that is the
  indicator's (`value_column`).

Values may have a decimal comma and thousands dots ("1.234,5"); "..", "-" and an empty cell are
missing (no value stored). Areas are the municipalities by kommunekode or name ("Aarhus",
"Århus Kommune", "0751"), the regions ("Region Midtjylland", 1082) and the whole country
("Hele landet"). Of those, the indicator's region, its municipalities and the whole country
are kept; other regions' rows are passed over and said so.

`read_series(sheet, indicator, …)` gives a `SeriesPlan`: what would be stored, with one
Danish error per row and cell (`goals.paper_import.RowError`) and notes; `store_series` stores
a plan without errors, all or nothing, replacing the values of the same source and table.
"""

import datetime
import re
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import formats
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.models import FIRST_YEAR
from goals.models import LAST_YEAR
from goals.models import IndicatorObservation
from goals.models import IndicatorSeries
from goals.sheets import MAX_ERRORS
from goals.sheets import RowError
from goals.sheets import TooManyErrors
from goals.sheets import cell_text
from goals.sheets import column_letter
from goals.sheets import too_many_errors
from municipalities.models import Municipality
from municipalities.models import Region

MISSING = {"", "..", ".", "-", "–", "—", "*", "x", "n/a", "na", "…"}
NATIONAL_NAMES = {"helelandet", "danmark", "landetialt", "helelandetialt", "altlandet", "ialt"}
# Rows of a national table that are no municipality of the portal: passed over, not wrong.
NOT_AREAS = {
    "christiansø",
    "uoplyst",
    "ukendt",
    "udenfastbopæl",
    "udlandet",
    "øvrige",
    "uoplystkommune",
}
NAME_ALIASES = {"århus": "aarhus"}
VALUE_STEP, VALUE_LIMIT = Decimal("0.0001"), Decimal(10) ** 12
URL_MAX = IndicatorSeries._meta.get_field("source_url").max_length
YEAR_HEADERS = {"år", "tid", "periode", "year", "årstal", "aar"}
CODE_HEADERS = {
    "kommunekode",
    "kode",
    "områdekode",
    "regionskode",
    "kommunenr",
    "kommunenummer",
    "komkode",
}
AREA_HEADERS = {
    "kommune",
    "område",
    "kommunenavn",
    "region",
    "bopælskommune",
    "geografi",
    "områdenavn",
    "bopælsområde",
}
PREFERRED_VALUE_HEADERS = {"indhold", "værdi", "value"}
META_KEYS = {
    "kilde": "source_name",
    "source": "source_name",
    "enhed": "unit",
    "unit": "unit",
    "tabel": "table_id",
    "tabelid": "table_id",
    "table": "table_id",
    "hentet": "fetched_on",
    "udtræk": "fetched_on",
    "udtrukket": "fetched_on",
    "downloadet": "fetched_on",
    "dato": "fetched_on",
    "fetched": "fetched_on",
    "url": "source_url",
    "link": "source_url",
    "adresse": "source_url",
    "titel": "title",
}  # fmt: skip
_TABLE_TITLE = re.compile(r"([A-ZÆØÅ][A-ZÆØÅ0-9]{2,11}):\s*(.+)")
_CODE_AND_NAME = re.compile(r"(\d{1,4})\s+(\D.*)")
_MONTHS = "januar februar marts april maj juni juli august september oktober november december"


def _key(text):
    """A name as looked up: lower case, without "Kommune" and anything but letters."""
    text = cell_text(text).lower()
    text = re.sub(r"\b(regions)?kommune\b", "", text)
    text = re.sub(r"^region\b", "", text.strip())
    return re.sub(r"[^a-zæøå]", "", text)


def _header_key(text):
    return re.sub(r"[^a-zæøå]", "", cell_text(text).lower())


@dataclass
class Area:
    level: str  # IndicatorObservation.Level
    municipality: Municipality | None = None
    region: Region | None = None

    @property
    def key(self):
        return (
            self.level,
            getattr(self.municipality, "pk", None),
            getattr(self.region, "pk", None),
        )

    @property
    def name(self):
        if self.municipality is not None:
            return self.municipality.name
        if self.region is not None:
            return _("Region %(name)s") % {"name": self.region.name}
        return _("Hele landet")


SKIP = "skip"  # an area of another region, or none of the portal's (Christiansø)


class _Areas:
    """Resolves a cell to an Area, SKIP or None (unknown), for the indicator's region."""

    def __init__(self, region):
        self.region = region
        self.by_code, self.by_name = {}, {}
        for municipality in Municipality.objects.select_related("region"):
            self.by_code[municipality.kommunekode] = municipality
            for key in {_key(municipality.name), _key(municipality.name).removesuffix("s")}:
                self.by_name.setdefault(key, municipality)
        self.regions_by_code, self.regions_by_name = {}, {}
        for other in Region.objects.all():
            self.regions_by_code[other.code] = other
            self.regions_by_name[_key(other.name)] = other

    def resolve(self, cell):
        if isinstance(cell, int) or (isinstance(cell, Decimal) and cell == int(cell)):
            return self._code(int(cell))
        text = cell_text(cell)
        if text.isdigit():
            return self._code(int(text))
        found = _CODE_AND_NAME.fullmatch(text)
        if found:
            # Statistikbanken's codes and texts: "101 København", but "084 Region Hovedstaden"
            # (its own region codes, not the portal's 1084): the name says it then.
            return self._code(int(found[1])) or self._name(found[2])
        return self._name(text)

    def _code(self, code):
        if code == 0:
            return Area(IndicatorObservation.Level.NATIONAL)
        if code in self.by_code:
            return self._municipality(self.by_code[code])
        if code in self.regions_by_code:
            return self._region(self.regions_by_code[code])
        if code == 411:  # Christiansø: in national tables, no municipality
            return SKIP
        return None

    def _name(self, text):
        key = _key(text)
        key = NAME_ALIASES.get(key, key)
        if key in NATIONAL_NAMES:
            return Area(IndicatorObservation.Level.NATIONAL)
        if key in NOT_AREAS:
            return SKIP
        if text.lower().startswith("region") and key in self.regions_by_name:
            return self._region(self.regions_by_name[key])
        municipality = self.by_name.get(key) or self.by_name.get(key.removesuffix("s"))
        if municipality is not None:
            return self._municipality(municipality)
        if key in self.regions_by_name:
            return self._region(self.regions_by_name[key])
        return None

    def _municipality(self, municipality):
        if municipality.region_id != self.region.pk:
            return SKIP
        return Area(IndicatorObservation.Level.MUNICIPALITY, municipality=municipality)

    def _region(self, region):
        if region.pk != self.region.pk:
            return SKIP
        return Area(IndicatorObservation.Level.REGION, region=region)


def parse_value(cell):
    """The cell's number as a Decimal, None when missing (".." or empty); ValueError when it
    is no number. "1.234,5" is 1234.5; "1.234" is 1234 (Danish thousands)."""
    if cell is None:
        return None
    if isinstance(cell, (int, Decimal)) and not isinstance(cell, bool):
        return Decimal(cell)
    text = cell_text(cell).replace("\xa0", "").replace(" ", "").rstrip("%")
    if text.lower() in MISSING:
        return None
    if "," in text and "." in text and text.rindex(".") > text.rindex(","):
        text = text.replace(",", "")  # "1,234.5" from an English Excel
    elif "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(text)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def parse_year(cell):
    """The year in a cell ("2016", 2016, "2016*"), or None."""
    if isinstance(cell, int):
        year = cell
    else:
        text = cell_text(cell).rstrip("*").strip()
        if not re.fullmatch(r"\d{4}", text):
            return None
        year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def parse_date(text):
    """A fetched date as files print it: 02.04.2024, 2-4-2024, 2024-04-02, 2. april 2024."""
    if isinstance(text, datetime.date):
        return text
    text = cell_text(text).strip().lower()
    found = re.search(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})", text)
    try:
        if found:
            return datetime.date(int(found[3]), int(found[2]), int(found[1]))
        found = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if found:
            return datetime.date(int(found[1]), int(found[2]), int(found[3]))
        found = re.search(rf"(\d{{1,2}})\.? ({_MONTHS.replace(' ', '|')}) (\d{{4}})", text)
        if found:
            month = _MONTHS.split().index(found[2]) + 1
            return datetime.date(int(found[3]), month, int(found[1]))
    except ValueError:
        return None
    return None


@dataclass
class SeriesMeta:
    title: str = ""
    unit: str = ""
    source_name: str = ""
    source_url: str = ""
    table_id: str = ""
    fetched_on: datetime.date | None = None

    def merged(self, given):
        """These (read from the file) overridden by what the user gave (non-empty ones)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update({name: value for name, value in given.items() if value})
        return SeriesMeta(**values)


@dataclass
class Observation:
    row: int
    area: Area
    year: int
    value: Decimal


@dataclass
class SeriesPlan:
    indicator: object
    meta: SeriesMeta = field(default_factory=SeriesMeta)
    layout: str = ""  # "columns" (years as columns) or "rows"
    observations: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    missing_values: int = 0
    skipped_rows: int = 0

    @property
    def years(self):
        return sorted({o.year for o in self.observations})

    def table(self):
        """[(area, {year: value})]: the whole country, the region, then its municipalities by
        name; what the preview shows."""
        by_area = {}
        for o in self.observations:
            by_area.setdefault(o.area.key, (o.area, {}))[1][o.year] = o.value
        order = {"national": 0, "region": 1, "municipality": 2}
        return sorted(by_area.values(), key=lambda item: (order[item[0].level], item[0].name))

    def table_rows(self):
        """[(area, [the value as written, "–" when missing, for each of `years`])]: the
        preview's table, each figure with the decimals it has in the file (12,5)."""
        years = self.years

        def written(value):
            if value is None:
                return "–"
            exponent = value.normalize().as_tuple().exponent
            decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
            return formats.number_format(value, decimal_pos=decimals, use_l10n=True)

        return [
            (area, [written(values.get(year)) for year in years]) for area, values in self.table()
        ]

    @property
    def layout_label(self):
        if self.layout == "columns":
            return _("årene som kolonner")
        return _("årene som rækker")

    def summary(self):
        municipalities = {o.area.key for o in self.observations if o.area.level == "municipality"}
        return ngettext(
            "%(values)s værdier for %(n)s kommune, %(first)s–%(last)s",
            "%(values)s værdier for %(n)s kommuner, %(first)s–%(last)s",
            len(municipalities),
        ) % {
            "values": len(self.observations),
            "n": len(municipalities),
            "first": self.years[0] if self.years else "",
            "last": self.years[-1] if self.years else "",
        }


class _Reader:
    def __init__(self, sheet, indicator, value_column, given):
        self.sheet = sheet
        self.indicator = indicator
        self.region = indicator.goal.paper.region
        self.value_column = (value_column or "").strip()
        self.given = given
        self.plan = SeriesPlan(indicator=indicator)
        self.areas = _Areas(self.region)
        self.seen = {}  # (area key, year) -> row
        self.skipped_other = 0

    def error(self, message, row=None, column=None, index=None):
        letter = column_letter(index) if index is not None else None
        self.plan.errors.append(RowError(message, row, column, letter))
        if len(self.plan.errors) >= MAX_ERRORS - 1:
            raise TooManyErrors

    def read(self):
        meta = SeriesMeta()
        try:
            self._read(meta)
        except TooManyErrors:
            self.plan.meta = meta.merged(self.given)  # the preview names what it read
            self.plan.errors.append(too_many_errors())
        return self.plan

    def _read(self, meta):
        rows = [(n, cells) for n, cells in self.sheet.rows if any(cell_text(c) for c in cells)]
        for position, (number, cells) in enumerate(rows):
            layout = self._header_kind(cells)
            if layout:
                self.plan.layout = layout
                body = rows[position + 1 :]
                if layout == "columns":
                    self._columns(number, cells, body, meta)
                else:
                    self._rows(number, cells, body, meta)
                break
            self._meta(cells, meta)
        else:
            self.error(
                _(
                    "Filen har ingen overskriftsrække med årstal (fx 2019;2020;2021) eller med "
                    "kolonnerne “Kommune” og “År”. Udtræk tabellen med kommunerne i rækkerne."
                )
            )
            return
        self._finish(meta)

    # --- what the file says about itself --------------------------------------------------

    def _meta(self, cells, meta):
        texts = [cell_text(c) for c in cells if cell_text(c)]
        if not texts:
            return
        line = " ".join(texts)
        found = re.match(r"([A-Za-zÆØÅæøå\- ]{2,20}):\s*(.*)", line)
        name = META_KEYS.get(_header_key(found[1])) if found else None
        if name:
            value = found[2].strip()
            if name == "fetched_on":
                meta.fetched_on = parse_date(value) or meta.fetched_on
            elif not getattr(meta, name):
                setattr(meta, name, value)
            return
        url = next((t for t in texts if t.startswith(("http://", "https://"))), None)
        if url and not meta.source_url:
            meta.source_url = url
            return
        if not meta.title:
            table = _TABLE_TITLE.fullmatch(line)
            if table:
                meta.table_id = meta.table_id or table[1]
                meta.title = table[2]
            else:
                meta.title = line

    def _header_kind(self, cells):
        years = [i for i, c in enumerate(cells) if parse_year(c) is not None]
        filled = [i for i, c in enumerate(cells) if cell_text(c)]
        # Years from some column on, and room before them for the areas (Statistikbanken
        # leaves those header cells empty).
        if years and years[0] > 0 and years == [i for i in filled if i >= years[0]]:
            return "columns"
        keys = {_header_key(c) for c in cells}
        if keys & YEAR_HEADERS and keys & (AREA_HEADERS | CODE_HEADERS):
            return "rows"
        return None

    # --- years as columns -----------------------------------------------------------------

    def _columns(self, header_number, header, body, meta):
        years = {i: parse_year(c) for i, c in enumerate(header) if parse_year(c) is not None}
        first_year_index = min(years)
        if first_year_index == 0:
            self.error(
                _("Overskriftsrækken har årstal, men ingen kolonne til områderne før dem."),
                header_number,
            )
            return
        area_index = self._area_column(body, range(first_year_index))
        area_header = cell_text(header[area_index]) if area_index < len(header) else ""
        area_name = area_header or _("Område")
        previous = None
        for number, cells in body:
            values = {i: cells[i] if i < len(cells) else None for i in years}
            area_cell = cells[area_index] if area_index < len(cells) else None
            if not cell_text(area_cell):
                area_cell = previous  # Statistikbanken names an area once for its rows
            if not any(cell_text(v) for v in values.values()):
                self._note_row(number, cells, meta)
                continue
            if area_cell is None:
                self.error(_("Rækken har tal, men intet område."), number, area_name, area_index)
                continue
            previous = area_cell
            area = self._area(number, area_cell, area_name, area_index)
            if area is None:
                continue
            for index, cell in values.items():
                self._value(number, area, years[index], cell, cell_text(header[index]), index)

    def _area_column(self, body, candidates):
        """The column of the first ones whose cells are most often an area of the portal."""
        best, best_count = 0, -1
        for index in candidates:
            count = 0
            for _number, cells in body[:200]:
                if index < len(cells) and cell_text(cells[index]):
                    count += self.areas.resolve(cells[index]) is not None
            if count > best_count:
                best, best_count = index, count
        return best

    def _note_row(self, number, cells, meta):
        """A row without figures: a note under the table ("Kilde: …") or an empty area."""
        self._meta(cells, meta)

    # --- years as rows --------------------------------------------------------------------

    def _rows(self, header_number, header, body, meta):
        keys = [_header_key(c) for c in header]
        names = [cell_text(c) for c in header]
        year_index = next(i for i, k in enumerate(keys) if k in YEAR_HEADERS)
        code_index = next((i for i, k in enumerate(keys) if k in CODE_HEADERS), None)
        area_index = next((i for i, k in enumerate(keys) if k in AREA_HEADERS), None)
        used = {year_index, code_index, area_index}
        value_index = self._value_index(header_number, keys, names, body, used)
        if value_index is None:
            return
        self.value_header = names[value_index]
        for number, cells in body:

            def cell(index, cells=cells):
                return cells[index] if index is not None and index < len(cells) else None

            if not cell_text(cell(value_index)) and not cell_text(cell(year_index)):
                self._note_row(number, cells, meta)
                continue
            if code_index is not None and cell_text(cell(code_index)):
                where = (names[code_index], code_index)
                area_cell = cell(code_index)
            else:
                where = (names[area_index] if area_index is not None else _("Område"), area_index)
                area_cell = cell(area_index)
            if not cell_text(area_cell):
                self.error(_("Rækken har tal, men intet område."), number, *where)
                continue
            year = parse_year(cell(year_index))
            area = self._area(number, area_cell, *where)
            if year is None:
                self.error(
                    _("“%(text)s” er ikke et år mellem %(first)s og %(last)s.")
                    % {"text": cell_text(cell(year_index)), "first": FIRST_YEAR, "last": LAST_YEAR},
                    number,
                    names[year_index],
                    year_index,
                )
                continue
            if area is None:
                continue
            self._value(number, area, year, cell(value_index), names[value_index], value_index)

    def _value_index(self, header_number, keys, names, body, used):
        if self.value_column:
            wanted = _header_key(self.value_column)
            for index, key in enumerate(keys):
                if key == wanted and index not in used:
                    return index
            self.error(
                _("Kolonnen “%(name)s” findes ikke i overskriftsrækken. Kolonnerne er: %(all)s.")
                % {"name": self.value_column, "all": ", ".join(f"“{n}”" for n in names if n)},
                header_number,
            )
            return None
        numeric = []
        for index, name in enumerate(names):
            if index in used or not name:
                continue
            found = 0
            for _number, cells in body[:200]:
                try:
                    found += index < len(cells) and parse_value(cells[index]) is not None
                except ValueError:
                    pass
            if found:
                numeric.append(index)
        preferred = [i for i in numeric if keys[i] in PREFERRED_VALUE_HEADERS]
        if len(preferred) == 1:
            return preferred[0]
        if len(numeric) == 1:
            return numeric[0]
        if not numeric:
            self.error(_("Tabellen har ingen kolonne med tal."), header_number)
            return None
        self.error(
            _(
                "Tabellen har flere kolonner med tal: %(columns)s. Skriv navnet på den, der er "
                "indikatorens værdi, i feltet “Kolonne med værdien”."
            )
            % {
                "columns": ", ".join(
                    f"“{names[i]}” ({column_letter(i)}{header_number})" for i in numeric
                )
            },
            header_number,
        )
        return None

    # --- one cell -------------------------------------------------------------------------

    def _area(self, number, cell, column, index):
        area = self.areas.resolve(cell)
        if area is SKIP:
            self.skipped_other += 1
            return None
        if area is None:
            self.error(
                _(
                    "“%(text)s” er hverken en kommune, en region eller hele landet. Skriv "
                    "kommunens navn eller kommunekode, fx “Aarhus” eller 751."
                )
                % {"text": cell_text(cell)},
                number,
                column,
                index,
            )
        return area

    def _value(self, number, area, year, cell, column, index):
        try:
            value = parse_value(cell)
        except ValueError:
            self.error(
                _("“%(text)s” er ikke et tal. Skriv fx 12,5; “..” betyder, at tallet mangler.")
                % {"text": cell_text(cell)},
                number,
                column,
                index,
            )
            return
        if value is None:
            self.plan.missing_values += 1
            return
        # As stored (IndicatorObservation.value): four decimals, twelve digits before them.
        if abs(value) < VALUE_LIMIT:
            value = value.quantize(VALUE_STEP)
        if abs(value) >= VALUE_LIMIT:
            self.error(_("Tallet er for stort."), number, column, index)
            return
        key = (area.key, year)
        if key in self.seen:
            self.error(
                _(
                    "%(area)s %(year)s står allerede i række %(first)s. Udtræk kun én værdi pr. "
                    "område og år (fx én aldersgruppe)."
                )
                % {"area": area.name, "year": year, "first": self.seen[key]},
                number,
                column,
                index,
            )
            return
        self.seen[key] = number
        self.plan.observations.append(Observation(number, area, year, value))

    # --- what is kept, and what is missing ------------------------------------------------

    def _finish(self, meta):
        plan = self.plan
        plan.meta = meta.merged(self.given)
        if not plan.meta.unit and getattr(self, "value_header", ""):
            plan.meta.unit = self.value_header  # "Andel genindlagt (pct.)" says what it counts
        if not plan.meta.source_name:
            self.error(
                _(
                    "Filen nævner ikke sin kilde. Skriv kilden i feltet “Kilde”, fx “Danmarks "
                    "Statistik, Statistikbanken”."
                )
            )
        if len(plan.meta.source_url) > URL_MAX:
            self.error(_("Kildens adresse må højst være %(max)s tegn.") % {"max": URL_MAX})
        elif plan.meta.source_url:
            try:
                URLValidator(schemes=["http", "https"])(plan.meta.source_url)
            except ValidationError:
                self.error(
                    _("“%(url)s” er ikke en gyldig webadresse.") % {"url": plan.meta.source_url}
                )
        if plan.meta.fetched_on is None:
            plan.meta.fetched_on = timezone.localdate()
            plan.notices.append(
                _("Filen siger ikke, hvornår tallene er hentet; dagens dato bruges.")
            )
        for name, limit in (("title", 250), ("unit", 120), ("source_name", 200), ("table_id", 80)):
            setattr(plan.meta, name, getattr(plan.meta, name)[:limit])
        if self.skipped_other:
            plan.notices.append(
                ngettext(
                    "%(n)s række for områder uden for %(region)s er sprunget over.",
                    "%(n)s rækker for områder uden for %(region)s er sprunget over.",
                    self.skipped_other,
                )
                % {"n": self.skipped_other, "region": self.region.name}
            )
        if plan.missing_values:
            plan.notices.append(
                ngettext(
                    "%(n)s værdi mangler i kilden (“..” eller tom) og gemmes ikke.",
                    "%(n)s værdier mangler i kilden (“..” eller tomme) og gemmes ikke.",
                    plan.missing_values,
                )
                % {"n": plan.missing_values}
            )
        covered = {o.area.municipality.pk for o in plan.observations if o.area.municipality}
        if not plan.errors and not covered:
            self.error(
                _("Filen har ingen tal for kommunerne i %(region)s.") % {"region": self.region.name}
            )
        elif covered:
            missing = [
                m.name for m in self.region.municipalities.order_by("name") if m.pk not in covered
            ]
            if missing:
                plan.notices.append(
                    _("Filen har ingen tal for: %(names)s.") % {"names": ", ".join(missing)}
                )


def read_series(sheet, indicator, *, value_column="", given=None):
    """The plan of the series in `sheet` for `indicator`; `given` holds what the user filled
    in (source_name, source_url, table_id, fetched_on), which wins over the file's own."""
    return _Reader(sheet, indicator, value_column, given or {}).read()


def existing_series(plan):
    """The stored series a plan would replace (same indicator, source and table), or None."""
    return IndicatorSeries.objects.filter(
        indicator=plan.indicator,
        source_name=plan.meta.source_name,
        table_id=plan.meta.table_id,
    ).first()


@transaction.atomic
def store_series(plan, *, by=None, file_name=""):
    """Store a plan without errors: the series (new, or the same source and table's, whose
    values it replaces) and its values, all or nothing. Returns (series, values replaced)."""
    if plan.errors:
        raise ValueError("A plan with errors cannot be stored.")
    meta = plan.meta
    series = (
        IndicatorSeries.objects.select_for_update()
        .filter(indicator=plan.indicator, source_name=meta.source_name, table_id=meta.table_id)
        .first()
    )
    replaced = 0
    if series is None:
        series = IndicatorSeries(
            indicator=plan.indicator, source_name=meta.source_name, table_id=meta.table_id
        )
    else:
        replaced, _deleted = series.observations.all().delete()
    series.title = meta.title
    series.unit = meta.unit
    series.source_url = meta.source_url
    series.fetched_on = meta.fetched_on
    series.file_name = (file_name or "")[:200]
    series.imported_by = by
    if by is not None:
        series._history_user = by
    # Saving the series tells the public pages' cache (reports.cache), again at commit.
    series.save()
    IndicatorObservation.objects.bulk_create(
        [
            IndicatorObservation(
                series=series,
                municipality=o.area.municipality,
                region=o.area.region,
                year=o.year,
                value=o.value,
            )
            for o in plan.observations
        ]
    )
    return series, replaced
