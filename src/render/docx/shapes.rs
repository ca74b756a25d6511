//! Floating shapes, written as `DrawingML` (`wps` shapes, as Word 2010+ writes them) because
//! docx-rs can only float pictures, writes their negative offsets as huge unsigned numbers and
//! always sets `behindDoc="0"`:
//!
//! - the seal placeholder: a thin dashed red circle of the office's seal diameter with a light
//!   label, behind the text where the stamp goes (with a VML fallback for Word 2007);
//! - the 版记 box: a text box holding the 版记 table, aligned to the bottom of the type area.
//!   LibreOffice 7.4 lays out a floating table (`w:tblpPr`) or a frame (`w:framePr`) as wide
//!   as the type area in the flow instead (measured), while it places a shape where asked;
//! - a landscape page's number: a text box turned a quarter clockwise in the header, on the
//!   page's left side where the portrait pages have their number (横排表格).
//!
//! Labels and the 版记 stay text, so the DOCX says what the PDF says.

use std::io;

use super::layout::{EMU_PER_MM, EMU_PER_TWIP, mm};
use super::parts::style;
use super::xml::{Xml, elem, empty, text_elem};

/// Bookmark names that mark where a shape is anchored (bookmark names are never user text):
/// `_GwSeal<n>` for seal `n`, `_GwColophon<n>` for 版记 box `n`.
pub(super) const SEAL_MARKER: &str = "_GwSeal";
pub(super) const COLOPHON_MARKER: &str = "_GwColophon";
/// `_GwPageSide<n>`: the page number along the side of a landscape page, `n` its
/// [`Shapes::side_numbers`] entry (in a header).
pub(super) const SIDE_NUMBER_MARKER: &str = "_GwPageSide";

/// Bookmark ids of the markers start here (the document has no other bookmarks).
pub(super) const BOOKMARK_BASE: usize = 9000;

/// The placeholder's red (the PDF's seal red) and stroke, 0.5 pt.
const SEAL_RED: &str = "E60012";
const SEAL_STROKE_EMU: i64 = 6350;

/// The namespaces of `DrawingML` and of Word's shapes.
const DRAWINGML: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const WORDPROCESSING_SHAPE: &str =
    "http://schemas.microsoft.com/office/word/2010/wordprocessingShape";

/// Gap between the circle and the label's line, as a share of the diameter (the PDF's
/// 0.28 of the radius).
const LABEL_GAP: f64 = 0.14;

/// The shapes a document's markers stand for, by index.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Shapes {
    pub seals: Vec<SealSpec>,
    pub colophons: Vec<ColophonSpec>,
    pub side_numbers: Vec<SideNumberSpec>,
}

/// Where the page number of a landscape page goes: a text box turned a quarter clockwise
/// (`vert="vert"`), positioned on the page, holding `— PAGE —` aligned to its end (odd pages,
/// at the foot of the turned page) or its start (even pages, at the head). Twips from the
/// page's left and top edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SideNumberSpec {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    pub even: bool,
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

/// What the `wp:anchor` of the two shapes differ in.
struct Anchor<'s> {
    id: u32,
    /// `behindDoc`: the seal lies behind the text, the 版记 box in it.
    behind: bool,
    /// `allowOverlap`.
    overlap: bool,
    /// `wp:positionH` and `wp:positionV`: relative to what, and where.
    horizontal: (&'static str, Place),
    vertical: (&'static str, Place),
    /// The extent, in EMU.
    cx: i64,
    cy: i64,
    /// The wrapping element (`wp:wrapNone`, …).
    wrap: &'static str,
    /// `wp:docPr`'s attributes after its id.
    doc_pr: &'s [(&'s str, &'s str)],
}

/// A position along one axis: an offset in EMU or an alignment.
enum Place {
    Offset(i64),
    Align(&'static str),
}

/// `wp:anchor` with its graphic frame around one `wps:wsp`, whose content `wsp` writes.
fn anchor(
    w: &mut Xml,
    a: &Anchor<'_>,
    wsp: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    let flag = |b: bool| if b { "1" } else { "0" };
    let z = (251_659_264 + a.id).to_string();
    let attrs = [
        ("distT", "0"),
        ("distB", "0"),
        ("distL", "0"),
        ("distR", "0"),
        ("simplePos", "0"),
        ("relativeHeight", z.as_str()),
        ("behindDoc", flag(a.behind)),
        ("locked", "0"),
        ("layoutInCell", "1"),
        ("allowOverlap", flag(a.overlap)),
    ];
    let (cx, cy) = (a.cx.to_string(), a.cy.to_string());
    let id = a.id.to_string();
    elem(w, "wp:anchor", &attrs, |w| {
        empty(w, "wp:simplePos", &[("x", "0"), ("y", "0")])?;
        for (name, (relative, place)) in [
            ("wp:positionH", &a.horizontal),
            ("wp:positionV", &a.vertical),
        ] {
            elem(w, name, &[("relativeFrom", *relative)], |w| match place {
                Place::Offset(emu) => text_elem(w, "wp:posOffset", &[], &emu.to_string()),
                Place::Align(align) => text_elem(w, "wp:align", &[], align),
            })?;
        }
        empty(w, "wp:extent", &[("cx", &cx), ("cy", &cy)])?;
        empty(
            w,
            "wp:effectExtent",
            &[("l", "0"), ("t", "0"), ("r", "0"), ("b", "0")],
        )?;
        empty(w, a.wrap, &[])?;
        let doc_pr: Vec<_> = [("id", id.as_str())]
            .into_iter()
            .chain(a.doc_pr.iter().copied())
            .collect();
        empty(w, "wp:docPr", &doc_pr)?;
        empty(w, "wp:cNvGraphicFramePr", &[])?;
        elem(w, "a:graphic", &[("xmlns:a", DRAWINGML)], |w| {
            elem(w, "a:graphicData", &[("uri", WORDPROCESSING_SHAPE)], |w| {
                elem(w, "wps:wsp", &[], wsp)
            })
        })
    })
}

/// `a:xfrm` of a shape `cx` by `cy` EMU.
fn xfrm(w: &mut Xml, cx: i64, cy: i64) -> io::Result<()> {
    let (cx, cy) = (cx.to_string(), cy.to_string());
    elem(w, "a:xfrm", &[], |w| {
        empty(w, "a:off", &[("x", "0"), ("y", "0")])?;
        empty(w, "a:ext", &[("cx", &cx), ("cy", &cy)])
    })
}

/// `a:prstGeom` of preset `prst`.
fn geometry(w: &mut Xml, prst: &str) -> io::Result<()> {
    elem(w, "a:prstGeom", &[("prst", prst)], |w| {
        empty(w, "a:avLst", &[])
    })
}

/// `wps:bodyPr` with no insets but `top` (EMU), anchored at `anchor_to` (`t`, `b`).
fn body_pr(w: &mut Xml, top: i64, anchor_to: &str) -> io::Result<()> {
    text_body_pr(w, "horz", top, anchor_to)
}

/// A text box's body properties: text direction `vert` (`horz`, or `vert` turned a quarter
/// clockwise), no insets but `top`, the text anchored at `anchor_to`.
fn text_body_pr(w: &mut Xml, vert: &str, top: i64, anchor_to: &str) -> io::Result<()> {
    let top = top.to_string();
    let attrs = [
        ("rot", "0"),
        ("vert", vert),
        ("wrap", "square"),
        ("lIns", "0"),
        ("tIns", top.as_str()),
        ("rIns", "0"),
        ("bIns", "0"),
        ("anchor", anchor_to),
        ("anchorCtr", "0"),
    ];
    elem(w, "wps:bodyPr", &attrs, |w| empty(w, "a:noAutofit", &[]))
}

/// The shape of a text box `cx` by `cy` EMU with neither fill nor outline (the 版记 box, a
/// landscape page's number).
fn unframed_text_box(w: &mut Xml, cx: i64, cy: i64) -> io::Result<()> {
    empty(w, "wps:cNvSpPr", &[("txBox", "1")])?;
    elem(w, "wps:spPr", &[], |w| {
        xfrm(w, cx, cy)?;
        geometry(w, "rect")?;
        empty(w, "a:noFill", &[])?;
        elem(w, "a:ln", &[], |w| empty(w, "a:noFill", &[]))
    })
}

/// A paragraph of style `style`, its runs written by `runs`.
fn paragraph(
    w: &mut Xml,
    style: &str,
    runs: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    elem(w, "w:p", &[], |w| {
        elem(w, "w:pPr", &[], |w| {
            empty(w, "w:pStyle", &[("w:val", style)])
        })?;
        runs(w)
    })
}

/// The run holding a shape: the `DrawingML` that `drawing` writes, with the VML that `pict`
/// writes as the fallback for Word 2007.
fn alternate_run(
    w: &mut Xml,
    drawing: impl FnOnce(&mut Xml) -> io::Result<()>,
    pict: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    elem(w, "w:r", &[], |w| {
        elem(w, "w:rPr", &[], |w| empty(w, "w:noProof", &[]))?;
        elem(w, "mc:AlternateContent", &[], |w| {
            elem(w, "mc:Choice", &[("Requires", "wps")], |w| {
                elem(w, "w:drawing", &[], drawing)
            })?;
            elem(w, "mc:Fallback", &[], |w| elem(w, "w:pict", &[], pict))
        })
    })
}

/// Points, from twips.
fn pt(twips: i32) -> f64 {
    f64::from(twips) / 20.0
}

/// The run holding the seal placeholder, for the paragraph the marker was in.
pub(super) fn seal_run(w: &mut Xml, spec: &SealSpec, id: u32) -> io::Result<()> {
    let diameter_mm = spec.diameter_mm.clamp(10.0, 100.0);
    let d_tw = mm(diameter_mm);
    let d = (diameter_mm * EMU_PER_MM).round() as i64;
    // The label is placed with a top inset: LibreOffice ignores a text box's anchoring.
    let label_inset = (f64::from(d_tw) * LABEL_GAP) as i32;
    let label = |w: &mut Xml| {
        elem(w, "w:txbxContent", &[], |w| {
            paragraph(w, style::SEAL_LABEL, |w| {
                elem(w, "w:r", &[], |w| {
                    text_elem(w, "w:t", &[("xml:space", "preserve")], &spec.label)
                })
            })
        })
    };
    let name = format!("盖章处 {id}");
    let drawing = Anchor {
        id,
        behind: true,
        overlap: true,
        horizontal: ("margin", Place::Offset(i64::from(spec.x) * EMU_PER_TWIP)),
        vertical: ("paragraph", Place::Offset(i64::from(spec.y) * EMU_PER_TWIP)),
        cx: d,
        cy: d,
        wrap: "wp:wrapNone",
        doc_pr: &[("name", &name), ("descr", "盖章位置（占位，不是印章）")],
    };
    let stroke = SEAL_STROKE_EMU.to_string();
    let vml_style = format!(
        concat!(
            "position:absolute;margin-left:{x}pt;margin-top:{y}pt;width:{d}pt;height:{d}pt;z-index:-{id};",
            "mso-position-horizontal-relative:margin;mso-position-vertical-relative:text"
        ),
        x = pt(spec.x),
        y = pt(spec.y),
        d = pt(d_tw),
        id = id,
    );
    alternate_run(
        w,
        |w| {
            anchor(w, &drawing, |w| {
                empty(w, "wps:cNvSpPr", &[])?;
                elem(w, "wps:spPr", &[], |w| {
                    xfrm(w, d, d)?;
                    geometry(w, "ellipse")?;
                    empty(w, "a:noFill", &[])?;
                    elem(w, "a:ln", &[("w", &stroke)], |w| {
                        elem(w, "a:solidFill", &[], |w| {
                            empty(w, "a:srgbClr", &[("val", SEAL_RED)])
                        })?;
                        empty(w, "a:prstDash", &[("val", "dash")])
                    })
                })?;
                elem(w, "wps:txbx", &[], label)?;
                body_pr(w, i64::from(label_inset) * EMU_PER_TWIP, "t")
            })
        },
        |w| {
            let attrs = [
                ("id", format!("GwSeal{id}")),
                ("style", vml_style),
                ("filled", "f".to_owned()),
                ("strokecolor", format!("#{SEAL_RED}")),
                ("strokeweight", ".5pt".to_owned()),
            ];
            let attrs: Vec<_> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            elem(w, "v:oval", &attrs, |w| {
                empty(w, "v:stroke", &[("dashstyle", "dash")])?;
                let inset = format!("0,{}pt,0,0", pt(label_inset));
                elem(w, "v:textbox", &[("inset", &inset)], label)
            })
        },
    )
}

/// The run holding the 版记 box with the content `content` writes (the table, with paragraph
/// ids or without), then a paragraph, as a text box must end with one. Text flows above and
/// below it, never beside.
pub(super) fn colophon_run(
    w: &mut Xml,
    spec: &ColophonSpec,
    id: u32,
    content: &dyn Fn(&mut Xml, bool) -> io::Result<()>,
) -> io::Result<()> {
    let cx = i64::from(spec.width) * EMU_PER_TWIP;
    let cy = i64::from(spec.height) * EMU_PER_TWIP;
    // Paragraph ids must be unique in the document; the fallback's copy goes without.
    let text_box = |w: &mut Xml, para_ids: bool| {
        elem(w, "w:txbxContent", &[], |w| {
            content(w, para_ids)?;
            paragraph(w, style::TINY, |_| Ok(()))
        })
    };
    let name = format!("版记 {id}");
    let drawing = Anchor {
        id,
        behind: false,
        overlap: false,
        horizontal: ("margin", Place::Align("center")),
        vertical: ("margin", Place::Align("bottom")),
        cx,
        cy,
        wrap: "wp:wrapTopAndBottom",
        doc_pr: &[("name", &name)],
    };
    let vml_style = format!(
        concat!(
            "position:absolute;margin-left:0;margin-top:0;width:{w}pt;height:{h}pt;z-index:{id};",
            "mso-position-horizontal:center;mso-position-horizontal-relative:margin;",
            "mso-position-vertical:bottom;mso-position-vertical-relative:margin"
        ),
        w = pt(spec.width),
        h = pt(spec.height),
        id = id,
    );
    alternate_run(
        w,
        |w| {
            anchor(w, &drawing, |w| {
                unframed_text_box(w, cx, cy)?;
                elem(w, "wps:txbx", &[], |w| text_box(w, true))?;
                body_pr(w, 0, "b")
            })
        },
        |w| {
            let vml_id = format!("GwColophon{id}");
            let attrs = [
                ("id", vml_id.as_str()),
                ("style", vml_style.as_str()),
                ("filled", "f"),
                ("stroked", "f"),
            ];
            elem(w, "v:rect", &attrs, |w| {
                elem(w, "v:textbox", &[("inset", "0,0,0,0")], |w| {
                    text_box(w, false)
                })?;
                empty(w, "w10:wrap", &[("type", "topAndBottom")])
            })
        },
    )
}

/// The run holding a landscape page's number: a text box turned a quarter clockwise, its
/// text the 页码 style's `— n —` with a PAGE field, on the page where `spec` puts it.
pub(super) fn side_number_run(w: &mut Xml, spec: &SideNumberSpec, id: u32) -> io::Result<()> {
    let cx = i64::from(spec.width) * EMU_PER_TWIP;
    let cy = i64::from(spec.height) * EMU_PER_TWIP;
    let align = if spec.even { "left" } else { "right" };
    let content = |w: &mut Xml| {
        elem(w, "w:txbxContent", &[], |w| {
            elem(w, "w:p", &[], |w| {
                elem(w, "w:pPr", &[], |w| {
                    empty(w, "w:pStyle", &[("w:val", style::PAGE_NUMBER)])?;
                    empty(w, "w:jc", &[("w:val", align)])
                })?;
                let run_text = |w: &mut Xml, t: &str| {
                    elem(w, "w:r", &[], |w| {
                        text_elem(w, "w:t", &[("xml:space", "preserve")], t)
                    })
                };
                let fld_char = |w: &mut Xml, kind: &str| {
                    elem(w, "w:r", &[], |w| {
                        empty(w, "w:fldChar", &[("w:fldCharType", kind)])
                    })
                };
                run_text(w, "— ")?;
                fld_char(w, "begin")?;
                elem(w, "w:r", &[], |w| {
                    text_elem(w, "w:instrText", &[("xml:space", "preserve")], " PAGE ")
                })?;
                fld_char(w, "separate")?;
                run_text(w, "1")?;
                fld_char(w, "end")?;
                run_text(w, " —")
            })
        })
    };
    let name = format!("页码 {id}");
    let drawing = Anchor {
        id,
        behind: false,
        overlap: true,
        horizontal: ("page", Place::Offset(i64::from(spec.x) * EMU_PER_TWIP)),
        vertical: ("page", Place::Offset(i64::from(spec.y) * EMU_PER_TWIP)),
        cx,
        cy,
        wrap: "wp:wrapNone",
        doc_pr: &[("name", &name)],
    };
    let vml_style = format!(
        concat!(
            "position:absolute;margin-left:{x}pt;margin-top:{y}pt;width:{w}pt;height:{h}pt;",
            "z-index:{id};mso-position-horizontal-relative:page;mso-position-vertical-relative:page"
        ),
        x = pt(spec.x),
        y = pt(spec.y),
        w = pt(spec.width),
        h = pt(spec.height),
        id = id,
    );
    alternate_run(
        w,
        |w| {
            anchor(w, &drawing, |w| {
                unframed_text_box(w, cx, cy)?;
                elem(w, "wps:txbx", &[], content)?;
                text_body_pr(w, "vert", 0, "t")
            })
        },
        |w| {
            let vml_id = format!("GwPageSide{id}");
            let attrs = [
                ("id", vml_id.as_str()),
                ("style", vml_style.as_str()),
                ("filled", "f"),
                ("stroked", "f"),
            ];
            elem(w, "v:rect", &attrs, |w| {
                elem(
                    w,
                    "v:textbox",
                    &[("inset", "0,0,0,0"), ("style", "layout-flow:vertical")],
                    content,
                )
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::xml::part;
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
        let xml = part(0, |w| seal_run(w, &spec, 7));
        assert!(xml.contains("<wp:posOffset>-12700</wp:posOffset>"), "{xml}");
        assert!(xml.contains("<wp:posOffset>-63500</wp:posOffset>"), "{xml}");
        assert!(xml.contains("margin-top:-5pt"), "{xml}");
        assert!(xml.contains(r#"<wp:docPr id="7" "#), "{xml}");
    }

    #[test]
    fn the_label_is_escaped_and_cleaned() {
        let spec = SealSpec {
            diameter_mm: 42.0,
            label: "<甲&乙>\u{7}".to_owned(),
            x: 0,
            y: 0,
        };
        let xml = part(0, |w| seal_run(w, &spec, 1));
        assert_eq!(
            xml.matches(r#"<w:t xml:space="preserve">&lt;甲&amp;乙&gt;</w:t>"#)
                .count(),
            2,
            "{xml}"
        );
    }
}
