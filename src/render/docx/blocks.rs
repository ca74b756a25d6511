//! The document model's blocks as docx-rs paragraphs and tables, section by section. Fonts,
//! sizes and line spacing come from the paragraph styles in [`parts`]; what is set here is
//! what varies with the content: spacing between parts, indents computed from text widths,
//! rules, tabs, merges, and the markers where [`shapes`] go (seal placeholders, the 版记 box).

use std::borrow::Cow;

use docx_rs::{
    AlignmentType, BorderType, BreakType, CellMargins, DocGrid, DocGridType, Docx, Footer, Header,
    HeightRule, LineSpacing, LineSpacingType, PageMargin, PageNum, PageOrientationType, PageSize,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SectionProperty, SectionType, Shading, ShdType, SpecialIndentType, Tab, TabValueType, Table,
    TableAlignmentType, TableBorder, TableBorderPosition, TableBorders, TableCell, TableCellBorder,
    TableCellBorderPosition, TableCellBorders, TableCellContent, TableCellMargins, TableChild,
    TableLayoutType, TableRow, TableRowChild, VAlignType, VMergeType, WidthType, create_footer_rid,
    create_header_rid,
};

use super::DocxOptions;
use super::layout::{CHAR, INDENT_2, LINE, PageGeometry, cells, cells_twips, mm};
use super::parts::{KAITI, RED, TABLE_LINE, style};
use super::shapes::{
    BOOKMARK_BASE, COLOPHON_MARKER, ColophonSpec, SEAL_MARKER, SIDE_NUMBER_MARKER, SealSpec,
    Shapes, SideNumberSpec,
};
use super::xml::is_xml_char;
use crate::render::document::{self as model, Align, Block, Document, Orientation, SectionRole};

/// The docx-rs document and the shapes its markers stand for.
pub(super) struct Built {
    pub docx: Docx,
    pub shapes: Shapes,
}

/// A body element of one section.
#[expect(
    clippy::large_enum_variant,
    reason = "children live briefly, one Vec per section; boxing would allocate per paragraph"
)]
enum Child {
    P(Paragraph),
    T(Table),
}

/// Thickness of the red separator under the 发文字号, in eighths of a point.
const RED_RULE: usize = 8;
/// Space between the 发文字号 line and the red rule, in points: the rule lands 4 mm below the
/// ink of the number (measured in LibreOffice: 11.5 pt).
const RED_RULE_SPACE: usize = 6;
/// 版记 rules: thick 0.35 mm and thin 0.25 mm, in eighths of a point.
const COLOPHON_THICK: usize = 8;
const COLOPHON_THIN: usize = 6;
/// Left and right cell margins (the default table style's), and top and bottom ones: about
/// the PDF's 0.35 em inset.
const CELL_MARGIN: i32 = 108;
const CELL_PADDING: i32 = 80;
/// One 4号 character, the 版记's indent.
const SMALL_CHAR: i32 = 280;
/// Table grid lines, in eighths of a point.
const TABLE_RULE: usize = 4;
/// Space between a form and its 注： (the PDF's 13 pt).
const NOTES_GAP: u32 = 260;
/// 五号 (10.5 pt) on 15 pt, for tables of more than six columns.
const SMALL_TABLE_SIZE: usize = 21;
const SMALL_TABLE_LINE: i32 = 300;
/// The body rows of a long table that go over a page break with the 注 under it.
const TAIL_ROWS: usize = 2;
/// Tables of at most this many rows (header and footer included) are kept on one page.
const SMALL_TABLE_ROWS: usize = 40;
/// Minimum height of a table row.
const ROW_HEIGHT: f32 = 510.0;
const SMALL_ROW_HEIGHT: f32 = 360.0;
/// Corrections, in twips, that put the 版头 where the PDF has it (measured against the PDF in
/// LibreOffice: the ink of the mark, the number, the rule and the title within 1 pt).
const RED_HEADER_NUDGE: i32 = -30;
const DOC_NUMBER_NUDGE: i32 = -60;
const TITLE_NUDGE: i32 = 130;
/// The em box of 3号 text, in twips.
const BODY_EM: i32 = 320;
/// The seal's centre lies this far below the top of the office name's characters (the PDF's
/// 14 pt).
const SEAL_BELOW_OFFICE_TOP: i32 = 280;
/// Room between a form's seal and the title above it or the table below it (the PDF's).
const SEAL_CLEARANCE_MM: f64 = 2.0;
/// Size of the 发文机关标志 (15 mm characters at most; 42 pt is 14.8 mm).
const RED_HEADER_PT: f64 = 42.0;
/// Bars of the chart: their colour and the cell of one step.
const BAR_FILL: &str = "C00000";
const BAR_STEPS: usize = 24;

/// Builds the docx-rs document for `doc`.
pub(super) fn build(doc: &Document, opts: &DocxOptions) -> Built {
    let mut builder = Builder {
        opts,
        shapes: Shapes::default(),
        geo: PageGeometry::of(Orientation::Portrait),
    };
    let mut docx = Docx::new();
    let count = doc.sections.len();
    let needs = Needs::of(doc);
    let mut last_sect = section_property(&builder.geo, SectionRole::Body, needs);
    for (i, section) in doc.sections.iter().enumerate() {
        builder.geo = PageGeometry::of(section.orientation);
        let sect = section_property(&builder.geo, section.role, needs);
        let mut children = builder.section(section);
        if i + 1 < count {
            // The section break rides on the section's last paragraph, so it adds no line
            // (docx-rs's own sections add an empty paragraph that can spill onto a blank page).
            match children.pop() {
                Some(Child::P(p)) => children.push(Child::P(p.section_property(sect))),
                other => {
                    children.extend(other);
                    children.push(Child::P(
                        Paragraph::new().style(style::TINY).section_property(sect),
                    ));
                }
            }
        } else {
            last_sect = sect;
            if !matches!(children.last(), Some(Child::P(_))) {
                // A table cannot end the body: Word would add a full-height paragraph itself.
                children.push(Child::P(Paragraph::new().style(style::TINY)));
            }
        }
        for child in children {
            docx = match child {
                Child::P(p) => docx.add_paragraph(p),
                Child::T(t) => docx.add_table(t),
            };
        }
    }
    if count == 0 {
        docx = docx.add_paragraph(Paragraph::new().style(style::PLAIN));
    }
    docx.document = docx.document.default_section_property(last_sect.clone());
    // Registered after the last section's properties: they become rIdFooter1 to 3 and
    // rIdHeader1 to 3, which the sections refer to (see `section_property`).
    docx = docx
        .footer(page_number_footer(false))
        .even_footer(page_number_footer(true));
    if needs.empty_footer {
        docx = docx.first_footer(no_number_footer());
    }
    if needs.side_numbers {
        for even in [false, true] {
            let index = builder.shapes.side_numbers.len();
            let (x, y, width, height) =
                PageGeometry::of(Orientation::Landscape).side_number_box(even);
            builder.shapes.side_numbers.push(SideNumberSpec {
                x,
                y,
                width,
                height,
                even,
            });
            let id = BOOKMARK_BASE + 900 + index;
            let marker = Paragraph::new()
                .style(style::TINY)
                .add_bookmark_start(id, format!("{SIDE_NUMBER_MARKER}{index}"))
                .add_bookmark_end(id);
            let header = Header::new().add_paragraph(marker);
            docx = if even {
                docx.even_header(header)
            } else {
                docx.header(header)
            };
        }
        docx = docx.first_header(Header::new().add_paragraph(Paragraph::new().style(style::TINY)));
    }
    // Registering set the last section's references; it keeps its own.
    let sect = &mut docx.document.section_property;
    sect.title_pg = last_sect.title_pg;
    sect.header_reference = last_sect.header_reference;
    sect.even_header_reference = last_sect.even_header_reference;
    sect.first_header_reference = last_sect.first_header_reference;
    sect.footer_reference = last_sect.footer_reference;
    sect.even_footer_reference = last_sect.even_footer_reference;
    sect.first_footer_reference = last_sect.first_footer_reference;
    Built {
        docx,
        shapes: builder.shapes,
    }
}

/// Page size, margins, line grid and footers of a section. The grid is lines only: with
/// Word's character grid LibreOffice sets 18–21 characters a line instead of 28 (measured),
/// so the 28-character line comes from tracking in the styles instead.
///
/// Page numbers run on from section to section. The 版记 section of a bound package is one
/// page whose number is suppressed (a first-page footer with no number); printed on both
/// sides it starts on an even page (`w:type="evenPage"`): Word and LibreOffice insert the
/// blank page before it themselves.
fn section_property(geo: &PageGeometry, role: SectionRole, needs: Needs) -> SectionProperty {
    let mut size = PageSize::new().size(geo.width, geo.height);
    if geo.landscape {
        size = size.orient(PageOrientationType::Landscape);
    }
    let mut sect = SectionProperty::new()
        .page_size(size)
        .page_margin(
            PageMargin::new()
                .top(geo.top)
                .bottom(geo.bottom)
                .left(geo.left)
                .right(geo.right)
                .header(mm(15.0))
                .footer(geo.footer_distance())
                .gutter(0),
        )
        .doc_grid(
            DocGrid::with_empty()
                .grid_type(DocGridType::Lines)
                .line_pitch(LINE as usize),
        )
        .footer(Footer::new(), &create_footer_rid(1))
        .even_footer(Footer::new(), &create_footer_rid(2));
    if needs.side_numbers {
        // Landscape pages: the number in the header's turned box, none in the footer;
        // portrait pages: an empty header (a section without one inherits the one before).
        let header = if geo.landscape { [1, 2] } else { [3, 3] };
        sect = sect
            .header(Header::new(), &create_header_rid(header[0]))
            .even_header(Header::new(), &create_header_rid(header[1]));
        if geo.landscape {
            sect = sect
                .footer(Footer::new(), &create_footer_rid(3))
                .even_footer(Footer::new(), &create_footer_rid(3));
        }
    }
    match role {
        SectionRole::Body => {}
        SectionRole::Colophon | SectionRole::ColophonOnEvenPage => {
            sect = sect.first_footer(Footer::new(), &create_footer_rid(3));
            if needs.side_numbers {
                sect = sect.first_header(Header::new(), &create_header_rid(3));
            }
            if role == SectionRole::ColophonOnEvenPage {
                sect.section_type = Some(SectionType::EvenPage);
            }
        }
    }
    sect
}

/// The header and footer parts a document needs beyond the two numbered footers.
#[derive(Debug, Clone, Copy)]
struct Needs {
    /// A footer with no number (rIdFooter3): the 版记 page's, and landscape pages'.
    empty_footer: bool,
    /// Headers with the landscape pages' turned numbers (rIdHeader1 odd, 2 even) and an empty
    /// one for the portrait pages (rIdHeader3).
    side_numbers: bool,
}

impl Needs {
    fn of(doc: &Document) -> Needs {
        let landscape = doc
            .sections
            .iter()
            .any(|s| s.orientation == Orientation::Landscape);
        Needs {
            empty_footer: landscape || doc.sections.iter().any(|s| s.role != SectionRole::Body),
            side_numbers: landscape,
        }
    }
}

/// The footer of a page that carries no number (the 版记 page of a bound package).
fn no_number_footer() -> Footer {
    Footer::new().add_paragraph(Paragraph::new().style(style::PAGE_NUMBER))
}

/// `— 1 —` in 4号 宋体, one character in from the right (odd pages) or the left (even pages).
fn page_number_footer(even: bool) -> Footer {
    let mut p = Paragraph::new().style(style::PAGE_NUMBER);
    p = if even {
        p.align(AlignmentType::Left)
            .indent(Some(SMALL_CHAR), None, None, None)
    } else {
        p.align(AlignmentType::Right)
            .indent(None, None, Some(SMALL_CHAR), None)
    };
    Footer::new().add_paragraph(
        p.add_run(Run::new().add_text("— "))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" —")),
    )
}

struct Builder<'a> {
    opts: &'a DocxOptions,
    shapes: Shapes,
    geo: PageGeometry,
}

/// Every paragraph of `row` kept with the next: Word and LibreOffice keep a table's rows
/// together this way.
fn keep_with_next(row: &mut TableRow) {
    for TableRowChild::TableCell(cell) in &mut row.cells {
        for content in &mut cell.children {
            if let TableCellContent::Paragraph(p) = content {
                p.property = std::mem::take(&mut p.property).keep_next(true);
            }
        }
    }
}

/// A paragraph of one of our styles.
fn para(style: &str) -> Paragraph {
    Paragraph::new().style(style)
}

/// `text` as one run: newlines become line breaks, tabs tabs, and characters XML cannot carry
/// are dropped. docx-rs escapes the rest.
fn text_run(text: &str) -> Run {
    append_text(Run::new(), text)
}

/// [`text_run`] continuing an existing run.
fn append_text(mut run: Run, text: &str) -> Run {
    let normalized: Cow<'_, str> = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    for (i, line) in normalized.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                run = run.add_tab();
            }
            let clean: String = piece.chars().filter(|&c| is_xml_char(c)).collect();
            if !clean.is_empty() {
                run = run.add_text(script_breaks(&clean));
            }
        }
    }
    run
}

/// The zero-width space set between a Latin letter or digit and a hanzi.
pub(super) const SCRIPT_BREAK: char = '\u{200B}';

/// `text` with [`SCRIPT_BREAK`] wherever a Latin letter or digit meets a hanzi (`2019年`).
///
/// GB/T 9704 sets `2019年5月20日` solid, and Word does so with the `w:autoSpaceDE` and
/// `w:autoSpaceDN` the styles turn off. LibreOffice (7.4 and earlier) reads neither: its
/// DOCX import drops both (`writerfilter/source/dmapper/DomainMapper.cxx`, `case
/// NS_ooxml::LN_CT_PPrBase_autoSpaceDE: break;`), so every paragraph keeps Writer's default
/// "space between Asian and non-Asian text" and gets a fifth of the font size (3.2 pt at 3号)
/// wherever the script changes between two letters or digits (`SwTextFormatter::
/// BuildPortions`, `sw/source/core/text/itrform2.cxx`). That kern needs a letter or digit on
/// both sides of the change: a zero-width space there stops it. Word draws the space as
/// nothing and breaks lines there as it would anyway; LibreOffice leaves it out of the PDF's
/// text.
fn script_breaks(text: &str) -> Cow<'_, str> {
    let needs = |a: char, b: char| {
        a.is_alphanumeric() && b.is_alphanumeric() && (is_east_asian(a) != is_east_asian(b))
    };
    let chars: Vec<char> = text.chars().collect();
    if !chars.windows(2).any(|w| needs(w[0], w[1])) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 12);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && needs(chars[i - 1], c) {
            out.push(SCRIPT_BREAK);
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Whether LibreOffice sets `c` as Asian text: the blocks of hangul, kana, bopomofo, hanzi
/// and their compatibility and full-width forms.
fn is_east_asian(c: char) -> bool {
    matches!(
        c,
        '\u{1100}'..='\u{11FF}'
            | '\u{2E80}'..='\u{A4CF}'
            | '\u{A960}'..='\u{A97F}'
            | '\u{AC00}'..='\u{D7FF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FE30}'..='\u{FE4F}'
            | '\u{FF00}'..='\u{FFEF}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

/// The 注: 4号, 注： on its own line a little below the form and kept with the first note,
/// each note two characters in.
fn notes_paragraphs(lines: &[String]) -> impl Iterator<Item = Paragraph> + '_ {
    let label = text_para(style::NOTES, "注：")
        .line_spacing(LineSpacing::new().before(NOTES_GAP))
        .keep_next(!lines.is_empty());
    std::iter::once(label).chain(lines.iter().map(|l| text_para(style::NOTE_ITEM, l)))
}

/// A paragraph of `style` holding `text`.
fn text_para(style: &str, text: &str) -> Paragraph {
    para(style).add_run(text_run(text))
}

/// Space before a paragraph, in blank grid lines.
fn before(p: Paragraph, lines: i32) -> Paragraph {
    before_nudged(p, lines, 0)
}

/// [`before`], moved by `nudge` twips when there is a gap at all.
fn before_nudged(p: Paragraph, lines: i32, nudge: i32) -> Paragraph {
    if lines > 0 {
        p.line_spacing(LineSpacing::new().before((lines * LINE + nudge).max(0) as u32))
    } else {
        p
    }
}

/// Keeps the last paragraph so far on the page of the next one.
fn keep_last_with_next(out: &mut Vec<Child>) {
    if matches!(out.last(), Some(Child::P(_)))
        && let Some(Child::P(p)) = out.pop()
    {
        out.push(Child::P(p.keep_next(true)));
    }
}

/// All four script slots set to one face.
fn face(name: &str) -> RunFonts {
    RunFonts::new()
        .ascii(name)
        .hi_ansi(name)
        .east_asia(name)
        .cs(name)
}

/// Blank lines GB/T 9704 puts between two blocks (the rest follow each other directly).
fn gap(prev: Option<&Block>, block: &Block) -> i32 {
    match (prev, block) {
        (
            Some(Block::RedHeader { .. } | Block::DocNumber { .. }),
            Block::Title { .. } | Block::DocNumber { .. },
        ) => 2,
        (Some(Block::Title { .. }), Block::Addressee { .. }) => 1,
        (Some(_), Block::AttachmentList { .. } | Block::BarChart(_)) => 1,
        _ => 0,
    }
}

impl Builder<'_> {
    fn section(&mut self, section: &model::Section) -> Vec<Child> {
        let mut out = Vec::new();
        let mut prev: Option<&Block> = None;
        // The 注 just written into the table before them.
        let mut notes_done = false;
        for (i, block) in section.blocks.iter().enumerate() {
            if std::mem::take(&mut notes_done) {
                prev = Some(block);
                continue;
            }
            if let Block::Table(table) = block {
                // A small table is kept on one page, with the 注 after it, as the PDF keeps
                // it; not a form's table under its title and fields.
                let under_form = matches!(
                    prev,
                    Some(Block::FormFields { .. } | Block::AttachmentHead { .. })
                );
                let rows = table.header.len() + table.rows.len() + table.footer.len();
                let notes = match section.blocks.get(i + 1) {
                    Some(Block::Notes { lines }) => Some(lines.as_slice()),
                    _ => None,
                };
                let kept = !under_form && rows <= SMALL_TABLE_ROWS;
                if kept || notes.is_some() {
                    if matches!(out.last(), Some(Child::T(_))) {
                        out.push(Child::P(para(style::TINY)));
                    }
                    let built = match notes {
                        Some(lines) if !kept => {
                            // A long table: its last rows go over the page with the 注, which
                            // never start a page alone.
                            notes_done = true;
                            self.table_with_notes(table, lines)
                        }
                        _ => self.table_kept(table, notes.is_some()),
                    };
                    out.push(Child::T(built));
                    prev = Some(block);
                    continue;
                }
            }
            self.block(prev, block, &mut out);
            prev = Some(block);
        }
        out
    }

    fn block(&mut self, prev: Option<&Block>, block: &Block, out: &mut Vec<Child>) {
        let gap = gap(prev, block);
        // Two tables with nothing between them are one table to Word and LibreOffice.
        if matches!(
            block,
            Block::Table(_) | Block::BarChart(_) | Block::TileMap(_) | Block::Colophon { .. }
        ) && matches!(out.last(), Some(Child::T(_)))
        {
            out.push(Child::P(para(style::TINY)));
        }
        match block {
            Block::RedHeader { issuer } => out.push(Child::P(self.red_header(issuer))),
            Block::DocNumber { number, signer } => {
                let p = self.doc_number(number, signer.as_deref());
                out.push(Child::P(before_nudged(p, gap, DOC_NUMBER_NUDGE)));
            }
            Block::Title { lines } => {
                let p = text_para(style::TITLE, &lines.join("\n"));
                let nudge = if matches!(prev, Some(Block::DocNumber { .. })) {
                    TITLE_NUDGE
                } else {
                    0
                };
                out.push(Child::P(before_nudged(p, gap, nudge)));
            }
            Block::Addressee { text } => {
                out.push(Child::P(before(text_para(style::PLAIN, text), gap)));
            }
            Block::Paragraph { text } => {
                out.push(Child::P(before(text_para(style::BODY, text), gap)));
            }
            Block::Heading { level, text } => {
                let style = style::HEADING[usize::from(level.clamp(&1, &4) - 1)];
                out.push(Child::P(before(text_para(style, text), gap)));
            }
            Block::AttachmentList { items } => self.attachment_list(items, gap, out),
            Block::Signature { office, date, seal } => {
                self.signature(office, date, seal.as_ref(), out);
            }
            Block::Note { text } => {
                // The 附注 stays on the page of the date above it.
                if matches!(prev, Some(Block::Signature { .. })) {
                    keep_last_with_next(out);
                }
                out.push(Child::P(before(text_para(style::BODY, text), gap)));
            }
            Block::AttachmentHead { label, title } => {
                out.push(Child::P(text_para(style::ATTACHMENT_LABEL, label)));
                out.push(Child::P(before(text_para(style::TITLE, title), 1)));
            }
            Block::FormFields { fields, seal } => self.form_fields(fields, seal.as_ref(), out),
            Block::Table(table) => out.push(Child::T(self.table(table))),
            Block::Notes { lines } => out.extend(notes_paragraphs(lines).map(Child::P)),
            Block::BarChart(chart) => self.bar_chart(chart, gap, out),
            Block::TileMap(map) => self.tile_map(map, out),
            Block::Colophon {
                cc,
                printer,
                printed_on,
            } => {
                // An anchor paragraph whose marker the XML patch turns into a box at the foot
                // of the type area, moving the table that follows into it.
                let (table, height) = self.colophon(cc, printer, printed_on);
                let index = self.shapes.colophons.len();
                self.shapes.colophons.push(ColophonSpec {
                    width: self.geo.text_width(),
                    height,
                });
                let id = BOOKMARK_BASE + 500 + index;
                out.push(Child::P(
                    para(style::TINY)
                        .add_bookmark_start(id, format!("{COLOPHON_MARKER}{index}"))
                        .add_bookmark_end(id),
                ));
                out.push(Child::T(table));
            }
        }
    }

    /// 发文机关标志: 42 pt (15 mm characters), its top 35 mm below the top of the type area,
    /// narrowed (character scale) when it is wider than the type area, as the PDF does; on a
    /// whole number of grid lines so the body below stays on the grid.
    fn red_header(&self, issuer: &str) -> Paragraph {
        let width_pt = f64::from(self.geo.text_width()) / 20.0;
        let natural_pt = cells(issuer).max(1.0) * RED_HEADER_PT;
        let scale = ((width_pt / natural_pt) * 100.0).floor().clamp(1.0, 100.0) as i32;
        let size = (RED_HEADER_PT * 20.0) as i32;
        let lines = (f64::from(size) * 1.3 / f64::from(LINE)).ceil().max(1.0) as i32;
        let line = lines * LINE;
        // The glyphs' em box is centred in an exact line (measured in LibreOffice).
        let space_before = (mm(35.0) - (line - size) / 2 + RED_HEADER_NUDGE).max(0);
        let mut run = text_run(issuer).size((RED_HEADER_PT * 2.0) as usize);
        if scale < 100 {
            run = run.stretch(scale);
        }
        para(style::RED_HEADER)
            .line_spacing(
                LineSpacing::new()
                    .before(space_before as u32)
                    .line(line)
                    .line_rule(LineSpacingType::Exact),
            )
            .add_run(run)
    }

    /// 发文字号, centred, or one character in from the left with 签发人 one character in from
    /// the right; the red rule under it is the paragraph's bottom border.
    fn doc_number(&self, number: &str, signer: Option<&str>) -> Paragraph {
        let width = self.geo.text_width();
        let mut p = match signer {
            None => text_para(style::DOC_NUMBER, number),
            // The number one character in by a tab, not an indent: a paragraph's border runs
            // between its indents, and the red rule spans the type area.
            Some(name) => para(style::PLAIN)
                .align(AlignmentType::Left)
                .add_tab(Tab::new().val(TabValueType::Left).pos(CHAR as usize))
                .add_tab(
                    Tab::new()
                        .val(TabValueType::Right)
                        .pos((width - CHAR) as usize),
                )
                .add_run(append_text(
                    append_text(Run::new().add_tab(), number).add_tab(),
                    "签发人：",
                ))
                .add_run(text_run(name).fonts(face(KAITI))),
        };
        p.property = p.property.set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                    .val(BorderType::Single)
                    .size(RED_RULE)
                    .space(RED_RULE_SPACE)
                    .color(RED),
            ),
        );
        p
    }

    /// 附件说明: 附件：1.name, later numbers under the first, a wrapped name under the first
    /// character of the name (hanging indent with a tab to it). One attachment has no number.
    fn attachment_list(&self, items: &[String], gap: i32, out: &mut Vec<Child>) {
        let label_start = INDENT_2;
        let numbers_start = label_start + cells_twips(3.0);
        let numbered = items.len() > 1;
        let number_width = if items.len() >= 10 { 1.5 } else { 1.0 };
        let name_start = if numbered {
            numbers_start + cells_twips(number_width)
        } else {
            numbers_start
        };
        for (i, item) in items.iter().enumerate() {
            let first_line = if i == 0 { label_start } else { numbers_start };
            let mut run = Run::new();
            if i == 0 {
                run = run.add_text("附件：");
            }
            if numbered {
                run = run.add_text(format!("{}.", i + 1)).add_tab();
            }
            let mut p = para(style::PLAIN)
                .align(AlignmentType::Left)
                .indent(
                    Some(name_start),
                    Some(SpecialIndentType::Hanging(name_start - first_line)),
                    None,
                    None,
                )
                .add_tab(Tab::new().val(TabValueType::Left).pos(name_start as usize))
                .add_run(run)
                .add_run(text_run(item));
            if i == 0 {
                p = before(p, gap);
            }
            out.push(Child::P(p));
        }
    }

    /// 发文机关署名 and 成文日期. With a seal: two blank lines (the first anchors the
    /// placeholder), the date four characters from the right and the office centred over it;
    /// the seal is centred 14 pt below the top of the office name's characters, as in the PDF,
    /// so both lines sit a little below its centre and its top stays within a line of the
    /// body. Without: the office one line below the body two characters from the right, the
    /// date under it starting two characters further right.
    fn signature(
        &mut self,
        office: &str,
        date: &str,
        seal: Option<&model::Seal>,
        out: &mut Vec<Child>,
    ) {
        let (office_w, date_w) = (cells(office), cells(date));
        // The signature never starts a page alone: the body's last line comes with it.
        keep_last_with_next(out);
        let right = |p: Paragraph, cells_from_right: f64| {
            p.align(AlignmentType::Right).indent(
                None,
                None,
                Some(cells_twips(cells_from_right.max(0.0))),
                None,
            )
        };
        match seal {
            Some(seal) => {
                let date_right = 4.0;
                let centre_from_right = date_right + date_w / 2.0;
                let mut anchor = para(style::PLAIN).keep_next(true);
                if self.opts.seal {
                    let index = self.shapes.seals.len();
                    let diameter = mm(seal.diameter_mm);
                    let centre_x = self.geo.text_width() - cells_twips(centre_from_right);
                    // From the anchor line's top: two lines down, the office's em box
                    // centred in its line, then 14 pt.
                    let centre_y = 2 * LINE + (LINE - BODY_EM) / 2 + SEAL_BELOW_OFFICE_TOP;
                    self.shapes.seals.push(SealSpec {
                        diameter_mm: seal.diameter_mm,
                        label: seal.label.clone(),
                        x: centre_x - diameter / 2,
                        y: centre_y - diameter / 2,
                    });
                    anchor = anchor
                        .add_bookmark_start(BOOKMARK_BASE + index, format!("{SEAL_MARKER}{index}"))
                        .add_bookmark_end(BOOKMARK_BASE + index);
                }
                out.push(Child::P(anchor));
                out.push(Child::P(para(style::PLAIN).keep_next(true)));
                // The office and the date centred on the seal's centre (a paragraph centred
                // between a left indent and the right margin), so the seal sits on them
                // whatever width Word or LibreOffice gives their digits and gaps. An office
                // wider than that span ends at the right margin instead.
                let span = cells_twips(2.0 * centre_from_right);
                let centred = |p: Paragraph| {
                    p.align(AlignmentType::Center).indent(
                        Some(self.geo.text_width() - span),
                        None,
                        Some(0),
                        None,
                    )
                };
                let office_p = if cells_twips(office_w) < span {
                    centred(text_para(style::PLAIN, office))
                } else {
                    right(text_para(style::PLAIN, office), 0.0)
                };
                out.push(Child::P(office_p.keep_next(true)));
                out.push(Child::P(centred(text_para(style::PLAIN, date))));
            }
            None => {
                let mut office_right = 2.0;
                let mut date_right = office_right + office_w - 2.0 - date_w;
                if date_right < 2.0 {
                    date_right = 2.0;
                    office_right = date_right + date_w + 2.0 - office_w;
                }
                let office_p = before(right(text_para(style::PLAIN, office), office_right), 1);
                out.push(Child::P(office_p.keep_next(true)));
                out.push(Child::P(right(text_para(style::PLAIN, date), date_right)));
            }
        }
    }

    /// Label：value pairs under a form's title. Without a seal they share the line in equal
    /// columns; with one (附件3's 填报单位（盖章）) each pair has its line and the placeholder
    /// sits as the signature's does, as in the PDF: centred on the last value (the date), its
    /// centre 14 pt below the top of the first line's characters, with room kept above it
    /// (clear of the title) and below it (clear of the table).
    fn form_fields(
        &mut self,
        fields: &[model::FormField],
        seal: Option<&model::Seal>,
        out: &mut Vec<Child>,
    ) {
        let width = self.geo.text_width();
        let field_run = |f: &model::FormField| append_text(text_run(&f.label), "：");
        match seal {
            None => {
                let column = width / fields.len().max(1) as i32;
                let mut p = para(style::PLAIN).align(AlignmentType::Left);
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        p = p
                            .add_tab(
                                Tab::new()
                                    .val(TabValueType::Left)
                                    .pos((column * i as i32) as usize),
                            )
                            .add_run(Run::new().add_tab());
                    }
                    p = p.add_run(field_run(field)).add_run(text_run(&field.value));
                }
                out.push(Child::P(p));
            }
            Some(seal) => {
                let diameter = mm(seal.diameter_mm);
                let centre_y = (LINE - BODY_EM) / 2 + SEAL_BELOW_OFFICE_TOP;
                let last = fields.len().saturating_sub(1);
                // The room above the first line: the seal's offset counts from above it.
                let above = (diameter / 2 - centre_y + mm(SEAL_CLEARANCE_MM)).max(0);
                // The seal's centre: the date's (the last field's value).
                let centre = fields
                    .last()
                    .map_or(0, |date| {
                        cells_twips(cells(&date.label) + 1.0 + cells(&date.value) / 2.0)
                    })
                    .clamp(diameter / 2, (width - diameter / 2).max(diameter / 2));
                for (i, field) in fields.iter().enumerate() {
                    let mut p = para(style::PLAIN)
                        .align(AlignmentType::Left)
                        .add_run(field_run(field))
                        .add_run(text_run(&field.value));
                    let mut spacing = LineSpacing::new();
                    if i == 0 {
                        spacing = spacing.before(above as u32);
                    }
                    if i == last {
                        let used = fields.len() as i32 * LINE;
                        let room = centre_y + diameter / 2 + mm(SEAL_CLEARANCE_MM) - used;
                        spacing = spacing.after(room.max(0) as u32);
                    }
                    if i == 0 || i == last {
                        p = p.line_spacing(spacing);
                    }
                    if i == 0 && self.opts.seal {
                        let index = self.shapes.seals.len();
                        self.shapes.seals.push(SealSpec {
                            diameter_mm: seal.diameter_mm,
                            label: seal.label.clone(),
                            x: centre - diameter / 2,
                            y: above + centre_y - diameter / 2,
                        });
                        p = p
                            .add_bookmark_start(
                                BOOKMARK_BASE + index,
                                format!("{SEAL_MARKER}{index}"),
                            )
                            .add_bookmark_end(BOOKMARK_BASE + index);
                    }
                    out.push(Child::P(p));
                }
            }
        }
    }

    /// A form table as wide as the type area: column widths from the weights, header rows that
    /// repeat on every page, the group column merged down over equal consecutive values,
    /// footer rows in bold.
    fn table(&self, t: &model::Table) -> Table {
        self.table_with(t, false, false)
    }

    /// A small table kept on one page: every row unsplit and its paragraphs kept with the
    /// next, the last row too when 注 follow.
    fn table_kept(&self, t: &model::Table, notes: bool) -> Table {
        self.table_with(t, true, notes)
    }

    /// A table that may run over pages, with its 注 `lines` as its last row: one cell across
    /// the table, without side or bottom rules or insets, so the 注 stand under the table as
    /// they would after it. Its last [`TAIL_ROWS`] body rows and its footer rows are unsplit
    /// (a body row taller than half a page excepted) and their paragraphs kept with the next,
    /// so they go over a page break with the 注, which never start a page alone.
    ///
    /// The 注 are in the table because LibreOffice keeps a table's last row with the
    /// paragraph after it only while the table is not split over pages (`KEEPTAB`,
    /// `SwTabFrame::MakeAll`, `sw/source/core/layout/tabfrm.cxx`); rows that keep with the
    /// next row it honours wherever the table breaks. Word honours both.
    fn table_with_notes(&self, t: &model::Table, lines: &[String]) -> Table {
        let mut table = self.table_with(t, false, true);
        let width: usize = table.grid.iter().sum();
        let none = |pos| TableCellBorder::new(pos).border_type(BorderType::Nil);
        let mut cell = TableCell::new()
            .grid_span(table.grid.len().max(1))
            .width(width, WidthType::Dxa)
            .set_borders(
                TableCellBorders::with_empty()
                    .set(none(TableCellBorderPosition::Left))
                    .set(none(TableCellBorderPosition::Right))
                    .set(none(TableCellBorderPosition::Bottom)),
            );
        for p in notes_paragraphs(lines) {
            cell = cell.add_paragraph(p);
        }
        cell.property = std::mem::take(&mut cell.property).margins(
            CellMargins::new()
                .margin_top(0, WidthType::Dxa)
                .margin_left(0, WidthType::Dxa)
                .margin_bottom(0, WidthType::Dxa)
                .margin_right(0, WidthType::Dxa),
        );
        let row = TableRow::new(vec![cell]).cant_split();
        table.rows.push(TableChild::TableRow(row));
        table
    }

    /// `keep`: the whole table on one page ([`Self::table_kept`]); `keep_last`: its end kept
    /// with the 注 that follow ([`Self::table_kept`], [`Self::table_with_notes`]).
    fn table_with(&self, t: &model::Table, keep: bool, keep_last: bool) -> Table {
        let longest = t
            .header
            .iter()
            .chain(&t.rows)
            .chain(&t.footer)
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        let columns: Vec<(f64, Align)> = if t.columns.is_empty() {
            vec![(1.0, Align::Left); longest.max(1)]
        } else {
            t.columns
                .iter()
                .map(|c| {
                    (
                        if c.weight.is_finite() && c.weight > 0.0 {
                            c.weight
                        } else {
                            1.0
                        },
                        c.align,
                    )
                })
                .collect()
        };
        let grid = split_width(self.geo.text_width(), columns.iter().map(|c| c.0));
        let n = columns.len();
        // Wide forms (附件3's years) set in 五号 (10.5 pt), as the PDF does.
        let small = n > 6;
        let min_height = if small { SMALL_ROW_HEIGHT } else { ROW_HEIGHT };
        let padding = if small {
            CELL_PADDING / 2
        } else {
            CELL_PADDING
        };
        let cell = |text: &str, i: usize, style: &str, align: Option<Align>, bold: bool| {
            let mut p = para(style);
            p = match align {
                Some(Align::Center) => p.align(AlignmentType::Center),
                Some(Align::Left) => p.align(AlignmentType::Left),
                None => p,
            };
            let mut run = text_run(text);
            if small {
                p = p.line_spacing(
                    LineSpacing::new()
                        .line(SMALL_TABLE_LINE)
                        .line_rule(LineSpacingType::Exact),
                );
                run = run.size(SMALL_TABLE_SIZE);
            }
            if bold {
                run = run.bold();
            }
            TableCell::new()
                .add_paragraph(p.add_run(run))
                .width(grid[i] as usize, WidthType::Dxa)
                .vertical_align(VAlignType::Center)
        };
        let mut rows = Vec::with_capacity(t.header.len() + t.rows.len() + t.footer.len());
        for (y, row) in t.header.iter().enumerate() {
            let texts = fit_row(row, n);
            let corner = t.corner.as_deref().filter(|_| y == 0 && n > 0);
            let mut height = min_height;
            let cells = (0..n)
                .map(|i| match corner {
                    Some(above) if i == 0 => {
                        let (c, h) = self.corner_cell(above, &texts[0], grid[0], small, padding);
                        height = height.max(h as f32);
                        c
                    }
                    _ => cell(&texts[i], i, style::TABLE_HEAD, None, false),
                })
                .collect();
            // cantSplit marks header rows; the XML patch adds w:tblHeader beside it.
            rows.push(
                TableRow::new(cells)
                    .cant_split()
                    .row_height(height)
                    .height_rule(HeightRule::AtLeast),
            );
        }
        let body: Vec<Vec<Cow<'_, str>>> = t.rows.iter().map(|r| fit_row(r, n)).collect();
        let group = t.group_column.filter(|&g| g < n);
        for (r, texts) in body.iter().enumerate() {
            let cells = (0..n)
                .map(|i| {
                    let align = Some(columns[i].1);
                    if group != Some(i) || texts[i].is_empty() {
                        return cell(&texts[i], i, style::TABLE_TEXT, align, false);
                    }
                    let same =
                        |other: Option<&Vec<Cow<'_, str>>>| other.is_some_and(|o| o[i] == texts[i]);
                    if r > 0 && same(body.get(r - 1)) {
                        cell("", i, style::TABLE_TEXT, align, false)
                            .vertical_merge(VMergeType::Continue)
                    } else if same(body.get(r + 1)) {
                        cell(&texts[i], i, style::TABLE_TEXT, align, false)
                            .vertical_merge(VMergeType::Restart)
                    } else {
                        cell(&texts[i], i, style::TABLE_TEXT, align, false)
                    }
                })
                .collect();
            let mut row = TableRow::new(cells)
                .row_height(min_height)
                .height_rule(HeightRule::AtLeast);
            // A short row moves to the next page whole (a school name split over two pages
            // reads badly); a row taller than half a page may split rather than run off it.
            if row_height(texts, &grid) * 2 < self.geo.text_height() {
                row = row.cant_split();
            }
            rows.push(row);
        }
        for row in &t.footer {
            let texts = fit_row(row, n);
            let cells = (0..n)
                .map(|i| cell(&texts[i], i, style::TABLE_TEXT, Some(columns[i].1), true))
                .collect();
            rows.push(
                TableRow::new(cells)
                    .row_height(min_height)
                    .height_rule(HeightRule::AtLeast),
            );
        }
        if keep_last && !keep {
            let body_end = t.header.len() + t.rows.len();
            let tail = body_end - t.rows.len().min(TAIL_ROWS);
            for (r, row) in rows.iter_mut().enumerate().skip(tail) {
                // Body rows were made unsplit above when short enough; footer rows here.
                if r >= body_end {
                    *row = std::mem::replace(row, TableRow::new(Vec::new())).cant_split();
                }
                keep_with_next(row);
            }
        }
        if keep {
            let last = rows.len().saturating_sub(1);
            rows = rows
                .into_iter()
                .enumerate()
                .map(|(r, row)| {
                    let mut row = row.cant_split();
                    if r < last || keep_last {
                        keep_with_next(&mut row);
                    }
                    row
                })
                .collect();
        }
        let rule = |pos| {
            TableBorder::new(pos)
                .border_type(BorderType::Single)
                .size(TABLE_RULE)
                .color("000000")
        };
        let borders = [
            TableBorderPosition::Top,
            TableBorderPosition::Left,
            TableBorderPosition::Bottom,
            TableBorderPosition::Right,
            TableBorderPosition::InsideH,
            TableBorderPosition::InsideV,
        ]
        .into_iter()
        .fold(TableBorders::with_empty(), |b, pos| b.set(rule(pos)));
        Table::new(rows)
            .set_grid(grid.iter().map(|&w| w as usize).collect())
            .layout(TableLayoutType::Fixed)
            .width(self.geo.text_width() as usize, WidthType::Dxa)
            .align(TableAlignmentType::Center)
            .margins(TableCellMargins::new().margin(
                padding as usize,
                CELL_MARGIN as usize,
                padding as usize,
                CELL_MARGIN as usize,
            ))
            .set_borders(borders)
    }

    /// A diagonal head cell (斜线表头), as the PDF draws it: `above` at the top right, `below`
    /// at the bottom left, the cell's tl2br border between them; the row made tall enough
    /// (returned, in twips) that the diagonal passes clear of both names.
    fn corner_cell(
        &self,
        above: &str,
        below: &str,
        width: i32,
        small: bool,
        padding: i32,
    ) -> (TableCell, i32) {
        let (size, line) = if small {
            (SMALL_TABLE_SIZE as i32 * 10, SMALL_TABLE_LINE)
        } else {
            (BODY_EM * 14 / 16, BODY_EM * 14 / 16 * 13 / 10)
        };
        let pad = CELL_MARGIN;
        let clear = |text: &str| {
            let w = (cells(text) * f64::from(size)).round() as i32;
            (pad + line) * width / (width - pad - w).max(20)
        };
        let height = (clear(above).max(clear(below)) + 40).min(2 * padding + 4 * line);
        let run = |text: &str| {
            let run = text_run(text);
            if small {
                run.size(SMALL_TABLE_SIZE)
            } else {
                run
            }
        };
        let exact = |p: Paragraph, before: i32| {
            p.line_spacing(
                LineSpacing::new()
                    .before(before.max(0) as u32)
                    .line(line)
                    .line_rule(LineSpacingType::Exact),
            )
        };
        let top = exact(para(style::TABLE_HEAD).align(AlignmentType::Right), 0).add_run(run(above));
        let gap = height - 2 * padding - 2 * line;
        let bottom =
            exact(para(style::TABLE_HEAD).align(AlignmentType::Left), gap).add_run(run(below));
        let diagonal = docx_rs::TableCellBorder::new(docx_rs::TableCellBorderPosition::Tl2br)
            .border_type(BorderType::Single)
            .size(TABLE_RULE)
            .color("000000");
        let cell = TableCell::new()
            .add_paragraph(top)
            .add_paragraph(bottom)
            .width(width as usize, WidthType::Dxa)
            .vertical_align(VAlignType::Top)
            .set_borders(docx_rs::TableCellBorders::with_empty().set(diagonal));
        (cell, height)
    }

    /// The chart as a table: a head row, then one row a bar (label, count, a shaded bar as
    /// long as the count in steps of 1/24 of the largest, running total), then one row a goal
    /// with the count it stands for. The words and numbers are the ones the PDF's drawing
    /// prints (`3个`, `（18个）`).
    fn bar_chart(&self, chart: &model::BarChart, gap: i32, out: &mut Vec<Child>) {
        if !chart.title.is_empty() {
            out.push(Child::P(before(
                text_para(style::CHART_TITLE, &chart.title),
                gap,
            )));
        }
        let max = chart.bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        let columns = [
            (3.6, Align::Left),
            (2.6, Align::Center),
            (4.4, Align::Left),
            (1.9, Align::Center),
        ];
        let grid = split_width(self.geo.text_width(), columns.iter().map(|c| c.0));
        let cell = |p: Paragraph, i: usize| {
            let p = match columns[i].1 {
                Align::Center => p.align(AlignmentType::Center),
                Align::Left => p.align(AlignmentType::Left),
            };
            TableCell::new()
                .add_paragraph(p)
                .width(grid[i] as usize, WidthType::Dxa)
                .vertical_align(VAlignType::Center)
        };
        let text = |s: &str, i: usize| cell(text_para(style::TABLE_TEXT, s), i);
        let head = |s: &str, i: usize| cell(text_para(style::TABLE_HEAD, s), i);
        let mut rows = Vec::with_capacity(chart.bars.len() + chart.goals.len() + 1);
        rows.push(
            TableRow::new(vec![
                head("", 0),
                head("当年计划创建数", 1),
                head("", 2),
                head("累计数", 3),
            ])
            .cant_split(),
        );
        for bar in &chart.bars {
            let steps = (u64::from(bar.value) * BAR_STEPS as u64).div_ceil(u64::from(max)) as usize;
            let mut bar_p = para(style::TABLE_TEXT);
            if steps > 0 {
                // Ideographic spaces at 7 pt, shaded: a bar that adds no words.
                bar_p = bar_p.add_run(
                    Run::new()
                        .add_text("\u{3000}".repeat(steps))
                        .size(14)
                        .shading(
                            Shading::new()
                                .shd_type(ShdType::Clear)
                                .color("auto")
                                .fill(BAR_FILL),
                        ),
                );
            }
            rows.push(TableRow::new(vec![
                text(&bar.label, 0),
                text(&format!("{}个", bar.value), 1),
                cell(bar_p, 2),
                text(&bar.cumulative.to_string(), 3),
            ]));
        }
        for goal in &chart.goals {
            let count = (goal.share * f64::from(chart.total)).ceil();
            let count = if count.is_finite() && count >= 0.0 {
                format!("（{count:.0}个）")
            } else {
                String::new()
            };
            rows.push(TableRow::new(vec![
                text(&goal.label, 0),
                text("", 1),
                text("", 2),
                text(&count, 3),
            ]));
        }
        let rule = |pos| {
            TableBorder::new(pos)
                .border_type(BorderType::Single)
                .size(TABLE_RULE)
                .color("000000")
        };
        let borders = TableBorders::with_empty()
            .set(rule(TableBorderPosition::Top))
            .set(rule(TableBorderPosition::Bottom))
            .set(rule(TableBorderPosition::InsideH));
        out.push(Child::T(
            Table::new(rows)
                .set_grid(grid.iter().map(|&w| w as usize).collect())
                .layout(TableLayoutType::Fixed)
                .width(self.geo.text_width() as usize, WidthType::Dxa)
                .align(TableAlignmentType::Center)
                .set_borders(borders),
        ));
    }

    /// The tile map as a table whose cells are the tiles: square cells of exact height, each
    /// tile's cell shaded with its level's fill (hatched grey without one: `w:shd`
    /// `diagStripe`), its label and value in the level's ink, a thick rule on every side
    /// facing another city or the sea, and a thin white one between tiles of one city. A
    /// table rather than `DrawingML` because Word and LibreOffice both lay tables out alike,
    /// the tiles stay text a reader can search and copy, and no shape positions need
    /// patching; then the legend as a second one-row table of swatches, and the caption.
    fn tile_map(&self, map: &model::TileMap, out: &mut Vec<Child>) {
        use docx_rs::{TableCellBorder, TableCellBorderPosition as Side};
        if !map.title.is_empty() {
            out.push(Child::P(
                before(text_para(style::CHART_TITLE, &map.title), 1).keep_next(true),
            ));
        }
        let columns = map.columns.max(1) as usize;
        let side = self.geo.text_width() / columns as i32;
        let tile_at = |col: i64, row: i64| {
            map.tiles
                .iter()
                .find(|t| i64::from(t.col) == col && i64::from(t.row) == row)
        };
        let small = |text: &str, size: usize, ink: &str| {
            para(style::TABLE_TEXT)
                .align(AlignmentType::Center)
                .line_spacing(
                    LineSpacing::new()
                        .line_rule(LineSpacingType::Exact)
                        .line(size as i32 * 10 + 20)
                        .before(0)
                        .after(0),
                )
                .add_run(text_run(text).size(size).color(ink))
        };
        let fill_of = |level: Option<usize>| match level.and_then(|l| map.levels.get(l)) {
            Some(l) => (
                Shading::new()
                    .shd_type(ShdType::Clear)
                    .color("auto")
                    .fill(l.fill.trim_start_matches('#')),
                l.ink.trim_start_matches('#').to_owned(),
            ),
            None => (
                Shading::new()
                    .shd_type(ShdType::DiagStripe)
                    .color("A0A4A8")
                    .fill("E6E8EB"),
                "57606A".to_owned(),
            ),
        };
        let mut rows = Vec::with_capacity(map.rows as usize);
        for row in 0..i64::from(map.rows) {
            let mut cells = Vec::with_capacity(columns);
            for col in 0..columns as i64 {
                let cell = TableCell::new()
                    .width(side as usize, WidthType::Dxa)
                    .vertical_align(VAlignType::Center);
                let Some(tile) = tile_at(col, row) else {
                    cells.push(
                        cell.clear_all_border()
                            .add_paragraph(small("", 8, "000000")),
                    );
                    continue;
                };
                let (shading, ink) = fill_of(tile.level);
                let mut cell = cell
                    .shading(shading)
                    .add_paragraph(small(&tile.label, 15, &ink));
                if !tile.value.is_empty() {
                    cell = cell.add_paragraph(small(&tile.value, 12, &ink));
                }
                for (position, dc, dr) in [
                    (Side::Top, 0, -1),
                    (Side::Bottom, 0, 1),
                    (Side::Left, -1, 0),
                    (Side::Right, 1, 0),
                ] {
                    let same_city =
                        tile_at(col + dc, row + dr).is_some_and(|n| n.group == tile.group);
                    let (size, color) = if same_city {
                        (4, "FFFFFF")
                    } else {
                        (12, "1F2328")
                    };
                    cell = cell.set_border(
                        TableCellBorder::new(position)
                            .border_type(BorderType::Single)
                            .size(size)
                            .color(color),
                    );
                }
                cells.push(cell);
            }
            // Every row kept with the next, and the last with the legend: one picture, on
            // one page, as the PDF draws it.
            let mut row = TableRow::new(cells)
                .row_height(side as f32)
                .height_rule(HeightRule::Exact)
                .cant_split();
            keep_with_next(&mut row);
            rows.push(row);
        }
        let no_margin = TableCellMargins::new().margin(0, 0, 0, 0);
        out.push(Child::T(
            Table::new(rows)
                .set_grid(vec![side as usize; columns])
                .layout(TableLayoutType::Fixed)
                .width((side * columns as i32) as usize, WidthType::Dxa)
                .align(TableAlignmentType::Center)
                .margins(no_margin.clone())
                .set_borders(TableBorders::with_empty()),
        ));
        // The legend: a swatch and its words per level, then the hatched one.
        let swatch = side / 2;
        let mut legend = Vec::new();
        let mut widths = Vec::new();
        let entries = map
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (Some(i), l.label.as_str()))
            .chain(std::iter::once((None, map.no_data.as_str())));
        for (level, label) in entries {
            let (shading, _) = fill_of(level);
            let mut key = TableCell::new()
                .width(swatch as usize, WidthType::Dxa)
                .shading(shading)
                .add_paragraph(small("", 8, "000000"));
            for position in [Side::Top, Side::Bottom, Side::Left, Side::Right] {
                key = key.set_border(
                    TableCellBorder::new(position)
                        .border_type(BorderType::Single)
                        .size(2)
                        .color("8C959F"),
                );
            }
            legend.push(key);
            // Room for the words at 9 pt: a hanzi 180 twips, other characters about half.
            let room: i32 = label
                .chars()
                .map(|c| if c.is_ascii() || c == '–' { 100 } else { 180 })
                .sum::<i32>()
                + 240;
            widths.push(swatch as usize);
            widths.push(room as usize);
            legend.push(
                TableCell::new()
                    .width(room as usize, WidthType::Dxa)
                    .clear_all_border()
                    .vertical_align(VAlignType::Center)
                    .add_paragraph(small(label, 18, "1F2328").align(AlignmentType::Left)),
            );
        }
        out.push(Child::P(para(style::TINY).keep_next(true)));
        out.push(Child::T(
            Table::new(vec![
                TableRow::new(legend)
                    .row_height(swatch as f32)
                    .height_rule(HeightRule::Exact),
            ])
            .set_grid(widths.clone())
            .layout(TableLayoutType::Fixed)
            .width(widths.iter().sum(), WidthType::Dxa)
            .align(TableAlignmentType::Center)
            .margins(no_margin)
            .set_borders(TableBorders::with_empty()),
        ));
        if !map.caption.is_empty() {
            // 10.5 pt, as the PDF sets it.
            out.push(Child::P(
                small(&map.caption, 21, "000000")
                    .align(AlignmentType::Left)
                    .line_spacing(LineSpacing::new().before(120)),
            ));
        }
    }

    /// 版记: 抄送 and 印发 rows between a thick rule above and below and a thin one between,
    /// in 4号 on the body's line pitch. Returns the table and its estimated height.
    fn colophon(&self, cc: &[String], printer: &str, printed_on: &str) -> (Table, i32) {
        let width = self.geo.text_width();
        let mut rows = Vec::with_capacity(2);
        let mut lines = 1;
        let cell = |p: Paragraph| {
            TableCell::new()
                .add_paragraph(p)
                .width(width as usize, WidthType::Dxa)
        };
        if !cc.is_empty() {
            let mut names = cc.join("，");
            if !names.ends_with('。') {
                names.push('。');
            }
            let label = SMALL_CHAR * 3;
            // Wrapped names align after 抄送：.
            let first = f64::from((width - 2 * SMALL_CHAR) / SMALL_CHAR) - 3.0;
            let rest = f64::from((width - 2 * SMALL_CHAR - label) / SMALL_CHAR).max(1.0);
            lines += 1 + ((cells(&names) - first).max(0.0) / rest).ceil() as i32;
            let p = para(style::COLOPHON)
                .indent(
                    Some(SMALL_CHAR + label),
                    Some(SpecialIndentType::Hanging(label)),
                    Some(SMALL_CHAR),
                    None,
                )
                .add_run(Run::new().add_text("抄送："))
                .add_run(text_run(&names));
            rows.push(TableRow::new(vec![cell(p)]).cant_split());
        }
        let p = para(style::COLOPHON)
            .indent(Some(SMALL_CHAR), None, None, None)
            .add_tab(
                Tab::new()
                    .val(TabValueType::Right)
                    .pos((width - SMALL_CHAR) as usize),
            )
            .add_run(text_run(printer))
            .add_run(append_text(Run::new().add_tab(), printed_on))
            .add_run(Run::new().add_text("印发"));
        rows.push(TableRow::new(vec![cell(p)]).cant_split());
        let rule = |pos, size| {
            TableBorder::new(pos)
                .border_type(BorderType::Single)
                .size(size)
                .color("000000")
        };
        let borders = TableBorders::with_empty()
            .set(rule(TableBorderPosition::Top, COLOPHON_THICK))
            .set(rule(TableBorderPosition::Bottom, COLOPHON_THICK))
            .set(rule(TableBorderPosition::InsideH, COLOPHON_THIN));
        let table = Table::new(rows)
            .set_grid(vec![width as usize])
            .layout(TableLayoutType::Fixed)
            .width(width as usize, WidthType::Dxa)
            .margins(TableCellMargins::new().margin(0, 0, 0, 0))
            .set_borders(borders);
        // Lines, the rules, the box's closing paragraph, and a line to spare: a box too low
        // would hide the 抄送 line's top in Word.
        (table, (lines + 1) * LINE + 80)
    }
}

/// `row` as exactly `n` cells: missing cells are empty, extra cells go into the last one on
/// new lines, so no text is lost.
fn fit_row(row: &[String], n: usize) -> Vec<Cow<'_, str>> {
    let mut out: Vec<Cow<'_, str>> = row
        .iter()
        .take(n)
        .map(|s| Cow::Borrowed(s.as_str()))
        .collect();
    if row.len() > n && n > 0 {
        let extra = row[n - 1..].join("\n");
        out[n - 1] = Cow::Owned(extra);
    }
    out.resize(n, Cow::Borrowed(""));
    out
}

/// Estimated height of a table row in twips: the most lines any cell's text takes at 4号.
fn row_height(texts: &[Cow<'_, str>], grid: &[i32]) -> i32 {
    let lines = texts
        .iter()
        .zip(grid)
        .map(|(text, &width)| {
            let per_line = (f64::from(width - 2 * CELL_MARGIN) / f64::from(SMALL_CHAR))
                .floor()
                .max(1.0);
            text.split('\n')
                .map(|l| (cells(l) / per_line).ceil().max(1.0) as i32)
                .sum::<i32>()
        })
        .max()
        .unwrap_or(1);
    lines * TABLE_LINE
}

/// `total` twips split by relative weights, the rounding remainder on the last column.
fn split_width(total: i32, weights: impl Iterator<Item = f64> + Clone) -> Vec<i32> {
    let sum: f64 = weights.clone().sum();
    let mut widths: Vec<i32> = weights
        .map(|w| (f64::from(total) * w / sum).round() as i32)
        .collect();
    let used: i32 = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += total - used;
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_breaks_go_between_latin_and_hanzi_only() {
        let z = SCRIPT_BREAK;
        assert_eq!(
            script_breaks("2019年5月20日"),
            format!("2019{z}年{z}5{z}月{z}20{z}日")
        );
        assert_eq!(
            script_breaks("共3所PDF文件"),
            format!("共{z}3{z}所{z}PDF{z}文件")
        );
        // Punctuation, spaces and full-width digits need none (no kern in LibreOffice).
        for same in [
            "西教〔2019〕12 号",
            "（2019）",
            "２０１９年",
            "abc",
            "汉字",
            "",
        ] {
            assert!(matches!(script_breaks(same), Cow::Borrowed(_)), "{same}");
        }
    }
}
