//! Submissions → documents: the words and the order of blocks of every notice gongwen
//! prints, and nothing about how they look (the backends decide that). Per county: 附件1 and
//! 附件2 as the notice 浙政教督办〔2019〕5号 lays them out, the cover report to the city
//! bureau, and the three bound as one package (报送材料); per city: 附件3, the cover report to
//! the province office and their package; for the province: a summary against the notice's
//! goals. No clock is read: the 成文日期 is configured or the
//! latest 填报日期 among the inputs, so the same inputs give the same documents.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::calendar::{YearMonth, zh_date};
use crate::config::{Config, Office};
use crate::diag::Location;
use crate::domain;
use crate::model::{CountyRef, Item, PlanYear, Submission};
use crate::notice;
use crate::rollup::{self, CityRollup, Rollup, meets, percent};

use super::document::{
    Align, Bar, BarChart, Block, DOCUMENT_SCHEMA, DocKind, Document, FormField, Goal, Meta,
    Orientation, Seal, Section, SectionRole, Table, TableColumn,
};

use crate::notice::{
    COUNTY_FIELD, COUNTY_LIST, Column, FILED_ON_FIELD, Form, ISSUER, NUMBER as NOTICE_NUMBER,
    SCHOOL_LIST, TIMETABLE, TITLE as NOTICE_TITLE,
};

/// The widest title line: 2号 (22 pt) characters across the 156 mm type area.
const TITLE_LINE_CHARS: usize = 20;

/// A submission that cannot be made into documents. Serialisable: the render worker sends it
/// back to the daemon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ComposeError {
    #[error("{file}: the file has errors and is not rendered")]
    HasErrors { file: String },
    #[error("{file}: no county was recognised")]
    NoCounty { file: String },
    #[error("no submission of {city} can be rolled up")]
    NoSubmissions { city: String },
}

/// One county's documents: 附件1, 附件2 (when it has county items), the cover report, and the
/// bound package of all three.
pub fn county_documents(sub: &Submission, config: &Config) -> Result<Vec<Document>, ComposeError> {
    let county = renderable(sub)?;
    let office = config.county_office(county);
    let date = document_date(&office, sub.filed_on);
    let mut attachments = vec![school_list(sub, county, date)];
    if !sub.county_items.is_empty() {
        attachments.push(county_list(sub, county, date));
    }
    let report = county_report(sub, county, &office, date);
    let package = bound_package(
        DocKind::CountyPackage,
        &county.name,
        &report,
        &attachments,
        config.output.duplex,
    );
    let mut docs: Vec<Document> = attachments
        .into_iter()
        .map(|a| unbound(a, &office))
        .collect();
    docs.push(report);
    docs.push(package);
    Ok(docs)
}

/// The file name of a bound package: `报送材料_西湖区`.
pub const PACKAGE_STEM: &str = "报送材料";

/// The bound package, the printed product (GB/T 9704-2012 7.3.7): the report without its
/// 版记, each attachment on new pages, and the 版记 on a page of its own at the end — an even
/// page when printed on both sides. Page numbers run on through it.
fn bound_package(
    kind: DocKind,
    owner: &str,
    report: &Document,
    attachments: &[Document],
    duplex: bool,
) -> Document {
    let mut sections = Vec::new();
    let mut colophon = None;
    for section in &report.sections {
        let mut section = section.clone();
        section.blocks.retain(|b| {
            if matches!(b, Block::Colophon { .. }) {
                colophon = Some(b.clone());
                false
            } else {
                true
            }
        });
        sections.push(section);
    }
    sections.extend(attachments.iter().flat_map(|a| a.sections.iter().cloned()));
    if let Some(colophon) = colophon {
        sections.push(Section {
            orientation: Orientation::Portrait,
            blocks: vec![colophon],
            role: if duplex {
                SectionRole::ColophonOnEvenPage
            } else {
                SectionRole::Colophon
            },
        });
    }
    let mut meta = report.meta.clone();
    meta.keywords.push(PACKAGE_STEM.to_owned());
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind,
        file_stem: format!("{PACKAGE_STEM}_{owner}"),
        meta,
        sections,
    }
}

/// An attachment sent as a file of its own, not bound with the document: its label carries
/// the document's 发文字号 when there is one (西教〔2019〕12号附件1, GB/T 9704-2012 7.3.7).
fn unbound(mut attachment: Document, office: &Office) -> Document {
    let number = office.doc_number.trim();
    if !number.is_empty() {
        for block in attachment.sections.iter_mut().flat_map(|s| &mut s.blocks) {
            if let Block::AttachmentHead { label, .. } = block {
                *label = format!("{number}{label}");
            }
        }
    }
    attachment
}

fn renderable(sub: &Submission) -> Result<&CountyRef, ComposeError> {
    if sub.has_errors() {
        return Err(ComposeError::HasErrors {
            file: sub.source.file.clone(),
        });
    }
    sub.county.as_ref().ok_or_else(|| ComposeError::NoCounty {
        file: sub.source.file.clone(),
    })
}

/// 成文日期: the configured date, else the latest 填报日期, else the notice's deadline.
fn document_date(office: &Office, filed: impl IntoIterator<Item = NaiveDate>) -> NaiveDate {
    office
        .date
        .or_else(|| filed.into_iter().max())
        .unwrap_or_else(domain::reference_date)
}

fn meta(title: String, author: &str, date: NaiveDate, keywords: &[&str]) -> Meta {
    Meta {
        title,
        author: author.to_owned(),
        date,
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
    }
}

fn column(weight: f64, align: Align) -> TableColumn {
    TableColumn { weight, align }
}

fn seal(office: &Office) -> Option<Seal> {
    Some(Seal {
        diameter_mm: office.seal_diameter_mm,
        label: office.seal_label.clone(),
    })
}

/// 附件1 of one county, as the notice's form: one row per item, the school in the first
/// column spanning its items.
fn school_list(sub: &Submission, county: &CountyRef, date: NaiveDate) -> Document {
    let mut rows = Vec::new();
    for (i, school) in sub.schools.iter().enumerate() {
        let name = format!("{}.{}", i + 1, school.name);
        for (j, item) in school.items.iter().enumerate() {
            let mut row = vec![name.clone()];
            row.extend(item_cells(j, item));
            rows.push(row);
        }
    }
    let table = Table {
        columns: vec![
            column(2.7, Align::Left),
            column(3.3, Align::Left),
            column(3.8, Align::Left),
            column(1.75, Align::Center),
        ],
        header: vec![headers(&SCHOOL_LIST)],
        rows,
        group_column: Some(0),
        footer: Vec::new(),
        corner: None,
    };
    list_document(DocKind::SchoolList, &SCHOOL_LIST, sub, county, date, table)
}

/// 附件2 of one county: the county government's own items.
fn county_list(sub: &Submission, county: &CountyRef, date: NaiveDate) -> Document {
    let rows = sub
        .county_items
        .iter()
        .enumerate()
        .map(|(j, item)| item_cells(j, item).to_vec())
        .collect();
    let table = Table {
        columns: vec![
            column(4.4, Align::Left),
            column(4.9, Align::Left),
            column(1.75, Align::Center),
        ],
        header: vec![headers(&COUNTY_LIST)],
        rows,
        group_column: None,
        footer: Vec::new(),
        corner: None,
    };
    list_document(DocKind::CountyList, &COUNTY_LIST, sub, county, date, table)
}

/// A list's header row, as the notice prints it.
fn headers(form: &Form) -> Vec<String> {
    form.headers().into_iter().map(str::to_owned).collect()
}

/// `1.生均体育运动场馆面积不足`, the measure, `2020年8月`. An item under tracking carries its
/// ID on a line of its own, the number clerks quote in progress reports (编号：330106-001).
fn item_cells(index: usize, item: &Item) -> [String; 3] {
    let id = item
        .id
        .as_ref()
        .map(|id| format!("\n编号：{id}"))
        .unwrap_or_default();
    [
        format!("{}.{}{id}", index + 1, item.shortcoming),
        item.measure.clone(),
        item.deadline.map(YearMonth::zh).unwrap_or_default(),
    ]
}

/// 附件1 or 附件2 around its table: the notice's label, title, fields and 注.
fn list_document(
    kind: DocKind,
    form: &Form,
    sub: &Submission,
    county: &CountyRef,
    date: NaiveDate,
    table: Table,
) -> Document {
    let filed = sub.filed_on.map(zh_date).unwrap_or_default();
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind,
        file_stem: form.file_stem(&county.name),
        meta: meta(
            format!("{}{}", county.name, form.title),
            &format!("{}教育局", county.name),
            date,
            &["义务教育优质均衡", &county.name, form.title],
        ),
        sections: vec![Section {
            role: SectionRole::Body,
            orientation: Orientation::Landscape,
            blocks: vec![
                Block::AttachmentHead {
                    label: form.label.to_owned(),
                    title: form.title.to_owned(),
                },
                Block::FormFields {
                    fields: vec![
                        FormField {
                            label: COUNTY_FIELD.to_owned(),
                            value: county.name.clone(),
                        },
                        FormField {
                            label: FILED_ON_FIELD.to_owned(),
                            value: filed,
                        },
                    ],
                    seal: None,
                },
                Block::Table(table),
                Block::Notes {
                    lines: form.numbered_notes(),
                },
            ],
        }],
    }
}

/// 我区 / 我县 / 我市, 全区 / 全县 / 全市, by the division's kind.
pub(crate) fn place_word(county: &CountyRef) -> &'static str {
    let kind = domain::registry()
        .divisions
        .iter()
        .find(|d| d.code == county.code)
        .map_or("", |d| d.kind.as_str());
    match kind {
        "区" => "区",
        "县级市" => "市",
        "县" | "自治县" => "县",
        _ if county.name.ends_with('区') => "区",
        _ if county.name.ends_with('市') => "市",
        _ => "县",
    }
}

/// Items by the year of their deadline, in year order.
fn by_deadline_year<'a>(items: impl Iterator<Item = &'a Item>) -> BTreeMap<i32, usize> {
    let mut years = BTreeMap::new();
    for item in items {
        if let Some(deadline) = item.deadline {
            *years.entry(deadline.year()).or_insert(0) += 1;
        }
    }
    years
}

/// `2019年内完成3项，2020年内完成5项`.
fn years_sentence(years: &BTreeMap<i32, usize>) -> String {
    years
        .iter()
        .map(|(year, n)| format!("{year}年内完成{n}项"))
        .collect::<Vec<_>>()
        .join("，")
}

fn latest_deadline<'a>(items: impl Iterator<Item = &'a Item>) -> Option<YearMonth> {
    items.filter_map(|i| i.deadline).max()
}

/// Counts by indicator group (资源配置, 政府保障程度, 教育质量), in that order, then 其他.
fn group_counts<'a>(items: impl Iterator<Item = &'a Item>) -> Vec<(String, usize)> {
    let registry = domain::registry();
    let mut order: Vec<String> = Vec::new();
    for ind in &registry.indicators {
        if !order.contains(&ind.group) {
            order.push(ind.group.clone());
        }
    }
    let mut counts: Vec<(String, usize)> = order.into_iter().map(|g| (g, 0)).collect();
    let mut other = 0;
    for item in items {
        let group = item
            .indicator
            .as_deref()
            .and_then(|code| registry.indicator(code))
            .map(|ind| ind.group.as_str());
        match group.and_then(|g| counts.iter_mut().find(|(name, _)| name == g)) {
            Some((_, n)) => *n += 1,
            None => other += 1,
        }
    }
    if other > 0 {
        counts.push(("其他".to_owned(), other));
    }
    counts.retain(|(_, n)| *n > 0);
    counts
}

/// The county's cover report to its city bureau (上行文: 签发人 on the number line).
fn county_report(
    sub: &Submission,
    county: &CountyRef,
    office: &Office,
    date: NaiveDate,
) -> Document {
    let place = place_word(county);
    let school_items = sub.school_item_count();
    let county_items = sub.county_items.len();
    let mut body = vec![Block::Paragraph {
        text: format!(
            "根据{ISSUER}{NOTICE_TITLE}（{NOTICE_NUMBER}）要求，我局对照《县域义务教育优质均衡发展督导评估办法》，围绕资源配置、政府保障程度、教育质量等指标，组织全{place}义务教育学校逐项逐校开展自查自评，排摸短板和不足，制定了整改清单，研究确定了创建时间。现将有关情况报告如下。"
        ),
    }];

    body.push(Block::Heading {
        level: 1,
        text: "一、自查自评情况".to_owned(),
    });
    let all_items = sub
        .schools
        .iter()
        .flat_map(|s| &s.items)
        .chain(&sub.county_items);
    let groups = group_counts(all_items.clone())
        .iter()
        .map(|(g, n)| format!("{g}{n}项"))
        .collect::<Vec<_>>()
        .join("、");
    let mut found = if sub.schools.is_empty() {
        format!("经排摸，全{place}义务教育学校对照学校层面指标均已达标")
    } else {
        format!(
            "经排摸，全{place}共有{}所学校（校区）存在未达标指标，共{school_items}项",
            sub.schools.len()
        )
    };
    if county_items > 0 {
        found.push_str(&format!("；县级政府层面存在不足{county_items}项"));
    } else {
        found.push_str("；县级政府层面各项指标均已达标");
    }
    found.push('。');
    if !groups.is_empty() {
        found.push_str(&format!("按指标类别分，{groups}。"));
    }
    body.push(Block::Paragraph { text: found });

    body.push(Block::Heading {
        level: 1,
        text: "二、整改提升措施".to_owned(),
    });
    let (school_title, county_title) = (SCHOOL_LIST.title, COUNTY_LIST.title);
    let lists = if county_items > 0 {
        format!("《{school_title}》和《{county_title}》（详见附件1、2）")
    } else {
        format!("《{school_title}》（详见附件1）")
    };
    body.push(Block::Paragraph {
        text: format!(
            "针对排摸出的短板和不足，我局逐校逐项提出整改提升措施，明确完成时限，建立{lists}，将整改任务落实到学校和有关部门。"
        ),
    });
    let mut sub_heading = 0;
    let chinese = ["一", "二"];
    for (label, items) in [
        (
            "学校层面",
            sub.schools
                .iter()
                .flat_map(|s| &s.items)
                .collect::<Vec<_>>(),
        ),
        ("县级政府层面", sub.county_items.iter().collect()),
    ] {
        if items.is_empty() {
            continue;
        }
        let years = by_deadline_year(items.iter().copied());
        let latest = latest_deadline(items.iter().copied())
            .map(|m| format!("，全部任务于{}前完成", m.zh()))
            .unwrap_or_default();
        body.push(Block::Heading {
            level: 2,
            text: format!("（{}）{label}", chinese[sub_heading]),
        });
        sub_heading += 1;
        body.push(Block::Paragraph {
            text: format!(
                "共{}项整改任务，{}{latest}。",
                items.len(),
                years_sentence(&years)
            ),
        });
    }

    body.push(Block::Heading {
        level: 1,
        text: "三、创建时间".to_owned(),
    });
    match sub.plan_year {
        Some(plan) => {
            let when = plan.label();
            let mut text = format!(
                "综合考虑本{place}教育事业发展规划和城镇化、人口变化趋势，我{place}计划于{when}创建全国义务教育优质均衡发展{place}，申报国家督导评估认定。"
            );
            if let Some(year) = plan.year() {
                let late = sub
                    .schools
                    .iter()
                    .flat_map(|s| &s.items)
                    .chain(&sub.county_items)
                    .filter(|i| i.deadline.is_some_and(|d| d.year() > year))
                    .count();
                if late > 0 {
                    text.push_str(&format!(
                        "其中{late}项整改任务的完成时限晚于{year}年，我局将督促加快进度，确保创建前完成。"
                    ));
                }
            }
            body.push(Block::Paragraph { text });
        }
        None => body.push(Block::Paragraph {
            text: format!(
                "我{place}创建全国义务教育优质均衡发展{place}的时间正在研究确定，确定后另行报送。"
            ),
        }),
    }

    body.push(Block::Heading {
        level: 1,
        text: "四、下一步工作".to_owned(),
    });
    for (heading, text) in [
        (
            "1.挂图作战，销号管理。",
            "对照整改清单逐项明确责任单位和完成时限，完成一项、销号一项。",
        ),
        (
            "2.一校一策，倒逼落实。",
            "建立倒逼机制，一校一策落实整改，确保在既定时限内达到义务教育优质均衡发展的目标。",
        ),
        (
            "3.定期督查，纳入考核。",
            "定期督查整改进度，整改情况纳入对学校和有关部门的年度考核。",
        ),
    ] {
        body.push(Block::Heading {
            level: 3,
            text: heading.to_owned(),
        });
        body.push(Block::Paragraph {
            text: text.to_owned(),
        });
    }
    if let Some(contact) = &office.contact {
        body.push(Block::Paragraph {
            text: format!("联系人及电话：{contact}"),
        });
    }
    body.push(Block::Paragraph {
        text: "特此报告。".to_owned(),
    });

    let mut attachments = vec![SCHOOL_LIST.title.to_owned()];
    if county_items > 0 {
        attachments.push(COUNTY_LIST.title.to_owned());
    }
    let title = title_lines(&[
        "关于",
        "报送",
        &county.name,
        "义务教育",
        "优质均衡发展",
        "整改清单",
        "和",
        "创建时间",
        "的",
        "报告",
    ]);
    let doc_title = title.concat();
    let mut blocks = report_head(office, title);
    blocks.extend(body);
    blocks.push(Block::AttachmentList { items: attachments });
    blocks.extend(report_tail(office, date));
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::CountyReport,
        file_stem: format!("报告_{}", county.name),
        meta: meta(
            doc_title,
            &office.issuer,
            date,
            &["义务教育优质均衡", &county.name, "整改清单", "创建时间"],
        ),
        sections: vec![Section {
            role: SectionRole::Body,
            orientation: Orientation::Portrait,
            blocks,
        }],
    }
}

/// 版头 and the title of a report upward: red mark, number with 签发人, title, addressee.
fn report_head(office: &Office, title: Vec<String>) -> Vec<Block> {
    vec![
        Block::RedHeader {
            issuer: office.red_header.clone(),
        },
        Block::DocNumber {
            number: office.doc_number.clone(),
            signer: Some(office.signer.clone()),
        },
        Block::Title { lines: title },
        Block::Addressee {
            text: format!("{}：", office.addressee),
        },
    ]
}

/// Signature with the seal, 附注 and 版记.
fn report_tail(office: &Office, date: NaiveDate) -> Vec<Block> {
    notice_tail(
        office,
        date,
        office.cc.clone(),
        office.printed_on.unwrap_or(date),
    )
}

/// The close of every notice gongwen issues: the signature with the seal dated `date`, the
/// office's 附注, and the 版记 with `cc` and the 印发 date.
pub(crate) fn notice_tail(
    office: &Office,
    date: NaiveDate,
    cc: Vec<String>,
    printed_on: NaiveDate,
) -> Vec<Block> {
    let mut blocks = vec![Block::Signature {
        office: office.issuer.clone(),
        date: zh_date(date),
        seal: seal(office),
    }];
    if let Some(note) = &office.note {
        blocks.push(Block::Note {
            text: format!(
                "（{}）",
                note.trim_start_matches('（').trim_end_matches('）')
            ),
        });
    }
    blocks.push(Block::Colophon {
        cc,
        printer: office.printer.clone(),
        printed_on: zh_date(printed_on),
    });
    blocks
}

/// Lines, spread between the longest and shortest, lines shorter than the next, and the
/// piece indices where lines end.
type Breaking = (usize, usize, usize, Vec<usize>);

/// Breaks a title at the given word boundaries into the fewest lines of at most 20
/// characters, as even as possible, a longer line above a shorter one when it must differ
/// (the 梯形 GB/T 9704 asks for). A word longer than a line is broken inside.
pub fn title_lines(words: &[&str]) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    for word in words.iter().filter(|w| !w.is_empty()) {
        let chars: Vec<char> = word.chars().collect();
        pieces.extend(
            chars
                .chunks(TITLE_LINE_CHARS)
                .map(|c| c.iter().collect::<String>()),
        );
    }
    let lens: Vec<usize> = pieces.iter().map(|p| p.chars().count()).collect();
    let n = pieces.len();
    // best[i] = (lines, spread, upper-longer penalty, breaks) for pieces[i..].
    let mut best: Vec<Option<Breaking>> = vec![None; n + 1];
    best[n] = Some((0, 0, 0, Vec::new()));
    for i in (0..n).rev() {
        let mut width = 0;
        for j in i..n {
            width += lens[j];
            if width > TITLE_LINE_CHARS {
                break;
            }
            let Some((lines, _, _, rest)) = &best[j + 1] else {
                continue;
            };
            let mut widths = vec![width];
            let mut start = j + 1;
            for &end in rest {
                widths.push(lens[start..end].iter().sum());
                start = end;
            }
            let spread = widths.iter().max().unwrap_or(&0) - widths.iter().min().unwrap_or(&0);
            let inverted = widths.windows(2).filter(|w| w[0] < w[1]).count();
            let candidate = (lines + 1, spread, inverted, {
                let mut breaks = vec![j + 1];
                breaks.extend(rest);
                breaks
            });
            let better = best[i]
                .as_ref()
                .is_none_or(|b| (candidate.0, candidate.1, candidate.2) < (b.0, b.1, b.2));
            if better {
                best[i] = Some(candidate);
            }
        }
    }
    let breaks = best[0].as_ref().map(|b| b.3.clone()).unwrap_or_default();
    let mut lines = Vec::new();
    let mut start = 0;
    for end in breaks {
        lines.push(pieces[start..end].concat());
        start = end;
    }
    lines
}

/// The latest submission of each county (by 填报日期, then by order given), without those
/// that cannot be rendered.
pub fn latest_per_county(subs: &[Submission]) -> Vec<&Submission> {
    let mut latest: BTreeMap<&str, &Submission> = BTreeMap::new();
    for sub in subs {
        let Ok(county) = renderable(sub) else {
            continue;
        };
        let newer = latest
            .get(county.code.as_str())
            .is_none_or(|old| sub.filed_on >= old.filed_on);
        if newer {
            latest.insert(&county.code, sub);
        }
    }
    let mut out: Vec<&Submission> = latest.into_values().collect();
    out.sort_by(|a, b| county_code(a).cmp(county_code(b)));
    out
}

fn county_code(sub: &Submission) -> &str {
    sub.county.as_ref().map_or("", |c| c.code.as_str())
}

/// One city's filings as its documents print them: the roll-up over the divisions standing
/// on the reference date ([`rollup::reference_date`]), signed on the city's 成文日期.
struct CityPicture<'r, 'a> {
    city: &'r CityRollup<'a>,
    /// 成文日期: configured, else the latest 填报日期 among the city's filings.
    date: NaiveDate,
    /// The day whose divisions are counted.
    as_of: NaiveDate,
}

/// Every filing of a city, counted or listed apart.
fn all_filings<'a>(city: &CityRollup<'a>) -> impl Iterator<Item = &'a Submission> {
    city.counted
        .iter()
        .copied()
        .chain(city.apart.iter().map(|a| a.submission))
}

/// `临平区于2021年4月9日设立，2019年5月31日时不存在` for each filing left out of the counts.
fn apart_reasons(city: &CityRollup) -> Vec<String> {
    city.apart.iter().map(|a| a.reason.clone()).collect()
}

/// The cities present among the submissions, in registry order.
pub fn cities_of(subs: &[Submission]) -> Vec<String> {
    let registry = domain::registry();
    registry
        .cities()
        .into_iter()
        .map(|(name, _)| name.to_owned())
        .filter(|name| {
            subs.iter()
                .any(|s| s.county.as_ref().is_some_and(|c| &c.city == name))
        })
        .collect()
}

/// One city's 附件3, its cover report to the province office, and the package binding them.
/// `subs` may hold other
/// cities' submissions too; the latest of each county is used.
pub fn city_documents(
    city: &str,
    subs: &[Submission],
    config: &Config,
) -> Result<Vec<Document>, ComposeError> {
    let latest = latest_per_county(subs);
    let rollup = Rollup::new(rollup::reference_date(&config.deadlines), latest);
    let Some(city_rollup) = rollup
        .city(city)
        .filter(|c| !c.counted.is_empty() || !c.apart.is_empty())
    else {
        return Err(ComposeError::NoSubmissions {
            city: city.to_owned(),
        });
    };
    let office = config.city_office(city);
    let date = document_date(&office, all_filings(city_rollup).filter_map(|s| s.filed_on));
    let picture = CityPicture {
        city: city_rollup,
        date,
        as_of: rollup.as_of,
    };
    let timetable = city_timetable(&picture, &office);
    let report = city_letter(&picture, &office);
    let package = bound_package(
        DocKind::CityPackage,
        city,
        &report,
        std::slice::from_ref(&timetable),
        config.output.duplex,
    );
    Ok(vec![unbound(timetable, &office), report, package])
}

fn plan_table_columns(first: f64, n: usize) -> Vec<TableColumn> {
    let mut columns = vec![column(first, Align::Center)];
    columns.extend((0..n).map(|_| column(1.0, Align::Center)));
    columns
}

/// 附件3 of one city: its counties under the year each plans to pass the assessment.
fn city_timetable(p: &CityPicture, office: &Office) -> Document {
    let city = p.city.name;
    let header: Vec<String> = TIMETABLE.headers().into_iter().map(str::to_owned).collect();
    let mut row = vec![city.to_owned()];
    let mut totals = vec![TIMETABLE.totals.to_owned()];
    for year in PlanYear::ALL {
        let names = p.city.counties_in(year);
        row.push(names.join("、"));
        totals.push(names.len().to_string());
    }
    let mut notes = Vec::new();
    let not_filed = p.city.not_filed();
    if !not_filed.is_empty() {
        notes.push(format!(
            "{}.截至{}，尚未报送的县（市、区）{}个：{}。",
            notes.len() + 1,
            zh_date(p.date),
            not_filed.len(),
            not_filed.join("、")
        ));
    }
    let without = p.city.without_plan();
    if !without.is_empty() {
        notes.push(format!(
            "{}.已报送但未填写创建时间的县（市、区）：{}。",
            notes.len() + 1,
            without.join("、")
        ));
    }
    let apart = apart_reasons(p.city);
    if !apart.is_empty() {
        notes.push(format!(
            "{}.{}，其报送未计入本表。",
            notes.len() + 1,
            apart.join("；")
        ));
    }
    notes.push(format!(
        "{}.{city}共有县（市、区）{}个（按{}的行政区划）。",
        notes.len() + 1,
        p.city.standing.len(),
        zh_date(p.as_of)
    ));
    let mut blocks = vec![
        Block::AttachmentHead {
            label: TIMETABLE.label.to_owned(),
            // Too long for one 2号 line on a portrait page: broken where the notice breaks it.
            title: title_lines(TIMETABLE.title_words).join("\n"),
        },
        Block::FormFields {
            fields: vec![
                FormField {
                    label: TIMETABLE.unit_field.to_owned(),
                    value: format!("{}（盖章）", office.issuer),
                },
                FormField {
                    label: FILED_ON_FIELD.to_owned(),
                    value: zh_date(p.date),
                },
            ],
            seal: seal(office),
        },
        Block::Table(Table {
            // The first column wide enough for the diagonal head cell's two names.
            columns: plan_table_columns(1.8, PlanYear::ALL.len()),
            header: vec![header],
            rows: vec![row],
            group_column: None,
            footer: vec![totals],
            corner: Some(TIMETABLE.corner_header.to_owned()),
        }),
    ];
    blocks.push(Block::Notes { lines: notes });
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::CityTimetable,
        file_stem: TIMETABLE.file_stem(city),
        meta: meta(
            format!("{city}{}", TIMETABLE.title),
            &office.issuer,
            p.date,
            &["义务教育优质均衡", city, "创建时间表"],
        ),
        sections: vec![Section {
            role: SectionRole::Body,
            orientation: Orientation::Portrait,
            blocks,
        }],
    }
}

/// The city bureau's cover report to the province office, listing 附件1–3.
fn city_letter(p: &CityPicture, office: &Office) -> Document {
    let city = p.city.name;
    let counted = &p.city.counted;
    let total = p.city.standing.len();
    let filed = counted.len();
    let schools: usize = counted.iter().map(|s| s.schools.len()).sum();
    let school_items: usize = counted.iter().map(|s| s.school_item_count()).sum();
    let county_items: usize = counted.iter().map(|s| s.county_items.len()).sum();
    let mut body = vec![Block::Paragraph {
        text: format!(
            "根据{NOTICE_TITLE}（{NOTICE_NUMBER}）要求，我局对所属各县（市、区）上报的整改清单和创建时间进行了审核，统筹协调各县（市、区）的创建计划，汇总形成了我市创建时间表。现将有关情况报告如下。"
        ),
    }];
    body.push(Block::Heading {
        level: 1,
        text: "一、报送情况".to_owned(),
    });
    let mut text = format!(
        "全市共有县（市、区）{total}个，已报送{filed}个，共有{schools}所学校（校区）列入整改清单，整改任务{school_items}项；县级政府层面整改任务{county_items}项。"
    );
    let not_filed = p.city.not_filed();
    if !not_filed.is_empty() {
        text.push_str(&format!(
            "{}尚未报送，我局将督促其尽快报送。",
            not_filed.join("、")
        ));
    }
    let apart = apart_reasons(p.city);
    if !apart.is_empty() {
        text.push_str(&format!("另有{}，其报送未计入上述数字。", apart.join("；")));
    }
    body.push(Block::Paragraph { text });
    body.push(Block::Heading {
        level: 1,
        text: "二、创建时间安排".to_owned(),
    });
    let per_year: Vec<String> = PlanYear::ALL
        .iter()
        .filter_map(|&y| {
            let names = p.city.counties_in(y);
            (!names.is_empty())
                .then(|| format!("{}{}个（{}）", y.label(), names.len(), names.join("、")))
        })
        .collect();
    if per_year.is_empty() {
        body.push(Block::Paragraph {
            text: "已报送的县（市、区）均未填写创建时间。".to_owned(),
        });
    } else {
        body.push(Block::Paragraph {
            text: format!("按各县（市、区）计划，{}。", per_year.join("，")),
        });
    }
    let [first, second] = notice::GOALS;
    let by_first = p.city.cumulative(first.year);
    let by_second = p.city.cumulative(second.year);
    let verdict = |n, goal| {
        if meets(n, total, goal) {
            format!("达到{goal}%的目标")
        } else {
            format!("低于{goal}%的目标")
        }
    };
    body.push(Block::Paragraph {
        text: format!(
            "到{}，全市累计{by_first}个县（市、区）创建，占{}，{}；到{}累计{by_second}个，占{}，{}。",
            first.year.label(),
            percent(by_first, total),
            verdict(by_first, first.percent),
            second.year.label(),
            percent(by_second, total),
            verdict(by_second, second.percent),
        ),
    });
    if let Some(contact) = &office.contact {
        body.push(Block::Paragraph {
            text: format!("联系人及电话：{contact}"),
        });
    }
    body.push(Block::Paragraph {
        text: "特此报告。".to_owned(),
    });
    let title = title_lines(&[
        "关于",
        "报送",
        city,
        "义务教育",
        "优质均衡发展",
        "整改清单",
        "和",
        "创建时间表",
        "的",
        "报告",
    ]);
    let doc_title = title.concat();
    let mut blocks = report_head(office, title);
    blocks.extend(body);
    blocks.push(Block::AttachmentList {
        items: vec![
            format!("{city}{}（电子版）", SCHOOL_LIST.title),
            format!("{city}{}（电子版）", COUNTY_LIST.title),
            TIMETABLE.title.to_owned(),
        ],
    });
    blocks.extend(report_tail(office, p.date));
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::CityLetter,
        file_stem: format!("报告_{city}"),
        meta: meta(
            doc_title,
            &office.issuer,
            p.date,
            &["义务教育优质均衡", city, "创建时间表"],
        ),
        sections: vec![Section {
            role: SectionRole::Body,
            orientation: Orientation::Portrait,
            blocks,
        }],
    }
}

/// The province summary: every city's counts per year, the cumulative share against the
/// notice's goals (of the divisions standing on the reference date, [`rollup`]), who has not
/// filed, the filings left out of the counts and why, and a bar chart.
pub fn province_summary(subs: &[Submission], config: &Config) -> Result<Document, ComposeError> {
    let latest = latest_per_county(subs);
    if latest.is_empty() {
        return Err(ComposeError::NoSubmissions {
            city: "全省".to_owned(),
        });
    }
    let office = config.province_office();
    let date = document_date(&office, latest.iter().filter_map(|s| s.filed_on));
    let rollup = Rollup::new(rollup::reference_date(&config.deadlines), latest);
    let total = rollup.total();

    let mut header = vec![
        "设区市".to_owned(),
        "县（市、区）".to_owned(),
        "已报送".to_owned(),
    ];
    header.extend(PlanYear::ALL.iter().map(|y| y.label().to_owned()));
    header.push("未报送".to_owned());
    let mut rows = Vec::new();
    let mut sums = vec![0usize; 3 + PlanYear::ALL.len()];
    for city in &rollup.cities {
        let mut counts = vec![city.standing.len(), city.counted.len()];
        counts.extend(PlanYear::ALL.iter().map(|&y| city.count_in(y)));
        counts.push(city.not_filed().len());
        for (sum, n) in sums.iter_mut().zip(&counts) {
            *sum += n;
        }
        let mut row = vec![city.name.to_owned()];
        row.extend(counts.iter().map(usize::to_string));
        rows.push(row);
    }
    let mut footer = vec!["全省".to_owned()];
    footer.extend(sums.iter().map(usize::to_string));

    let filed_total = rollup.filed();
    let cities_filed = rollup.cities_filed();
    let mut bars = Vec::new();
    let mut trend_rows = Vec::new();
    for year in PlanYear::ALL {
        let n = rollup.count_in(year);
        let running = rollup.cumulative(year);
        bars.push(Bar {
            label: year.label().to_owned(),
            value: n as u32,
            cumulative: running as u32,
        });
        trend_rows.push(vec![
            year.label().to_owned(),
            n.to_string(),
            running.to_string(),
            percent(running, total),
            notice::goal_for(year).map_or_else(String::new, |g| format!("{g}%")),
        ]);
    }
    let [first, second] = notice::GOALS;
    let by_first = rollup.cumulative(first.year);
    let by_second = rollup.cumulative(second.year);
    let verdict = |n: usize, goal: u32| {
        if meets(n, total, goal) {
            format!("达到{goal}%的目标")
        } else {
            format!(
                "低于{goal}%的目标，差{}个",
                (goal as usize * total).div_ceil(100) - n
            )
        }
    };

    let mut blocks = vec![
        Block::Title {
            lines: title_lines(&[
                "全省",
                "创建全国",
                "义务教育",
                "优质均衡发展",
                "县（市、区）",
                "时间",
                "汇总",
            ]),
        },
        Block::Paragraph {
            text: format!(
                "截至{}，全省11个设区市中已有{cities_filed}个报送，{total}个县（市、区）中已有{filed_total}个报送创建时间。",
                zh_date(date)
            ),
        },
        Block::Paragraph {
            text: format!(
                "按各地计划，到{}全省累计{by_first}个县（市、区）创建，占{}，{}；到{}累计{by_second}个，占{}，{}。",
                first.year.label(),
                percent(by_first, total),
                verdict(by_first, first.percent),
                second.year.label(),
                percent(by_second, total),
                verdict(by_second, second.percent),
            ),
        },
        Block::Heading {
            level: 1,
            text: "一、各设区市创建时间".to_owned(),
        },
        Block::Table(Table {
            columns: {
                // 设区市, 县（市、区）, 已报送, five years, 未报送.
                let mut c = vec![
                    column(1.2, Align::Center),
                    column(1.6, Align::Center),
                    column(1.1, Align::Center),
                ];
                c.extend(PlanYear::ALL.iter().map(|_| column(1.0, Align::Center)));
                c.push(column(1.1, Align::Center));
                c
            },
            header: vec![header],
            rows,
            group_column: None,
            footer: vec![footer],
            corner: None,
        }),
        Block::Heading {
            level: 1,
            text: "二、累计进度与目标".to_owned(),
        },
        Block::Table(Table {
            columns: vec![
                column(1.6, Align::Center),
                column(1.0, Align::Center),
                column(1.0, Align::Center),
                column(1.2, Align::Center),
                column(1.0, Align::Center),
            ],
            header: vec![
                ["年份", "当年（个）", "累计（个）", "累计占全省", "目标"]
                    .map(str::to_owned)
                    .to_vec(),
            ],
            rows: trend_rows,
            group_column: None,
            footer: Vec::new(),
            corner: None,
        }),
        Block::BarChart(BarChart {
            title: "各年计划创建数与累计数".to_owned(),
            bars,
            goals: notice::GOALS
                .iter()
                .map(|g| Goal {
                    label: format!("{}目标{}%", g.year.label(), g.percent),
                    share: f64::from(g.percent) / 100.0,
                })
                .collect(),
            total: total as u32,
        }),
    ];
    let missing: Vec<String> = rollup
        .cities
        .iter()
        .filter_map(|city| {
            let names = city.not_filed();
            if names.is_empty() {
                None
            } else if city.counted.is_empty() {
                Some(format!("{}（全部{}个未报送）", city.name, names.len()))
            } else {
                Some(format!("{}：{}", city.name, names.join("、")))
            }
        })
        .collect();
    let apart: Vec<String> = rollup
        .apart()
        .map(|(city, a)| format!("{}：{}，其报送未计入以上统计。", city.name, a.reason))
        .collect();
    // Each list that has something gets the next heading number.
    let lists = [
        ("尚未报送的县（市、区）", missing),
        ("未计入统计的报送", apart),
    ];
    for ((heading, paragraphs), number) in lists
        .into_iter()
        .filter(|(_, paragraphs)| !paragraphs.is_empty())
        .zip(["三", "四"])
    {
        blocks.push(Block::Heading {
            level: 1,
            text: format!("{number}、{heading}"),
        });
        blocks.extend(paragraphs.into_iter().map(|text| Block::Paragraph { text }));
    }
    blocks.push(Block::Signature {
        office: office.issuer.clone(),
        date: zh_date(date),
        seal: None,
    });
    Ok(Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::ProvinceSummary,
        file_stem: "全省汇总".to_owned(),
        meta: meta(
            "全省创建全国义务教育优质均衡发展县（市、区）时间汇总".to_owned(),
            &office.issuer,
            date,
            &["义务教育优质均衡", "全省", "创建时间"],
        ),
        sections: vec![Section {
            role: SectionRole::Body,
            orientation: Orientation::Portrait,
            blocks,
        }],
    })
}

/// [`province_summary`] with the 挂图 added: a last numbered part on where the items stand as
/// of `as_of` (how many 销号, how many 逾期) and the tile map of the divisions standing that
/// day, shaded by the share of each one's items 销号 ([`crate::tiles::progress_map`]). Without
/// ledgers it is [`province_summary`], block for block.
pub fn province_summary_with_map(
    subs: &[Submission],
    config: &Config,
    ledgers: &BTreeMap<String, crate::tracking::Ledger>,
    as_of: NaiveDate,
) -> Result<Document, ComposeError> {
    let mut doc = province_summary(subs, config)?;
    if ledgers.is_empty() {
        return Ok(doc);
    }
    let Some(section) = doc.sections.first_mut() else {
        return Ok(doc);
    };
    let numbered = section
        .blocks
        .iter()
        .filter(|b| matches!(b, Block::Heading { level: 1, .. }))
        .count();
    let numeral = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        .get(numbered)
        .copied()
        .unwrap_or("十");
    let (mut items, mut closed, mut overdue) = (0, 0, 0);
    for ledger in ledgers.values() {
        let counts = ledger.counts();
        items += counts.values().sum::<usize>();
        closed += counts
            .get(&crate::tracking::Status::Closed)
            .copied()
            .unwrap_or(0);
        overdue += ledger.overdue(as_of).len();
    }
    let blocks = [
        Block::Heading {
            level: 1,
            text: format!("{numeral}、整改事项销号进度"),
        },
        Block::Paragraph {
            text: format!(
                "截至{}，全省{}个县（市、区）的整改清单共有整改事项{items}项，已销号{closed}项，占{}；逾期未销号{overdue}项。",
                zh_date(as_of),
                ledgers.len(),
                percent(closed, items),
            ),
        },
        Block::TileMap(crate::tiles::progress_map(ledgers, as_of)),
    ];
    // Before the signature, which closes the summary.
    let at = section
        .blocks
        .iter()
        .rposition(|b| matches!(b, Block::Signature { .. }))
        .unwrap_or(section.blocks.len());
    section.blocks.splice(at..at, blocks);
    // A summary that reports progress as of a later day is dated that day, not the day the
    // lists were due: the signature and the file's date say when it speaks of.
    if as_of > doc.meta.date {
        let was = zh_date(doc.meta.date);
        doc.meta.date = as_of;
        for block in doc.sections.iter_mut().flat_map(|s| &mut s.blocks) {
            match block {
                Block::Signature { date, .. } if *date == was => *date = zh_date(as_of),
                Block::Colophon { printed_on, .. } if *printed_on == was => {
                    *printed_on = zh_date(as_of);
                }
                _ => {}
            }
        }
    }
    Ok(doc)
}

/// Where in the workbook a character of the document came from: the row's 存在不足情况 cell
/// and the column it sits in, for the first item, school or county item that contains it.
pub fn locate_char(sub: &Submission, c: char) -> Option<(Location, &'static str)> {
    let found = |item: &Item| -> Option<&'static str> {
        if item.shortcoming.contains(c) {
            Some(Column::Shortcoming.header())
        } else if item.measure.contains(c) {
            Some(Column::Measure.header())
        } else {
            None
        }
    };
    for school in &sub.schools {
        if school.name.contains(c)
            && let Some(first) = school.items.first()
        {
            return Some((first.cell.clone(), Column::School.header()));
        }
        for item in &school.items {
            if let Some(column) = found(item) {
                return Some((item.cell.clone(), column));
            }
        }
    }
    for item in &sub.county_items {
        if let Some(column) = found(item) {
            return Some((item.cell.clone(), column));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SUBMISSION_SCHEMA, School, Source};

    fn sample(county: &str, plan: Option<PlanYear>) -> Submission {
        let d = match domain::registry().county(county, None) {
            domain::CountyMatch::Exact(d) => d,
            _ => panic!("{county}"),
        };
        let item = |s: &str, m: &str, d: &str, cell: &str| Item {
            shortcoming: s.to_owned(),
            indicator: None,
            measure: m.to_owned(),
            deadline: d.parse().ok(),
            cell: Location::parse(cell).unwrap(),
            id: None,
        };
        Submission {
            schema: SUBMISSION_SCHEMA.to_owned(),
            source: Source {
                file: format!("{county}.xlsx"),
                sha256: String::new(),
            },
            county: Some(d.to_ref()),
            filed_on: NaiveDate::from_ymd_opt(2019, 5, 20),
            plan_year: plan,
            schools: vec![
                School {
                    name: "杭州市文三街小学".to_owned(),
                    items: vec![
                        item(
                            "生均体育运动场馆面积不足",
                            "错时共享",
                            "2020-08",
                            "学校整改清单!B5",
                        ),
                        item(
                            "网络多媒体教室不足",
                            "新建录播教室",
                            "2019-12",
                            "学校整改清单!B6",
                        ),
                    ],
                },
                School {
                    name: "杭州市学军小学".to_owned(),
                    items: vec![item("美术教室不足", "改建", "2021-06", "学校整改清单!B7")],
                },
            ],
            county_items: vec![item(
                "教师交流不足",
                "建立轮岗制度",
                "2019-12",
                "县级政府整改清单!A5",
            )],
            diagnostics: Vec::new(),
        }
    }

    #[test]
    fn titles_break_at_words_into_even_lines() {
        let lines = title_lines(&[
            "关于",
            "报送",
            "西湖区",
            "义务教育",
            "优质均衡发展",
            "整改清单",
            "和",
            "创建时间",
            "的",
            "报告",
        ]);
        assert_eq!(
            lines,
            vec![
                "关于报送西湖区义务教育优质均衡发展",
                "整改清单和创建时间的报告"
            ]
        );
        assert_eq!(title_lines(&["关于", "报告"]), vec!["关于报告"]);
        let long = "很".repeat(45);
        let lines = title_lines(&[&long]);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
    }

    #[test]
    fn county_documents_follow_the_notice() {
        let sub = sample("西湖区", Some(PlanYear::Y2020));
        let docs = county_documents(&sub, &Config::default()).unwrap();
        let kinds: Vec<_> = docs.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [
                DocKind::SchoolList,
                DocKind::CountyList,
                DocKind::CountyReport,
                DocKind::CountyPackage
            ]
        );
        let Block::Table(table) = &docs[0].sections[0].blocks[2] else {
            panic!("table")
        };
        assert_eq!(
            table.rows[0],
            [
                "1.杭州市文三街小学",
                "1.生均体育运动场馆面积不足",
                "错时共享",
                "2020年8月"
            ]
        );
        assert_eq!(table.rows[1][0], "1.杭州市文三街小学");
        assert_eq!(table.rows[1][1], "2.网络多媒体教室不足");
        assert_eq!(table.rows[2][0], "2.杭州市学军小学");
        assert_eq!(table.group_column, Some(0));
        // The notice's form, as the template prints it.
        assert_eq!(table.header[0], SCHOOL_LIST.headers());
        let Block::Notes { lines } = &docs[1].sections[0].blocks[3] else {
            panic!("notes")
        };
        assert_eq!(*lines, COUNTY_LIST.numbered_notes());
        assert_eq!(docs[1].file_stem, "附件2_县级政府整改清单_西湖区");
        let report = &docs[2];
        assert_eq!(report.meta.date.to_string(), "2019-05-20");
        let texts = report.texts().join("\n");
        assert!(texts.contains("杭州市西湖区教育局文件"));
        assert!(texts.contains("杭州市教育局："));
        assert!(texts.contains("计划于2020年创建"));
        assert!(texts.contains("2019年5月20日"));
        assert!(texts.contains("其中1项整改任务的完成时限晚于2020年"));
    }

    /// The bound package: the report without its 版记, 附件1 and 附件2 with their plain
    /// labels, the 版记 on a page of its own (an even one by default); the separate files
    /// carry the 发文字号 before 附件N when it is configured.
    #[test]
    fn the_package_binds_report_attachments_and_colophon() {
        let sub = sample("西湖区", Some(PlanYear::Y2020));
        let docs = county_documents(&sub, &Config::default()).unwrap();
        let report = &docs[2];
        assert_eq!(report.file_stem, "报告_西湖区");
        let package = &docs[3];
        assert_eq!(package.file_stem, "报送材料_西湖区");
        let roles: Vec<_> = package.sections.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            [
                SectionRole::Body,
                SectionRole::Body,
                SectionRole::Body,
                SectionRole::ColophonOnEvenPage
            ]
        );
        let colophons = |d: &Document| {
            d.sections
                .iter()
                .flat_map(|s| &s.blocks)
                .filter(|b| matches!(b, Block::Colophon { .. }))
                .count()
        };
        assert_eq!(colophons(package), 1);
        assert_eq!(colophons(report), 1);
        assert!(matches!(
            package.sections[3].blocks[..],
            [Block::Colophon { .. }]
        ));
        assert!(matches!(
            &package.sections[1].blocks[0],
            Block::AttachmentHead { label, .. } if label == "附件1"
        ));
        assert_eq!(package.sections[1], docs[0].sections[0]);

        let config = Config::parse(
            "[output]\nduplex = false\n[county.\"西湖区\"]\ndoc_number = \"西教〔2019〕12号\"\n",
        )
        .unwrap();
        let docs = county_documents(&sub, &config).unwrap();
        assert!(matches!(
            &docs[0].sections[0].blocks[0],
            Block::AttachmentHead { label, .. } if label == "西教〔2019〕12号附件1"
        ));
        assert!(matches!(
            &docs[1].sections[0].blocks[0],
            Block::AttachmentHead { label, .. } if label == "西教〔2019〕12号附件2"
        ));
        let package = &docs[3];
        assert!(matches!(
            &package.sections[1].blocks[0],
            Block::AttachmentHead { label, .. } if label == "附件1"
        ));
        assert_eq!(package.sections[3].role, SectionRole::Colophon);
    }

    #[test]
    fn rejected_submissions_are_not_composed() {
        let mut sub = sample("西湖区", None);
        sub.diagnostics.push(crate::diag::Diagnostic::new(
            crate::diag::Rule::DeadlineInvalid,
            None,
            "x",
        ));
        assert!(matches!(
            county_documents(&sub, &Config::default()),
            Err(ComposeError::HasErrors { .. })
        ));
    }

    #[test]
    fn city_timetable_places_counties_under_years_and_lists_the_missing() {
        let subs = vec![
            sample("西湖区", Some(PlanYear::Y2020)),
            sample("上城区", Some(PlanYear::Y2020)),
            sample("滨江区", Some(PlanYear::Later)),
        ];
        let docs = city_documents("杭州市", &subs, &Config::default()).unwrap();
        let Block::Table(table) = &docs[0].sections[0].blocks[2] else {
            panic!("table")
        };
        assert_eq!(table.rows[0][2], "上城区、西湖区");
        assert_eq!(table.rows[0][5], "滨江区");
        assert_eq!(table.footer[0], ["合计（个）", "0", "2", "0", "0", "1"]);
        let notes = docs[0].texts().join("\n");
        assert!(notes.contains("尚未报送的县（市、区）10个"), "{notes}");
        assert!(!notes.contains("临平区"), "临平区 did not stand in 2019");
    }

    #[test]
    fn province_summary_measures_against_the_goals() {
        let subs = vec![
            sample("西湖区", Some(PlanYear::Y2019)),
            sample("鹿城区", Some(PlanYear::Y2022)),
        ];
        let doc = province_summary(&subs, &Config::default()).unwrap();
        let texts = doc.texts().join("\n");
        assert!(texts.contains("89个县（市、区）中已有2个"), "{texts}");
        assert!(texts.contains("低于20%的目标，差17个"), "{texts}");
        assert!(texts.contains("湖州市（全部"), "{texts}");
        let chart = doc.sections[0].blocks.iter().find_map(|b| match b {
            Block::BarChart(c) => Some(c),
            _ => None,
        });
        let chart = chart.unwrap();
        assert_eq!(chart.total, 89);
        assert_eq!(chart.bars[3].cumulative, 2);
    }

    #[test]
    fn characters_map_back_to_cells() {
        let mut sub = sample("西湖区", None);
        sub.schools[1].items[0].measure = "改建\u{E000}".to_owned();
        let (cell, column) = locate_char(&sub, '\u{E000}').unwrap();
        assert_eq!(cell.to_string(), "学校整改清单!B7");
        assert_eq!(column, "整改提升措施");
    }
}
