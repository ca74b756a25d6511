//! Ledgers → the documents of 倒逼 (浙政教督办〔2019〕5号: 实行挂图作战、销号管理，建立倒逼机制):
//! the city bureau's 督办通知 to each county with overdue items and 催报通知 to each county that
//! has filed no list after the county deadline, the county's 整改进展情况报告 to the city and
//! the city's to the province, and the province's 年度考核 table. Everything is counted as of
//! one day given by the caller, which is also the 成文日期: no clock is read, so the same
//! ledgers and day give the same documents.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::calendar::{YearMonth, zh_date};
use crate::config::{Config, Office};
use crate::domain;
use crate::model::CountyRef;
use crate::notice::{
    COUNTY_LIST, ISSUER, NUMBER as NOTICE_NUMBER, SCHOOL_LIST, TITLE as NOTICE_TITLE,
};
use crate::tracking::{Annual, Ledger, Status, TrackedItem};

use super::compose::{self, place_word, title_lines};
use super::document::{
    Align, Block, DOCUMENT_SCHEMA, DocKind, Document, FormField, Meta, Orientation, Section,
    SectionRole, Table, TableColumn,
};

/// File stem of the city's 督办通知 to a county: `督办通知_西湖区`.
pub const URGE_STEM: &str = "督办通知";
/// File stem of the city's 催报通知 to a county without a list: `催报通知_西湖区`.
pub const REMIND_STEM: &str = "催报通知";
/// File stem of a progress report: `整改进展情况报告_西湖区`, `整改进展情况报告_杭州市`.
pub const REPORT_STEM: &str = "整改进展情况报告";
/// File stem of the province's 年度考核 table: `年度考核_2020`.
pub const ANNUAL_STEM: &str = "年度考核";

/// Whether a file in an outbox folder is one of these documents (`督办通知_西湖区.pdf` …):
/// what a writer of the outbox removes when a new run no longer makes it (the county's items
/// are no longer overdue, a list has come in).
pub fn is_progress_file(name: &str) -> bool {
    [URGE_STEM, REMIND_STEM, REPORT_STEM, ANNUAL_STEM]
        .iter()
        .any(|stem| {
            name.strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with('_'))
        })
}

/// The states a report counts, in order; withdrawn items are not counted.
const COUNTED: [Status; 4] = [
    Status::NotStarted,
    Status::InProgress,
    Status::Completed,
    Status::Closed,
];

/// A document and the county whose folder it goes to (`<市>/<县>/`); `None`: the city's
/// folder (`<市>/`) or, for the province's documents, the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub county: Option<String>,
    pub document: Document,
}

/// Every progress document of `city` as of `as_of`, in registry order of its counties: for
/// each county a 督办通知 (overdue items) or 催报通知 (no list after the county deadline) and
/// its 整改进展情况报告 (when it has a ledger), then the city's report to the province (when
/// any county has a ledger). `ledgers` may hold other cities' ledgers.
pub fn city_documents(
    city: &str,
    ledgers: &[&Ledger],
    as_of: NaiveDate,
    config: &Config,
) -> Vec<Placed> {
    let mine = city_ledgers(city, ledgers);
    let city_office = config.city_office(city);
    let mut out = Vec::new();
    for (county, ledger) in city_counties(city, &mine, as_of) {
        let placed = |document| Placed {
            county: Some(county.name.clone()),
            document,
        };
        match ledger {
            Some(ledger) => {
                if !ledger.overdue(as_of).is_empty() {
                    out.push(placed(urge_notice(ledger, &city_office, as_of, config)));
                }
                let office = config.county_office(&ledger.county);
                out.push(placed(county_report(
                    ledger,
                    &office,
                    as_of,
                    config.output.duplex,
                )));
            }
            None if as_of > config.deadlines.county => {
                out.push(placed(remind_notice(&county, &city_office, as_of, config)));
            }
            None => {}
        }
    }
    if !mine.is_empty() {
        out.push(Placed {
            county: None,
            document: city_report(city, &mine, &city_office, as_of, config),
        });
    }
    out
}

/// The province's 年度考核 of `year` as of `as_of`: one table of every county with a ledger,
/// grouped by city with subtotals and the province's total. Empty without ledgers.
pub fn province_documents(
    ledgers: &[&Ledger],
    year: i32,
    as_of: NaiveDate,
    config: &Config,
) -> Vec<Document> {
    if ledgers.is_empty() {
        return Vec::new();
    }
    vec![annual_table(ledgers, year, as_of, config)]
}

/// The ledgers of `city`, in registry order of their counties (unknown codes last, by code).
fn city_ledgers<'a>(city: &str, ledgers: &[&'a Ledger]) -> Vec<&'a Ledger> {
    let mut mine: Vec<&Ledger> = ledgers
        .iter()
        .copied()
        .filter(|l| l.county.city == city)
        .collect();
    mine.sort_by_key(|l| (registry_position(&l.county.code), l.county.code.clone()));
    mine
}

fn registry_position(code: &str) -> usize {
    domain::registry()
        .divisions
        .iter()
        .position(|d| d.code == code)
        .unwrap_or(usize::MAX)
}

/// The counties a city's documents speak of: those standing on `as_of`, and any other with a
/// ledger, each with its ledger, in registry order.
fn city_counties<'a>(
    city: &str,
    mine: &[&'a Ledger],
    as_of: NaiveDate,
) -> Vec<(CountyRef, Option<&'a Ledger>)> {
    let mut out: Vec<(CountyRef, Option<&Ledger>)> = domain::registry()
        .counties_of(city, as_of)
        .into_iter()
        .map(|d| {
            let ledger = mine.iter().copied().find(|l| l.county.code == d.code);
            (d.to_ref(), ledger)
        })
        .collect();
    for ledger in mine {
        if !out.iter().any(|(c, _)| c.code == ledger.county.code) {
            out.push((ledger.county.clone(), Some(ledger)));
        }
    }
    out.sort_by_key(|(c, _)| (registry_position(&c.code), c.code.clone()));
    out
}

/// The county government as a notice names it: a district's with its city (杭州市西湖区人民政府),
/// a county's or county-level city's alone (桐庐县人民政府).
fn county_government(county: &CountyRef) -> String {
    if place_word(county) == "区" && !county.name.starts_with(county.city.as_str()) {
        format!("{}{}人民政府", county.city, county.name)
    } else {
        format!("{}人民政府", county.name)
    }
}

fn column(weight: f64, align: Align) -> TableColumn {
    TableColumn { weight, align }
}

fn strings<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

fn document(
    kind: DocKind,
    file_stem: String,
    title: String,
    office: &Office,
    date: NaiveDate,
    keywords: &[&str],
    sections: Vec<Section>,
) -> Document {
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind,
        file_stem,
        meta: Meta {
            title,
            author: office.issuer.clone(),
            date,
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        },
        sections,
    }
}

/// 版头 of a notice downward (下行文): red mark, the number line left to fill by hand (the
/// configured 发文字号 belongs to the list's report, not to this notice), title, addressee.
fn notice_head(office: &Office, title: Vec<String>, addressee: String) -> Vec<Block> {
    vec![
        Block::RedHeader {
            issuer: office.red_header.clone(),
        },
        Block::DocNumber {
            number: String::new(),
            signer: None,
        },
        Block::Title { lines: title },
        Block::Addressee {
            text: format!("{addressee}："),
        },
    ]
}

/// 版头 of a report upward (上行文): the number line with 签发人.
fn report_head(office: &Office, title: Vec<String>) -> Vec<Block> {
    vec![
        Block::RedHeader {
            issuer: office.red_header.clone(),
        },
        Block::DocNumber {
            number: String::new(),
            signer: Some(office.signer.clone()),
        },
        Block::Title { lines: title },
        Block::Addressee {
            text: format!("{}：", office.addressee),
        },
    ]
}

/// Signature with the seal on the as-of date, 附注, and the 版记 with `cc`, printed that day.
fn tail(office: &Office, date: NaiveDate, cc: Vec<String>) -> Vec<Block> {
    compose::notice_tail(office, date, cc, date)
}

/// The day a 督办通知 or 催报通知 asks the county to report by.
pub fn report_by(as_of: NaiveDate, config: &Config) -> NaiveDate {
    as_of
        .checked_add_days(Days::new(u64::from(config.progress.report_within_days)))
        .unwrap_or(as_of)
}

/// 当前状态 as the notices print it: 已完成 is the county's word, awaiting the city.
fn state_cell(item: &TrackedItem) -> String {
    match item.status {
        Status::Completed => "已完成（待销号）".to_owned(),
        Status::InProgress if item.returned_remark.is_some() => "推进中（退回重改）".to_owned(),
        other => other.label().to_owned(),
    }
}

fn deadline_cell(item: &TrackedItem) -> String {
    item.deadline.map(YearMonth::zh).unwrap_or_default()
}

/// The attachment listing overdue items, on landscape pages: 编号, 学校名称, 存在不足情况,
/// 整改提升措施, 完成时限, 逾期天数, 当前状态, with 县（市、区） first when `with_county`.
fn overdue_attachment(
    owner: &str,
    overdue: &[(&str, &TrackedItem, i64)],
    with_county: bool,
    as_of: NaiveDate,
) -> Section {
    let mut columns = Vec::new();
    let mut header = Vec::new();
    // The two texts give the county column its room.
    let text = if with_county { 2.45 } else { 2.8 };
    if with_county {
        columns.push(column(1.85, Align::Center));
        header.push("县（市、区）".to_owned());
    }
    columns.extend([
        column(1.6, Align::Center),
        column(2.1, Align::Left),
        column(text, Align::Left),
        column(text, Align::Left),
        column(1.6, Align::Center),
        column(1.35, Align::Center),
        column(2.6, Align::Center),
    ]);
    header.extend(strings([
        "编号",
        "学校名称",
        "存在不足情况",
        "整改提升措施",
        "完成时限",
        "逾期天数",
        "当前状态",
    ]));
    let rows = overdue
        .iter()
        .map(|(county, item, days)| {
            let mut row = Vec::new();
            if with_county {
                row.push((*county).to_owned());
            }
            row.extend([
                item.id.to_string(),
                item.owner().to_owned(),
                item.shortcoming.clone(),
                item.measure.clone(),
                deadline_cell(item),
                days.to_string(),
                state_cell(item),
            ]);
            row
        })
        .collect();
    Section::new(
        Orientation::Landscape,
        vec![
            Block::AttachmentHead {
                label: "附件".to_owned(),
                title: format!("{owner}{OVERDUE_TITLE}"),
            },
            Block::Table(Table {
                columns,
                header: vec![header],
                rows,
                group_column: with_county.then_some(0),
                footer: Vec::new(),
                corner: None,
            }),
            Block::Notes {
                lines: vec![format!(
                    "逾期天数自完成时限所在月份的最后一日起算，算至{}。",
                    zh_date(as_of)
                )],
            },
        ],
    )
}

/// The attachment's title after its owner's name.
const OVERDUE_TITLE: &str = "逾期未销号整改任务清单";

/// The sections of a notice with attachments: the body without its 版记, each attachment,
/// then the 版记 on a page of its own at the end (an even page when printed on both sides),
/// as a bound package has it (GB/T 9704-2012 7.3.7).
fn with_attachments(body: Vec<Block>, attachments: Vec<Section>, duplex: bool) -> Vec<Section> {
    if attachments.is_empty() {
        return vec![Section::new(Orientation::Portrait, body)];
    }
    let (colophon, body): (Vec<Block>, Vec<Block>) = body
        .into_iter()
        .partition(|b| matches!(b, Block::Colophon { .. }));
    let mut sections = vec![Section::new(Orientation::Portrait, body)];
    sections.extend(attachments);
    if !colophon.is_empty() {
        sections.push(Section {
            orientation: Orientation::Portrait,
            blocks: colophon,
            role: if duplex {
                SectionRole::ColophonOnEvenPage
            } else {
                SectionRole::Colophon
            },
        });
    }
    sections
}

/// `根据浙江省人民政府教育督导委员会办公室《…》（浙政教督办〔2019〕5号）`.
fn according_to_notice() -> String {
    format!("根据{ISSUER}{NOTICE_TITLE}（{NOTICE_NUMBER}）")
}

/// 督办通知: the city bureau to a county's bureau, the county's overdue items and the day to
/// report by.
fn urge_notice(ledger: &Ledger, office: &Office, as_of: NaiveDate, config: &Config) -> Document {
    let county = &ledger.county;
    let overdue = ledger.overdue(as_of);
    let addressee = config.county_office(county).issuer;
    let by = report_by(as_of, config);
    let title = title_lines(&[
        "关于",
        "督促",
        "加快",
        "义务教育",
        "优质均衡发展",
        "整改进度",
        "的",
        "通知",
    ]);
    let doc_title = title.concat();
    let mut blocks = notice_head(office, title, addressee);
    blocks.push(Block::Paragraph {
        text: format!(
            "{}关于“实行挂图作战、销号管理，建立倒逼机制”的要求，我局对各县（市、区）整改清单的推进情况进行了梳理。截至{}，你局整改清单中有{}项整改任务已超过完成时限仍未销号（详见附件）。",
            according_to_notice(),
            zh_date(as_of),
            overdue.len()
        ),
    });
    blocks.push(Block::Paragraph {
        text: "请你局高度重视，逐项分析逾期原因，压实整改责任，倒排时间节点，一校一策加快推进，确保上述整改任务尽早完成。已完成的整改任务，请通过整改进展表如实报送完成情况和佐证材料，经我局核查后予以销号。".to_owned(),
    });
    blocks.push(Block::Paragraph {
        text: format!(
            "请于{}前将上述整改任务的推进情况、逾期原因和下一步整改措施书面报送我局。整改进展情况将列入对县（市、区）履行教育职责的年度考核评价。",
            zh_date(by)
        ),
    });
    blocks.push(Block::Paragraph {
        text: "特此通知。".to_owned(),
    });
    blocks.push(Block::AttachmentList {
        items: vec![format!("{}{OVERDUE_TITLE}", county.name)],
    });
    blocks.extend(tail(office, as_of, vec![county_government(county)]));
    let listed: Vec<(&str, &TrackedItem, i64)> = overdue
        .iter()
        .map(|(item, days)| (county.name.as_str(), *item, *days))
        .collect();
    let attachment = overdue_attachment(&county.name, &listed, false, as_of);
    document(
        DocKind::UrgeNotice,
        format!("{URGE_STEM}_{}", county.name),
        doc_title,
        office,
        as_of,
        &["义务教育优质均衡", &county.name, URGE_STEM],
        with_attachments(blocks, vec![attachment], config.output.duplex),
    )
}

/// 催报通知: the city bureau to a county's bureau that has filed no list after the deadline.
fn remind_notice(
    county: &CountyRef,
    office: &Office,
    as_of: NaiveDate,
    config: &Config,
) -> Document {
    let addressee = config.county_office(county).issuer;
    let by = report_by(as_of, config);
    let title = title_lines(&[
        "关于",
        "督促",
        "报送",
        "义务教育",
        "优质均衡发展",
        "整改清单",
        "的",
        "通知",
    ]);
    let doc_title = title.concat();
    let mut blocks = notice_head(office, title, addressee);
    blocks.push(Block::Paragraph {
        text: format!(
            "{}要求，各县（市、区）应于{}前将创建方案、整改清单和创建时间报设区市教育局。截至{}，我局尚未收到你局报送的整改清单。",
            according_to_notice(),
            zh_date(config.deadlines.county),
            zh_date(as_of)
        ),
    });
    blocks.push(Block::Paragraph {
        text: format!(
            "请你局抓紧组织开展自查自评，于{}前将《{}》《{}》和创建时间报送我局。逾期未报的，我局将予以通报，并列入年度考核评价。",
            zh_date(by),
            SCHOOL_LIST.title,
            COUNTY_LIST.title
        ),
    });
    blocks.push(Block::Paragraph {
        text: "特此通知。".to_owned(),
    });
    blocks.extend(tail(office, as_of, vec![county_government(county)]));
    document(
        DocKind::RemindNotice,
        format!("{REMIND_STEM}_{}", county.name),
        doc_title,
        office,
        as_of,
        &["义务教育优质均衡", &county.name, REMIND_STEM],
        with_attachments(blocks, Vec::new(), false),
    )
}

/// Counts of items by state, and how many of them are overdue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    /// In the order of [`COUNTED`].
    states: [usize; 4],
    overdue: usize,
}

impl Tally {
    fn add_item(&mut self, item: &TrackedItem, as_of: NaiveDate) {
        if let Some(i) = COUNTED.iter().position(|s| *s == item.status) {
            self.states[i] += 1;
            if item.overdue_days(as_of).is_some() {
                self.overdue += 1;
            }
        }
    }

    fn total(&self) -> usize {
        self.states.iter().sum()
    }

    fn of(&self, status: Status) -> usize {
        COUNTED
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.states[i])
    }

    /// 合计, each state, 逾期.
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![self.total().to_string()];
        cells.extend(self.states.iter().map(usize::to_string));
        cells.push(self.overdue.to_string());
        cells
    }
}

fn tally<'a>(items: impl IntoIterator<Item = &'a TrackedItem>, as_of: NaiveDate) -> Tally {
    let mut t = Tally::default();
    for item in items {
        t.add_item(item, as_of);
    }
    t
}

/// A share in percent with one decimal, `—` of nothing.
fn rate_text(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".to_owned()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// The header cells of the state columns: 合计, 未启动 … 已销号, 逾期.
fn state_headers(first: &[&str]) -> Vec<String> {
    let mut header: Vec<String> = first.iter().map(|s| (*s).to_owned()).collect();
    header.push("合计".to_owned());
    header.extend(COUNTED.iter().map(|s| s.label().to_owned()));
    header.push("逾期".to_owned());
    header
}

/// Weights of the six count columns after `first`.
fn count_columns(first: &[(f64, Align)]) -> Vec<TableColumn> {
    let mut columns: Vec<TableColumn> = first.iter().map(|(w, a)| column(*w, *a)).collect();
    columns.extend((0..6).map(|_| column(1.0, Align::Center)));
    columns
}

/// By state: 进展状态, 项数, 占比, with 合计.
fn state_table(t: &Tally) -> Table {
    let total = t.total();
    Table {
        columns: vec![
            column(2.0, Align::Center),
            column(1.2, Align::Center),
            column(1.2, Align::Center),
        ],
        header: vec![strings(["进展状态", "项数", "占比"])],
        rows: COUNTED
            .iter()
            .zip(t.states)
            .map(|(s, n)| vec![s.label().to_owned(), n.to_string(), rate_text(n, total)])
            .collect(),
        group_column: None,
        footer: vec![vec![
            "合计".to_owned(),
            total.to_string(),
            if total == 0 { "—" } else { "100.0%" }.to_owned(),
        ]],
        corner: None,
    }
}

/// By indicator: the code, its short name, then the counts; items naming no indicator last.
fn indicator_table(items: &[&TrackedItem], as_of: NaiveDate) -> Table {
    let registry = domain::registry();
    let mut by_code: BTreeMap<Option<&str>, Vec<&TrackedItem>> = BTreeMap::new();
    for item in items {
        let known = item
            .indicator
            .as_deref()
            .filter(|c| registry.indicator(c).is_some());
        by_code.entry(known).or_default().push(item);
    }
    let mut rows = Vec::new();
    for indicator in &registry.indicators {
        if let Some(items) = by_code.get(&Some(indicator.code.as_str())) {
            let mut row = vec![indicator.code.clone(), indicator.short.clone()];
            row.extend(tally(items.iter().copied(), as_of).cells());
            rows.push(row);
        }
    }
    if let Some(items) = by_code.get(&None) {
        let mut row = vec!["—".to_owned(), "未对应指标".to_owned()];
        row.extend(tally(items.iter().copied(), as_of).cells());
        rows.push(row);
    }
    let mut footer = vec!["合计".to_owned(), String::new()];
    footer.extend(tally(items.iter().copied(), as_of).cells());
    Table {
        columns: count_columns(&[(0.9, Align::Center), (2.6, Align::Left)]),
        header: vec![state_headers(&["指标", "指标名称"])],
        rows,
        group_column: None,
        footer: vec![footer],
        corner: None,
    }
}

/// By deadline month, in order; items without a deadline last.
fn month_table(items: &[&TrackedItem], as_of: NaiveDate) -> Table {
    let mut by_month: BTreeMap<Option<YearMonth>, Tally> = BTreeMap::new();
    for item in items {
        by_month
            .entry(item.deadline)
            .or_default()
            .add_item(item, as_of);
    }
    // `None` sorts first in a BTreeMap: put it last, as 未填写.
    let mut rows: Vec<Vec<String>> = by_month
        .iter()
        .filter_map(|(month, t)| {
            month.map(|m| {
                let mut row = vec![m.zh()];
                row.extend(t.cells());
                row
            })
        })
        .collect();
    if let Some(t) = by_month.get(&None) {
        let mut row = vec!["未填写".to_owned()];
        row.extend(t.cells());
        rows.push(row);
    }
    let mut footer = vec!["合计".to_owned()];
    footer.extend(tally(items.iter().copied(), as_of).cells());
    Table {
        columns: count_columns(&[(2.0, Align::Center)]),
        header: vec![state_headers(&["完成时限"])],
        rows,
        group_column: None,
        footer: vec![footer],
        corner: None,
    }
}

/// `其中已销号3项，已完成待销号2项，推进中4项，未启动1项`.
fn states_sentence(t: &Tally) -> String {
    format!(
        "已销号{}项，已完成待销号{}项，推进中{}项，未启动{}项",
        t.of(Status::Closed),
        t.of(Status::Completed),
        t.of(Status::InProgress),
        t.of(Status::NotStarted)
    )
}

/// The three count tables with their headings and notes, then the overdue items' heading
/// and a sentence sending the reader to the attachment that lists them.
fn count_sections(
    items: &[&TrackedItem],
    overdue_count: usize,
    as_of: NaiveDate,
    numbers: &mut impl Iterator<Item = &'static str>,
) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut heading = |text: &str, blocks: &mut Vec<Block>| {
        blocks.push(Block::Heading {
            level: 1,
            text: format!("{}、{text}", numbers.next().unwrap_or("")),
        });
    };
    heading("按进展状态统计", &mut blocks);
    blocks.push(Block::Table(state_table(&tally(
        items.iter().copied(),
        as_of,
    ))));
    heading("按指标统计", &mut blocks);
    blocks.push(Block::Table(indicator_table(items, as_of)));
    heading("按完成时限统计", &mut blocks);
    blocks.push(Block::Table(month_table(items, as_of)));
    blocks.push(count_notes(as_of));
    heading("逾期未销号的整改任务", &mut blocks);
    blocks.push(Block::Paragraph {
        text: if overdue_count > 0 {
            format!(
                "截至{}，已超过完成时限仍未销号的整改任务{overdue_count}项，逐项列于附件。",
                zh_date(as_of)
            )
        } else {
            format!(
                "截至{}，没有超过完成时限仍未销号的整改任务。",
                zh_date(as_of)
            )
        },
    });
    blocks
}

const NUMBERS: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];

/// Notes under the tables: what the columns mean.
fn count_notes(as_of: NaiveDate) -> Block {
    Block::Notes {
        lines: vec![
            "1.统计不含已从整改清单中撤回的整改任务。".to_owned(),
            "2.“已完成”指县（市、区）报告已完成、待设区市教育局核查销号的整改任务。".to_owned(),
            format!(
                "3.“逾期”指完成时限所在月份已过、截至{}仍未销号的整改任务。",
                zh_date(as_of)
            ),
        ],
    }
}

/// The county's 整改进展情况报告 to its city bureau.
fn county_report(ledger: &Ledger, office: &Office, as_of: NaiveDate, duplex: bool) -> Document {
    let county = &ledger.county;
    let place = place_word(county);
    let items: Vec<&TrackedItem> = ledger.current().collect();
    let withdrawn = ledger.items.len() - items.len();
    let t = tally(items.iter().copied(), as_of);
    let overdue = ledger.overdue(as_of);
    let mut blocks = Vec::new();
    let title = title_lines(&[
        "关于",
        &county.name,
        "义务教育",
        "优质均衡发展",
        "整改进展情况",
        "的",
        "报告",
    ]);
    let doc_title = title.concat();
    blocks.extend(report_head(office, title));
    blocks.push(Block::Paragraph {
        text: format!(
            "{}关于“实行挂图作战、销号管理，建立倒逼机制”的要求，我局按整改清单逐项跟踪整改进展。现将截至{}我{place}义务教育优质均衡发展整改进展情况报告如下。",
            according_to_notice(),
            zh_date(as_of)
        ),
    });
    let mut numbers = NUMBERS.into_iter();
    blocks.push(Block::Heading {
        level: 1,
        text: format!("{}、总体进展", numbers.next().unwrap_or("")),
    });
    let mut text = format!(
        "我{place}整改清单共有整改任务{}项，其中{}，销号率{}；已超过完成时限仍未销号的{}项。",
        t.total(),
        states_sentence(&t),
        rate_text(t.of(Status::Closed), t.total()),
        overdue.len()
    );
    if withdrawn > 0 {
        text.push_str(&format!(
            "另有{withdrawn}项整改任务已从整改清单中撤回，不计入以上统计。"
        ));
    }
    blocks.push(Block::Paragraph { text });
    blocks.extend(count_sections(&items, overdue.len(), as_of, &mut numbers));
    blocks.push(Block::Heading {
        level: 1,
        text: format!("{}、下一步工作", numbers.next().unwrap_or("")),
    });
    blocks.push(Block::Paragraph {
        text: "我局将坚持挂图作战、销号管理，对逾期未完成的整改任务逐项分析原因，一校一策倒排时间节点，压实学校和有关部门责任，完成一项、报送一项、销号一项，确保在既定时限内达到义务教育优质均衡发展的目标。".to_owned(),
    });
    if let Some(contact) = &office.contact {
        blocks.push(Block::Paragraph {
            text: format!("联系人及电话：{contact}"),
        });
    }
    blocks.push(Block::Paragraph {
        text: "特此报告。".to_owned(),
    });
    let listed: Vec<(&str, &TrackedItem, i64)> = overdue
        .iter()
        .map(|(item, days)| (county.name.as_str(), *item, *days))
        .collect();
    let attachments: Vec<Section> = (!listed.is_empty())
        .then(|| overdue_attachment(&county.name, &listed, false, as_of))
        .into_iter()
        .collect();
    if !attachments.is_empty() {
        blocks.push(Block::AttachmentList {
            items: vec![format!("{}{OVERDUE_TITLE}", county.name)],
        });
    }
    blocks.extend(tail(office, as_of, office.cc.clone()));
    document(
        DocKind::ProgressReport,
        format!("{REPORT_STEM}_{}", county.name),
        doc_title,
        office,
        as_of,
        &["义务教育优质均衡", &county.name, REPORT_STEM],
        with_attachments(blocks, attachments, duplex),
    )
}

/// The city bureau's 整改进展情况报告 to the province office: the counties' counts together,
/// a row per county, and every overdue item.
fn city_report(
    city: &str,
    mine: &[&Ledger],
    office: &Office,
    as_of: NaiveDate,
    config: &Config,
) -> Document {
    let duplex = config.output.duplex;
    let items: Vec<&TrackedItem> = mine.iter().flat_map(|l| l.current()).collect();
    let t = tally(items.iter().copied(), as_of);
    let standing = domain::registry().counties_of(city, as_of);
    let not_filed: Vec<&str> = standing
        .iter()
        .filter(|d| !mine.iter().any(|l| l.county.code == d.code))
        .map(|d| d.name.as_str())
        .collect();
    let overdue: Vec<(&str, &TrackedItem, i64)> = mine
        .iter()
        .flat_map(|l| {
            l.overdue(as_of)
                .into_iter()
                .map(|(item, days)| (l.county.name.as_str(), item, days))
        })
        .collect();

    let mut blocks = Vec::new();
    let title = title_lines(&[
        "关于",
        city,
        "义务教育",
        "优质均衡发展",
        "整改进展情况",
        "的",
        "报告",
    ]);
    let doc_title = title.concat();
    blocks.extend(report_head(office, title));
    blocks.push(Block::Paragraph {
        text: format!(
            "{}关于“实行挂图作战、销号管理，建立倒逼机制”的要求，我局对所属各县（市、区）整改清单逐项跟踪、核查销号。现将截至{}我市义务教育优质均衡发展整改进展情况报告如下。",
            according_to_notice(),
            zh_date(as_of)
        ),
    });
    let mut numbers = NUMBERS.into_iter();
    blocks.push(Block::Heading {
        level: 1,
        text: format!("{}、总体进展", numbers.next().unwrap_or("")),
    });
    let mut text = format!(
        "全市共有县（市、区）{}个，已报送整改清单{}个，共有整改任务{}项，其中{}，销号率{}；已超过完成时限仍未销号的{}项。",
        standing.len(),
        mine.len(),
        t.total(),
        states_sentence(&t),
        rate_text(t.of(Status::Closed), t.total()),
        overdue.len()
    );
    if !not_filed.is_empty() {
        // 催报通知 go out once the county deadline has passed.
        let action = if as_of > config.deadlines.county {
            "我局已发出催报通知"
        } else {
            "我局将督促其按时报送"
        };
        text.push_str(&format!(
            "{}尚未报送整改清单，{action}。",
            not_filed.join("、")
        ));
    }
    blocks.push(Block::Paragraph { text });

    blocks.push(Block::Heading {
        level: 1,
        text: format!("{}、各县（市、区）整改进展", numbers.next().unwrap_or("")),
    });
    let mut rows = Vec::new();
    for ledger in mine {
        let t = tally(ledger.current(), as_of);
        let mut row = vec![ledger.county.name.clone()];
        row.extend(t.cells());
        row.push(rate_text(t.of(Status::Closed), t.total()));
        rows.push(row);
    }
    let mut footer = vec!["全市".to_owned()];
    footer.extend(t.cells());
    footer.push(rate_text(t.of(Status::Closed), t.total()));
    let mut header = state_headers(&["县（市、区）"]);
    header.push("销号率".to_owned());
    let mut columns = count_columns(&[(1.9, Align::Center)]);
    columns.push(column(1.3, Align::Center));
    blocks.push(Block::Table(Table {
        columns,
        header: vec![header],
        rows,
        group_column: None,
        footer: vec![footer],
        corner: None,
    }));

    blocks.extend(count_sections(&items, overdue.len(), as_of, &mut numbers));
    blocks.push(Block::Heading {
        level: 1,
        text: format!("{}、下一步工作", numbers.next().unwrap_or("")),
    });
    blocks.push(Block::Paragraph {
        text: "我局将对有逾期整改任务的县（市、区）发出督办通知，限期报送推进情况；对县（市、区）报告已完成的整改任务及时核查销号；整改进展情况纳入对县（市、区）的年度考核评价。".to_owned(),
    });
    if let Some(contact) = &office.contact {
        blocks.push(Block::Paragraph {
            text: format!("联系人及电话：{contact}"),
        });
    }
    blocks.push(Block::Paragraph {
        text: "特此报告。".to_owned(),
    });
    let attachments: Vec<Section> = (!overdue.is_empty())
        .then(|| overdue_attachment(city, &overdue, true, as_of))
        .into_iter()
        .collect();
    if !attachments.is_empty() {
        blocks.push(Block::AttachmentList {
            items: vec![format!("{city}{OVERDUE_TITLE}")],
        });
    }
    blocks.extend(tail(office, as_of, office.cc.clone()));
    document(
        DocKind::ProgressReport,
        format!("{REPORT_STEM}_{city}"),
        doc_title,
        office,
        as_of,
        &["义务教育优质均衡", city, REPORT_STEM],
        with_attachments(blocks, attachments, duplex),
    )
}

/// One row of the 年度考核: a county, a city's subtotal or the province's total.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualRow {
    pub city: String,
    /// The county's name, or `None` for the city's subtotal (小计).
    pub county: Option<String>,
    pub annual: Annual,
}

/// The rows of the 年度考核 of `year` as of `as_of`: each county with a ledger in registry
/// order, each city followed by its 小计; and the province's total.
pub fn annual_rows(ledgers: &[&Ledger], year: i32, as_of: NaiveDate) -> (Vec<AnnualRow>, Annual) {
    let mut sorted: Vec<&Ledger> = ledgers.to_vec();
    sorted.sort_by_key(|l| (registry_position(&l.county.code), l.county.code.clone()));
    let mut cities: Vec<&str> = Vec::new();
    for (name, _) in domain::registry().cities() {
        cities.push(name);
    }
    for l in &sorted {
        if !cities.contains(&l.county.city.as_str()) {
            cities.push(&l.county.city);
        }
    }
    let mut rows = Vec::new();
    let mut province = Annual::default();
    for city in cities {
        let of_city: Vec<&Ledger> = sorted
            .iter()
            .copied()
            .filter(|l| l.county.city == city)
            .collect();
        if of_city.is_empty() {
            continue;
        }
        let mut subtotal = Annual::default();
        for l in of_city {
            let annual = l.annual(year, as_of);
            subtotal.add(annual);
            rows.push(AnnualRow {
                city: city.to_owned(),
                county: Some(l.county.name.clone()),
                annual,
            });
        }
        province.add(subtotal);
        rows.push(AnnualRow {
            city: city.to_owned(),
            county: None,
            annual: subtotal,
        });
    }
    (rows, province)
}

/// `85.7%`, or `—` when nothing was due.
pub fn annual_rate_text(annual: &Annual) -> String {
    annual
        .rate()
        .map_or_else(|| "—".to_owned(), |r| format!("{r:.1}%"))
}

/// 小计 of a city's rows.
pub const SUBTOTAL: &str = "小计";

fn annual_cells(first: [String; 2], a: &Annual) -> Vec<String> {
    let mut cells = first.to_vec();
    cells.extend([a.due, a.on_time, a.late, a.open].map(|n| n.to_string()));
    cells.push(annual_rate_text(a));
    cells
}

/// The 年度考核 of `year`: a table of every county with a ledger, grouped by city.
fn annual_table(ledgers: &[&Ledger], year: i32, as_of: NaiveDate, config: &Config) -> Document {
    let office = config.province_office();
    let (rows, total) = annual_rows(ledgers, year, as_of);
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let county = r.county.clone().unwrap_or_else(|| SUBTOTAL.to_owned());
            annual_cells([r.city.clone(), county], &r.annual)
        })
        .collect();
    let not_filed: Vec<String> = domain::registry()
        .counties_on(as_of)
        .into_iter()
        .filter(|d| !ledgers.iter().any(|l| l.county.code == d.code))
        .map(|d| d.name.clone())
        .collect();
    let title_year = format!("{year}年度");
    let title = title_lines(&[
        &title_year,
        "各县（市、区）",
        "义务教育",
        "优质均衡发展",
        "整改任务",
        "完成情况",
        "考核表",
    ]);
    let doc_title = title.concat();
    let mut blocks = vec![
        Block::Title { lines: title },
        Block::FormFields {
            fields: vec![FormField {
                label: "统计截至".to_owned(),
                value: zh_date(as_of),
            }],
            seal: None,
        },
        Block::Table(Table {
            columns: vec![
                column(1.3, Align::Center),
                column(1.9, Align::Center),
                column(1.1, Align::Center),
                column(1.1, Align::Center),
                column(1.1, Align::Center),
                column(1.1, Align::Center),
                column(1.4, Align::Center),
            ],
            header: vec![strings([
                "设区市",
                "县（市、区）",
                "到期任务",
                "按时销号",
                "逾期销号",
                "未销号",
                "按时销号率",
            ])],
            rows: table_rows,
            group_column: Some(0),
            footer: vec![annual_cells(["全省".to_owned(), "合计".to_owned()], &total)],
            corner: None,
        }),
    ];
    // Short notes, kept with the table; the sentences that may run long are paragraphs.
    blocks.push(Block::Notes {
        lines: vec![
            format!("1.到期任务指完成时限在{year}年内的整改任务，不含已撤回的整改任务。"),
            "2.按时销号指在完成时限所在月份的最后一日前经设区市教育局核查同意销号；逾期销号指此后销号。".to_owned(),
            "3.按时销号率＝按时销号数÷到期任务数。".to_owned(),
        ],
    });
    blocks.push(Block::Paragraph {
        text: format!(
            "全省{}个县（市、区）的整改清单中，完成时限在{year}年内的整改任务共{}项，按时销号{}项，逾期销号{}项，尚未销号{}项，按时销号率{}。依据{NOTICE_NUMBER}，各县（市、区）创建工作的实施情况列入省人民政府对县（市、区）人民政府履行教育职责的年度考核评价。",
            ledgers.len(),
            total.due,
            total.on_time,
            total.late,
            total.open,
            annual_rate_text(&total)
        ),
    });
    if !not_filed.is_empty() {
        blocks.push(Block::Paragraph {
            text: format!(
                "尚未报送整改清单、未列入本表的县（市、区）{}个：{}。",
                not_filed.len(),
                not_filed.join("、")
            ),
        });
    }
    blocks.push(Block::Signature {
        office: office.issuer.clone(),
        date: zh_date(as_of),
        seal: None,
    });
    document(
        DocKind::AnnualAssessment,
        format!("{ANNUAL_STEM}_{year}"),
        doc_title,
        &office,
        as_of,
        &["义务教育优质均衡", "全省", ANNUAL_STEM, &title_year],
        vec![Section::new(Orientation::Portrait, blocks)],
    )
}

#[cfg(test)]
mod tests;
