//! The one document model both backends render: a notice (公文) as a sequence of sections,
//! each a sequence of blocks named after the parts of GB/T 9704-2012. It is built from the
//! submission model by `compose` and serialized to JSON for the typst templates; the DOCX
//! backend walks the same values. What the PDF says, the DOCX says, because both read this.
//!
//! Every string here is data: it reaches typst as JSON and DOCX as escaped XML text, never as
//! markup.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Schema identifier the templates check.
pub const DOCUMENT_SCHEMA: &str = "gongwen.document/1";

/// One output document (one PDF and one DOCX).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub schema: String,
    pub kind: DocKind,
    /// File name without extension, e.g. `附件1_学校整改清单_西湖区`.
    pub file_stem: String,
    pub meta: Meta,
    /// Sections start on a new page: the notice, then each attachment.
    pub sections: Vec<Section>,
}

/// Which of gongwen's documents this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 附件1 学校整改清单 of one county.
    SchoolList,
    /// 附件2 县级政府整改清单 of one county.
    CountyList,
    /// The county's cover report to its city bureau.
    CountyReport,
    /// 附件3 创建时间表 of one city.
    CityTimetable,
    /// The city bureau's cover letter to the province office.
    CityLetter,
    /// The province summary of every city.
    ProvinceSummary,
    /// The county's bound package (报送材料): the report, 附件1, 附件2, then the 版记, page
    /// numbers running on (GB/T 9704-2012 7.3.7).
    CountyPackage,
    /// The city's bound package: the report, 附件3, then the 版记.
    CityPackage,
    /// 督办通知: the city bureau to a county with overdue items.
    UrgeNotice,
    /// 催报通知: the city bureau to a county that has filed no list.
    RemindNotice,
    /// 整改进展情况报告: a county's to its city, or a city's to the province.
    ProgressReport,
    /// 年度考核: the province's table of every county for a year.
    AnnualAssessment,
}

/// Document properties (PDF info / DOCX core properties).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub title: String,
    /// The issuing office.
    pub author: String,
    /// 成文日期 (written `YYYY-MM-DD`); also the fixed creation date of the files, so the same
    /// input gives the same bytes.
    pub date: NaiveDate,
    pub keywords: Vec<String>,
}

/// A run of blocks on pages of one orientation; every section starts on a new page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub orientation: Orientation,
    pub blocks: Vec<Block>,
    /// What the section's pages are; most are [`SectionRole::Body`].
    #[serde(default)]
    pub role: SectionRole,
}

impl Section {
    /// A body section: new page, numbered pages.
    pub fn new(orientation: Orientation, blocks: Vec<Block>) -> Section {
        Section {
            orientation,
            blocks,
            role: SectionRole::Body,
        }
    }
}

/// How a section's pages start and whether they are numbered (GB/T 9704-2012 7.5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionRole {
    /// A new page; pages numbered, the numbers running on from the section before.
    #[default]
    Body,
    /// The 版记 page of a bound package: the 版记 at the foot of a new page of its own,
    /// which carries no page number.
    Colophon,
    /// [`SectionRole::Colophon`] for printing on both sides: the 版记 page is an even page
    /// (the back of the last sheet), after a blank page, also unnumbered, when the section
    /// before ends on an even page.
    ColophonOnEvenPage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    Portrait,
    /// A4 landscape, for wide tables (横排表格).
    Landscape,
}

/// The parts of a notice, in the order GB/T 9704 places them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// 发文机关标志: the issuer in red, centred, 35 mm below the top of the type area.
    RedHeader { issuer: String },
    /// 发文字号 (centred, or left with 签发人 on the right for reports upward), then the red rule.
    /// An empty `number` leaves the space to be filled by hand.
    DocNumber {
        number: String,
        signer: Option<String>,
    },
    /// 标题, 2号 小标宋, centred; `lines` are the title broken at word boundaries.
    Title { lines: Vec<String> },
    /// 主送机关, flush left, ending with a full-width colon.
    Addressee { text: String },
    /// A body paragraph, indented two characters.
    Paragraph { text: String },
    /// A heading of level 1 (一、黑体), 2 (（一）楷体), 3 (1. 仿宋) or 4 (（1）仿宋); `text`
    /// includes its numbering.
    Heading { level: u8, text: String },
    /// 附件说明: 附件：1.… with later items aligned under the first name. `items` are the
    /// names alone; backends number them (1. 2. …) when there are several.
    AttachmentList { items: Vec<String> },
    /// 发文机关署名 and 成文日期, with the seal placeholder when `seal` is set.
    Signature {
        office: String,
        /// 成文日期 in Chinese form, e.g. `2019年5月20日`.
        date: String,
        seal: Option<Seal>,
    },
    /// 附注 one line below the date; `text` as printed, parentheses included
    /// (`（此件依申请公开）`).
    Note { text: String },
    /// 附件N label (黑体, top left) and the attachment title centred on the third line.
    AttachmentHead { label: String, title: String },
    /// Label/value pairs above a form: 县（市、区）名称：西湖区  填报日期：2019年5月20日.
    FormFields {
        fields: Vec<FormField>,
        /// A seal placeholder beside the fields (附件3's 设区市教育局（盖章）).
        seal: Option<Seal>,
    },
    /// A form table.
    Table(Table),
    /// 注： and its numbered lines under a form.
    Notes { lines: Vec<String> },
    /// A bar chart of counts (the province summary).
    BarChart(BarChart),
    /// 挂图: a square per county-level division at its place on a grid of Zhejiang, shaded by
    /// the share of its items 销号 (the province summary; built by [`crate::tiles`]).
    TileMap(TileMap),
    /// 版记: 抄送 and 印发机关/印发日期 between rules, at the foot of the last page.
    Colophon {
        cc: Vec<String>,
        printer: String,
        /// 印发日期 in Chinese form.
        printed_on: String,
    },
}

/// One label/value pair of [`Block::FormFields`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub label: String,
    pub value: String,
}

/// A seal placeholder: a thin dashed red circle where the stamp goes, never a seal image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seal {
    /// Diameter in millimetres (42 for a county or a 教育局, 45 for a city government).
    pub diameter_mm: f64,
    /// A light label inside the circle, such as `盖章处`.
    pub label: String,
}

/// A form table. `group_column`, when set, is a column whose equal consecutive values are
/// one merged cell (the school spanning its items), repeated after a page break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<TableColumn>,
    /// Header rows, repeated on every page.
    pub header: Vec<Vec<String>>,
    pub rows: Vec<Vec<String>>,
    pub group_column: Option<usize>,
    /// Rows that close the table (合计), set apart in bold.
    pub footer: Vec<Vec<String>>,
    /// A diagonal head cell (斜线表头): when set, the first header cell is split by a line
    /// from its top-left to its bottom-right corner, this text above the line (naming the
    /// columns) and the cell's own text below it (naming the rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableColumn {
    /// Relative width.
    pub weight: f64,
    pub align: Align,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
}

/// Bars of counts with optional goal lines, drawn by the backend itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<Bar>,
    /// Horizontal goal lines, as shares of `total` (0.2 for 20%).
    pub goals: Vec<Goal>,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: u32,
    /// Cumulative value, drawn as a line over the bars.
    pub cumulative: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub label: String,
    pub share: f64,
}

/// A tile map: squares on a grid, each shaded by one of `levels` (a sequential scale, light
/// to dark) or hatched grey when it has nothing to show. Colours are in the model so both
/// backends draw the same ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileMap {
    pub title: String,
    /// The grid's size in tiles.
    pub columns: u32,
    pub rows: u32,
    pub tiles: Vec<MapTile>,
    /// The scale, lightest first.
    pub levels: Vec<ShadeLevel>,
    /// The legend's word for a tile with no level (hatched grey).
    pub no_data: String,
    /// A line under the map (what is counted, as of when).
    pub caption: String,
}

/// One square of a [`TileMap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapTile {
    /// What the tile stands for (a division's code); not printed.
    pub key: String,
    pub col: u32,
    pub row: u32,
    /// The division's short name (西湖).
    pub label: String,
    /// A second, smaller line (the share, `40%`), empty when there is none.
    pub value: String,
    /// Tiles of one city share this; the backends outline each city.
    pub group: String,
    /// Index into [`TileMap::levels`]; `None` for hatched grey.
    pub level: Option<usize>,
}

/// One step of a [`TileMap`]'s scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadeLevel {
    /// `0–20%`.
    pub label: String,
    /// Fill, `#rrggbb`.
    pub fill: String,
    /// Label colour on that fill, `#rrggbb`.
    pub ink: String,
}

impl Document {
    /// Every piece of text the document prints, in order: used for the missing-glyph check and
    /// for comparing what the two backends say.
    pub fn texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for section in &self.sections {
            for block in &section.blocks {
                block.texts(&mut out);
            }
        }
        out
    }

    /// The same texts as [`Document::texts`], in the same order, for editing in place (the
    /// PDF backend replaces characters no font covers).
    pub fn texts_mut(&mut self) -> Vec<&mut String> {
        let mut out = Vec::new();
        for section in &mut self.sections {
            for block in &mut section.blocks {
                block.texts_mut(&mut out);
            }
        }
        out
    }
}

impl Block {
    fn texts<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Block::RedHeader { issuer } => out.push(issuer),
            Block::DocNumber { number, signer } => {
                out.push(number);
                if let Some(s) = signer {
                    out.push(s);
                }
            }
            Block::Title { lines } => out.extend(lines.iter().map(String::as_str)),
            Block::Addressee { text }
            | Block::Paragraph { text }
            | Block::Heading { text, .. }
            | Block::Note { text } => {
                out.push(text);
            }
            Block::AttachmentList { items } => out.extend(items.iter().map(String::as_str)),
            Block::Signature { office, date, seal } => {
                out.push(office);
                out.push(date);
                if let Some(seal) = seal {
                    out.push(&seal.label);
                }
            }
            Block::AttachmentHead { label, title } => {
                out.push(label);
                out.push(title);
            }
            Block::FormFields { fields, seal } => {
                for f in fields {
                    out.push(&f.label);
                    out.push(&f.value);
                }
                if let Some(seal) = seal {
                    out.push(&seal.label);
                }
            }
            Block::Table(t) => {
                if let Some(corner) = &t.corner {
                    out.push(corner);
                }
                for row in t.header.iter().chain(&t.rows).chain(&t.footer) {
                    out.extend(row.iter().map(String::as_str));
                }
            }
            Block::Notes { lines } => out.extend(lines.iter().map(String::as_str)),
            Block::BarChart(c) => {
                out.push(&c.title);
                for b in &c.bars {
                    out.push(&b.label);
                }
                for g in &c.goals {
                    out.push(&g.label);
                }
            }
            Block::TileMap(m) => {
                out.push(&m.title);
                for t in &m.tiles {
                    out.push(&t.label);
                    out.push(&t.value);
                }
                for l in &m.levels {
                    out.push(&l.label);
                }
                out.push(&m.no_data);
                out.push(&m.caption);
            }
            Block::Colophon {
                cc,
                printer,
                printed_on,
            } => {
                out.extend(cc.iter().map(String::as_str));
                out.push(printer);
                out.push(printed_on);
            }
        }
    }

    fn texts_mut<'a>(&'a mut self, out: &mut Vec<&'a mut String>) {
        match self {
            Block::RedHeader { issuer } => out.push(issuer),
            Block::DocNumber { number, signer } => {
                out.push(number);
                if let Some(s) = signer {
                    out.push(s);
                }
            }
            Block::Title { lines } => out.extend(lines.iter_mut()),
            Block::Addressee { text }
            | Block::Paragraph { text }
            | Block::Heading { text, .. }
            | Block::Note { text } => {
                out.push(text);
            }
            Block::AttachmentList { items } => out.extend(items.iter_mut()),
            Block::Signature { office, date, seal } => {
                out.push(office);
                out.push(date);
                if let Some(seal) = seal {
                    out.push(&mut seal.label);
                }
            }
            Block::AttachmentHead { label, title } => {
                out.push(label);
                out.push(title);
            }
            Block::FormFields { fields, seal } => {
                for f in fields {
                    out.push(&mut f.label);
                    out.push(&mut f.value);
                }
                if let Some(seal) = seal {
                    out.push(&mut seal.label);
                }
            }
            Block::Table(t) => {
                if let Some(corner) = &mut t.corner {
                    out.push(corner);
                }
                for row in t.header.iter_mut().chain(&mut t.rows).chain(&mut t.footer) {
                    out.extend(row.iter_mut());
                }
            }
            Block::Notes { lines } => out.extend(lines.iter_mut()),
            Block::BarChart(c) => {
                out.push(&mut c.title);
                for b in &mut c.bars {
                    out.push(&mut b.label);
                }
                for g in &mut c.goals {
                    out.push(&mut g.label);
                }
            }
            Block::TileMap(m) => {
                out.push(&mut m.title);
                for t in &mut m.tiles {
                    out.push(&mut t.label);
                    out.push(&mut t.value);
                }
                for l in &mut m.levels {
                    out.push(&mut l.label);
                }
                out.push(&mut m.no_data);
                out.push(&mut m.caption);
            }
            Block::Colophon {
                cc,
                printer,
                printed_on,
            } => {
                out.extend(cc.iter_mut());
                out.push(printer);
                out.push(printed_on);
            }
        }
    }
}
