//! Patches on the XML docx-rs generates, applied between `build()` and packing.
//!
//! The input is always docx-rs's own output (user text in it is already escaped, and no
//! attribute value carries user text), so a small tree parser is enough. The patches:
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

use std::fmt::Write as _;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::DocxError;
use super::shapes::{self, Shapes};

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

/// Escapes text for XML element content and attribute values, dropping characters XML 1.0
/// cannot carry (C0 controls other than tab and newline, U+FFFE, U+FFFF).
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|&c| is_xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether XML 1.0 allows `c` in a document.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// One XML node of a generated part.
#[derive(Debug)]
enum Node<'a> {
    Elem(Elem<'a>),
    /// Text or a declaration, written back as it was.
    Raw(&'a str),
    /// Replacement XML produced by a patch.
    Owned(String),
}

#[derive(Debug)]
struct Elem<'a> {
    name: &'a str,
    /// The attributes as written, with their leading space; replaced when a patch edits them.
    attrs: std::borrow::Cow<'a, str>,
    children: Vec<Node<'a>>,
    empty: bool,
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
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for node in &nodes {
        write_node(&mut out, node);
    }
    Ok(out.into_bytes())
}

/// Parses a whole part into a forest (the declaration, then the root element).
fn parse(text: &str) -> Result<Vec<Node<'_>>, DocxError> {
    let mut stack: Vec<Elem<'_>> = Vec::new();
    let mut top: Vec<Node<'_>> = Vec::new();
    let mut pos = 0;
    let bytes = text.as_bytes();
    while pos < text.len() {
        let Some(lt) = text[pos..].find('<').map(|i| pos + i) else {
            push(&mut stack, &mut top, Node::Raw(&text[pos..]));
            break;
        };
        if lt > pos {
            push(&mut stack, &mut top, Node::Raw(&text[pos..lt]));
        }
        let gt = tag_end(bytes, lt)
            .ok_or_else(|| DocxError::Patch(format!("unterminated tag at byte {lt}")))?;
        let tag = &text[lt..=gt];
        pos = gt + 1;
        if tag.starts_with("<?") || tag.starts_with("<!") {
            push(&mut stack, &mut top, Node::Raw(tag));
        } else if let Some(name) = tag.strip_prefix("</") {
            let name = name.trim_end_matches('>').trim();
            let elem = stack
                .pop()
                .filter(|e| e.name == name)
                .ok_or_else(|| DocxError::Patch(format!("unbalanced </{name}>")))?;
            push(&mut stack, &mut top, Node::Elem(elem));
        } else {
            let inner = &tag[1..tag.len() - 1];
            let empty = inner.ends_with('/');
            let inner = inner.trim_end_matches('/');
            let name_end = inner
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(inner.len());
            let elem = Elem {
                name: &inner[..name_end],
                attrs: std::borrow::Cow::Borrowed(inner[name_end..].trim_end()),
                children: Vec::new(),
                empty,
            };
            if empty {
                push(&mut stack, &mut top, Node::Elem(elem));
            } else {
                stack.push(elem);
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(DocxError::Patch(format!("unclosed <{}>", open.name)));
    }
    Ok(top)
}

fn push<'a>(stack: &mut [Elem<'a>], top: &mut Vec<Node<'a>>, node: Node<'a>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => top.push(node),
    }
}

/// Index of the `>` closing the tag that starts at `lt`, skipping quoted attribute values.
fn tag_end(bytes: &[u8], lt: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(lt + 1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn write_node(out: &mut String, node: &Node<'_>) {
    match node {
        Node::Raw(s) => out.push_str(s),
        Node::Owned(s) => out.push_str(s),
        Node::Elem(e) => {
            out.push('<');
            out.push_str(e.name);
            out.push_str(&e.attrs);
            if e.empty && e.children.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                for child in &e.children {
                    write_node(out, child);
                }
                let _ = write!(out, "</{}>", e.name);
            }
        }
    }
}

/// The value of attribute `name` in a raw attribute string.
fn attr<'s>(attrs: &'s str, name: &str) -> Option<&'s str> {
    let key = format!(" {name}=\"");
    let start = attrs.find(&key)? + key.len();
    let len = attrs[start..].find('"')?;
    Some(&attrs[start..start + len])
}

struct Patcher<'p> {
    shapes: &'p Shapes,
    ids: &'p mut Ids,
    /// The 版记 table taken out of the flow, waiting for its box in the next marker.
    colophon: Option<String>,
}

/// A marker bookmark: which list, which entry, and the bookmark's id.
enum Marker {
    Seal(usize, String),
    Colophon(usize, String),
}

/// The marker `node` is, if it is a `w:bookmarkStart` we wrote as one.
fn marker(node: &Node<'_>) -> Option<Marker> {
    let Node::Elem(e) = node else { return None };
    if e.name != "w:bookmarkStart" {
        return None;
    }
    let name = attr(&e.attrs, "w:name")?;
    let id = attr(&e.attrs, "w:id").unwrap_or_default().to_owned();
    if let Some(n) = name.strip_prefix(shapes::SEAL_MARKER) {
        return n.parse().ok().map(|n| Marker::Seal(n, id));
    }
    let n = name.strip_prefix(shapes::COLOPHON_MARKER)?;
    n.parse().ok().map(|n| Marker::Colophon(n, id))
}

/// Whether paragraph `node` holds a 版记 marker.
fn holds_colophon(node: &Node<'_>) -> bool {
    matches!(node, Node::Elem(e) if e.name == "w:p" && e.children.iter().any(|c| matches!(marker(c), Some(Marker::Colophon(..)))))
}

impl Patcher<'_> {
    fn nodes(&mut self, nodes: &mut Vec<Node<'_>>) -> Result<(), DocxError> {
        let mut i = 0;
        while i < nodes.len() {
            if holds_colophon(&nodes[i]) {
                // The 版记 table follows its anchoring paragraph; it moves into the box.
                let is_table = matches!(nodes.get(i + 1), Some(Node::Elem(t)) if t.name == "w:tbl");
                if !is_table {
                    return Err(DocxError::Patch("版记 marker without its table".to_owned()));
                }
                let mut table = nodes.remove(i + 1);
                if let Node::Elem(t) = &mut table {
                    self.elem(t)?;
                }
                let mut xml = String::new();
                write_node(&mut xml, &table);
                self.colophon = Some(xml);
            }
            match marker(&nodes[i]) {
                Some(Marker::Seal(n, id)) => {
                    let spec = self
                        .shapes
                        .seals
                        .get(n)
                        .ok_or_else(|| DocxError::Patch(format!("no seal {n}")))?;
                    nodes[i] = Node::Owned(shapes::seal_run(spec, self.ids.next_drawing()));
                    drop_bookmark_end(nodes, i, &id);
                }
                Some(Marker::Colophon(n, id)) => {
                    let spec = self
                        .shapes
                        .colophons
                        .get(n)
                        .ok_or_else(|| DocxError::Patch(format!("no 版记 box {n}")))?;
                    let content = self
                        .colophon
                        .take()
                        .ok_or_else(|| DocxError::Patch("版记 box without its table".to_owned()))?;
                    nodes[i] = Node::Owned(shapes::colophon_run(
                        spec,
                        &content,
                        self.ids.next_drawing(),
                    ));
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

    fn elem(&mut self, e: &mut Elem<'_>) -> Result<(), DocxError> {
        match e.name {
            "w:p" => {
                if let Some(start) = e.attrs.find(" w14:paraId=\"") {
                    self.ids.para += 1;
                    let value_start = start + " w14:paraId=\"".len();
                    if let Some(len) = e.attrs[value_start..].find('"') {
                        let mut attrs = e.attrs.to_string();
                        attrs.replace_range(
                            value_start..value_start + len,
                            &format!("{:08X}", self.ids.para),
                        );
                        e.attrs = attrs.into();
                    }
                }
            }
            "w:ind"
                if attr(&e.attrs, "w:firstLine") == Some("640")
                    && attr(&e.attrs, "w:firstLineChars").is_none() =>
            {
                e.attrs = format!("{} w:firstLineChars=\"200\"", e.attrs).into();
            }
            "w:tr" if has_style(e, super::parts::style::TABLE_HEAD) => mark_header_row(e),
            _ => {}
        }
        self.nodes(&mut e.children)?;
        if let Some(order) = schema_order(e.name) {
            e.children.sort_by_key(|n| rank(order, n));
        }
        Ok(())
    }
}

/// Removes the `w:bookmarkEnd` with `id` that follows position `i` among `nodes`.
fn drop_bookmark_end(nodes: &mut Vec<Node<'_>>, i: usize, id: &str) {
    let end = nodes[i + 1..]
        .iter()
        .position(|n| matches!(n, Node::Elem(e) if e.name == "w:bookmarkEnd" && attr(&e.attrs, "w:id") == Some(id)));
    if let Some(end) = end {
        nodes.remove(i + 1 + end);
    }
}

/// Whether a paragraph somewhere under `e` has paragraph style `style`.
fn has_style(e: &Elem<'_>, style: &str) -> bool {
    e.children.iter().any(|n| match n {
        Node::Elem(c) if c.name == "w:pStyle" => attr(&c.attrs, "w:val") == Some(style),
        Node::Elem(c) => has_style(c, style),
        _ => false,
    })
}

/// Adds `w:tblHeader` to the row's properties (creating them if needed).
fn mark_header_row(row: &mut Elem<'_>) {
    let header = Node::Owned("<w:tblHeader/>".to_owned());
    for n in &mut row.children {
        if let Node::Elem(c) = n
            && c.name == "w:trPr"
        {
            if !c
                .children
                .iter()
                .any(|n| matches!(n, Node::Elem(h) if h.name == "w:tblHeader"))
            {
                c.children.push(header);
                c.empty = false;
            }
            return;
        }
    }
    // w:trPr follows w:tblPrEx, which docx-rs never writes: it is the first child.
    row.children
        .insert(0, Node::Owned("<w:trPr><w:tblHeader/></w:trPr>".to_owned()));
}

/// Position of a child in its parent's schema sequence; unknown children go last, in order.
fn rank(order: &[&str], node: &Node<'_>) -> usize {
    match node {
        Node::Elem(e) => order
            .iter()
            .position(|&n| n == e.name)
            .unwrap_or(order.len()),
        Node::Owned(s) => {
            let name = s.trim_start_matches('<');
            let end = name
                .find(|c: char| c == '/' || c == '>' || c.is_ascii_whitespace())
                .unwrap_or(name.len());
            order
                .iter()
                .position(|&n| n == &name[..end])
                .unwrap_or(order.len())
        }
        Node::Raw(_) => order.len(),
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
    fn writes_text_escaped_by_quick_xml_without_characters_xml_cannot_carry() {
        let text = part(0, |w| {
            text_elem(w, "t", &[], "a<b>&\"'\u{1}\u{B}\u{FFFF}\tc\r\n")
        });
        // quick-xml writes a carriage return as a reference, so it reads back as one.
        assert_eq!(text, "<t>a&lt;b&gt;&amp;&quot;&apos;\tc&#13;\n</t>");
    }

    #[test]
    fn escapes_and_drops_characters_xml_cannot_carry() {
        assert_eq!(
            escape("a<b>&\"'\u{1}\u{FFFF}c"),
            "a&lt;b&gt;&amp;&quot;&apos;c"
        );
    }
}
