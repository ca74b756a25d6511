#!/usr/bin/env python3
"""Build gongwen's shipped fonts (fonts/*.otf, fonts/*.ttf) from the Debian font packages.

    python3 fonts/build_fonts.py                  # from the repository root
    python3 fonts/build_fonts.py --jobs 4 --noto-dir /path/to/noto --wenkai /path/to/LXGWWenKai-Regular.ttf

Sources (Debian 12 packages fonts-noto-cjk and fonts-lxgw-wenkai):

    /usr/share/fonts/opentype/noto/NotoSerifCJK-{Regular,Bold}.ttc
    /usr/share/fonts/opentype/noto/NotoSansCJK-{Regular,Bold}.ttc
    /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf

What it does, per font:

* picks the Simplified Chinese member of the collection by its name table (family
  "Noto Serif CJK SC" / "Noto Sans CJK SC", not the "Mono" one);
* subsets it with fontTools to every code point that face maps (BMP, Ext A and the
  supplementary planes), all layout features and scripts, the whole name table, the BASE
  table, hinting dropped (CFF hints only help screen rasterisers; dropping them saves ~4 MB
  per face);
* makes sure the cmap has a (3,10) format-12 subtable built from the best cmap, next to the
  (0,3)/(3,1) format-4 ones.  ttf-parser 0.25.1 (typst's font parser) computes a format-4
  glyph id as an i16 and gives up on ids >= 32768, so without a format-12 subtable about
  7000 mapped characters (通 部 西 表 ...) resolve to no glyph and PDF/A export fails;
* checks the result: same best cmap as the source face (code point -> glyph name), a (3,10)
  format-12 subtable, every mapped code point resolved to the right glyph by a
  re-implementation of ttf-parser's Face::glyph_index, spot-check characters drawn;
* LXGW WenKai is subset the same way, and the subset kept only when it loses no mapped
  character and is at least 1% smaller; otherwise the upstream file is copied byte for
  byte (with WenKai 1.250 the subset only drops 2 unreachable glyphs, 24 bytes, so the
  file is copied and keeps Debian's checksum).

The output is deterministic: head.modified is kept from the source (no timestamp recalc), so
re-running with the same sources and fontTools gives byte-identical files.
"""

import argparse
import hashlib
import os
import shutil
import struct
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

try:
    from fontTools import subset, version as fonttools_version
except ImportError:
    # `python3` may be a pyenv/venv interpreter without fontTools; Debian's
    # python3-fonttools lives with /usr/bin/python3.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists(
        "/usr/bin/python3"
    ):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise SystemExit("fontTools is missing: apt-get install python3-fonttools (or pip install fonttools)")
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

NOTO_DIR = "/usr/share/fonts/opentype/noto"
WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"

# (output file, source file name in --noto-dir, family of the member to take)
NOTO_JOBS = [
    ("NotoSerifCJKsc-Regular.otf", "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("NotoSerifCJKsc-Bold.otf", "NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
    ("NotoSansCJKsc-Regular.otf", "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("NotoSansCJKsc-Bold.otf", "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
]
WENKAI_OUT = "LXGWWenKai-Regular.ttf"
WENKAI_FAMILY = "LXGW WenKai"

# Characters that must draw: common characters whose Noto glyph ids are >= 32768, the
# 〔〕 brackets of 文号, a late URO addition.  Added at run time: 㐀 (or, if the source
# lacks it, the first Ext-A character it maps) and the first Ext-B character it maps.
SPOT_CHECK = "通部西表〔〕鿏"

MAX_BYTES = 50 * 1000 * 1000
# A subset of WenKai replaces the upstream file only if it saves at least this share.
MIN_SAVING = 0.01


# --------------------------------------------------------------------------------------
# ttf-parser 0.25.1 Face::glyph_index, re-implemented to check what typst will see.


def ttfparser_glyph_index(cmap_data, cp):
    """First Unicode subtable (in table order) that yields a glyph, as ttf-parser does."""
    _, count = struct.unpack_from(">HH", cmap_data, 0)
    for i in range(count):
        plat, enc, off = struct.unpack_from(">HHI", cmap_data, 4 + 8 * i)
        data = cmap_data[off:]
        fmt = struct.unpack_from(">H", data, 0)[0]
        if plat == 0:
            unicode = True
        elif plat == 3 and enc == 1:
            unicode = True
        elif plat == 3:
            unicode = enc == 10 and fmt in (12, 13)
        else:
            unicode = False
        if not unicode:
            continue
        gid = None
        if fmt == 4:
            gid = _tp_format4(data, cp)
        elif fmt == 12:
            gid = _tp_format12(data, cp)
        if gid is not None:
            return gid
    return None


def _tp_format4(data, cp):
    if cp > 0xFFFF:
        return None
    seg_x2 = struct.unpack_from(">H", data, 6)[0]
    seg = seg_x2 // 2
    pos = 14
    ends = struct.unpack_from(">%dH" % seg, data, pos)
    pos += seg_x2 + 2
    starts = struct.unpack_from(">%dH" % seg, data, pos)
    pos += seg_x2
    deltas = struct.unpack_from(">%dh" % seg, data, pos)
    pos += seg_x2
    iro_pos = pos
    iros = struct.unpack_from(">%dH" % seg, data, pos)
    lo, hi = 0, seg
    while hi > lo:
        idx = (lo + hi) // 2
        if ends[idx] >= cp:
            if starts[idx] > cp:
                hi = idx
                continue
            iro, delta = iros[idx], deltas[idx]
            if iro == 0:
                return (cp + delta) & 0xFFFF
            if iro == 0xFFFF:
                return None
            off = (cp - starts[idx]) * 2
            if off > 0xFFFF:
                return None
            p = ((iro_pos + idx * 2) & 0xFFFF)  # `as u16`
            p = (p + off) & 0xFFFF
            p = (p + iro) & 0xFFFF
            if p + 2 > len(data):
                return None
            value = struct.unpack_from(">H", data, p)[0]
            if value == 0:
                return None
            # (value as i16).wrapping_add(delta), then u16::try_from(i16) fails when negative
            svalue = value - 0x10000 if value >= 0x8000 else value
            gid = ((svalue + delta + 0x8000) & 0xFFFF) - 0x8000
            return gid if gid >= 0 else None
        lo = idx + 1
    return None


def _tp_format12(data, cp):
    groups = struct.unpack_from(">I", data, 12)[0]
    lo, hi = 0, groups
    while lo < hi:
        mid = (lo + hi) // 2
        start, end, gid = struct.unpack_from(">III", data, 16 + 12 * mid)
        if start > cp:
            hi = mid
        elif end < cp:
            lo = mid + 1
        else:
            gid = gid + cp - start
            return gid if gid <= 0xFFFF else None
    return None


# --------------------------------------------------------------------------------------


def family_of(font):
    name = font["name"]
    # Windows English family first, as typst and fontconfig see it.
    rec = name.getName(1, 3, 1, 0x409) or name.getName(1, 1, 0, 0)
    return rec.toUnicode() if rec else None


def open_face(path, family):
    """The member of `path` (a .ttc or a single font) whose family is exactly `family`."""
    with open(path, "rb") as fh:
        is_collection = fh.read(4) == b"ttcf"
    if not is_collection:
        font = TTFont(path, recalcTimestamp=False, lazy=False)
        if family_of(font) != family:
            raise SystemExit(f"{path}: family is {family_of(font)!r}, expected {family!r}")
        return font, None
    with open(path, "rb") as fh:
        fh.seek(8)
        count = struct.unpack(">I", fh.read(4))[0]
    found = []
    for i in range(count):
        probe = TTFont(path, fontNumber=i, lazy=True)
        if family_of(probe) == family:
            found.append(i)
        probe.close()
    if len(found) != 1:
        raise SystemExit(f"{path}: {len(found)} members with family {family!r}, expected 1")
    return TTFont(path, fontNumber=found[0], recalcTimestamp=False, lazy=False), found[0]


def subset_options():
    o = subset.Options()
    o.layout_features = ["*"]
    o.layout_scripts = ["*"]
    o.name_IDs = ["*"]
    o.name_languages = ["*"]
    o.name_legacy = True
    o.notdef_glyph = True
    o.notdef_outline = True
    o.glyph_names = True
    o.hinting = False
    o.recalc_timestamp = False
    o.recalc_bounds = False
    o.canonical_order = True
    # BASE (baselines for ideographic/roman alignment) is dropped by default.  Keep it
    # unchanged: it must then not refer to glyphs (BaseCoord format 2), checked below.
    o.drop_tables = [t for t in o.drop_tables if t != "BASE"]
    o.no_subset_tables = o.no_subset_tables + ["BASE"]
    return o


def base_refers_to_glyphs(font):
    if "BASE" not in font:
        return False
    found = False

    def walk(obj, seen):
        nonlocal found
        if found or id(obj) in seen:
            return
        seen.add(id(obj))
        if type(obj).__name__ == "BaseCoord" and getattr(obj, "Format", 1) == 2:
            found = True
            return
        if isinstance(obj, list):
            for x in obj:
                walk(x, seen)
        elif hasattr(obj, "__dict__"):
            for x in vars(obj).values():
                walk(x, seen)

    walk(font["BASE"].table, set())
    return found


def ensure_format12(font):
    """Replace any (3,10) subtable with a format-12 one built from the best cmap."""
    cmap = font["cmap"]
    best = cmap.getBestCmap()
    sub = CmapSubtable.newSubtable(12)
    sub.platformID, sub.platEncID, sub.language = 3, 10, 0
    sub.cmap = dict(best)
    cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID) != (3, 10)]
    cmap.tables.append(sub)
    cmap.tables.sort(key=lambda t: (t.platformID, t.platEncID, t.language))


def source_best_cmap(path, family):
    font, _ = open_face(path, family)
    best = dict(font.getBestCmap())
    font.close()
    return best


def write_atomically(out_path, write):
    directory = os.path.dirname(os.path.abspath(out_path))
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def subset_to(src, family, out_path):
    font, member = open_face(src, family)
    if base_refers_to_glyphs(font):
        raise SystemExit(f"{src}: BASE refers to glyphs, cannot keep it unsubset")
    unicodes = sorted(font.getBestCmap())
    subsetter = subset.Subsetter(options=subset_options())
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    ensure_format12(font)
    write_atomically(out_path, lambda tmp: font.save(tmp, reorderTables=True))
    font.close()
    return member


def verify(out_path, src, family):
    """Raise on any problem; return (mapped code points, extra characters checked)."""
    expected = source_best_cmap(src, family)
    font = TTFont(out_path, lazy=False)
    problems = []
    if family_of(font) != family:
        problems.append(f"family {family_of(font)!r}")
    subtables = {(t.platformID, t.platEncID): t.format for t in font["cmap"].tables}
    if subtables.get((3, 10)) != 12:
        problems.append(f"no (3,10) format-12 cmap subtable: {subtables}")
    best = font.getBestCmap()
    if set(best) != set(expected):
        problems.append(
            f"best cmap differs: {len(set(expected) - set(best))} lost, "
            f"{len(set(best) - set(expected))} gained"
        )
    elif best != expected:
        diff = sum(1 for cp in best if best[cp] != expected[cp])
        problems.append(f"best cmap maps {diff} code points to other glyph names")
    # What typst's ttf-parser will resolve.
    raw = font.reader["cmap"]
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    unresolved = wrong = 0
    for cp, name in best.items():
        gid = ttfparser_glyph_index(raw, cp)
        if gid is None:
            unresolved += 1
        elif gid != order[name]:
            wrong += 1
    if unresolved or wrong:
        problems.append(f"ttf-parser lookup: {unresolved} unresolved, {wrong} wrong glyphs")
    # Spot check: mapped, not .notdef, has an outline.
    ext_a = [0x3400] if 0x3400 in expected else [cp for cp in sorted(expected) if 0x3400 <= cp <= 0x4DBF]
    ext_b = [cp for cp in sorted(expected) if 0x20000 <= cp <= 0x2A6DF]
    extra = ext_a[:1] + ext_b[:1]
    checks = [ord(c) for c in SPOT_CHECK] + extra
    glyphs = font.getGlyphSet()
    for cp in checks:
        name = best.get(cp)
        if name is None or order.get(name, 0) == 0:
            problems.append(f"U+{cp:04X} {chr(cp)} maps to .notdef")
            continue
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds is None:
            problems.append(f"U+{cp:04X} {chr(cp)} ({name}) has no outline")
    size = os.path.getsize(out_path)
    if size >= MAX_BYTES:
        problems.append(f"{size} bytes, over the 50 MB limit")
    font.close()
    if problems:
        raise SystemExit(f"{out_path}: " + "; ".join(problems))
    return len(best), "".join(chr(cp) for cp in extra)


def build_noto(job):
    out_name, src, family, out_dir = job
    out_path = os.path.join(out_dir, out_name)
    member = subset_to(src, family, out_path)
    mapped, extra = verify(out_path, src, family)
    return out_name, src, member, mapped, extra, "subset"


def build_wenkai(job):
    _, src, family, out_dir = job
    out_path = os.path.join(out_dir, WENKAI_OUT)
    trial = os.path.join(out_dir, ".wenkai-trial.ttf")
    try:
        subset_to(src, family, trial)
        try:
            verify(trial, src, family)
            usable = os.path.getsize(trial) <= (1 - MIN_SAVING) * os.path.getsize(src)
            note = f"subset {os.path.getsize(trial)} bytes vs source {os.path.getsize(src)}"
        except SystemExit as err:
            usable = False
            note = f"subset rejected: {err}"
        print(f"{WENKAI_OUT}: {note}; {'keeping the subset' if usable else 'copying the source'}")
        if usable:
            os.replace(trial, out_path)
            how = "subset"
        else:
            write_atomically(out_path, lambda tmp: shutil.copyfile(src, tmp))
            how = "copied"
    finally:
        if os.path.exists(trial):
            os.unlink(trial)
    mapped, extra = verify(out_path, src, family)
    return WENKAI_OUT, src, None, mapped, extra, how


def run(job):
    return build_wenkai(job) if job[0] == WENKAI_OUT else build_noto(job)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--noto-dir", default=NOTO_DIR, help=f"folder of the Noto CJK .ttc files ({NOTO_DIR})")
    ap.add_argument("--wenkai", default=WENKAI, help=f"LXGW WenKai Regular ({WENKAI})")
    ap.add_argument("--out-dir", default=here, help="where to write the fonts (this script's folder)")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="fonts built in parallel (each takes ~3 GB of memory and a few minutes)")
    args = ap.parse_args()

    jobs = [(out, os.path.join(args.noto_dir, src), fam, args.out_dir) for out, src, fam in NOTO_JOBS]
    jobs.append((WENKAI_OUT, args.wenkai, WENKAI_FAMILY, args.out_dir))
    for _, src, _, _ in jobs:
        if not os.path.isfile(src):
            raise SystemExit(f"missing source font: {src}")
    os.makedirs(args.out_dir, exist_ok=True)

    print(f"fontTools {fonttools_version}")
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(run, jobs))
    else:
        results = [run(job) for job in jobs]

    for out_name, src, member, mapped, extra, how in results:
        path = os.path.join(args.out_dir, out_name)
        size = os.path.getsize(path)
        origin = f"{os.path.basename(src)}" + (f" #{member}" if member is not None else "")
        print(f"{out_name}  {size} bytes ({size / 1e6:.1f} MB)  {mapped} code points  "
              f"{how} from {origin}  sha256 {sha256(path)}"
              + f"  checked {SPOT_CHECK}{extra}")


if __name__ == "__main__":
    main()
