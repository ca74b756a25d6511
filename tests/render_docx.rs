//! The DOCX backend: documents built in code, rendered, and read back out of the zip (page
//! setup, fonts, header rows, merges, indents, page numbers, the seal, escaping, determinism).
//! When LibreOffice is installed the files are also converted to PDF and the text and the line
//! grid checked there; without it those tests say so and pass.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::libreoffice::fontconfig;
use gongwen::render::document::{
    Align, Bar, BarChart, Block, DOCUMENT_SCHEMA, DocKind, Document, FormField, Goal, Meta,
    Orientation, Seal, Section, Table, TableColumn,
};
use gongwen::render::docx::{DocxOptions, render_docx};
use regex::Regex;

// ---------------------------------------------------------------------------------------------
// Documents

fn meta(title: &str) -> Meta {
    Meta {
        title: title.to_owned(),
        author: "杭州市西湖区教育局".to_owned(),
        date: "2019-05-20".to_owned(),
        keywords: vec!["义务教育优质均衡".to_owned(), "西湖区".to_owned()],
    }
}

fn seal() -> Seal {
    Seal {
        diameter_mm: 42.0,
        label: "盖章处".to_owned(),
    }
}

fn p(text: &str) -> Block {
    Block::Paragraph {
        text: text.to_owned(),
    }
}

const BODY: &str = "义务教育是教育工作的重中之重。我省已进入高水平全面建成小康社会的决胜阶段，对整体提升义务教育质量提出了新的要求。为贯彻落实教育部《县域义务教育优质均衡发展督导评估办法》精神，现就加快义务教育优质均衡发展有关事项报告如下。";

/// A county report with every block type: the notice (portrait), a landscape form with a
/// seal beside its fields, and a portrait chart page ending with the 版记.
fn report() -> Document {
    let mut notice = vec![
        Block::RedHeader {
            issuer: "杭州市西湖区教育局文件".to_owned(),
        },
        Block::DocNumber {
            number: "西教〔2019〕12号".to_owned(),
            signer: Some("张三".to_owned()),
        },
        Block::Title {
            lines: vec![
                "关于报送西湖区义务教育优质均衡发展".to_owned(),
                "整改清单和创建时间的报告".to_owned(),
            ],
        },
        Block::Addressee {
            text: "杭州市教育局：".to_owned(),
        },
        p(BODY),
        Block::Heading {
            level: 1,
            text: "一、自查自评情况".to_owned(),
        },
        p(BODY),
        Block::Heading {
            level: 2,
            text: "（一）学校层面".to_owned(),
        },
        p(BODY),
        Block::Heading {
            level: 3,
            text: "1.资源配置".to_owned(),
        },
        p(BODY),
        Block::Heading {
            level: 4,
            text: "（1）生均体育运动场馆面积".to_owned(),
        },
    ];
    for _ in 0..4 {
        notice.push(p(BODY));
    }
    notice.extend([
        p("特此报告。"),
        Block::AttachmentList {
            items: vec![
                "义务教育学校达到优质均衡目标整改清单".to_owned(),
                "创建全国义务教育优质均衡发展县（市、区）时间表及各县（市、区）创建计划汇总"
                    .to_owned(),
            ],
        },
        Block::Signature {
            office: "杭州市西湖区教育局".to_owned(),
            date: "2019年5月20日".to_owned(),
            seal: Some(seal()),
        },
        Block::Note {
            text: "（此件依申请公开）".to_owned(),
        },
    ]);
    let form = vec![
        Block::AttachmentHead {
            label: "附件3".to_owned(),
            title: "创建全国义务教育优质均衡发展县（市、区）时间表".to_owned(),
        },
        Block::FormFields {
            fields: vec![
                FormField {
                    label: "填报单位".to_owned(),
                    value: "杭州市教育局（盖章）".to_owned(),
                },
                FormField {
                    label: "填报日期".to_owned(),
                    value: "2019年5月20日".to_owned(),
                },
            ],
            seal: Some(seal()),
        },
        Block::Table(Table {
            columns: [1.6, 1.0, 1.0, 1.0, 1.0, 1.2]
                .into_iter()
                .map(|weight| TableColumn {
                    weight,
                    align: Align::Center,
                })
                .collect(),
            header: vec![
                [
                    "县（市、区）",
                    "2019年",
                    "2020年",
                    "2021年",
                    "2022年",
                    "2023年及以后",
                ]
                .map(str::to_owned)
                .to_vec(),
            ],
            rows: vec![["西湖区", "", "√", "", "", ""].map(str::to_owned).to_vec()],
            group_column: None,
            footer: vec![
                ["合计（个）", "0", "1", "0", "0", "0"]
                    .map(str::to_owned)
                    .to_vec(),
            ],
        }),
        Block::Notes {
            lines: vec!["1.在对应年份下打“√”。".to_owned()],
        },
    ];
    let chart = vec![
        Block::AttachmentHead {
            label: "附件4".to_owned(),
            title: "各市创建进度".to_owned(),
        },
        Block::BarChart(BarChart {
            title: "各年创建县（市、区）数".to_owned(),
            bars: vec![
                Bar {
                    label: "2019年".to_owned(),
                    value: 3,
                    cumulative: 3,
                },
                Bar {
                    label: "2020年".to_owned(),
                    value: 14,
                    cumulative: 17,
                },
                Bar {
                    label: "2021年".to_owned(),
                    value: 0,
                    cumulative: 17,
                },
            ],
            goals: vec![Goal {
                label: "2020年目标20%".to_owned(),
                share: 0.2,
            }],
            total: 90,
        }),
        Block::Colophon {
            cc: vec![
                "杭州市人民政府教育督导委员会办公室".to_owned(),
                "西湖区人民政府".to_owned(),
            ],
            printer: "杭州市西湖区教育局办公室".to_owned(),
            printed_on: "2019年5月20日".to_owned(),
        },
    ];
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::CountyReport,
        file_stem: "报送函_西湖区".to_owned(),
        meta: meta("关于报送西湖区义务教育优质均衡发展整改清单和创建时间的报告"),
        sections: vec![
            Section {
                orientation: Orientation::Portrait,
                blocks: notice,
            },
            Section {
                orientation: Orientation::Landscape,
                blocks: form,
            },
            Section {
                orientation: Orientation::Portrait,
                blocks: chart,
            },
        ],
    }
}

/// 附件1 of a county with 14 schools of 2 to 5 items each: the table runs over several pages.
fn school_list() -> Document {
    let mut rows = Vec::new();
    for s in 0..14 {
        let name = format!("{}.西湖区第{}实验小学", s + 1, s + 1);
        for i in 0..(2 + s % 4) {
            rows.push(vec![
                name.clone(),
                format!("{}.生均体育运动场馆面积不足，现为每生{}平方米", i + 1, 3 + i),
                "结合校舍改扩建工程新建风雨操场一座，并与周边社区体育设施共享使用，确保达到省定标准。".to_owned(),
                format!("2020年{}月", 1 + i),
            ]);
        }
    }
    Document {
        schema: DOCUMENT_SCHEMA.to_owned(),
        kind: DocKind::SchoolList,
        file_stem: "附件1_学校整改清单_西湖区".to_owned(),
        meta: meta("西湖区义务教育学校达到优质均衡目标整改清单"),
        sections: vec![Section {
            orientation: Orientation::Landscape,
            blocks: vec![
                Block::AttachmentHead {
                    label: "附件1".to_owned(),
                    title: "义务教育学校达到优质均衡目标整改清单".to_owned(),
                },
                Block::FormFields {
                    fields: vec![
                        FormField {
                            label: "县（市、区）名称".to_owned(),
                            value: "西湖区".to_owned(),
                        },
                        FormField {
                            label: "填报日期".to_owned(),
                            value: "2019年5月20日".to_owned(),
                        },
                    ],
                    seal: None,
                },
                Block::Table(Table {
                    columns: vec![
                        TableColumn {
                            weight: 2.2,
                            align: Align::Left,
                        },
                        TableColumn {
                            weight: 3.4,
                            align: Align::Left,
                        },
                        TableColumn {
                            weight: 3.8,
                            align: Align::Left,
                        },
                        TableColumn {
                            weight: 1.3,
                            align: Align::Center,
                        },
                    ],
                    header: vec![
                        ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
                            .map(str::to_owned)
                            .to_vec(),
                    ],
                    rows,
                    group_column: Some(0),
                    footer: Vec::new(),
                }),
                Block::Notes {
                    lines: vec![
                        "1.学校必须按照物理独立校区填报，如一校多区必须分开自查后分开填报。"
                            .to_owned(),
                        "2.完成时限精确到月份。".to_owned(),
                    ],
                },
            ],
        }],
    }
}

/// Spreadsheet text that would be markup somewhere: XML, CDATA ends, typst code and math.
const HOSTILE: [&str; 6] = [
    "<w:t>x</w:t>",
    "A&B&amp;",
    "]]>",
    r#"#read("/etc/passwd")"#,
    "$x$ *粗* _斜_",
    "</w:body>\"'",
];

fn hostile() -> Document {
    let mut doc = report();
    doc.meta.title = HOSTILE.concat();
    let blocks = &mut doc.sections[0].blocks;
    blocks.insert(4, p(&HOSTILE.join(" ")));
    blocks.insert(5, p("控制\u{1}字符\u{b}不见，换行\n之后，制表\t之后"));
    if let Block::Table(t) = &mut doc.sections[1].blocks[2] {
        t.rows
            .push(HOSTILE.iter().map(|s| (*s).to_owned()).collect());
    }
    if let Block::Signature {
        seal: Some(seal), ..
    } = &mut doc.sections[0]
        .blocks
        .iter_mut()
        .find(|b| matches!(b, Block::Signature { .. }))
        .expect("signature")
    {
        seal.label = "<盖章>&".to_owned();
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// Reading the package back

struct Docx {
    parts: Vec<(String, String)>,
}

impl Docx {
    fn open(bytes: &[u8]) -> Docx {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut parts = Vec::new();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).expect("entry");
            let mut text = String::new();
            file.read_to_string(&mut text).expect("UTF-8 part");
            parts.push((file.name().expect("name").into_owned(), text));
        }
        Docx { parts }
    }

    fn part(&self, name: &str) -> &str {
        self.parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no part {name}"))
    }

    fn document(&self) -> &str {
        self.part("word/document.xml")
    }
}

fn render(doc: &Document) -> Vec<u8> {
    render_docx(doc, &DocxOptions::default()).expect("renders")
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The text of every `w:t`, unescaped, in order.
fn texts(xml: &str) -> Vec<String> {
    let re = Regex::new(r"<w:t(?: [^>]*)?>([^<]*)</w:t>").expect("regex");
    re.captures_iter(xml)
        .map(|c| {
            c[1].replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// `sectPr` elements of the document, in order.
fn section_properties(xml: &str) -> Vec<String> {
    let re = Regex::new(r"<w:sectPr>.*?</w:sectPr>").expect("regex");
    re.find_iter(xml).map(|m| m.as_str().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Package tests

#[test]
fn pages_are_a4_with_the_gbt9704_margins_and_line_grid() {
    let docx = Docx::open(&render(&report()));
    let sections = section_properties(docx.document());
    assert_eq!(sections.len(), 3, "{sections:?}");
    for (i, s) in sections.iter().enumerate() {
        assert!(
            s.contains(r#"<w:docGrid w:type="lines" w:linePitch="579"/>"#),
            "{s}"
        );
        assert!(
            s.contains(r#"<w:footerReference w:type="default" r:id="rIdFooter1"/>"#),
            "{s}"
        );
        assert!(
            s.contains(r#"<w:footerReference w:type="even" r:id="rIdFooter2"/>"#),
            "{s}"
        );
        if i == 1 {
            assert!(
                s.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>"#),
                "{s}"
            );
            assert!(
                s.contains(r#"w:top="1587" w:right="1984" w:bottom="1474" w:left="2098""#),
                "{s}"
            );
        } else {
            assert!(s.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#), "{s}");
            // 37, 26, 35, 28 mm.
            assert!(
                s.contains(r#"w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#),
                "{s}"
            );
        }
        // Schema order: references first, the grid last.
        assert!(s.starts_with("<w:sectPr><w:footerReference"), "{s}");
        assert!(
            s.ends_with(r#"<w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr>"#),
            "{s}"
        );
    }
    let styles = docx.part("word/styles.xml");
    assert!(
        styles.contains(r#"<w:spacing w:before="0" w:after="0" w:line="579" w:lineRule="exact"/>"#)
    );
    assert!(styles.contains(r#"<w:sz w:val="32"/>"#), "3号 body");
}

#[test]
fn fonts_are_the_ones_chinese_offices_name() {
    let docx = Docx::open(&render(&report()));
    let styles = docx.part("word/styles.xml");
    let face = |style: &str| {
        let re = Regex::new(&format!(r#"w:styleId="{style}">.*?</w:style>"#)).expect("regex");
        let block = re
            .find(styles)
            .unwrap_or_else(|| panic!("style {style}"))
            .as_str()
            .to_owned();
        let font = Regex::new(r#"w:eastAsia="([^"]+)""#).expect("regex");
        font.captures(&block).map(|c| c[1].to_owned())
    };
    let defaults = styles.split("</w:docDefaults>").next().expect("defaults");
    assert!(defaults.contains(
        r#"<w:rFonts w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:cs="仿宋_GB2312"/>"#
    ));
    assert_eq!(face("GwTitle").as_deref(), Some("方正小标宋简体"));
    assert_eq!(face("GwRedHeader").as_deref(), Some("方正小标宋简体"));
    assert_eq!(face("GwHeading1").as_deref(), Some("黑体"));
    assert_eq!(face("GwHeading2").as_deref(), Some("楷体_GB2312"));
    assert_eq!(face("GwAttachmentLabel").as_deref(), Some("黑体"));
    assert_eq!(face("GwPageNumber").as_deref(), Some("宋体"));
    assert!(styles.contains(r#"<w:sz w:val="44"/>"#), "2号 title");
    // The 签发人 name is 楷体.
    let doc = docx.document();
    let kai = Regex::new(r#"<w:rFonts( w:[a-zA-Z]+="楷体_GB2312"){4}/>"#).expect("regex");
    assert!(kai.is_match(doc), "签发人 in 楷体");
    let fonts = docx.part("word/fontTable.xml");
    for name in [
        "仿宋_GB2312",
        "方正小标宋简体",
        "黑体",
        "楷体_GB2312",
        "宋体",
    ] {
        assert!(
            fonts.contains(&format!(r#"<w:font w:name="{name}">"#)),
            "{name}"
        );
    }
}

#[test]
fn property_children_are_in_schema_order() {
    // Word drops run properties written out of sequence (w:sz before w:rFonts).
    let docx = Docx::open(&render(&report()));
    let rpr = Regex::new(r"<w:rPr>(.*?)</w:rPr>").expect("regex");
    let order = [
        "w:rStyle",
        "w:rFonts",
        "w:b",
        "w:bCs",
        "w:color",
        "w:spacing",
        "w:sz",
        "w:szCs",
        "w:shd",
    ];
    let names = Regex::new(r"<(w:[A-Za-z]+)").expect("regex");
    for part in ["word/document.xml", "word/footer1.xml", "word/styles.xml"] {
        for c in rpr.captures_iter(docx.part(part)) {
            let ranks: Vec<usize> = names
                .captures_iter(&c[1])
                .filter_map(|n| order.iter().position(|o| *o == &n[1]))
                .collect();
            assert!(ranks.is_sorted(), "{part}: {}", &c[1]);
        }
    }
    let ppr = Regex::new(r"<w:pPr>(.*?)</w:pPr>").expect("regex");
    let porder = [
        "w:pStyle",
        "w:keepNext",
        "w:pBdr",
        "w:tabs",
        "w:spacing",
        "w:ind",
        "w:jc",
        "w:rPr",
        "w:sectPr",
    ];
    // Nested containers count as their opening tag.
    let nested = Regex::new(
        r"<w:rPr>.*?</w:rPr>|<w:sectPr>.*?</w:sectPr>|<w:pBdr>.*?</w:pBdr>|<w:tabs>.*?</w:tabs>",
    )
    .expect("regex");
    for c in ppr.captures_iter(docx.document()) {
        let inner = nested.replace_all(&c[1], |m: &regex::Captures<'_>| {
            m[0].split('>').next().unwrap_or_default().to_owned() + ">"
        });
        let ranks: Vec<usize> = names
            .captures_iter(&inner)
            .filter_map(|n| porder.iter().position(|o| *o == &n[1]))
            .collect();
        assert!(ranks.is_sorted(), "{}", &c[1]);
    }
}

#[test]
fn body_paragraphs_indent_two_characters() {
    let docx = Docx::open(&render(&report()));
    let styles = docx.part("word/styles.xml");
    assert!(styles.contains(
        r#"w:styleId="GwBody"><w:name w:val="公文正文"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:firstLine="640" w:firstLineChars="200"/></w:pPr>"#
    ));
    let body_paragraphs = count(docx.document(), r#"<w:pStyle w:val="GwBody"/>"#);
    assert!(body_paragraphs >= 9, "{body_paragraphs}");
    // Headings are indented like the body (they are based on it).
    assert!(styles.contains(
        r#"w:styleId="GwHeading1"><w:name w:val="一级标题"/><w:basedOn w:val="GwBody"/>"#
    ));
}

#[test]
fn header_rows_repeat_and_schools_merge_down() {
    let doc = school_list();
    let docx = Docx::open(&render(&doc));
    let xml = docx.document();
    assert_eq!(count(xml, "<w:tblHeader/>"), 1, "one header row");
    assert!(
        xml.contains("<w:trPr><w:cantSplit/><w:trHeight"),
        "header row"
    );
    let Block::Table(table) = &doc.sections[0].blocks[2] else {
        panic!("table")
    };
    let schools: BTreeSet<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(count(xml, r#"<w:vMerge w:val="restart"/>"#), schools.len());
    assert_eq!(
        count(xml, r#"<w:vMerge w:val="continue"/>"#),
        table.rows.len() - schools.len()
    );
    // Each school's name is written once, in its restart cell.
    let all = texts(xml);
    for school in &schools {
        assert_eq!(all.iter().filter(|t| t == school).count(), 1, "{school}");
    }
    assert!(xml.contains(r#"<w:tblLayout w:type="fixed"/>"#));
    assert!(xml.contains(r#"<w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#));
    let grid = Regex::new(r#"<w:gridCol w:w="(\d+)" w:type="dxa"/>"#).expect("regex");
    let width: u32 = grid
        .captures_iter(xml)
        .map(|c| c[1].parse::<u32>().expect("width"))
        .sum();
    assert_eq!(width, 16838 - 2098 - 1984, "landscape type area, 225 mm");
}

#[test]
fn page_numbers_alternate_sides_between_dashes() {
    let docx = Docx::open(&render(&report()));
    assert!(
        docx.part("word/settings.xml")
            .contains("<w:evenAndOddHeaders/>")
    );
    let rels = docx.part("word/_rels/document.xml.rels");
    assert!(rels.contains(r#"Id="rIdFooter1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml""#));
    for (part, side) in [("word/footer1.xml", "right"), ("word/footer2.xml", "left")] {
        let footer = docx.part(part);
        assert!(
            footer.contains("<w:instrText>PAGE</w:instrText>"),
            "{footer}"
        );
        assert!(
            footer.contains(&format!(r#"<w:jc w:val="{side}"/>"#)),
            "{footer}"
        );
        assert!(
            footer.contains(r#"<w:pStyle w:val="GwPageNumber"/>"#),
            "{footer}"
        );
        let t = texts(footer);
        assert_eq!(t.first().map(String::as_str), Some("— "), "{t:?}");
        assert_eq!(t.last().map(String::as_str), Some(" —"), "{t:?}");
    }
    assert!(
        docx.part("word/footer1.xml")
            .contains(r#"<w:ind w:left="0" w:right="280"/>"#)
    );
    assert!(
        docx.part("word/footer2.xml")
            .contains(r#"<w:ind w:left="280" w:right="0"/>"#)
    );
}

#[test]
fn seal_placeholders_float_behind_the_text() {
    let docx = Docx::open(&render(&report()));
    let xml = docx.document();
    assert_eq!(count(xml, "<wp:anchor "), 3, "signature, form fields, 版记");
    assert_eq!(
        count(xml, r#"behindDoc="1""#),
        2,
        "the seals lie behind the text"
    );
    assert_eq!(count(xml, r#"allowOverlap="1""#), 2);
    assert!(xml.contains(r#"<a:prstGeom prst="ellipse">"#));
    assert!(xml.contains(r#"<a:prstDash val="dash"/>"#));
    // 42 mm.
    assert!(
        xml.contains(r#"<wp:extent cx="1512000" cy="1512000"/>"#),
        "diameter"
    );
    for id in 1..=3 {
        assert_eq!(
            count(xml, &format!(r#"<wp:docPr id="{id}" "#)),
            1,
            "drawing ids are unique"
        );
    }
    // Vertical offsets from the anchoring paragraph, in EMU. The signature's seal: its top
    // within a line (579 twips) of the body's last line, which ends where the anchor begins;
    // the form's seal: at the top of the 填报单位 line.
    let offsets = Regex::new(
        r#"<wp:positionV relativeFrom="paragraph"><wp:posOffset>(-?\d+)</wp:posOffset>"#,
    )
    .expect("regex");
    let v: Vec<i64> = offsets
        .captures_iter(xml)
        .map(|c| c[1].parse().expect("offset"))
        .collect();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!((0..579 * 635).contains(&v[0]), "{v:?}");
    assert_eq!(v[1], 0, "{v:?}");
    // Centred over the date, which ends four characters from the right: 2019年5月20日 is
    // about seven characters wide, so the centre is about 7.5 characters from the right.
    let h = Regex::new(r#"<wp:positionH relativeFrom="margin"><wp:posOffset>(\d+)</wp:posOffset>"#)
        .expect("regex");
    let x: i64 = h.captures(xml).expect("x")[1].parse().expect("x");
    let centre_from_right = 8845 - (x + 1_512_000 / 2) / 635;
    assert!(
        (7 * 316..8 * 316).contains(&centre_from_right),
        "{centre_from_right}"
    );
    assert!(!xml.contains("_GwSeal"), "markers replaced");
    // The label is text.
    assert!(texts(xml).iter().any(|t| t == "盖章处"));

    let plain = Docx::open(&render_docx(&report(), &DocxOptions { seal: false }).expect("renders"));
    assert!(!plain.document().contains("ellipse"));
    assert!(!texts(plain.document()).iter().any(|t| t == "盖章处"));
}

#[test]
fn colophon_sits_in_a_box_at_the_foot_of_the_type_area() {
    let docx = Docx::open(&render(&report()));
    let xml = docx.document();
    assert!(!xml.contains("_GwColophon"), "marker replaced");
    let re = Regex::new(r#"<wp:anchor [^>]*behindDoc="0".*?</wp:anchor>"#).expect("regex");
    let anchor = re.find(xml).expect("版记 box").as_str();
    assert!(anchor.contains(
        r#"<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>"#
    ));
    assert!(anchor.contains(
        r#"<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>"#
    ));
    assert!(anchor.contains("<wp:wrapTopAndBottom/>"));
    // 156 mm wide.
    assert!(anchor.contains(r#"<wp:extent cx="5616575" "#), "{anchor}");
    let t = texts(anchor);
    assert_eq!(
        t,
        [
            "抄送：",
            "杭州市人民政府教育督导委员会办公室，西湖区人民政府。",
            "杭州市西湖区教育局办公室",
            "2019年5月20日",
            "印发"
        ]
    );
    // Thick rules above and below, a thin one between, 4号 text.
    assert!(anchor.contains(r#"<w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/>"#));
    assert!(anchor.contains(r#"<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/>"#));
    assert!(
        anchor.contains(r#"<w:insideH w:val="single" w:sz="6" w:space="0" w:color="000000"/>"#)
    );
    assert!(anchor.contains(r#"<w:pStyle w:val="GwColophon"/>"#));
    // The table left the flow: 抄送 is printed once (the VML fallback repeats it for Word 2007).
    let boxes = Regex::new(r"<mc:AlternateContent>.*?</mc:AlternateContent>").expect("regex");
    let outside = boxes.replace_all(xml, "");
    assert!(!outside.contains("抄送："), "版记 table left in the flow");
}

#[test]
fn user_text_stays_text() {
    let doc = hostile();
    let docx = Docx::open(&render(&doc));
    let xml = docx.document();
    let all = texts(xml);
    let joined = all.concat();
    for h in HOSTILE {
        assert!(joined.contains(h), "{h} missing from {joined}");
    }
    assert!(xml.contains("&lt;w:t&gt;x&lt;/w:t&gt;"));
    assert!(!xml.contains("<w:t>x</w:t>"));
    assert!(!xml.contains('\u{1}') && !xml.contains('\u{b}'));
    assert!(all.iter().any(|t| t == "控制字符不见，换行"), "{all:?}");
    assert!(xml.contains("换行</w:t><w:br w:type=\"textWrapping\"/>"));
    assert!(texts(xml).iter().any(|t| t == "<盖章>&"));
    let core = docx.part("docProps/core.xml");
    assert!(
        core.contains("<dc:title>&lt;w:t&gt;x&lt;/w:t&gt;A&amp;B&amp;amp;]]&gt;"),
        "{core}"
    );
    // Every part is well-formed enough for our own reader, and the XML declares nothing odd.
    assert!(!xml.contains("<!ENTITY") && !xml.contains("<![CDATA["));
}

#[test]
fn same_document_same_bytes() {
    let first = render(&report());
    // Other documents in between move docx-rs's global counters.
    let _ = render(&school_list());
    let _ = render(&hostile());
    let second = render(&report());
    assert!(first == second, "bytes differ");
    let docx = Docx::open(&first);
    let core = docx.part("docProps/core.xml");
    assert!(core.contains(
        r#"<dcterms:created xsi:type="dcterms:W3CDTF">2019-05-20T00:00:00Z</dcterms:created>"#
    ));
    assert!(core.contains("<dc:creator>杭州市西湖区教育局</dc:creator>"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(first.as_slice())).expect("zip");
    for i in 0..zip.len() {
        let file = zip.by_index(i).expect("entry");
        let t = file.last_modified().expect("timestamp");
        assert_eq!(
            (t.year(), t.month(), t.day()),
            (2019, 5, 20),
            "{:?}",
            file.name()
        );
    }
    // On another thread too (docx-rs's paragraph ids are thread-local).
    let third = std::thread::spawn(|| render(&report()))
        .join()
        .expect("thread");
    assert!(first == third, "bytes differ across threads");
}

#[test]
fn bad_dates_are_errors_not_panics() {
    let mut doc = report();
    doc.meta.date = "2019年5月20日".to_owned();
    assert!(render_docx(&doc, &DocxOptions::default()).is_err());
    doc.meta.date = "1970-01-01".to_owned();
    assert!(render_docx(&doc, &DocxOptions::default()).is_err());
}

#[test]
fn odd_models_still_render() {
    let mut doc = report();
    doc.sections.clear();
    Docx::open(&render(&doc));
    let mut doc = school_list();
    if let Block::Table(t) = &mut doc.sections[0].blocks[2] {
        t.columns.clear();
        t.rows.push(vec!["多".to_owned(); 9]);
        t.rows.push(Vec::new());
        t.group_column = Some(42);
    }
    let docx = Docx::open(&render(&doc));
    assert!(
        texts(docx.document()).iter().filter(|t| *t == "多").count() == 9,
        "no cell text is lost"
    );
}

// ---------------------------------------------------------------------------------------------
// LibreOffice

/// Whether `program` is on PATH (running `--version` is slow for soffice, and pdftotext's
/// `--version` exits with an error).
fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Converts the files to PDF with LibreOffice; `None` (after saying why) when it is missing.
fn convert(name: &str, docs: &[(&str, Vec<u8>)]) -> Option<Converted> {
    if !have("soffice") || !have("pdftotext") {
        common::skip("LibreOffice (soffice) or pdftotext is not installed");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("gongwen-docx-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut inputs = Vec::new();
    for (stem, bytes) in docs {
        let path = dir.join(format!("{stem}.docx"));
        std::fs::write(&path, bytes).expect("write docx");
        inputs.push(path);
    }
    let conf = fontconfig(&dir);
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .args(&inputs)
        .env("FONTCONFIG_FILE", &conf)
        .output()
        .expect("run soffice");
    let pdfs: Vec<PathBuf> = inputs.iter().map(|p| p.with_extension("pdf")).collect();
    for pdf in &pdfs {
        assert!(
            pdf.exists(),
            "LibreOffice did not convert {}: {}",
            pdf.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some(Converted { dir, pdfs })
}

/// PDFs converted in a temporary folder, which is removed when the test passes and kept (its
/// path printed) when it fails, or always with `GONGWEN_KEEP_PDFS` set, for looking at.
struct Converted {
    dir: PathBuf,
    pdfs: Vec<PathBuf>,
}

impl Drop for Converted {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("GONGWEN_KEEP_PDFS").is_some() {
            eprintln!("converted PDFs are in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One page of `pdftotext -bbox-layout`: its height and its lines (top y, text).
struct Page {
    height: f64,
    lines: Vec<(f64, String)>,
}

fn pdf_pages(pdf: &Path) -> Vec<Page> {
    let out = Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let xml = String::from_utf8_lossy(&out.stdout);
    let page_re =
        Regex::new(r#"(?s)<page width="[\d.]+" height="([\d.]+)">(.*?)</page>"#).expect("regex");
    let line_re =
        Regex::new(r#"(?s)<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</line>"#).expect("regex");
    let word_re = Regex::new(r"<word [^>]*>([^<]*)</word>").expect("regex");
    page_re
        .captures_iter(&xml)
        .map(|p| Page {
            height: p[1].parse().expect("height"),
            lines: line_re
                .captures_iter(&p[2])
                .map(|l| {
                    let text: String = word_re
                        .captures_iter(&l[2])
                        .map(|w| w[1].to_owned())
                        .collect();
                    (l[1].parse().expect("y"), text)
                })
                .collect(),
        })
        .collect()
}

fn plain_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect()
}

/// Whether `want` is in `text`, whole or in at most three pieces: a table cell that wraps
/// comes out of pdftotext as separate lines with other cells between them.
fn printed(text: &str, want: &str) -> bool {
    let mut rest = want;
    for _ in 0..3 {
        if rest.is_empty() || text.contains(rest) {
            return true;
        }
        // The longest prefix that is printed somewhere.
        let ends: Vec<usize> = rest.char_indices().map(|(i, _)| i).skip(1).collect();
        let Some(&end) = ends.iter().rev().find(|&&i| text.contains(&rest[..i])) else {
            return false;
        };
        rest = &rest[end..];
    }
    rest.is_empty() || text.contains(rest)
}

#[test]
fn libreoffice_prints_every_text() {
    let docs = [report(), school_list(), hostile()];
    let files: Vec<(&str, Vec<u8>)> = docs
        .iter()
        .map(|d| (d.file_stem.as_str(), render(d)))
        .collect();
    let names = ["report", "school_list", "hostile"];
    let files: Vec<(&str, Vec<u8>)> = names.iter().zip(files).map(|(n, (_, b))| (*n, b)).collect();
    let Some(converted) = convert("text", &files) else {
        return;
    };
    let pdfs = &converted.pdfs;
    for (doc, pdf) in docs.iter().zip(pdfs) {
        let text = plain_text(pdf);
        for t in doc.texts() {
            let want = squeeze(t);
            assert!(
                printed(&text, &want),
                "{}: {want:?} not printed",
                pdf.display()
            );
        }
        assert!(text.contains("—1—"), "page number");
    }
}

#[test]
fn libreoffice_sets_22_lines_of_28_characters() {
    let mut doc = report();
    // A notice long enough that page 2 is all body text.
    let blocks = &mut doc.sections[0].blocks;
    for _ in 0..12 {
        blocks.insert(6, p(BODY));
    }
    let Some(converted) = convert("grid", &[("grid", render(&doc))]) else {
        return;
    };
    let pdfs = &converted.pdfs;
    let pages = pdf_pages(&pdfs[0]);
    assert!(pages.len() >= 4, "{} pages", pages.len());
    let page = &pages[1];
    // Lines inside the type area (the page number sits below it).
    let type_bottom = page.height - 35.0 / 25.4 * 72.0;
    let body: Vec<&(f64, String)> = page
        .lines
        .iter()
        .filter(|(y, _)| *y < type_bottom)
        .collect();
    eprintln!("page 2: {} lines in the type area", body.len());
    assert_eq!(body.len(), 22, "{body:#?}");
    let full = body.iter().filter(|(_, t)| t.chars().count() == 28).count();
    assert!(
        full >= 15,
        "lines of 28 characters: {full} of {}: {body:#?}",
        body.len()
    );
    let number = page
        .lines
        .iter()
        .find(|(y, _)| *y >= type_bottom)
        .map(|(_, t)| t.as_str());
    assert_eq!(number, Some("—2—"));
}

#[test]
fn libreoffice_repeats_the_table_header_on_every_page() {
    let Some(converted) = convert("table", &[("table", render(&school_list()))]) else {
        return;
    };
    let pdfs = &converted.pdfs;
    let pages = pdf_pages(&pdfs[0]);
    assert!(pages.len() >= 2, "the table should cross a page");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.lines.iter().any(|(_, t)| t.contains("整改提升措施")),
            "page {} has no header row",
            i + 1
        );
    }
}
