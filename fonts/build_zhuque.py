#!/usr/bin/env python3
"""Build fonts/ZhuqueFangsong-Regular.ttf (朱雀仿宋, the 仿宋 face) from its Glyphs source.

    python3 -m venv /tmp/venv-font
    /tmp/venv-font/bin/pip install -r fonts/requirements-zhuque.txt
    git clone https://github.com/TrionesType/zhuque /path/to/zhuque
    /tmp/venv-font/bin/python fonts/build_zhuque.py --source /path/to/zhuque

Source: https://github.com/TrionesType/zhuque at COMMIT below (a clone or a bare git
directory; the commit is taken with `git archive`, so local changes in a work tree are not
used).  The build is upstream's own (src/build.sh, run by .github/workflows/main.yml):

    cd src && fontmake -g ./ZhuqueFangsong.glyphspackage -o ttf --output-dir ../fonts/

with one addition: SOURCE_DATE_EPOCH is set to the commit's time, so head.created/modified do
not carry the time of the build and the same tools give the same bytes.  The font is shipped
as fontmake writes it: not subset, not patched, not renamed.  The authors ask that modified
copies not be spread before their final release (README, 许可证), and the OFL lets a build
from unmodified source keep its name.

Then it checks what typst will see: family "Zhuque Fangsong" in the Windows English name
record, every mapped code point resolved to the right glyph by the port of ttf-parser
0.25.1's Face::glyph_index in build_fonts.py (the glyph ids >= 32768 trap), the spot
characters drawn; and it prints the code-point counts, GB2312 coverage (the 6,763 hanzi of
rows 16-87) and the SHA-256.  It writes fonts/OFL-Zhuque.txt: the name table's copyright,
designer and licence records, then upstream's LICENSE.txt unchanged.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_fonts import sha256, ttfparser_glyph_index, write_atomically  # noqa: E402

COMMIT = "227319a16dab9b4ce48b8cf168f70f2ffa0ce3d0"  # 2024-12-18, version 0.211
GLYPHS = "src/ZhuqueFangsong.glyphspackage"
BUILT = "ZhuqueFangsong-Regular.ttf"
OUT = "ZhuqueFangsong-Regular.ttf"
LICENCE_OUT = "OFL-Zhuque.txt"
FAMILY = "Zhuque Fangsong"
# The characters of a 公文 that must draw: 文号 brackets, punctuation, common hanzi.
SPOT_CHECK = "通部西表〔〕，。、；：（）《》“”一二三县区教育督导评估"


def gb2312_hanzi():
    """The 6,763 hanzi of GB2312: every valid two-byte code in rows 16-87."""
    chars = []
    for row in range(16, 88):
        for cell in range(1, 95):
            try:
                chars.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    assert len(chars) == 6763, len(chars)
    return chars


def git(source, *args, **kw):
    return subprocess.run(["git", "-C", source, *args], check=True, **kw)


def build(source, commit, work):
    """Run upstream's fontmake command on `commit` exported into `work`; the built file."""
    tree = os.path.join(work, "zhuque")
    os.makedirs(tree)
    archive = subprocess.Popen(["git", "-C", source, "archive", commit], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", tree], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {commit} failed in {source}")
    epoch = git(source, "show", "-s", "--format=%ct", commit, capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch)
    # fontmake from the interpreter running this script (the venv's).
    cmd = [sys.executable, "-m", "fontmake", "-g", "./ZhuqueFangsong.glyphspackage", "-o", "ttf",
           "--output-dir", "../fonts/"]
    print(f"SOURCE_DATE_EPOCH={epoch} (cd src && {' '.join(cmd)})", flush=True)
    subprocess.run(cmd, cwd=os.path.join(tree, "src"), env=env, check=True)
    return os.path.join(tree, "fonts", BUILT), os.path.join(tree, "LICENSE.txt")


def counts(cmap):
    bmp = [cp for cp in cmap if cp <= 0xFFFF]
    return {
        "mapped": len(cmap),
        "BMP": len(bmp),
        "Ext A": sum(1 for cp in cmap if 0x3400 <= cp <= 0x4DBF),
        "URO": sum(1 for cp in cmap if 0x4E00 <= cp <= 0x9FFF),
        "supplementary": len(cmap) - len(bmp),
    }


def verify(path):
    """Raise on anything typst would trip on; return the font's facts."""
    font = TTFont(path, lazy=False)
    problems = []
    family = font["name"].getName(1, 3, 1, 0x409)
    if family is None or family.toUnicode() != FAMILY:
        problems.append(f"family {family and family.toUnicode()!r}, expected {FAMILY!r}")
    best = font.getBestCmap()
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    raw = font.reader["cmap"]
    unresolved = [cp for cp, name in best.items() if ttfparser_glyph_index(raw, cp) != order[name]]
    if unresolved:
        problems.append(f"ttf-parser lookup fails for {len(unresolved)} code points, "
                        f"e.g. {''.join(chr(cp) for cp in unresolved[:20])}")
    glyphs = font.getGlyphSet()
    for c in SPOT_CHECK:
        name = best.get(ord(c))
        if name is None or order[name] == 0:
            problems.append(f"{c} U+{ord(c):04X} not mapped")
            continue
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds is None:
            problems.append(f"{c} U+{ord(c):04X} ({name}) has no outline")
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    head, os2, hhea = font["head"], font["OS/2"], font["hhea"]
    facts = {
        "glyphs": len(order),
        "cmap subtables": [(t.platformID, t.platEncID, t.format) for t in font["cmap"].tables],
        "unitsPerEm": head.unitsPerEm,
        "hhea": (hhea.ascent, hhea.descent, hhea.lineGap),
        "typo": (os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap),
        "win": (os2.usWinAscent, os2.usWinDescent),
        "ideograph advance": font["hmtx"][best[ord("一")]][0],
        "version": font["name"].getName(5, 3, 1, 0x409).toUnicode(),
        **counts(best),
    }
    gb = gb2312_hanzi()
    missing = [c for c in gb if ord(c) not in best]
    facts["GB2312 hanzi"] = f"{len(gb) - len(missing)} of {len(gb)}"
    facts["GB2312 missing"] = "".join(missing)
    font.close()
    return facts


def licence_text(font_path, upstream_licence, commit):
    font = TTFont(font_path, lazy=True)
    name = font["name"]

    def rec(i, lang=0x409):
        r = name.getName(i, 3, 1, lang)
        return r.toUnicode() if r else None

    lines = [
        f"{rec(1)} ({rec(1, 0x804)}) {rec(2)}, {rec(5)} (fonts/{OUT})",
        "",
        "Copyright notice in the font's name table (name ID 0):",
        f"  {rec(0)}",
        f"Manufacturer (name ID 8): {rec(8)} ({rec(8, 0x804)})",
        f"Designers (name ID 9): {rec(9)} ({rec(9, 0x804)})",
        f"Licence (name ID 13): {rec(13)}",
        "",
        f"Built with fontmake from https://github.com/TrionesType/zhuque at commit {commit},",
        "unmodified (fonts/build_zhuque.py). The upstream README says its Latin letters and",
        "symbols are an extrapolated instance of Alegreya by Juan Pablo del Peral (Huerta",
        "Tipografica), also under the SIL Open Font License 1.1. The authors ask that",
        "modified copies of the font not be spread widely before their final release.",
        "",
        "The licence follows: upstream's LICENSE.txt, unchanged.",
        "",
        "",
    ]
    font.close()
    with open(upstream_licence, encoding="utf-8") as fh:
        return "\n".join(lines) + fh.read()


def tool_versions():
    import fontmake
    import fontTools
    import glyphsLib
    import ufo2ft

    return (f"python {sys.version.split()[0]}, fontmake {fontmake.__version__}, fontTools {fontTools.version}, "
            f"glyphsLib {glyphsLib.__version__}, ufo2ft {ufo2ft.__version__}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, help="a git clone (or bare git directory) of TrionesType/zhuque")
    ap.add_argument("--commit", default=COMMIT, help=f"the commit to build ({COMMIT})")
    ap.add_argument("--out-dir", default=here, help="where to write the font and licence (this script's folder)")
    ap.add_argument("--check", metavar="TTF", help="only verify and measure an existing file")
    args = ap.parse_args()

    if args.check:
        for k, v in verify(args.check).items():
            print(f"{k}: {v}")
        print(f"sha256 {sha256(args.check)}")
        return

    print(tool_versions(), flush=True)
    with tempfile.TemporaryDirectory(prefix="zhuque-") as work:
        built, licence = build(args.source, args.commit, work)
        facts = verify(built)
        os.makedirs(args.out_dir, exist_ok=True)
        out = os.path.join(args.out_dir, OUT)
        write_atomically(out, lambda tmp: shutil.copyfile(built, tmp))
        text = licence_text(built, licence, args.commit)

        def write_licence(tmp):
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)

        write_atomically(os.path.join(args.out_dir, LICENCE_OUT), write_licence)
    for k, v in facts.items():
        print(f"{k}: {v}")
    size = os.path.getsize(out)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    print(f"{OUT}  {size} bytes ({size / 1e6:.1f} MB)  {facts['mapped']} code points  "
          f"built {stamp} from {args.commit}  sha256 {sha256(out)}")


if __name__ == "__main__":
    main()
