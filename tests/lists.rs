//! The city's 附件1 and 附件2 and the province's 全省整改清单 as workbooks (`gongwen::lists`):
//! rolled up from the example counties, opened again with calamine and LibreOffice, every
//! input item found once, the totals and the count sheet equal to the inputs', 完成时限 a date
//! in its month, the same inputs the same bytes; and `gongwen rollup` writes them where the
//! README says, which `gongwen check` reads back without a warning.

mod common;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Range, Reader, Xlsx};
use chrono::Datelike;
use gongwen::config::Config;
use gongwen::intake::Limits;
use gongwen::lists::{self, COUNT_SHEET, FIRST_DATA_ROW, HEADER_ROW, PROVINCE_FILE};
use gongwen::model::Submission;
use gongwen::notice::{COUNTY_LIST, Form, SCHOOL_LIST};
use gongwen::pipeline::{self, RenderedFile, WorkbookReader};

use common::{fixtures, gongwen, must_exit, repo_root, run, stdout};

fn example_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join("examples"))
        .unwrap()
        .flat_map(|case| std::fs::read_dir(case.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 6, "{paths:?}");
    paths
}

/// 龙港市 filed before it was founded: 附件3 lists it apart, so the lists must too.
fn longgang_path() -> PathBuf {
    fixtures().join("counties/longgang_before_founding/龙港市.xlsx")
}

fn read(path: &Path) -> Submission {
    let sub =
        pipeline::read_submission(path, &WorkbookReader::InProcess, &Limits::default()).unwrap();
    assert!(
        !sub.has_errors(),
        "{}: {:?}",
        path.display(),
        sub.diagnostics
    );
    sub
}

fn inputs() -> Vec<Submission> {
    let mut subs: Vec<Submission> = example_paths().iter().map(|p| read(p)).collect();
    subs.push(read(&longgang_path()));
    subs
}

fn counted(subs: &[Submission]) -> Vec<&Submission> {
    subs.iter()
        .filter(|s| s.county.as_ref().is_some_and(|c| c.name != "龙港市"))
        .collect()
}

fn open(file: &RenderedFile) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(file.bytes.clone())).unwrap_or_else(|e| panic!("{}: {e}", file.name))
}

fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Range<Data> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// One item as a list row prints it: (city, county, school, 存在不足情况, 对应指标, 整改提升措施,
/// 完成时限 as year and month).
type ItemKey = (String, String, String, String, String, String, (i32, u32));

/// Every counted input item of `form`, sorted.
fn expected_items(subs: &[&Submission], form: &Form) -> Vec<ItemKey> {
    let mut out = Vec::new();
    for sub in subs {
        let county = sub.county.as_ref().unwrap();
        let mut push = |school: &str, item: &gongwen::model::Item| {
            let month = item.deadline.expect("every example deadline reads");
            out.push((
                county.city.clone(),
                county.name.clone(),
                school.to_owned(),
                item.shortcoming.clone(),
                item.indicator.clone().unwrap_or_default(),
                item.measure.clone(),
                (month.year(), month.month()),
            ));
        };
        if *form == SCHOOL_LIST {
            for school in &sub.schools {
                for item in &school.items {
                    push(&school.name, item);
                }
            }
        } else {
            for item in &sub.county_items {
                push("", item);
            }
        }
    }
    out.sort();
    out
}

/// The rows of a list sheet read back, checking the frame around them on the way: 附件N, the
/// title, the header (the notice's headers in the notice's order among gongwen's), 完成时限 a
/// date on the first of its month.
fn read_list(range: &Range<Data>, form: &Form, province: bool, city: &str) -> Vec<ItemKey> {
    assert_eq!(text(range, 0, 0), form.label);
    assert_eq!(text(range, 1, 0), form.title);
    let headers = lists::headers(form, province);
    let got: Vec<String> = (0..headers.len() as u32)
        .map(|c| text(range, HEADER_ROW, c))
        .collect();
    assert_eq!(got, headers);
    let notice: Vec<&str> = got
        .iter()
        .map(String::as_str)
        .filter(|h| form.headers().contains(h))
        .collect();
    assert_eq!(notice, form.headers(), "the notice's headers, in order");
    let col = |h: &str| headers.iter().position(|x| *x == h).unwrap() as u32;
    let mut out = Vec::new();
    let mut row = FIRST_DATA_ROW;
    while !text(range, row, col("县（市、区）")).is_empty() {
        let deadline = match range.get_value((row, col("完成时限"))) {
            Some(Data::DateTime(dt)) => dt.as_datetime().unwrap().date(),
            other => panic!("完成时限 at row {row} is not a date: {other:?}"),
        };
        assert_eq!(deadline.day(), 1);
        let school = if *form == SCHOOL_LIST {
            text(range, row, col("学校名称"))
        } else {
            String::new()
        };
        let item_city = if province {
            text(range, row, col("设区市"))
        } else {
            city.to_owned()
        };
        let code = text(range, row, col("对应指标"));
        if !code.is_empty() {
            let indicator = gongwen::domain::registry().indicator(&code).unwrap();
            assert_eq!(text(range, row, col("指标名称")), indicator.short);
        }
        assert_eq!(text(range, row, col("SHA-256（前12位）")).len(), 12);
        out.push((
            item_city,
            text(range, row, col("县（市、区）")),
            school,
            text(range, row, col("存在不足情况")),
            code,
            text(range, row, col("整改提升措施")),
            (deadline.year(), deadline.month()),
        ));
        row += 1;
    }
    // After a blank row, 合计 with the counts.
    assert!(text(range, row + 1, 0).starts_with(lists::TOTALS_LABEL));
    assert!(
        text(range, row + 1, 0).contains(&format!("{}项", out.len())),
        "{}",
        text(range, row + 1, 0)
    );
    out.sort();
    out
}

#[test]
fn the_citys_lists_hold_every_counted_item_once_under_the_notices_headers() {
    let subs = inputs();
    let config = Config::default();
    let files = lists::city_workbooks("杭州市", &subs, &config).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "附件1_学校整改清单_杭州市.xlsx",
            "附件2_县级政府整改清单_杭州市.xlsx"
        ]
    );
    let counted = counted(&subs);
    for (file, form) in files.iter().zip([&SCHOOL_LIST, &COUNTY_LIST]) {
        let mut book = open(file);
        assert_eq!(book.sheet_names(), [form.name]);
        let got = read_list(&sheet(&mut book, form.name), form, false, "杭州市");
        let expected = expected_items(&counted, form);
        assert!(!expected.is_empty());
        assert_eq!(got, expected, "{}", file.name);
    }
    // 温州市 only filed through 龙港市, which did not stand on the deadline: lists with no
    // row, and the reason under the table.
    let wenzhou = lists::city_workbooks("温州市", &subs, &config).unwrap();
    let mut book = open(&wenzhou[0]);
    let range = sheet(&mut book, SCHOOL_LIST.name);
    assert!(read_list(&range, &SCHOOL_LIST, false, "温州市").is_empty());
    let under = text(&range, FIRST_DATA_ROW + 2, 0);
    assert!(under.contains("龙港市于2019年8月16日设立"), "{under}");
    // A city without any filing gets no lists.
    assert!(
        lists::city_workbooks("宁波市", &subs, &config)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_province_workbook_lists_every_city_and_counts_indicators_per_county() {
    let subs = inputs();
    let file = lists::province_workbook(&subs, &Config::default())
        .unwrap()
        .unwrap();
    assert_eq!(file.name, PROVINCE_FILE);
    let mut book = open(&file);
    assert_eq!(
        book.sheet_names(),
        [SCHOOL_LIST.name, COUNTY_LIST.name, COUNT_SHEET]
    );
    let counted = counted(&subs);
    for form in [&SCHOOL_LIST, &COUNTY_LIST] {
        let got = read_list(&sheet(&mut book, form.name), form, true, "");
        assert_eq!(got, expected_items(&counted, form), "{}", form.name);
    }

    // The count sheet: one row per counted county, a 小计 per city, 全省 last; one column per
    // indicator that occurs, then 合计.
    let counts = sheet(&mut book, COUNT_SHEET);
    let header = 2;
    let width = counts.end().unwrap().1 + 1;
    let headers: Vec<String> = (0..width).map(|c| text(&counts, header, c)).collect();
    assert_eq!(headers[..2], ["设区市", "县（市、区）"]);
    assert_eq!(headers.last().unwrap(), lists::TOTAL);
    let number = |row: u32, col: u32| match counts.get_value((row, col)) {
        Some(Data::Float(n)) => *n as usize,
        Some(Data::Int(n)) => *n as usize,
        other => panic!("({row}, {col}) is not a count: {other:?}"),
    };
    let mut per_indicator: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_county: BTreeMap<String, usize> = BTreeMap::new();
    for sub in &counted {
        let items = sub
            .schools
            .iter()
            .flat_map(|s| &s.items)
            .chain(&sub.county_items);
        for item in items {
            let key = item
                .indicator
                .clone()
                .unwrap_or(lists::NO_INDICATOR.to_owned());
            *per_indicator.entry(key).or_default() += 1;
            *per_county
                .entry(sub.county.as_ref().unwrap().name.clone())
                .or_default() += 1;
        }
    }
    let codes: Vec<String> = headers[2..headers.len() - 1]
        .iter()
        .map(|h| h.split('\n').next().unwrap().to_owned())
        .collect();
    let expected_codes: Vec<String> = per_indicator.keys().cloned().collect();
    let mut sorted_codes = codes.clone();
    sorted_codes.sort();
    assert_eq!(
        sorted_codes, expected_codes,
        "exactly the indicators that occur"
    );
    let last = counts.end().unwrap().0;
    assert_eq!(text(&counts, last, 0), "全省");
    for (i, code) in codes.iter().enumerate() {
        assert_eq!(number(last, 2 + i as u32), per_indicator[code], "{code}");
    }
    let all: usize = per_indicator.values().sum();
    assert_eq!(number(last, width - 1), all);
    let mut rows_seen = 0;
    let mut county_sum = 0;
    for row in header + 1..last {
        let county = text(&counts, row, 1);
        if county == "小计" {
            assert_eq!(
                number(row, width - 1),
                county_sum,
                "{}",
                text(&counts, row, 0)
            );
            county_sum = 0;
            continue;
        }
        assert_eq!(number(row, width - 1), per_county[&county], "{county}");
        let across: usize = (2..width - 1).map(|c| number(row, c)).sum();
        assert_eq!(across, per_county[&county], "{county}");
        county_sum += per_county[&county];
        rows_seen += 1;
    }
    assert_eq!(rows_seen, counted.len());
}

#[test]
fn the_same_inputs_give_the_same_bytes_in_any_order() {
    let config = Config::default();
    let subs = inputs();
    let mut reversed = subs.clone();
    reversed.reverse();
    let city = |s: &[Submission]| lists::city_workbooks("杭州市", s, &config).unwrap();
    let province = |s: &[Submission]| lists::province_workbook(s, &config).unwrap().unwrap();
    assert_eq!(city(&subs), city(&subs));
    assert_eq!(city(&subs), city(&reversed));
    assert_eq!(province(&subs), province(&reversed));
}

fn font_paths() -> Option<String> {
    let shipped = repo_root().join("fonts");
    if gongwen::render::fonts::STAND_INS
        .iter()
        .all(|s| shipped.join(s.file).is_file())
    {
        return Some(shipped.display().to_string());
    }
    common::skip("no fonts in fonts/ to render the roll-up's documents");
    None
}

fn rollup_into(out: &Path, fonts: &str) {
    let result = run(gongwen()
        .arg("rollup")
        .arg("--out")
        .arg(out)
        .env("GONGWEN_FONT_PATHS", fonts)
        .args(example_paths())
        .arg(longgang_path()));
    must_exit(&result, 0);
}

#[test]
fn rollup_writes_the_lists_check_reads_them_back_and_libreoffice_opens_them() {
    let Some(fonts) = font_paths() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("a"), tmp.path().join("b"));
    rollup_into(&first, &fonts);
    rollup_into(&second, &fonts);
    let workbooks = [
        "杭州市/附件1_学校整改清单_杭州市.xlsx",
        "杭州市/附件2_县级政府整改清单_杭州市.xlsx",
        "温州市/附件1_学校整改清单_温州市.xlsx",
        "温州市/附件2_县级政府整改清单_温州市.xlsx",
        PROVINCE_FILE,
    ];
    for name in workbooks {
        let a = std::fs::read(first.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let b = std::fs::read(second.join(name)).unwrap();
        assert!(a == b, "{name} differs between two runs");
    }

    // check: a city's or the province's list, not a filing, with the inputs' totals.
    let paths: Vec<PathBuf> = workbooks.iter().map(|n| first.join(n)).collect();
    let result = run(gongwen().arg("check").arg("--deny-warnings").args(&paths));
    must_exit(&result, 0);
    let report = stdout(&result);
    assert!(!report.contains("警告"), "{report}");
    let subs = inputs();
    let counted = counted(&subs);
    let school_items: usize = counted.iter().map(|s| s.school_item_count()).sum();
    let county_items: usize = counted.iter().map(|s| s.county_items.len()).sum();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), workbooks.len(), "{report}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("不是县（市、区）的报送") && l.ends_with("读取正常"))
    );
    assert!(lines[0].starts_with("附件1_学校整改清单_杭州市.xlsx: 杭州市的附件1学校整改清单"));
    assert!(
        lines[0].contains(&format!(" {school_items}项")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(&format!("县级{county_items}项")),
        "{}",
        lines[1]
    );
    assert!(
        lines[4].starts_with("全省整改清单.xlsx: 全省的"),
        "{}",
        lines[4]
    );
    assert!(lines[4].contains(&format!(" {school_items}项 · 县级{county_items}项")));
    let (_, json) = common::check_json(&[&paths[4]]);
    assert_eq!(json[0]["schema"], "gongwen.list/1");
    assert_eq!(json[0]["school_items"], school_items);
    assert_eq!(json[0]["county_items"], county_items);
    assert_eq!(json[0]["counties"], counted.len());

    // LibreOffice opens every workbook: each sheet converts to CSV with the notice's headers.
    if !common::have_tool("soffice") {
        common::skip("LibreOffice (soffice) is not installed");
        return;
    }
    let csv_dir = tmp.path().join("csv");
    let result = run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            tmp.path().join("profile").display()
        ))
        .args(["--headless", "--convert-to"])
        // UTF-8, every sheet to its own file.
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1")
        .arg("--outdir")
        .arg(&csv_dir)
        .args(&paths));
    let converted = |name: &str| {
        std::fs::read_to_string(csv_dir.join(name)).unwrap_or_else(|e| {
            panic!(
                "LibreOffice did not convert {name}: {e}\n{}",
                String::from_utf8_lossy(&result.stderr)
            )
        })
    };
    let city = converted("附件1_学校整改清单_杭州市-学校整改清单.csv");
    assert!(
        city.contains(&lists::headers(&SCHOOL_LIST, false).join(",")),
        "{city}"
    );
    let first_deadline = counted[0].schools[0].items[0].deadline.unwrap().zh();
    assert!(
        city.contains(&first_deadline),
        "完成时限 shows as {first_deadline}"
    );
    let county = converted("附件2_县级政府整改清单_杭州市-县级政府整改清单.csv");
    assert!(county.contains(&lists::headers(&COUNTY_LIST, false).join(",")));
    let province = converted("全省整改清单-学校整改清单.csv");
    assert!(province.contains(&lists::headers(&SCHOOL_LIST, true).join(",")));
    let count = converted("全省整改清单-指标统计.csv");
    assert!(count.contains("全省,合计,"), "{count}");
    converted("附件1_学校整改清单_温州市-学校整改清单.csv");
}

/// The title in a workbook's `docProps/core.xml`, and its creation date.
fn core_properties(file: &RenderedFile) -> (String, String) {
    let xml = part(file, "docProps/core.xml");
    let between = |open: &str, close: &str| {
        let start = xml.find(open).unwrap() + open.len();
        let end = start + xml[start..].find(close).unwrap();
        xml[start..end].to_owned()
    };
    (
        between("<dc:title>", "</dc:title>"),
        between(
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">",
            "</dcterms:created>",
        ),
    )
}

#[test]
fn the_cover_letter_names_the_workbooks_it_promises() {
    use gongwen::render::compose;
    use gongwen::render::document::{Block, DocKind};
    let subs = inputs();
    let config = Config::default();
    let docs = compose::city_documents("杭州市", &subs, &config).unwrap();
    let letter = docs.iter().find(|d| d.kind == DocKind::CityLetter).unwrap();
    let attachments: Vec<&String> = letter
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            Block::AttachmentList { items } => Some(items.iter().collect()),
            _ => None,
        })
        .unwrap();
    let files = lists::city_workbooks("杭州市", &subs, &config).unwrap();
    for (i, file) in files.iter().enumerate() {
        let (title, created) = core_properties(file);
        assert_eq!(
            *attachments[i],
            format!("{title}（电子版）"),
            "{}",
            file.name
        );
        // The roll-up's date (the latest 填报日期 here), never the clock.
        assert_eq!(
            created,
            format!("{}T00:00:00Z", letter.meta.date.format("%Y-%m-%d"))
        );
    }
}

#[test]
fn check_warns_when_a_lists_totals_disagree_with_its_rows() {
    use gongwen::intake::{RawSheet, RawWorkbook};
    let subs = inputs();
    let file = lists::city_workbooks("杭州市", &subs, &Config::default())
        .unwrap()
        .remove(0);
    let book = gongwen::intake::read_bytes(&file.bytes, &file.name, &Limits::default()).unwrap();
    let reading = lists::recognise(&book).unwrap();
    assert_eq!(reading.warnings(), Vec::<String>::new());
    let items = reading.school_items;
    // A row deleted by hand: the 合计 under the table no longer agrees.
    let sheet = &book.sheets[0];
    assert_eq!(sheet.origin, (0, 0));
    let mut rows = sheet.rows().to_vec();
    rows.remove(FIRST_DATA_ROW as usize);
    let tampered = RawWorkbook {
        format: book.format,
        sheets: vec![RawSheet::from_rows(sheet.name.clone(), rows)],
    };
    let reading = lists::recognise(&tampered).unwrap();
    assert_eq!(reading.school_items, items - 1);
    assert_eq!(
        reading.warnings(),
        [format!(
            "工作表“{}”的合计行与表中{}项不符",
            SCHOOL_LIST.name,
            items - 1
        )]
    );
}

/// One part of a workbook's zip, as text.
fn part(file: &RenderedFile, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(file.bytes.clone())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut xml).unwrap();
    xml
}

#[test]
fn every_sheet_prints_a4_landscape_one_page_wide_with_its_header_repeated_and_frozen() {
    let subs = inputs();
    let file = lists::province_workbook(&subs, &Config::default())
        .unwrap()
        .unwrap();
    let workbook = part(&file, "xl/workbook.xml");
    for (i, (name, header_row)) in [
        (SCHOOL_LIST.name, HEADER_ROW + 1),
        (COUNTY_LIST.name, HEADER_ROW + 1),
        (COUNT_SHEET, 3),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(
            workbook.contains(&format!(
                r#"<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{name}!${header_row}:${header_row}</definedName>"#
            )),
            "{name}: {workbook}"
        );
        assert!(workbook.contains(&format!(
            r#"<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">{name}!$A${header_row}:"#
        )));
        let sheet = part(&file, &format!("xl/worksheets/sheet{}.xml", i + 1));
        for needle in [
            r#"<pageSetUpPr fitToPage="1"/>"#,
            r#"paperSize="9" fitToHeight="0" orientation="landscape""#,
            r#"state="frozen""#,
            "<autoFilter ref=",
            "<oddFooter>&amp;C&amp;9第 &amp;P 页，共 &amp;N 页</oddFooter>",
        ] {
            assert!(sheet.contains(needle), "{name} lacks {needle}");
        }
    }
}

#[test]
fn a_list_given_as_a_countys_filing_is_refused_for_what_it_is() {
    let subs = inputs();
    let file = lists::province_workbook(&subs, &Config::default())
        .unwrap()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(&file.name);
    std::fs::write(&path, &file.bytes).unwrap();
    let sub =
        pipeline::read_submission(&path, &WorkbookReader::InProcess, &Limits::default()).unwrap();
    let rules: Vec<String> = sub.diagnostics.iter().map(|d| d.rule.code()).collect();
    assert_eq!(rules, ["rollup_list"]);
    assert!(sub.has_errors() && sub.schools.is_empty());
    assert!(sub.diagnostics[0].message.contains("全省整改清单"));
}
