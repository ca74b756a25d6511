//! Floating shapes, written as `DrawingML` (`wps` shapes, as Word 2010+ writes them) because
//! docx-rs can only float pictures, writes their negative offsets as huge unsigned numbers and
//! always sets `behindDoc="0"`:
//!
//! - the seal placeholder: a thin dashed red circle of the office's seal diameter with a light
//!   label, behind the text where the stamp goes (with a VML fallback for Word 2007);
//! - the 版记 box: a text box holding the 版记 table, aligned to the bottom of the type area.
//!   LibreOffice 7.4 lays out a floating table (`w:tblpPr`) or a frame (`w:framePr`) as wide
//!   as the type area in the flow instead (measured), while it places a shape where asked.
//!
//! Labels and the 版记 stay text, so the DOCX says what the PDF says.

use std::fmt::Write as _;

use super::layout::{EMU_PER_MM, EMU_PER_TWIP, mm};
use super::parts::style;
use super::xml::escape;

/// Bookmark names that mark where a shape is anchored (bookmark names are never user text):
/// `_GwSeal<n>` for seal `n`, `_GwColophon<n>` for 版记 box `n`.
pub(super) const SEAL_MARKER: &str = "_GwSeal";
pub(super) const COLOPHON_MARKER: &str = "_GwColophon";

/// Bookmark ids of the markers start here (the document has no other bookmarks).
pub(super) const BOOKMARK_BASE: usize = 9000;

/// The placeholder's red (the PDF's seal red) and stroke, 0.5 pt.
const SEAL_RED: &str = "E60012";
const SEAL_STROKE_EMU: i64 = 6350;

/// Gap between the circle and the label's line, as a share of the diameter (the PDF's
/// 0.28 of the radius).
const LABEL_GAP: f64 = 0.14;

/// The shapes a document's markers stand for, by index.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Shapes {
    pub seals: Vec<SealSpec>,
    pub colophons: Vec<ColophonSpec>,
}

/// Where one seal placeholder goes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SealSpec {
    pub diameter_mm: f64,
    /// Written in the circle's upper part, away from the text the seal presses on.
    pub label: String,
    /// Left edge of the circle from the left margin, in twips.
    pub x: i32,
    /// Top edge from the top of the anchoring paragraph, in twips; may be negative.
    pub y: i32,
}

/// The size of one 版记 box, in twips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ColophonSpec {
    pub width: i32,
    /// Estimated from the text with a line to spare; the content sits at the box's bottom.
    /// A growing box (`spAutoFit`) would be safer against a short estimate, but LibreOffice
    /// then lifts the last rule 7 pt off the type area's bottom (measured).
    pub height: i32,
}

/// The run holding the seal placeholder, for the paragraph the marker was in.
pub(super) fn seal_run(spec: &SealSpec, id: u32) -> String {
    let diameter_mm = spec.diameter_mm.clamp(10.0, 100.0);
    let d_tw = mm(diameter_mm);
    let d = (diameter_mm * EMU_PER_MM).round() as i64;
    // The label is placed with a top inset: LibreOffice ignores a text box's anchoring.
    let label_inset = (f64::from(d_tw) * LABEL_GAP) as i32;
    let x = i64::from(spec.x) * EMU_PER_TWIP;
    let y = i64::from(spec.y) * EMU_PER_TWIP;
    let label = format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        style::SEAL_LABEL,
        escape(&spec.label)
    );
    let pt = |twips: i32| f64::from(twips) / 20.0;
    let mut s = String::with_capacity(3000);
    s.push_str(r#"<w:r><w:rPr><w:noProof/></w:rPr><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>"#);
    let _ = write!(
        s,
        concat!(
            r#"<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{z}" behindDoc="1" locked="0" layoutInCell="1" allowOverlap="1">"#,
            r#"<wp:simplePos x="0" y="0"/>"#,
            r#"<wp:positionH relativeFrom="margin"><wp:posOffset>{x}</wp:posOffset></wp:positionH>"#,
            r#"<wp:positionV relativeFrom="paragraph"><wp:posOffset>{y}</wp:posOffset></wp:positionV>"#,
            r#"<wp:extent cx="{d}" cy="{d}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>"#,
            r#"<wp:docPr id="{id}" name="盖章处 {id}" descr="盖章位置（占位，不是印章）"/><wp:cNvGraphicFramePr/>"#,
            r#"<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">"#,
            r#"<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr/>"#,
            r#"<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{d}" cy="{d}"/></a:xfrm><a:prstGeom prst="ellipse"><a:avLst/></a:prstGeom><a:noFill/>"#,
            r#"<a:ln w="{stroke}"><a:solidFill><a:srgbClr val="{red}"/></a:solidFill><a:prstDash val="dash"/></a:ln></wps:spPr>"#,
            r#"<wps:txbx><w:txbxContent>{label}</w:txbxContent></wps:txbx>"#,
            r#"<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="{inset}" rIns="0" bIns="0" anchor="t" anchorCtr="0"><a:noAutofit/></wps:bodyPr>"#,
            r#"</wps:wsp></a:graphicData></a:graphic></wp:anchor>"#
        ),
        z = 251_659_264 + id,
        x = x,
        y = y,
        d = d,
        id = id,
        label = label,
        inset = i64::from(label_inset) * EMU_PER_TWIP,
        red = SEAL_RED,
        stroke = SEAL_STROKE_EMU,
    );
    s.push_str("</w:drawing></mc:Choice><mc:Fallback><w:pict>");
    let _ = write!(
        s,
        concat!(
            r#"<v:oval id="GwSeal{id}" style="position:absolute;margin-left:{x}pt;margin-top:{y}pt;width:{d}pt;height:{d}pt;z-index:-{id};"#,
            r##"mso-position-horizontal-relative:margin;mso-position-vertical-relative:text" filled="f" strokecolor="#{red}" strokeweight=".5pt">"##,
            r#"<v:stroke dashstyle="dash"/><v:textbox inset="0,{inset}pt,0,0"><w:txbxContent>{label}</w:txbxContent></v:textbox></v:oval>"#
        ),
        id = id,
        x = pt(spec.x),
        y = pt(spec.y),
        d = pt(d_tw),
        inset = pt(label_inset),
        red = SEAL_RED,
        label = label,
    );
    s.push_str("</w:pict></mc:Fallback></mc:AlternateContent></w:r>");
    s
}

/// The run holding the 版记 box with `content` (the table's XML, then a paragraph, as a
/// text box must end with one). Text flows above and below it, never beside.
pub(super) fn colophon_run(spec: &ColophonSpec, content: &str, id: u32) -> String {
    let cx = i64::from(spec.width) * EMU_PER_TWIP;
    let cy = i64::from(spec.height) * EMU_PER_TWIP;
    let mut s = String::with_capacity(content.len() + 1500);
    s.push_str(r#"<w:r><w:rPr><w:noProof/></w:rPr><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>"#);
    let _ = write!(
        s,
        concat!(
            r#"<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{z}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="0">"#,
            r#"<wp:simplePos x="0" y="0"/>"#,
            r#"<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>"#,
            r#"<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>"#,
            r#"<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>"#,
            r#"<wp:docPr id="{id}" name="版记 {id}"/><wp:cNvGraphicFramePr/>"#,
            r#"<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">"#,
            r#"<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/>"#,
            r#"<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>"#,
            r#"<wps:txbx><w:txbxContent>{content}<w:p><w:pPr><w:pStyle w:val="{tiny}"/></w:pPr></w:p></w:txbxContent></wps:txbx>"#,
            r#"<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" anchorCtr="0"><a:noAutofit/></wps:bodyPr>"#,
            r#"</wps:wsp></a:graphicData></a:graphic></wp:anchor>"#
        ),
        z = 251_659_264 + id,
        id = id,
        cx = cx,
        cy = cy,
        content = content,
        tiny = style::TINY,
    );
    s.push_str("</w:drawing></mc:Choice><mc:Fallback><w:pict>");
    let pt = |twips: i32| f64::from(twips) / 20.0;
    let _ = write!(
        s,
        concat!(
            r#"<v:rect id="GwColophon{id}" style="position:absolute;margin-left:0;margin-top:0;width:{w}pt;height:{h}pt;z-index:{id};"#,
            r#"mso-position-horizontal:center;mso-position-horizontal-relative:margin;mso-position-vertical:bottom;mso-position-vertical-relative:margin" filled="f" stroked="f">"#,
            r#"<v:textbox inset="0,0,0,0"><w:txbxContent>{content}<w:p><w:pPr><w:pStyle w:val="{tiny}"/></w:pPr></w:p></w:txbxContent></v:textbox>"#,
            r#"<w10:wrap type="topAndBottom"/></v:rect>"#
        ),
        id = id,
        w = pt(spec.width),
        h = pt(spec.height),
        // Paragraph ids must be unique in the document; the fallback's copy goes without.
        content = without_para_ids(content),
        tiny = style::TINY,
    );
    s.push_str("</w:pict></mc:Fallback></mc:AlternateContent></w:r>");
    s
}

/// `xml` without its `w14:paraId` attributes.
fn without_para_ids(xml: &str) -> String {
    const ATTR: &str = " w14:paraId=\"";
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(ATTR) {
        out.push_str(&rest[..start]);
        let after = &rest[start + ATTR.len()..];
        rest = after.find('"').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_offsets_are_written_signed() {
        // docx-rs writes a picture's negative offset as a huge unsigned number.
        let spec = SealSpec {
            diameter_mm: 42.0,
            label: "盖章处".to_owned(),
            x: -20,
            y: -100,
        };
        let xml = seal_run(&spec, 7);
        assert!(xml.contains("<wp:posOffset>-12700</wp:posOffset>"), "{xml}");
        assert!(xml.contains("<wp:posOffset>-63500</wp:posOffset>"), "{xml}");
        assert!(xml.contains("margin-top:-5pt"), "{xml}");
        assert!(xml.contains(r#"<wp:docPr id="7" "#), "{xml}");
    }

    #[test]
    fn paragraph_ids_leave_the_fallback_copy() {
        assert_eq!(
            without_para_ids(
                r#"<w:p w14:paraId="0000000A"><w:r/></w:p><w:p w14:paraId="0000000B"/>"#
            ),
            "<w:p><w:r/></w:p><w:p/>"
        );
    }
}
