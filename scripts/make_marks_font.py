"""Make layouts/newspaper/fonts/: Noto Serif CJK SC's Chinese punctuation, subset.

LXGW WenKai (the Kai face of the standfirst, the editor's note and the pull
quotes) draws “ ” ‘ ’ as narrow proportional marks (0.35 em) and has no
``halt`` feature, so a Kai block could neither set its quotes full width nor
compress a mark the way the body does. The layout takes these marks from this
subset instead (fonts.css, a ``unicode-range`` face): full width, with ``halt``,
and with WenKai's ascent and descent, so that a line is as tall with them as
without.
Run it again only to change the set of marks; its output is committed.
"""

from __future__ import annotations

import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

NOTO = Path("/usr/share/fonts/opentype/noto")
OUT = Path(__file__).resolve().parents[1] / "layouts" / "newspaper" / "fonts"
# The full-width marks of GB/T 15834 that Kai text uses; — and …… stay Kai's
# (WenKai's are full width already).
MARKS = "，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕"
FACES = {"Regular": "NotoSerifCJK-Regular.ttc", "Bold": "NotoSerifCJK-Bold.ttc"}
FAMILY = "Broadsheet Marks"
KAI = Path("/usr/share/fonts/truetype/lxgw-wenkai")
METRICS = {
    "hhea": ("ascent", "descent", "lineGap"),
    "OS/2": ("sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent"),
}


def simplified_chinese(path: Path) -> TTFont:
    for number in range(20):
        font = TTFont(path, fontNumber=number)
        if font["name"].getDebugName(1).endswith("CJK SC"):
            return font
    raise SystemExit(f"{path}: no Simplified Chinese face")


def make(style: str, source: str) -> Path:
    font = simplified_chinese(NOTO / source)
    options = subset.Options()
    options.layout_features = ["halt", "kern", "palt", "locl"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in MARKS])
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName(style if style == "Regular" else "Bold", 2, 3, 1, 0x409)
    names.setName(f"{FAMILY} {style}", 4, 3, 1, 0x409)
    names.setName(f"BroadsheetMarks-{style}", 6, 3, 1, 0x409)
    names.setName(f"BroadsheetMarks-{style}; subset of {source}", 3, 3, 1, 0x409)
    font["CFF "].cff.fontNames = [f"BroadsheetMarks-{style}"]
    # Noto's ascent and descent are larger than WenKai's: a line holding one of
    # these marks would be taller than its neighbours (CSS centres each font's
    # own ascent and descent in the line height), and the composer, which
    # counts lines of one height, would misjudge every Kai block.
    kai = TTFont(KAI / f"LXGWWenKai-{style}.ttf")
    for table, fields in METRICS.items():
        for name in fields:
            setattr(font[table], name, getattr(kai[table], name))
    path = OUT / f"BroadsheetMarks-{style}.otf"
    font.save(path)
    return path


def licence() -> None:
    text = Path("/usr/share/doc/fonts-noto-cjk/copyright").read_text()
    body = text.split("License: SIL-1.1\n", 3)[-1]
    lines = [re.sub(r"^ \.?", "", line) for line in body.splitlines()]
    notice = TTFont(OUT / "BroadsheetMarks-Regular.otf")["name"].getDebugName(0)
    header = f"BroadsheetMarks-*.otf: subsets of Noto Serif CJK SC.\n{notice}\n\n"
    (OUT / "OFL.txt").write_text(header + "\n".join(lines).strip() + "\n")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for style, source in FACES.items():
        print(make(style, source), "written")
    licence()
