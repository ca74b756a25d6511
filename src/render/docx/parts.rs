//! Package parts written here rather than by docx-rs: the styles (docx-rs writes style and
//! property children out of schema order, and its defaults are Japanese Word's), the settings
//! (even/odd footers, no punctuation compression), a font table that tells Word what to
//! substitute on a machine without the GB2312 faces, and the document properties with dates
//! fixed from the document (docx-rs writes no title or author).

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::layout::{
    BODY_SIZE, INDENT_2, LINE, PAGE_NUMBER_LINE, SMALL_SIZE, TITLE_SIZE, TRACKING,
};
use super::xml::escape;
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

/// `w:rFonts` naming one face for every script, so Latin letters and digits come from the same
/// font as the hanzi (as the PDF sets them).
fn fonts(face: &str) -> String {
    format!(r#"<w:rFonts w:ascii="{face}" w:eastAsia="{face}" w:hAnsi="{face}" w:cs="{face}"/>"#)
}

/// One paragraph style. `ppr` and `rpr` are the inner XML of `w:pPr` and `w:rPr`, in schema
/// order.
fn paragraph_style(
    out: &mut String,
    id: &str,
    name: &str,
    based_on: Option<&str>,
    ppr: &str,
    rpr: &str,
) {
    let _ = write!(
        out,
        r#"<w:style w:type="paragraph" w:customStyle="1" w:styleId="{id}"><w:name w:val="{name}"/>"#
    );
    if let Some(base) = based_on {
        let _ = write!(out, r#"<w:basedOn w:val="{base}"/>"#);
    }
    out.push_str("<w:qFormat/>");
    if !ppr.is_empty() {
        let _ = write!(out, "<w:pPr>{ppr}</w:pPr>");
    }
    if !rpr.is_empty() {
        let _ = write!(out, "<w:rPr>{rpr}</w:rPr>");
    }
    out.push_str("</w:style>");
}

/// `word/styles.xml`: 3号 仿宋 on an exact 28.95 pt line by default, and one paragraph style for
/// each part of the notice. The defaults also turn off what would move text off the GB/T 9704
/// grid: widow control (pages would hold 21 lines), the automatic space between hanzi and
/// digits (`2019 年`), and LibreOffice's snapping of large text to two grid lines (the exact
/// line height already is the grid).
pub(super) fn styles() -> String {
    let mut s = String::with_capacity(8192);
    s.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    s.push_str(
        r#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    );
    let _ = write!(
        s,
        r#"<w:docDefaults><w:rPrDefault><w:rPr>{}<w:sz w:val="{BODY_SIZE}"/><w:szCs w:val="{BODY_SIZE}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{LINE}" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>"#,
        fonts(FANGSONG)
    );
    let _ = write!(
        s,
        r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl w:val="0"/><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:jc w:val="both"/></w:pPr><w:rPr><w:spacing w:val="{TRACKING}"/></w:rPr></w:style>"#
    );
    s.push_str(r#"<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>"#);
    s.push_str(r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#);

    let indent = format!(r#"<w:ind w:firstLine="{INDENT_2}" w:firstLineChars="200"/>"#);
    let no_tracking = r#"<w:spacing w:val="0"/>"#;
    paragraph_style(&mut s, style::BODY, "公文正文", Some("Normal"), &indent, "");
    paragraph_style(
        &mut s,
        style::RED_HEADER,
        "发文机关标志",
        Some("Normal"),
        r#"<w:jc w:val="center"/>"#,
        &format!(
            r#"{}<w:color w:val="{RED}"/>{no_tracking}"#,
            fonts(XIAOBIAOSONG)
        ),
    );
    paragraph_style(
        &mut s,
        style::DOC_NUMBER,
        "发文字号",
        Some("Normal"),
        r#"<w:jc w:val="center"/>"#,
        "",
    );
    paragraph_style(
        &mut s,
        style::TITLE,
        "公文标题",
        Some("Normal"),
        &format!(r#"<w:spacing w:line="{TITLE_LINE}" w:lineRule="exact"/><w:jc w:val="center"/>"#),
        &format!(
            r#"{}{no_tracking}<w:sz w:val="{TITLE_SIZE}"/><w:szCs w:val="{TITLE_SIZE}"/>"#,
            fonts(XIAOBIAOSONG)
        ),
    );
    let heading_faces = [HEITI, KAITI, FANGSONG, FANGSONG];
    let heading_names = ["一级标题", "二级标题", "三级标题", "四级标题"];
    for ((id, name), face) in style::HEADING.iter().zip(heading_names).zip(heading_faces) {
        paragraph_style(
            &mut s,
            id,
            name,
            Some(style::BODY),
            "<w:keepNext/>",
            &fonts(face),
        );
    }
    paragraph_style(
        &mut s,
        style::ATTACHMENT_LABEL,
        "附件标识",
        Some("Normal"),
        r#"<w:jc w:val="left"/>"#,
        &fonts(HEITI),
    );
    paragraph_style(
        &mut s,
        style::TABLE_TEXT,
        "表格文字",
        Some("Normal"),
        &format!(
            r#"<w:snapToGrid w:val="0"/><w:spacing w:line="{TABLE_LINE}" w:lineRule="exact"/><w:jc w:val="left"/>"#
        ),
        &format!(r#"{no_tracking}<w:sz w:val="{SMALL_SIZE}"/><w:szCs w:val="{SMALL_SIZE}"/>"#),
    );
    paragraph_style(
        &mut s,
        style::TABLE_HEAD,
        "表头",
        Some(style::TABLE_TEXT),
        r#"<w:keepNext/><w:jc w:val="center"/>"#,
        &fonts(HEITI),
    );
    paragraph_style(
        &mut s,
        style::CHART_TITLE,
        "图表标题",
        Some("Normal"),
        r#"<w:keepNext/><w:jc w:val="center"/>"#,
        &format!(
            r#"{}{no_tracking}<w:sz w:val="{SMALL_SIZE}"/><w:szCs w:val="{SMALL_SIZE}"/>"#,
            fonts(HEITI)
        ),
    );
    paragraph_style(
        &mut s,
        style::NOTES,
        "表注",
        Some("Normal"),
        &format!(r#"<w:spacing w:line="{NOTES_LINE}" w:lineRule="exact"/><w:jc w:val="left"/>"#),
        &format!(r#"{no_tracking}<w:sz w:val="{SMALL_SIZE}"/><w:szCs w:val="{SMALL_SIZE}"/>"#),
    );
    paragraph_style(
        &mut s,
        style::NOTE_ITEM,
        "表注条目",
        Some(style::NOTES),
        // Two 4号 characters.
        r#"<w:ind w:firstLine="560" w:firstLineChars="200"/>"#,
        "",
    );
    paragraph_style(
        &mut s,
        style::COLOPHON,
        "版记",
        Some("Normal"),
        r#"<w:jc w:val="left"/>"#,
        &format!(r#"{no_tracking}<w:sz w:val="{SMALL_SIZE}"/><w:szCs w:val="{SMALL_SIZE}"/>"#),
    );
    paragraph_style(
        &mut s,
        style::PAGE_NUMBER,
        "页码",
        Some("Normal"),
        &format!(
            r#"<w:snapToGrid w:val="0"/><w:spacing w:line="{PAGE_NUMBER_LINE}" w:lineRule="exact"/>"#
        ),
        &format!(
            r#"{}{no_tracking}<w:sz w:val="{SMALL_SIZE}"/><w:szCs w:val="{SMALL_SIZE}"/>"#,
            fonts(SONGTI)
        ),
    );
    paragraph_style(
        &mut s,
        style::SEAL_LABEL,
        "盖章处",
        Some("Normal"),
        r#"<w:snapToGrid w:val="0"/><w:spacing w:line="210" w:lineRule="exact"/><w:jc w:val="center"/>"#,
        &format!(
            r#"{}<w:color w:val="F1737D"/><w:spacing w:val="42"/><w:sz w:val="21"/><w:szCs w:val="21"/>"#,
            fonts(SONGTI)
        ),
    );
    paragraph_style(
        &mut s,
        style::TINY,
        "分节符",
        Some("Normal"),
        r#"<w:snapToGrid w:val="0"/><w:spacing w:line="20" w:lineRule="exact"/>"#,
        r#"<w:sz w:val="2"/><w:szCs w:val="2"/>"#,
    );
    s.push_str("</w:styles>");
    s
}

/// `word/settings.xml`: odd and even pages get their own footers (page numbers right and left),
/// no punctuation compression (it would break the 28-character line), and the compatibility
/// options of a Chinese Word 2013+ document.
pub(super) fn settings() -> String {
    concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
        r#"<w:zoom w:percent="100"/>"#,
        r#"<w:defaultTabStop w:val="420"/>"#,
        r#"<w:evenAndOddHeaders/>"#,
        r#"<w:characterSpacingControl w:val="doNotCompress"/>"#,
        r#"<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:useFELayout/>"#,
        r#"<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>"#,
        r#"<w:compatSetting w:name="overrideTableStyleFontSizeAndJustification" w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>"#,
        r#"<w:compatSetting w:name="enableOpenTypeFeatures" w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>"#,
        r#"<w:compatSetting w:name="doNotFlipMirrorIndents" w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>"#,
        r#"</w:compat>"#,
        r#"<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>"#,
        r#"<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>"#,
        r#"</w:settings>"#,
    )
    .to_owned()
}

/// `word/fontTable.xml`: the faces Chinese offices use, with the names Windows ships today as
/// alternatives (Windows 10 has 仿宋 and 楷体 but not the `_GB2312` faces).
pub(super) fn font_table() -> String {
    let mut s = String::with_capacity(1024);
    s.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    s.push_str(
        r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    );
    for (name, alt, pitch) in [
        (FANGSONG, Some("仿宋"), "fixed"),
        (XIAOBIAOSONG, None, "variable"),
        (HEITI, Some("SimHei"), "fixed"),
        (KAITI, Some("楷体"), "fixed"),
        (SONGTI, Some("SimSun"), "variable"),
    ] {
        let _ = write!(s, r#"<w:font w:name="{name}">"#);
        if let Some(alt) = alt {
            let _ = write!(s, r#"<w:altName w:val="{alt}"/>"#);
        }
        let _ = write!(
            s,
            r#"<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="{pitch}"/></w:font>"#
        );
    }
    s.push_str("</w:fonts>");
    s
}

/// `docProps/core.xml`: title, author and keywords from the document, both dates the document's
/// date (docx-rs would write the time of rendering).
pub(super) fn core_properties(meta: &Meta, date: NaiveDate) -> String {
    let stamp = format!("{}T00:00:00Z", date.format("%Y-%m-%d"));
    let keywords = meta.keywords.join("; ");
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:keywords>{keywords}</cp:keywords>",
            "<cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        title = escape(&meta.title),
        author = escape(&meta.author),
        keywords = escape(&keywords),
        stamp = stamp,
    )
}

/// `docProps/app.xml`.
pub(super) fn app_properties() -> String {
    concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#,
        "<Application>gongwen</Application>",
        "</Properties>"
    )
    .to_owned()
}
