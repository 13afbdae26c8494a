"""The pages that docs/scripts/pdf_compare.py extracts: invented text set as typesetters set it.

Helvetica with its real widths (tests/pdfmaker.py), lines justified, words broken at a line end
where a hyphenation dictionary would break them. Six documents: a two-column news page drawn
column by column, the same page drawn line by line across both columns, and drawn right column
first (frames placed in any order); a page set TeX-style (no space glyphs: words set apart by
kerning); a three-page report with a running header, "Page n of N" footers and soft hyphens, one
word broken across a page; a page with a table. Each ``Doc`` carries what the checks look for:
its sentences, its lines in reading order, its broken words, a marker per page, its running
header and footer lines, its table rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.pdfmaker import Page, Run, width

NEWS = (
    "The harbour authority of Kessling voted on Monday evening to build a new ferry terminal on the eastern quay, "
    "ending a dispute that has divided the town council for almost three years.",
    "The decision passed by seven votes to four after a session that lasted well past midnight.",
    "Supporters argued that the present terminal, built in 1968, can no longer handle the larger vessels now "
    "operating on the northern routes.",
    "Engineers told the meeting that the existing pontoons were corroding faster than expected and would need "
    "replacement within five years regardless of the vote.",
    "Opponents, led by councillor Petra Haldane, said the construction would disturb a protected breeding ground "
    "for terns and questioned the financial projections presented by the authority.",
    '"The figures assume passenger numbers that we have never seen, not even before the pandemic," Haldane said.',
    "The terminal is expected to cost 84 million euros, of which the regional government has promised to "
    "contribute roughly half.",
    "Construction could begin next spring if the environmental permit is granted, and the authority hopes to open "
    "the building to passengers in the summer of 2027.",
    "Local businesses welcomed the outcome.",
    "The chairwoman of the merchants' association said that ferry passengers already account for a considerable "
    "share of summer trade in the old town, and that a modern terminal would encourage visitors to stay longer.",
    "A public consultation on the final design will open next month.",
    "Residents can submit comments online or at the town library, where models of the three competing proposals "
    "will be displayed until the end of April.",
)
NEWS_PARAGRAPHS = (NEWS[0:2], NEWS[2:4], NEWS[4:6], NEWS[6:8], NEWS[8:10], NEWS[10:12])
RIVER = (
    (
        "Field teams from the regional water institute collected sediment samples at fourteen stations along the "
        "lower river during the first week after the spring floods.",
        "The samples were taken at depths between twenty and eighty centimetres and transported to the laboratory "
        "within six hours of collection.",
    ),
    (
        "Preliminary measurements indicate that the concentration of fine particles was roughly three times higher "
        "than the average recorded during the previous decade.",
        "The researchers attribute the increase mainly to erosion along agricultural drainage channels, which were "
        "overwhelmed by the unusually intense rainfall.",
    ),
    (
        "A complete analysis, including the heavy metal content of each sample, will be published in the "
        "institute's quarterly bulletin.",
        "The authors caution that a single season of observations cannot establish a long-term trend, and they "
        "recommend repeating the survey after next year's floods.",
    ),
)
REPORT = (
    (
        "In 2023 the Kessling harbour handled 2.4 million tonnes of cargo, an increase of six percent compared with "
        "the previous year.",
        "Container traffic grew fastest, driven by two new scheduled services to the southern ports, while bulk "
        "shipments of timber declined for the third consecutive year.",
    ),
    (
        "Passenger traffic recovered almost completely.",
        "The ferries carried 1.1 million passengers, which is ninety-four percent of the volume recorded in 2019.",
        "Cruise calls rose from eleven to nineteen, although the average ship was smaller than before, and the "
        "cruise season ended two weeks earlier than planned because of dredging work in the outer channel.",
    ),
    (
        "Operating revenue amounted to 31.7 million euros and operating costs to 26.2 million euros.",
        "The authority invested 9.8 million euros, mostly in the renewal of quay structures and in the electrical "
        "connections that allow ships to switch off their engines while berthed.",
        "Net debt at the end of the year was 41 million euros.",
    ),
    (
        "The number of employees remained stable at 212.",
        "Sick leave fell to 4.1 percent, and the authority completed its first full year under the new collective "
        "agreement.",
        "Two serious workplace accidents were reported; both were investigated, and the procedures for mooring "
        "operations were revised as a result.",
    ),
    (
        "Looking ahead, the board expects cargo volumes to stay close to the level of 2023.",
        "The largest uncertainties concern the timber market and the schedule of the new ferry terminal, whose "
        "environmental permit is still pending.",
        "The board proposes that no dividend be paid to the municipality for the financial year.",
    ),
)
TABLE_BEFORE = (
    (
        "The table below compares the cargo handled in the first quarter at the four ports of the region.",
        "Cargo is in thousand tonnes, and the change is measured against the same quarter of last year.",
    ),
)
TABLE_AFTER = (
    (
        "Brunmouth again handled the most cargo, mainly because of its new container berth.",
        "The small decline at Torrby reflects the closure of its grain terminal for repairs in February.",
    ),
)
TABLE = (
    ("Port", "Cargo", "Ships", "Change"),
    ("Kessling", "612", "148", "+6.1%"),
    ("Aldervik", "433", "97", "-2.4%"),
    ("Brunmouth", "1,208", "263", "+11.0%"),
    ("Torrby", "85", "31", "-0.8%"),
)


# Where the words of these texts may be broken at a line end, as a hyphenation dictionary has them.
_HYPHENATED = (
    "ac-ci-dents ac-count agree-ment agri-cul-tur-al al-ready al-though amount-ed anal-y-sis as-so-ci-a-tion "
    "as-sume at-trib-ute au-thor-i-ty au-thors av-er-age be-cause berthed be-tween breed-ing Brun-mouth "
    "build-ing bul-le-tin busi-ness-es car-ried cau-tion cen-ti-me-tres chair-wom-an chan-nel chan-nels "
    "clo-sure col-lect-ed col-lec-tion col-lec-tive com-ments com-pared com-pares com-pet-ing com-plete "
    "com-plet-ed com-plete-ly con-cen-tra-tion con-cern con-nec-tions con-sec-u-tive con-sid-er-able "
    "con-struc-tion Con-struc-tion con-sul-ta-tion con-tain-er con-tent con-trib-ute cor-rod-ing coun-cil "
    "coun-cil-lor de-cade de-ci-sion de-cline de-clined dis-played dis-pute dis-turb di-vid-ed div-i-dend "
    "drain-age dredg-ing dur-ing ear-li-er east-ern elec-tri-cal em-ploy-ees en-cour-age end-ing En-gi-neers "
    "en-vi-ron-men-tal ero-sion es-tab-lish eve-ning ex-ist-ing ex-pect-ed ex-pects fer-ries fig-ures "
    "fi-nan-cial four-teen gov-ern-ment grant-ed han-dle han-dled har-bour high-er in-clud-ing in-crease "
    "in-di-cate in-sti-tute in-sti-tute's in-tense in-vest-ed in-ves-ti-gat-ed Kess-ling lab-o-ra-to-ry "
    "larg-er larg-est last-ed li-brary long-er Look-ing main-ly mar-ket mea-sured mea-sure-ments meet-ing "
    "mer-chants' mid-night mil-lion mod-els mod-ern moor-ing most-ly mu-nic-i-pal-i-ty nine-teen north-ern "
    "num-ber num-bers ob-ser-va-tions op-er-at-ing op-er-a-tions Op-po-nents out-come over-whelmed pan-dem-ic "
    "par-ti-cles pas-sen-ger pas-sen-gers pend-ing per-cent Pre-lim-i-nary pre-sent-ed pre-vi-ous "
    "pro-ce-dures pro-jec-tions prom-ised pro-pos-als pro-pos-es pro-tect-ed pub-lished quar-ter-ly "
    "ques-tioned rain-fall rec-om-mend re-cord-ed re-cov-ered re-flects re-gard-less re-gion-al re-mained "
    "re-new-al re-pairs re-peat-ing re-place-ment re-port-ed re-search-ers Res-i-dents re-sult rev-e-nue "
    "re-vised rough-ly sched-ule sched-uled sed-i-ment se-ri-ous ser-vices ses-sion ship-ments sin-gle "
    "small-er south-ern sta-tions struc-tures sub-mit sum-mer Sup-port-ers ter-mi-nal thou-sand tim-ber "
    "trans-port-ed un-cer-tain-ties un-usu-al-ly ves-sels vis-i-tors vol-ume vol-umes wel-comed with-in "
    "work-place"
).split()


def _points(word: str) -> tuple[int, ...]:
    """The offsets in the unhyphenated word where ``word`` (as "con-struc-tion") may be broken."""
    parts = word.split("-")
    return tuple(sum(len(p) for p in parts[:k]) for k in range(1, len(parts)))


HYPHENATION = {word.replace("-", "").lower(): _points(word) for word in _HYPHENATED}


@dataclass(frozen=True, slots=True)
class Break:
    """A word broken at a line end: ``head`` + hyphen on one line, ``tail`` on the next."""

    before: str  # the word before it, so that the check finds this occurrence
    head: str
    tail: str
    compound: bool  # broken at its own hyphen ("long-term"): whole, it keeps the hyphen

    def whole(self) -> str:
        return f"{self.before} {self.head}{'-' if self.compound else ''}{self.tail}"


@dataclass(frozen=True, slots=True)
class SetLine:
    words: tuple[str, ...]
    last: bool  # a paragraph's last line is not justified


@dataclass(slots=True)
class Doc:
    name: str
    what: str
    pages: list[Page] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # every line of text, in reading order
    breaks: list[Break] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)  # one string per page, found on that page only
    margins: list[str] = field(default_factory=list)  # each running header and footer line drawn, page by page
    rows: list[str] = field(default_factory=list)


def wrap(paragraphs: Sequence[Sequence[str]], measure: float, size: float, hyphen: str, doc: Doc) -> list[SetLine]:
    """The paragraphs set in lines at most ``measure`` wide, long words broken with ``hyphen``."""
    out: list[SetLine] = []
    for sentences in paragraphs:
        doc.sentences.extend(sentences)
        words, line = " ".join(sentences).split(), []
        for k, word in enumerate(words):
            if width(" ".join([*line, word]), size) <= measure:
                line.append(word)
                continue
            room = measure - width(" ".join([*line, ""]), size)
            cut = _cut(word, room, size)
            if cut:
                compound = word[cut - 1] == "-"
                head, tail = word[: cut - 1 if compound else cut], word[cut:]
                doc.breaks.append(Break(words[k - 1] if k else "", head, tail, compound))
                line, word = [*line, head + ("-" if compound else hyphen)], tail
            out.append(SetLine(tuple(line), False))
            line = [word]
        out.append(SetLine(tuple(line), True))
    return out


def _cut(word: str, room: float, size: float) -> int:
    """Where to break ``word`` so its head and a hyphen fit in ``room`` (0: not at all): after its own
    hyphen, or where ``HYPHENATION`` allows."""
    hyphen = word.find("-")
    if 0 < hyphen < len(word) - 1:
        return hyphen + 1 if width(word[: hyphen + 1], size) <= room else 0
    points = HYPHENATION.get(word.rstrip('.,;:"').lower(), ())
    return max((i for i in points if width(word[:i] + "-", size) <= room), default=0)


def place(
    lines: Sequence[SetLine], x: float, top: float, measure: float, size: float, spaces: bool = True
) -> list[Run]:
    """Runs for ``lines`` from ``top`` down, justified to ``measure``, a little air between paragraphs."""
    runs, y = [], top
    for line in lines:
        slack = measure - width(" ".join(line.words), size)
        gap = 0.0 if line.last or len(line.words) < 2 else slack / (len(line.words) - 1)
        runs.append(Run(x, y, line.words, size, gap, spaces))
        y -= size * 1.25 + (size * 0.5 if line.last else 0)
    return runs


def text(run: Run) -> str:
    return " ".join(run.words)


def news(order: str) -> Doc:
    """The two-column news page; ``order`` is how its columns are drawn: columns, lines, right-first."""
    drawn = {"columns": "column by column", "lines": "line by line across both columns"}.get(order, "right first")
    doc = Doc(f"news-{order}", f"two-column news page with masthead, headline and footer, drawn {drawn}")
    mast = [Run(50, 800, ("THE", "NORTHERN", "LEDGER"), 9), Run(440, 800, ("Tuesday", "5", "March", "2024"), 9)]
    head = Run(50, 770, tuple("Harbour authority approves new ferry terminal".split()), 18)
    byline = Run(50, 748, tuple("By Mira Castellan, harbour correspondent".split()), 9)
    set_lines = wrap(NEWS_PARAGRAPHS, 240, 10, "-", doc)
    half = (len(set_lines) + 1) // 2
    left, right = place(set_lines[:half], 50, 725, 240, 10), place(set_lines[half:], 305, 725, 240, 10)
    foot = [Run(50, 40, ("northernledger.example",), 8), Run(290, 40, ("Page", "1"), 8)]
    body = {"columns": left + right, "right-column-first": right + left}.get(order)
    if body is None:
        body = [run for pair in zip(left, right + [None] * len(left), strict=False) for run in pair if run]
    doc.pages = [Page(runs=tuple(mast + [head, byline] + body + foot))]
    doc.sentences.insert(0, text(head))
    doc.lines = [text(r) for r in [head, byline, *left, *right]]
    doc.markers = ["Page 1"]
    return doc


def tex() -> Doc:
    """A page set without space glyphs (words set apart by kerning), as TeX sets it."""
    doc = Doc("tex-kerned", "one column set TeX-style: no space glyphs, words apart by kerning")
    title = Run(125, 760, tuple("Measuring river sediment after the spring floods".split()), 14, spaces=False)
    body = place(wrap(RIVER, 345, 10, "-", doc), 125, 725, 345, 10, spaces=False)
    doc.pages = [Page(runs=(title, *body, Run(295, 60, ("1",), 10, spaces=False)))]
    doc.sentences.insert(0, text(title))
    doc.lines = [text(r) for r in [title, *body]]
    doc.markers = [doc.lines[0]]
    return doc


def report(copies: int = 1) -> Doc:
    """A report in pages with a running header and "Page n of N" footers, broken with soft hyphens."""
    doc = Doc("report-3-pages", "three-page report: running header, page footers, soft hyphens, a word across a page")
    set_lines = wrap(REPORT, 360, 11, "\u00ad", doc)
    # A page ends near every tenth line, on a hyphenated line when one is near, as a page often ends.
    ends, at = [], 0
    while at + 10 < len(set_lines):
        near = [i for i in range(at + 6, min(at + 13, len(set_lines) - 1)) if set_lines[i].words[-1][-1] in "-\u00ad"]
        at = near[-1] + 1 if near else at + 10
        ends.append(at)
    chunks = [set_lines[a:b] for a, b in zip([0, *ends], [*ends, len(set_lines)], strict=True)] * copies
    header = Run(72, 800, tuple("Kessling Harbour Authority - Annual report 2023".split()), 8)
    heading = Run(72, 750, tuple("Operations and finances in 2023".split()), 14)
    for n, chunk in enumerate(chunks, start=1):
        body = place(chunk, 72, 720 if n == 1 else 760, 360, 11)
        foot = Run(270, 40, ("Page", str(n), "of", str(len(chunks))), 8)
        doc.pages.append(Page(runs=(header, *([heading] if n == 1 else []), *body, foot)))
        doc.lines.extend(text(r) for r in ([heading] if n == 1 else []) + body)
        doc.markers.append(text(foot))
        doc.margins.extend((text(header), text(foot)))
    doc.sentences.insert(0, text(heading))
    return doc


def table() -> Doc:
    """A page with a paragraph, a table (numbers right-aligned) and another paragraph."""
    doc = Doc("table", "a paragraph, a five-row table with right-aligned numbers, a paragraph")
    before = place(wrap(TABLE_BEFORE, 451, 10, "-", doc), 72, 760, 451, 10)
    y, cells = before[-1].y - 30, []
    for row in TABLE:
        cells.append(Run(72, y, (row[0],)))
        cells.extend(Run(right - width(cell), y, (cell,)) for right, cell in zip((240, 330, 420), row[1:], strict=True))
        doc.rows.append(" ".join(row))
        y -= 16
    after = place(wrap(TABLE_AFTER, 451, 10, "-", doc), 72, y - 14, 451, 10)
    doc.pages = [Page(runs=(*before, *cells, *after))]
    doc.lines = [text(r) for r in before + after]
    doc.markers = [doc.lines[0]]
    return doc


def documents() -> list[Doc]:
    return [news("columns"), news("lines"), news("right-column-first"), tex(), report(), table()]
