//! XML through quick-xml: the patches on the XML docx-rs generates, applied between `build()`
//! and packing, and the writer helpers of the parts gongwen writes itself.
//!
//! A part is read with quick-xml's reader into a small tree (the patches need lookahead:
//! sorting children, moving the 版记 table into its box), patched, and written back with its
//! writer; what no patch touches comes out as docx-rs wrote it. The patches:
//!
//! - **Schema order.** docx-rs writes the children of `w:rPr`, `w:pPr`, `w:sectPr`, `w:tblPr`,
//!   `w:tcPr` in its own order (`w:sz` before `w:rFonts`, `w:rPr` first in `w:pPr`,
//!   `w:footerReference` last in `w:sectPr`). The schema defines sequences, and Word drops
//!   run properties that come out of sequence; LibreOffice does not care. Children are sorted
//!   into schema order.
//! - **Repeating header rows.** docx-rs has no `w:tblHeader`. Rows whose cells are in the
//!   table-head paragraph style get one.
//! - **Character indents.** docx-rs never writes `w:firstLineChars`; a first-line indent of
//!   two 3号 characters gets `w:firstLineChars="200"` so Word keeps it two characters wide.
//! - **Shapes.** A bookmark named `_GwSeal<n>` or `_GwColophon<n>` (bookmark names are never
//!   user text) marks where a seal placeholder or a 版记 box is anchored; it is replaced by the
//!   `DrawingML` shape from [`shapes`], and the 版记 table after its paragraph moves into the box.
//! - **Paragraph ids.** docx-rs numbers `w14:paraId` from a thread-local counter, so a second
//!   identical document in the same process would differ; they are renumbered per document.

use std::borrow::Cow;
use std::io;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::{Reader, Writer};

use super::DocxError;
use super::shapes::{self, ColophonSpec, SealSpec, Shapes, SideNumberSpec};

/// Counters shared by all parts of one document (paragraph ids must be unique in the package).
#[derive(Debug, Default)]
pub(super) struct Ids {
    para: u32,
    drawing: u32,
}

impl Ids {
    /// Next drawing id (`wp:docPr/@id`), unique in the document.
    pub(super) fn next_drawing(&mut self) -> u32 {
        self.drawing += 1;
        self.drawing
    }
}

/// The writer all markup goes through.
pub(super) type Xml = Writer<Vec<u8>>;

/// The part `write` writes. Writing to memory cannot fail, and quick-xml writes only the
/// `str`s it is given.
pub(super) fn part(capacity: usize, write: impl FnOnce(&mut Xml) -> io::Result<()>) -> String {
    let mut w = Writer::new(Vec::with_capacity(capacity));
    write(&mut w).unwrap_or_else(|e| unreachable!("writing to memory: {e}"));
    String::from_utf8(w.into_inner()).unwrap_or_else(|_| unreachable!("quick-xml writes UTF-8"))
}

/// The declaration every part starts with.
pub(super) fn declaration(w: &mut Xml) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))
}

/// `<name a="v"…/>`.
pub(super) fn empty(w: &mut Xml, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_empty()?;
    Ok(())
}

/// `<name a="v"…>…</name>`, its content written by `inner`.
pub(super) fn elem(
    w: &mut Xml,
    name: &str,
    attrs: &[(&str, &str)],
    inner: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_inner_content(inner)?;
    Ok(())
}

/// `<name a="v"…>content</name>`, `content` made into [`text`].
pub(super) fn text_elem(
    w: &mut Xml,
    name: &str,
    attrs: &[(&str, &str)],
    content: &str,
) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_text_content(text(content))?;
    Ok(())
}

/// `content` as character data: escaped by quick-xml, without the characters XML 1.0 cannot
/// carry (user text may hold C0 controls, which quick-xml would write as they are).
pub(super) fn text(content: &str) -> BytesText<'static> {
    let clean: String = content.chars().filter(|&c| is_xml_char(c)).collect();
    BytesText::new(&clean).into_owned()
}

/// Whether XML 1.0 allows `c` in a document.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// One node of a part being patched.
#[derive(Debug)]
enum Node<'a> {
    Elem(Elem<'a>),
    /// Text, references, the declaration: written back as read.
    Other(Event<'a>),
    /// The run holding a shape, in place of its marker bookmark.
    Shape(Shape<'a>),
}

#[derive(Debug)]
struct Elem<'a> {
    start: BytesStart<'a>,
    children: Vec<Node<'a>>,
    /// Read as `<name/>`; written so while it has no children.
    empty: bool,
}

impl<'a> Elem<'a> {
    /// An element a patch adds.
    fn new(name: &'static str, children: Vec<Node<'a>>) -> Self {
        Self {
            start: BytesStart::new(name),
            empty: children.is_empty(),
            children,
        }
    }

    fn name(&self) -> &str {
        self.start.name().0
    }

    /// The raw value of attribute `key`.
    fn attr(&self, key: &str) -> Option<Cow<'_, str>> {
        let mut attrs = self.start.attributes();
        attrs.with_checks(false);
        attrs.flatten().find(|a| a.key.0 == key).map(|a| a.value)
    }
}

/// `start` with attribute `key` given the raw `value` where it stood or else last (or left
/// out, for `None`), the other attributes as they were.
fn with_attr(start: &BytesStart<'_>, key: &str, value: Option<&str>) -> BytesStart<'static> {
    let mut out = BytesStart::new(start.name().0.to_owned());
    let mut value = value;
    let mut attrs = start.attributes();
    attrs.with_checks(false);
    for a in attrs.flatten() {
        if a.key.0 != key {
            out.push_attribute(a);
        } else if let Some(v) = value.take() {
            out.push_attribute(raw(key, v));
        }
    }
    if let Some(v) = value {
        out.push_attribute(raw(key, v));
    }
    out
}

/// An attribute whose value is already escaped.
fn raw<'v>(key: &'v str, value: &'v str) -> Attribute<'v> {
    Attribute {
        key: QName(key),
        value: Cow::Borrowed(value),
    }
}

/// A shape replacing a marker: its spec, its drawing id, and for a 版记 box the table it holds.
#[derive(Debug)]
enum Shape<'a> {
    Seal(SealSpec, u32),
    Colophon(ColophonSpec, u32, Box<Elem<'a>>),
    SideNumber(SideNumberSpec, u32),
}

/// Parses `part`, applies every patch and writes it back.
pub(super) fn patch(part: &[u8], shapes: &Shapes, ids: &mut Ids) -> Result<Vec<u8>, DocxError> {
    let text = std::str::from_utf8(part)
        .map_err(|e| DocxError::Patch(format!("part is not UTF-8: {e}")))?;
    let mut nodes = parse(text)?;
    let mut patcher = Patcher {
        shapes,
        ids,
        colophon: None,
    };
    patcher.nodes(&mut nodes)?;
    let mut w = Writer::new(Vec::with_capacity(text.len() + text.len() / 8));
    for node in &nodes {
        write_node(&mut w, node, true)?;
    }
    Ok(w.into_inner())
}

/// Reads a whole part into a forest (the declaration, then the root element).
fn parse(text: &str) -> Result<Vec<Node<'_>>, DocxError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Elem<'_>> = Vec::new();
    let mut top: Vec<Node<'_>> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DocxError::Patch(format!("at byte {}: {e}", reader.error_position())))?;
        let node = match event {
            Event::Start(start) => {
                stack.push(Elem {
                    start,
                    children: Vec::new(),
                    empty: false,
                });
                continue;
            }
            // The reader checks that end tags match.
            Event::End(end) => Node::Elem(
                stack
                    .pop()
                    .ok_or_else(|| DocxError::Patch(format!("unbalanced </{}>", end.name().0)))?,
            ),
            Event::Empty(start) => Node::Elem(Elem {
                start,
                children: Vec::new(),
                empty: true,
            }),
            Event::Eof => break,
            other => Node::Other(other),
        };
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => top.push(node),
        }
    }
    if let Some(open) = stack.last() {
        return Err(DocxError::Patch(format!("unclosed <{}>", open.name())));
    }
    Ok(top)
}

/// Writes `node`; `para_ids: false` leaves out `w14:paraId` (for a second copy of content).
fn write_node(w: &mut Xml, node: &Node<'_>, para_ids: bool) -> io::Result<()> {
    match node {
        Node::Other(event) => w.write_event(event.borrow()),
        Node::Elem(e) => write_elem(w, e, para_ids),
        Node::Shape(Shape::Seal(spec, id)) => shapes::seal_run(w, spec, *id),
        Node::Shape(Shape::SideNumber(spec, id)) => shapes::side_number_run(w, spec, *id),
        Node::Shape(Shape::Colophon(spec, id, table)) => {
            shapes::colophon_run(w, spec, *id, &|w, para_ids| write_elem(w, table, para_ids))
        }
    }
}

fn write_elem(w: &mut Xml, e: &Elem<'_>, para_ids: bool) -> io::Result<()> {
    let stripped;
    let mut start = &e.start;
    if !para_ids && e.attr(PARA_ID).is_some() {
        stripped = with_attr(start, PARA_ID, None);
        start = &stripped;
    }
    // docx-rs writes `<w:sz w:val="32" />`: the space before the slash goes.
    let start = BytesStart::from_content(start.trim_end(), start.name().0.len());
    if e.empty && e.children.is_empty() {
        return w.write_event(Event::Empty(start));
    }
    w.write_event(Event::Start(start.borrow()))?;
    for child in &e.children {
        write_node(w, child, para_ids)?;
    }
    w.write_event(Event::End(start.to_end()))
}

const PARA_ID: &str = "w14:paraId";

struct Patcher<'p, 'a> {
    shapes: &'p Shapes,
    ids: &'p mut Ids,
    /// The 版记 table taken out of the flow, waiting for its box in the next marker.
    colophon: Option<Elem<'a>>,
}

/// A marker bookmark: which list, which entry, and the bookmark's id.
enum Marker {
    Seal(usize, String),
    Colophon(usize, String),
    SideNumber(usize, String),
}

/// The marker `node` is, if it is a `w:bookmarkStart` we wrote as one.
fn marker(node: &Node<'_>) -> Option<Marker> {
    let Node::Elem(e) = node else { return None };
    if e.name() != "w:bookmarkStart" {
        return None;
    }
    let name = e.attr("w:name")?;
    let id = e.attr("w:id").unwrap_or_default().into_owned();
    if let Some(n) = name.strip_prefix(shapes::SEAL_MARKER) {
        return n.parse().ok().map(|n| Marker::Seal(n, id));
    }
    if let Some(n) = name.strip_prefix(shapes::SIDE_NUMBER_MARKER) {
        return n.parse().ok().map(|n| Marker::SideNumber(n, id));
    }
    let n = name.strip_prefix(shapes::COLOPHON_MARKER)?;
    n.parse().ok().map(|n| Marker::Colophon(n, id))
}

/// Whether paragraph `node` holds a 版记 marker.
fn holds_colophon(node: &Node<'_>) -> bool {
    matches!(node, Node::Elem(e) if e.name() == "w:p" && e.children.iter().any(|c| matches!(marker(c), Some(Marker::Colophon(..)))))
}

impl<'a> Patcher<'_, 'a> {
    fn nodes(&mut self, nodes: &mut Vec<Node<'a>>) -> Result<(), DocxError> {
        let mut i = 0;
        while i < nodes.len() {
            if holds_colophon(&nodes[i]) {
                // The 版记 table follows its anchoring paragraph; it moves into the box.
                let next = (i + 1 < nodes.len()).then(|| nodes.remove(i + 1));
                let next = next.filter(|n| matches!(n, Node::Elem(t) if t.name() == "w:tbl"));
                let Some(Node::Elem(mut table)) = next else {
                    return Err(DocxError::Patch("版记 marker without its table".to_owned()));
                };
                self.elem(&mut table)?;
                self.colophon = Some(table);
            }
            match marker(&nodes[i]) {
                Some(Marker::Seal(n, id)) => {
                    let spec = self
                        .shapes
                        .seals
                        .get(n)
                        .ok_or_else(|| DocxError::Patch(format!("no seal {n}")))?;
                    nodes[i] = Node::Shape(Shape::Seal(spec.clone(), self.ids.next_drawing()));
                    drop_bookmark_end(nodes, i, &id);
                }
                Some(Marker::Colophon(n, id)) => {
                    let spec = self
                        .shapes
                        .colophons
                        .get(n)
                        .ok_or_else(|| DocxError::Patch(format!("no 版记 box {n}")))?;
                    let table = self
                        .colophon
                        .take()
                        .ok_or_else(|| DocxError::Patch("版记 box without its table".to_owned()))?;
                    nodes[i] = Node::Shape(Shape::Colophon(
                        *spec,
                        self.ids.next_drawing(),
                        Box::new(table),
                    ));
                    drop_bookmark_end(nodes, i, &id);
                }
                Some(Marker::SideNumber(n, id)) => {
                    let spec = self
                        .shapes
                        .side_numbers
                        .get(n)
                        .ok_or_else(|| DocxError::Patch(format!("no side number {n}")))?;
                    nodes[i] = Node::Shape(Shape::SideNumber(*spec, self.ids.next_drawing()));
                    drop_bookmark_end(nodes, i, &id);
                }
                None => {
                    if let Node::Elem(e) = &mut nodes[i] {
                        self.elem(e)?;
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }

    fn elem(&mut self, e: &mut Elem<'a>) -> Result<(), DocxError> {
        match e.name() {
            "w:p" if e.attr(PARA_ID).is_some() => {
                self.ids.para += 1;
                e.start = with_attr(&e.start, PARA_ID, Some(&format!("{:08X}", self.ids.para)));
            }
            "w:ind"
                if e.attr("w:firstLine").as_deref() == Some("640")
                    && e.attr("w:firstLineChars").is_none() =>
            {
                e.start = with_attr(&e.start, "w:firstLineChars", Some("200"));
            }
            "w:tr" if has_style(e, super::parts::style::TABLE_HEAD) => mark_header_row(e),
            _ => {}
        }
        self.nodes(&mut e.children)?;
        if let Some(order) = schema_order(e.name()) {
            e.children.sort_by_key(|n| rank(order, n));
        }
        Ok(())
    }
}

/// Removes the `w:bookmarkEnd` with `id` that follows position `i` among `nodes`.
fn drop_bookmark_end(nodes: &mut Vec<Node<'_>>, i: usize, id: &str) {
    let end = nodes[i + 1..].iter().position(|n| {
        matches!(n, Node::Elem(e) if e.name() == "w:bookmarkEnd" && e.attr("w:id").as_deref() == Some(id))
    });
    if let Some(end) = end {
        nodes.remove(i + 1 + end);
    }
}

/// Whether a paragraph somewhere under `e` has paragraph style `style`.
fn has_style(e: &Elem<'_>, style: &str) -> bool {
    e.children.iter().any(|n| match n {
        Node::Elem(c) if c.name() == "w:pStyle" => c.attr("w:val").as_deref() == Some(style),
        Node::Elem(c) => has_style(c, style),
        _ => false,
    })
}

/// Adds `w:tblHeader` to the row's properties (creating them if needed).
fn mark_header_row(row: &mut Elem<'_>) {
    let header = || Node::Elem(Elem::new("w:tblHeader", Vec::new()));
    for n in &mut row.children {
        if let Node::Elem(c) = n
            && c.name() == "w:trPr"
        {
            if !c
                .children
                .iter()
                .any(|n| matches!(n, Node::Elem(h) if h.name() == "w:tblHeader"))
            {
                c.children.push(header());
                c.empty = false;
            }
            return;
        }
    }
    // w:trPr follows w:tblPrEx, which docx-rs never writes: it is the first child.
    row.children
        .insert(0, Node::Elem(Elem::new("w:trPr", vec![header()])));
}

/// Position of a child in its parent's schema sequence; unknown children go last, in order.
fn rank(order: &[&str], node: &Node<'_>) -> usize {
    match node {
        Node::Elem(e) => order
            .iter()
            .position(|&n| n == e.name())
            .unwrap_or(order.len()),
        Node::Other(_) | Node::Shape(_) => order.len(),
    }
}

/// The schema sequences (ECMA-376 part 1) of the containers docx-rs writes out of order.
fn schema_order(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "w:pPr" => &[
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        ],
        "w:rPr" => &[
            "w:ins",
            "w:del",
            "w:moveFrom",
            "w:moveTo",
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:smallCaps",
            "w:strike",
            "w:dstrike",
            "w:outline",
            "w:shadow",
            "w:emboss",
            "w:imprint",
            "w:noProof",
            "w:snapToGrid",
            "w:vanish",
            "w:webHidden",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:effect",
            "w:bdr",
            "w:shd",
            "w:fitText",
            "w:vertAlign",
            "w:rtl",
            "w:cs",
            "w:em",
            "w:lang",
            "w:eastAsianLayout",
            "w:specVanish",
            "w:oMath",
            "w:rPrChange",
        ],
        "w:sectPr" => &[
            "w:headerReference",
            "w:footerReference",
            "w:footnotePr",
            "w:endnotePr",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:paperSrc",
            "w:pgBorders",
            "w:lnNumType",
            "w:pgNumType",
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w:sectPrChange",
        ],
        "w:tblPr" => &[
            "w:tblStyle",
            "w:tblpPr",
            "w:tblOverlap",
            "w:bidiVisual",
            "w:tblStyleRowBandSize",
            "w:tblStyleColBandSize",
            "w:tblW",
            "w:jc",
            "w:tblCellSpacing",
            "w:tblInd",
            "w:tblBorders",
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
            "w:tblPrChange",
        ],
        "w:tcPr" => &[
            "w:cnfStyle",
            "w:tcW",
            "w:gridSpan",
            "w:hMerge",
            "w:vMerge",
            "w:tcBorders",
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:textDirection",
            "w:tcFitText",
            "w:vAlign",
            "w:hideMark",
            "w:headers",
            "w:cellIns",
            "w:cellDel",
            "w:cellMerge",
            "w:tcPrChange",
        ],
        "w:trPr" => &[
            "w:cnfStyle",
            "w:divId",
            "w:gridBefore",
            "w:gridAfter",
            "w:wBefore",
            "w:wAfter",
            "w:cantSplit",
            "w:trHeight",
            "w:tblHeader",
            "w:tblCellSpacing",
            "w:jc",
            "w:hidden",
            "w:ins",
            "w:del",
            "w:trPrChange",
        ],
        "w:pBdr" => &[
            "w:top",
            "w:left",
            "w:start",
            "w:bottom",
            "w:right",
            "w:end",
            "w:between",
            "w:bar",
        ],
        "w:tblBorders" | "w:tcBorders" => &[
            "w:top",
            "w:left",
            "w:start",
            "w:bottom",
            "w:right",
            "w:end",
            "w:insideH",
            "w:insideV",
            "w:tl2br",
            "w:tr2bl",
        ],
        "w:tblCellMar" | "w:tcMar" => {
            &["w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end"]
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(xml: &str) -> String {
        let out = patch(xml.as_bytes(), &Shapes::default(), &mut Ids::default()).expect("patch");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn sorts_run_properties_into_schema_order() {
        let out = run(
            r#"<w:r><w:rPr><w:sz w:val="32" /><w:color w:val="FF0000" /><w:rFonts w:eastAsia="x" /></w:rPr><w:t xml:space="preserve">a &lt;b&gt;</w:t></w:r>"#,
        );
        assert_eq!(
            out,
            r#"<w:r><w:rPr><w:rFonts w:eastAsia="x"/><w:color w:val="FF0000"/><w:sz w:val="32"/></w:rPr><w:t xml:space="preserve">a &lt;b&gt;</w:t></w:r>"#
        );
    }

    #[test]
    fn marks_header_rows_and_character_indents() {
        let head = r#"<w:tc><w:p><w:pPr><w:pStyle w:val="GwTableHead" /></w:pPr></w:p></w:tc>"#;
        let body = r#"<w:tc><w:p><w:pPr><w:pStyle w:val="GwTableText" /></w:pPr></w:p></w:tc>"#;
        let out = run(&format!(
            concat!(
                r#"<w:tbl><w:tr><w:trPr><w:trHeight w:val="510" /><w:cantSplit /></w:trPr>{head}</w:tr>"#,
                r#"<w:tr>{head}</w:tr><w:tr><w:trPr />{body}</w:tr></w:tbl>"#,
                r#"<w:ind w:left="0" w:firstLine="640" />"#
            ),
            head = head,
            body = body
        ));
        assert!(
            out.contains(
                r#"<w:trPr><w:cantSplit/><w:trHeight w:val="510"/><w:tblHeader/></w:trPr>"#
            ),
            "{out}"
        );
        assert!(
            out.contains("<w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc>"),
            "{out}"
        );
        assert!(out.contains("<w:trPr/><w:tc>"), "{out}");
        assert!(
            out.contains(r#"w:firstLine="640" w:firstLineChars="200""#),
            "{out}"
        );
    }

    #[test]
    fn renumbers_paragraph_ids() {
        let out = run(
            r#"<w:body><w:p w14:paraId="0000002A"><w:pPr /></w:p><w:p w14:paraId="00000007" /></w:body>"#,
        );
        assert_eq!(
            out,
            r#"<w:body><w:p w14:paraId="00000001"><w:pPr/></w:p><w:p w14:paraId="00000002"/></w:body>"#
        );
    }

    #[test]
    fn rejects_unbalanced_xml() {
        assert!(patch(b"<a><b></a>", &Shapes::default(), &mut Ids::default()).is_err());
        assert!(patch(b"<a>", &Shapes::default(), &mut Ids::default()).is_err());
    }

    #[test]
    fn escapes_and_drops_characters_xml_cannot_carry() {
        let text = part(0, |w| {
            text_elem(w, "t", &[], "a<b>&\"'\u{1}\u{B}\u{FFFF}\tc\r\n")
        });
        // quick-xml writes a carriage return as a reference, so it reads back as one.
        assert_eq!(text, "<t>a&lt;b&gt;&amp;&quot;&apos;\tc&#13;\n</t>");
    }

    #[test]
    fn sorts_paragraph_and_section_properties() {
        let out = run(concat!(
            r#"<w:p><w:pPr><w:rPr /><w:jc w:val="left" /><w:pStyle w:val="GwBody" /></w:pPr></w:p>"#,
            r#"<w:sectPr><w:pgSz w:w="11906" /><w:footerReference r:id="rId1" /><w:titlePg /></w:sectPr>"#
        ));
        assert_eq!(
            out,
            concat!(
                r#"<w:p><w:pPr><w:pStyle w:val="GwBody"/><w:jc w:val="left"/><w:rPr/></w:pPr></w:p>"#,
                r#"<w:sectPr><w:footerReference r:id="rId1"/><w:pgSz w:w="11906"/><w:titlePg/></w:sectPr>"#
            )
        );
    }

    #[test]
    fn keeps_text_references_and_declarations_as_read() {
        let xml = concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<w:body><w:t xml:space="preserve"> a &amp; &#x41; "b" </w:t><!-- c --><w:br /></w:body>"#
        );
        assert_eq!(run(xml), xml.replace("<w:br />", "<w:br/>"));
    }

    #[test]
    fn moves_the_colophon_table_into_its_box() {
        let shapes = Shapes {
            seals: Vec::new(),
            colophons: vec![ColophonSpec {
                width: 8844,
                height: 1200,
            }],
            side_numbers: Vec::new(),
        };
        let xml = concat!(
            r#"<w:body><w:p w14:paraId="00000009"><w:bookmarkStart w:id="9000" w:name="_GwColophon0" />"#,
            r#"<w:bookmarkEnd w:id="9000" /></w:p>"#,
            r#"<w:tbl><w:tr><w:tc><w:p w14:paraId="0000000A"><w:r><w:t>抄送</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
            r#"<w:p w14:paraId="0000000B" /></w:body>"#
        );
        let out = patch(xml.as_bytes(), &shapes, &mut Ids::default()).expect("patch");
        let out = String::from_utf8(out).expect("utf8");
        // The table is numbered first: it was patched when taken out of the flow.
        assert!(
            out.starts_with(r#"<w:body><w:p w14:paraId="00000002"><w:r>"#),
            "{out}"
        );
        assert!(!out.contains("w:bookmark"), "{out}");
        let with_id =
            r#"<w:txbxContent><w:tbl><w:tr><w:tc><w:p w14:paraId="00000001"><w:r><w:t>抄送</w:t>"#;
        let without = r#"<w:txbxContent><w:tbl><w:tr><w:tc><w:p><w:r><w:t>抄送</w:t>"#;
        assert!(out.contains(with_id) && out.contains(without), "{out}");
        assert!(out.contains(r#"<wp:docPr id="1" name="版记 1"/>"#), "{out}");
        assert!(
            out.ends_with(r#"</w:r></w:p><w:p w14:paraId="00000003"/></w:body>"#),
            "{out}"
        );
    }

    #[test]
    fn a_colophon_marker_needs_its_table() {
        let shapes = Shapes {
            seals: Vec::new(),
            colophons: vec![ColophonSpec {
                width: 100,
                height: 100,
            }],
            side_numbers: Vec::new(),
        };
        let xml = r#"<w:body><w:p><w:bookmarkStart w:id="9000" w:name="_GwColophon0" /></w:p><w:p /></w:body>"#;
        assert!(patch(xml.as_bytes(), &shapes, &mut Ids::default()).is_err());
    }
}
