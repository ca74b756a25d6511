//! Package parts written here rather than by docx-rs: the styles (docx-rs writes style and
//! property children out of schema order, and its defaults are Japanese Word's), the settings
//! (even/odd footers, no punctuation compression), a font table that tells Word what to
//! substitute on a machine without the GB2312 faces, and the document properties with dates
//! fixed from the document (docx-rs writes no title or author).

use std::io;

use chrono::NaiveDate;

use super::layout::{
    BODY_SIZE, INDENT_2, LINE, PAGE_NUMBER_LINE, SMALL_SIZE, TITLE_SIZE, TRACKING,
};
use super::xml::{Xml, declaration, elem, empty, part, text_elem};
use crate::render::document::Meta;

/// 仿宋: body text.
pub(super) const FANGSONG: &str = "仿宋_GB2312";
/// 小标宋: the title and the 发文机关标志.
pub(super) const XIAOBIAOSONG: &str = "方正小标宋简体";
/// 黑体: 一、 headings, 附件N, table heads.
pub(super) const HEITI: &str = "黑体";
/// 楷体: （一） headings, the 签发人 name.
pub(super) const KAITI: &str = "楷体_GB2312";
/// 宋体: page numbers.
pub(super) const SONGTI: &str = "宋体";

/// The red of the 发文机关标志 and the separator rule.
pub(super) const RED: &str = "FF0000";

/// Exact line height of table text (14 pt on 18 pt: rows as tall as the PDF's).
pub(super) const TABLE_LINE: i32 = 360;
/// Exact line height of 2号 title lines (the PDF's 33 pt title pitch).
const TITLE_LINE: i32 = 660;
/// Exact line height of the 注： lines under a form (14 pt on 21 pt, as the PDF).
const NOTES_LINE: i32 = 420;

/// Paragraph style ids, named after the parts of a notice.
pub(super) mod style {
    pub const BODY: &str = "GwBody";
    pub const PLAIN: &str = "Normal";
    pub const RED_HEADER: &str = "GwRedHeader";
    pub const DOC_NUMBER: &str = "GwDocNumber";
    pub const TITLE: &str = "GwTitle";
    pub const HEADING: [&str; 4] = ["GwHeading1", "GwHeading2", "GwHeading3", "GwHeading4"];
    pub const ATTACHMENT_LABEL: &str = "GwAttachmentLabel";
    pub const TABLE_TEXT: &str = "GwTableText";
    pub const TABLE_HEAD: &str = "GwTableHead";
    pub const CHART_TITLE: &str = "GwChartTitle";
    pub const NOTES: &str = "GwNotes";
    pub const NOTE_ITEM: &str = "GwNoteItem";
    pub const COLOPHON: &str = "GwColophon";
    pub const PAGE_NUMBER: &str = "GwPageNumber";
    pub const SEAL_LABEL: &str = "GwSealLabel";
    pub const TINY: &str = "GwTiny";
}

/// The `WordprocessingML` namespace.
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// One empty property element and its attributes, as in `<w:jc w:val="center"/>`.
struct Prop {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
}

/// `<name key="value"…/>`.
fn prop<const N: usize>(name: &'static str, attrs: [(&'static str, &str); N]) -> Prop {
    Prop {
        name,
        attrs: attrs.iter().map(|&(k, v)| (k, v.to_owned())).collect(),
    }
}

/// `<name w:val="value"/>`.
fn val(name: &'static str, value: impl std::fmt::Display) -> Prop {
    prop(name, [("w:val", &value.to_string())])
}

/// `w:rFonts` naming one face for every script, so Latin letters and digits come from the same
/// font as the hanzi (as the PDF sets them).
fn fonts(face: &str) -> Prop {
    prop(
        "w:rFonts",
        [
            ("w:ascii", face),
            ("w:eastAsia", face),
            ("w:hAnsi", face),
            ("w:cs", face),
        ],
    )
}

/// An exact line height, in twips.
fn exact_line(twips: i32) -> Prop {
    prop(
        "w:spacing",
        [("w:line", &twips.to_string()), ("w:lineRule", "exact")],
    )
}

/// A first-line indent of two characters, `twips` wide.
fn indent_2(twips: i32) -> Prop {
    prop(
        "w:ind",
        [
            ("w:firstLine", &twips.to_string()),
            ("w:firstLineChars", "200"),
        ],
    )
}

/// `w:sz` and `w:szCs`, in half-points.
fn size(half_points: usize) -> [Prop; 2] {
    [val("w:sz", half_points), val("w:szCs", half_points)]
}

/// No tracking (the body's is in the Normal style).
fn no_tracking() -> Prop {
    val("w:spacing", 0)
}

/// `<name>children</name>`, nothing when there are no `children`.
fn props(w: &mut Xml, name: &str, children: &[Prop]) -> io::Result<()> {
    if children.is_empty() {
        return Ok(());
    }
    elem(w, name, &[], |w| {
        for p in children {
            w.create_element(p.name)
                .with_attributes(p.attrs.iter().map(|(k, v)| (*k, v.as_str())))
                .write_empty()?;
        }
        Ok(())
    })
}

/// One paragraph style, its `w:pPr` and `w:rPr` children in schema order.
fn paragraph_style(
    w: &mut Xml,
    id: &str,
    name: &str,
    based_on: Option<&str>,
    ppr: &[Prop],
    rpr: &[Prop],
) -> io::Result<()> {
    let attrs = [
        ("w:type", "paragraph"),
        ("w:customStyle", "1"),
        ("w:styleId", id),
    ];
    elem(w, "w:style", &attrs, |w| {
        empty(w, "w:name", &[("w:val", name)])?;
        if let Some(base) = based_on {
            empty(w, "w:basedOn", &[("w:val", base)])?;
        }
        empty(w, "w:qFormat", &[])?;
        props(w, "w:pPr", ppr)?;
        props(w, "w:rPr", rpr)
    })
}

/// A built-in style Word expects: `w:name`, priority and hiding flags, then `rest`.
fn builtin_style(
    w: &mut Xml,
    attrs: &[(&str, &str)],
    name: &str,
    priority: &str,
    rest: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    elem(w, "w:style", attrs, |w| {
        empty(w, "w:name", &[("w:val", name)])?;
        empty(w, "w:uiPriority", &[("w:val", priority)])?;
        empty(w, "w:semiHidden", &[])?;
        empty(w, "w:unhideWhenUsed", &[])?;
        rest(w)
    })
}

/// `word/styles.xml`: 3号 仿宋 on an exact 28.95 pt line by default, and one paragraph style for
/// each part of the notice. The defaults also turn off what would move text off the GB/T 9704
/// grid: widow control (pages would hold 21 lines), the automatic space between hanzi and
/// digits (`2019 年`; Word honours it, LibreOffice's import drops it, hence the zero-width
/// spaces of `blocks::script_breaks`), and LibreOffice's snapping of large text to two grid
/// lines (the exact line height already is the grid).
pub(super) fn styles() -> String {
    part(8192, |w| {
        declaration(w)?;
        elem(w, "w:styles", &[("xmlns:w", W)], write_styles)
    })
}

fn write_styles(w: &mut Xml) -> io::Result<()> {
    let off = |name| val(name, 0);
    elem(w, "w:docDefaults", &[], |w| {
        elem(w, "w:rPrDefault", &[], |w| {
            let [sz, sz_cs] = size(BODY_SIZE);
            let lang = prop(
                "w:lang",
                [
                    ("w:val", "en-US"),
                    ("w:eastAsia", "zh-CN"),
                    ("w:bidi", "ar-SA"),
                ],
            );
            props(w, "w:rPr", &[fonts(FANGSONG), sz, sz_cs, lang])
        })?;
        elem(w, "w:pPrDefault", &[], |w| {
            let spacing = prop(
                "w:spacing",
                [
                    ("w:before", "0"),
                    ("w:after", "0"),
                    ("w:line", &LINE.to_string()),
                    ("w:lineRule", "exact"),
                ],
            );
            let ppr = [
                off("w:widowControl"),
                off("w:autoSpaceDE"),
                off("w:autoSpaceDN"),
                off("w:snapToGrid"),
                spacing,
            ];
            props(w, "w:pPr", &ppr)
        })
    })?;
    let attrs = [
        ("w:type", "paragraph"),
        ("w:default", "1"),
        ("w:styleId", style::PLAIN),
    ];
    elem(w, "w:style", &attrs, |w| {
        empty(w, "w:name", &[("w:val", "Normal")])?;
        empty(w, "w:qFormat", &[])?;
        let ppr = [
            off("w:widowControl"),
            off("w:autoSpaceDE"),
            off("w:autoSpaceDN"),
            val("w:jc", "both"),
        ];
        props(w, "w:pPr", &ppr)?;
        props(w, "w:rPr", &[val("w:spacing", TRACKING)])
    })?;
    let attrs = [
        ("w:type", "character"),
        ("w:default", "1"),
        ("w:styleId", "DefaultParagraphFont"),
    ];
    builtin_style(w, &attrs, "Default Paragraph Font", "1", |_| Ok(()))?;
    let attrs = [
        ("w:type", "table"),
        ("w:default", "1"),
        ("w:styleId", "TableNormal"),
    ];
    builtin_style(w, &attrs, "Normal Table", "99", |w| {
        let width = |name, twips| prop(name, [("w:w", twips), ("w:type", "dxa")]);
        elem(w, "w:tblPr", &[], |w| {
            empty(w, "w:tblInd", &[("w:w", "0"), ("w:type", "dxa")])?;
            let margins = [
                width("w:top", "0"),
                width("w:left", "108"),
                width("w:bottom", "0"),
                width("w:right", "108"),
            ];
            props(w, "w:tblCellMar", &margins)
        })
    })?;

    let based = Some(style::PLAIN);
    let centred = || val("w:jc", "center");
    let left = || val("w:jc", "left");
    let small = || {
        let [sz, sz_cs] = size(SMALL_SIZE);
        [no_tracking(), sz, sz_cs]
    };
    paragraph_style(
        w,
        style::BODY,
        "公文正文",
        based,
        &[indent_2(INDENT_2)],
        &[],
    )?;
    paragraph_style(
        w,
        style::RED_HEADER,
        "发文机关标志",
        based,
        &[centred()],
        &[fonts(XIAOBIAOSONG), val("w:color", RED), no_tracking()],
    )?;
    paragraph_style(w, style::DOC_NUMBER, "发文字号", based, &[centred()], &[])?;
    let [sz, sz_cs] = size(TITLE_SIZE);
    paragraph_style(
        w,
        style::TITLE,
        "公文标题",
        based,
        &[exact_line(TITLE_LINE), centred()],
        &[fonts(XIAOBIAOSONG), no_tracking(), sz, sz_cs],
    )?;
    let heading_faces = [HEITI, KAITI, FANGSONG, FANGSONG];
    let heading_names = ["一级标题", "二级标题", "三级标题", "四级标题"];
    for ((id, name), face) in style::HEADING.iter().zip(heading_names).zip(heading_faces) {
        paragraph_style(
            w,
            id,
            name,
            Some(style::BODY),
            &[prop("w:keepNext", [])],
            &[fonts(face)],
        )?;
    }
    paragraph_style(
        w,
        style::ATTACHMENT_LABEL,
        "附件标识",
        based,
        &[left()],
        &[fonts(HEITI)],
    )?;
    paragraph_style(
        w,
        style::TABLE_TEXT,
        "表格文字",
        based,
        &[off("w:snapToGrid"), exact_line(TABLE_LINE), left()],
        &small(),
    )?;
    paragraph_style(
        w,
        style::TABLE_HEAD,
        "表头",
        Some(style::TABLE_TEXT),
        &[prop("w:keepNext", []), centred()],
        &[fonts(HEITI)],
    )?;
    let [tracking, sz, sz_cs] = small();
    paragraph_style(
        w,
        style::CHART_TITLE,
        "图表标题",
        based,
        &[prop("w:keepNext", []), centred()],
        &[fonts(HEITI), tracking, sz, sz_cs],
    )?;
    paragraph_style(
        w,
        style::NOTES,
        "表注",
        based,
        &[exact_line(NOTES_LINE), left()],
        &small(),
    )?;
    // Two 4号 characters.
    paragraph_style(
        w,
        style::NOTE_ITEM,
        "表注条目",
        Some(style::NOTES),
        &[indent_2(560)],
        &[],
    )?;
    paragraph_style(w, style::COLOPHON, "版记", based, &[left()], &small())?;
    let [tracking, sz, sz_cs] = small();
    paragraph_style(
        w,
        style::PAGE_NUMBER,
        "页码",
        based,
        &[off("w:snapToGrid"), exact_line(PAGE_NUMBER_LINE)],
        &[fonts(SONGTI), tracking, sz, sz_cs],
    )?;
    let [sz, sz_cs] = size(21);
    paragraph_style(
        w,
        style::SEAL_LABEL,
        "盖章处",
        based,
        &[off("w:snapToGrid"), exact_line(210), centred()],
        &[
            fonts(SONGTI),
            val("w:color", "F1737D"),
            val("w:spacing", 42),
            sz,
            sz_cs,
        ],
    )?;
    let [sz, sz_cs] = size(2);
    paragraph_style(
        w,
        style::TINY,
        "分节符",
        based,
        &[off("w:snapToGrid"), exact_line(20)],
        &[sz, sz_cs],
    )
}

/// `word/settings.xml`: odd and even pages get their own footers (page numbers right and left),
/// no punctuation compression (it would break the 28-character line), and the compatibility
/// options of a Chinese Word 2013+ document.
pub(super) fn settings() -> String {
    const WORD: &str = "http://schemas.microsoft.com/office/word";
    part(1024, |w| {
        declaration(w)?;
        elem(w, "w:settings", &[("xmlns:w", W)], |w| {
            empty(w, "w:zoom", &[("w:percent", "100")])?;
            empty(w, "w:defaultTabStop", &[("w:val", "420")])?;
            empty(w, "w:evenAndOddHeaders", &[])?;
            empty(
                w,
                "w:characterSpacingControl",
                &[("w:val", "doNotCompress")],
            )?;
            elem(w, "w:compat", &[], |w| {
                for flag in [
                    "w:spaceForUL",
                    "w:balanceSingleByteDoubleByteWidth",
                    "w:doNotLeaveBackslashAlone",
                    "w:ulTrailSpace",
                    "w:doNotExpandShiftReturn",
                    "w:useFELayout",
                ] {
                    empty(w, flag, &[])?;
                }
                for (name, value) in [
                    ("compatibilityMode", "15"),
                    ("overrideTableStyleFontSizeAndJustification", "1"),
                    ("enableOpenTypeFeatures", "1"),
                    ("doNotFlipMirrorIndents", "1"),
                ] {
                    let attrs = [("w:name", name), ("w:uri", WORD), ("w:val", value)];
                    empty(w, "w:compatSetting", &attrs)?;
                }
                Ok(())
            })?;
            empty(
                w,
                "w:themeFontLang",
                &[("w:val", "en-US"), ("w:eastAsia", "zh-CN")],
            )?;
            empty(w, "w:decimalSymbol", &[("w:val", ".")])?;
            empty(w, "w:listSeparator", &[("w:val", ",")])
        })
    })
}

/// `word/fontTable.xml`: the faces Chinese offices use, with the names Windows ships today as
/// alternatives (Windows 10 has 仿宋 and 楷体 but not the `_GB2312` faces).
pub(super) fn font_table() -> String {
    part(1024, |w| {
        declaration(w)?;
        elem(w, "w:fonts", &[("xmlns:w", W)], |w| {
            for (name, alt, pitch) in [
                (FANGSONG, Some("仿宋"), "fixed"),
                (XIAOBIAOSONG, None, "variable"),
                (HEITI, Some("SimHei"), "fixed"),
                (KAITI, Some("楷体"), "fixed"),
                (SONGTI, Some("SimSun"), "variable"),
            ] {
                elem(w, "w:font", &[("w:name", name)], |w| {
                    if let Some(alt) = alt {
                        empty(w, "w:altName", &[("w:val", alt)])?;
                    }
                    empty(w, "w:charset", &[("w:val", "86")])?;
                    empty(w, "w:family", &[("w:val", "modern")])?;
                    empty(w, "w:pitch", &[("w:val", pitch)])
                })?;
            }
            Ok(())
        })
    })
}

/// `docProps/core.xml`: title, author and keywords from the document, both dates the document's
/// date (docx-rs would write the time of rendering).
pub(super) fn core_properties(meta: &Meta, date: NaiveDate) -> String {
    let stamp = format!("{}T00:00:00Z", date.format("%Y-%m-%d"));
    let keywords = meta.keywords.join("; ");
    let namespaces = [
        (
            "xmlns:cp",
            "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
        ),
        ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ("xmlns:dcterms", "http://purl.org/dc/terms/"),
        ("xmlns:dcmitype", "http://purl.org/dc/dcmitype/"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
    ];
    part(1024, |w| {
        declaration(w)?;
        elem(w, "cp:coreProperties", &namespaces, |w| {
            text_elem(w, "dc:title", &[], &meta.title)?;
            text_elem(w, "dc:creator", &[], &meta.author)?;
            text_elem(w, "cp:keywords", &[], &keywords)?;
            text_elem(w, "cp:lastModifiedBy", &[], &meta.author)?;
            text_elem(w, "cp:revision", &[], "1")?;
            let w3cdtf = [("xsi:type", "dcterms:W3CDTF")];
            text_elem(w, "dcterms:created", &w3cdtf, &stamp)?;
            text_elem(w, "dcterms:modified", &w3cdtf, &stamp)
        })
    })
}

/// `docProps/app.xml`.
pub(super) fn app_properties() -> String {
    let namespaces = [
        (
            "xmlns",
            "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
        ),
        (
            "xmlns:vt",
            "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
        ),
    ];
    part(256, |w| {
        declaration(w)?;
        elem(w, "Properties", &namespaces, |w| {
            text_elem(w, "Application", &[], "gongwen")
        })
    })
}
