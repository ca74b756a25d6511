//! The DOCX backend: documents built in code, rendered, and read back out of the zip (page
//! setup, fonts, header rows, merges, indents, page numbers, the seal, escaping, determinism).
//! Every part is read with an XML parser (roxmltree); only escaping and leftover markers are
//! checked in the bytes. When LibreOffice is installed the files are also converted to PDF and the text and the line
//! grid checked there; without it those tests say so and pass.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use common::have_tool;
use common::pdf_tools::{pdftoppm_page, pdftotext, pdftotext_words, soffice_to_pdf};
use gongwen::render::document::{
    Align, Bar, BarChart, Block, DOCUMENT_SCHEMA, DocKind, Document, FormField, Goal, Meta,
    Orientation, Seal, Section, SectionRole, Table, TableColumn,
};
use gongwen::render::docx::{DocxOptions, render_docx};
use roxmltree::Node;

// ---------------------------------------------------------------------------------------------
// Documents

fn meta(title: &str) -> Meta {
    Meta {
        title: title.to_owned(),
        author: "杭州市西湖区教育局".to_owned(),
        date: NaiveDate::from_ymd_opt(2019, 5, 20).unwrap(),
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
            corner: None,
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
        file_stem: "报告_西湖区".to_owned(),
        meta: meta("关于报送西湖区义务教育优质均衡发展整改清单和创建时间的报告"),
        sections: vec![
            Section {
                role: SectionRole::Body,
                orientation: Orientation::Portrait,
                blocks: notice,
            },
            Section {
                role: SectionRole::Body,
                orientation: Orientation::Landscape,
                blocks: form,
            },
            Section {
                role: SectionRole::Body,
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
            role: SectionRole::Body,
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
                    corner: None,
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

    /// The part's text, for what only the bytes show (escaping, markers left behind).
    fn part(&self, name: &str) -> &str {
        self.parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no part {name}"))
    }

    /// The part parsed: it must be well-formed XML.
    fn xml(&self, name: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(self.part(name))
            .unwrap_or_else(|e| panic!("{name} is not well-formed XML: {e}"))
    }

    fn document(&self) -> roxmltree::Document<'_> {
        self.xml("word/document.xml")
    }
}

fn render(doc: &Document) -> Vec<u8> {
    render_docx(doc, &DocxOptions::default()).expect("renders")
}

/// The namespace OOXML binds to each prefix the tests name.
fn namespace(prefix: &str) -> &'static str {
    match prefix {
        "w" => "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "wp" => "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        "a" => "http://schemas.openxmlformats.org/drawingml/2006/main",
        "mc" => "http://schemas.openxmlformats.org/markup-compatibility/2006",
        "r" => "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "dc" => "http://purl.org/dc/elements/1.1/",
        "dcterms" => "http://purl.org/dc/terms/",
        "xsi" => "http://www.w3.org/2001/XMLSchema-instance",
        other => panic!("no namespace known for the prefix {other}"),
    }
}

/// Whether `node` is the element `name`: `w:sectPr` by its namespace, a name without a
/// prefix by its local name.
fn is(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && match name.split_once(':') {
            Some((prefix, local)) => node.has_tag_name((namespace(prefix), local)),
            None => node.tag_name().name() == name,
        }
}

/// The attribute `name` (`w:val`, or `behindDoc` without a namespace).
fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    match name.split_once(':') {
        Some((prefix, local)) => node.attribute((namespace(prefix), local)),
        None => node.attribute(name),
    }
}

/// Every element `name` at or under `node`, in document order.
fn all<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    node.descendants().filter(|n| is(*n, name)).collect()
}

/// The first element `name` at or under `node`.
fn first<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants().find(|n| is(*n, name))
}

/// The element children of `node`.
fn children<'a, 'i>(node: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    node.children().filter(Node::is_element).collect()
}

/// The element child `name` of `node`.
fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| is(*n, name))
}

/// Whether `node` is the empty element `name` with exactly `attrs`, as `<w:sz w:val="32"/>`.
fn is_empty_with(node: Node<'_, '_>, name: &str, attrs: &[(&str, &str)]) -> bool {
    is(node, name)
        && !node.has_children()
        && node.attributes().len() == attrs.len()
        && attrs.iter().all(|(k, v)| attr(node, k) == Some(*v))
}

/// How many empty elements `name` with exactly `attrs` are at or under `node`.
fn count(node: Node<'_, '_>, name: &str, attrs: &[(&str, &str)]) -> usize {
    node.descendants()
        .filter(|n| is_empty_with(*n, name, attrs))
        .count()
}

/// Whether an empty element `name` with exactly `attrs` is at or under `node`.
fn has(node: Node<'_, '_>, name: &str, attrs: &[(&str, &str)]) -> bool {
    count(node, name, attrs) > 0
}

/// The element as it is written, for failure messages.
fn source<'i>(node: Node<'_, 'i>) -> &'i str {
    &node.document().input_text()[node.range()]
}

/// The text of every `w:t` at or under `node`, in order, without the zero-width spaces set
/// where digits meet hanzi (for LibreOffice; see
/// `libreoffice_sets_digits_and_hanzi_without_a_gap`).
fn texts(node: Node<'_, '_>) -> Vec<String> {
    all(node, "w:t")
        .into_iter()
        .map(|t| t.text().unwrap_or_default().replace('\u{200B}', ""))
        .collect()
}

/// The element `w:style` whose `w:styleId` is `id`.
fn style<'a, 'i>(styles: &'a roxmltree::Document<'i>, id: &str) -> Node<'a, 'i> {
    all(styles.root(), "w:style")
        .into_iter()
        .find(|s| attr(*s, "w:styleId") == Some(id))
        .unwrap_or_else(|| panic!("style {id}"))
}

/// The `w:val` of each element child, as `(name, val)` with the `w:` prefix kept.
fn child_vals<'a>(node: Node<'a, '_>) -> Vec<(String, Option<&'a str>)> {
    children(node)
        .into_iter()
        .map(|c| (format!("w:{}", c.tag_name().name()), attr(c, "w:val")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Package tests

#[test]
fn pages_are_a4_with_the_gbt9704_margins_and_line_grid() {
    let docx = Docx::open(&render(&report()));
    let doc = docx.document();
    let sections = all(doc.root(), "w:sectPr");
    assert_eq!(sections.len(), 3, "{sections:?}");
    let grid = [("w:type", "lines"), ("w:linePitch", "579")];
    for (i, &s) in sections.iter().enumerate() {
        let shown = source(s);
        let kids = children(s);
        assert!(
            kids.iter().any(|&c| is_empty_with(c, "w:docGrid", &grid)),
            "{shown}"
        );
        let footer = |kind: &str, id: &str| {
            kids.iter()
                .any(|&c| is_empty_with(c, "w:footerReference", &[("w:type", kind), ("r:id", id)]))
        };
        let header = |kind: &str, id: &str| {
            kids.iter()
                .any(|&c| is_empty_with(c, "w:headerReference", &[("w:type", kind), ("r:id", id)]))
        };
        if i == 1 {
            // Landscape: no number in the footer; the turned one is in the header.
            assert!(footer("default", "rIdFooter3"), "{shown}");
            assert!(footer("even", "rIdFooter3"), "{shown}");
            assert!(header("default", "rIdHeader1"), "{shown}");
            assert!(header("even", "rIdHeader2"), "{shown}");
        } else {
            assert!(footer("default", "rIdFooter1"), "{shown}");
            assert!(footer("even", "rIdFooter2"), "{shown}");
            assert!(header("default", "rIdHeader3"), "{shown}");
            assert!(header("even", "rIdHeader3"), "{shown}");
        }
        let size = child(s, "w:pgSz").expect("w:pgSz");
        let margins = child(s, "w:pgMar").expect("w:pgMar");
        let margin = |side: &str| attr(margins, &format!("w:{side}"));
        let sides = ["top", "right", "bottom", "left"].map(margin);
        if i == 1 {
            let landscape = [
                ("w:w", "16838"),
                ("w:h", "11906"),
                ("w:orient", "landscape"),
            ];
            assert!(is_empty_with(size, "w:pgSz", &landscape), "{shown}");
            assert_eq!(
                sides,
                [Some("1587"), Some("1984"), Some("1474"), Some("2098")],
                "{shown}"
            );
        } else {
            let portrait = [("w:w", "11906"), ("w:h", "16838")];
            assert!(is_empty_with(size, "w:pgSz", &portrait), "{shown}");
            // 37, 26, 35, 28 mm.
            assert_eq!(
                sides,
                [Some("2098"), Some("1474"), Some("1984"), Some("1587")],
                "{shown}"
            );
        }
        // Schema order: references first, the grid last.
        assert!(is(kids[0], "w:headerReference"), "{shown}");
        let last = kids.last().expect("children");
        assert!(is_empty_with(*last, "w:docGrid", &grid), "{shown}");
    }
    let styles = docx.xml("word/styles.xml");
    let spacing = [
        ("w:before", "0"),
        ("w:after", "0"),
        ("w:line", "579"),
        ("w:lineRule", "exact"),
    ];
    assert!(has(styles.root(), "w:spacing", &spacing));
    assert!(has(styles.root(), "w:sz", &[("w:val", "32")]), "3号 body");
}

#[test]
fn fonts_are_the_ones_chinese_offices_name() {
    let docx = Docx::open(&render(&report()));
    let styles = docx.xml("word/styles.xml");
    let face = |id: &str| {
        style(&styles, id)
            .descendants()
            .find_map(|n| attr(n, "w:eastAsia"))
    };
    let defaults = first(styles.root(), "w:docDefaults").expect("defaults");
    let fang_song = ["w:ascii", "w:eastAsia", "w:hAnsi", "w:cs"].map(|k| (k, "仿宋_GB2312"));
    assert!(
        has(defaults, "w:rFonts", &fang_song),
        "{}",
        source(defaults)
    );
    assert_eq!(face("GwTitle"), Some("方正小标宋简体"));
    assert_eq!(face("GwRedHeader"), Some("方正小标宋简体"));
    assert_eq!(face("GwHeading1"), Some("黑体"));
    assert_eq!(face("GwHeading2"), Some("楷体_GB2312"));
    assert_eq!(face("GwAttachmentLabel"), Some("黑体"));
    assert_eq!(face("GwPageNumber"), Some("宋体"));
    assert!(has(styles.root(), "w:sz", &[("w:val", "44")]), "2号 title");
    // The 签发人 name is 楷体: every one of the four faces, and no other attribute.
    let doc = docx.document();
    let kai = all(doc.root(), "w:rFonts").into_iter().any(|f| {
        !f.has_children()
            && f.attributes().len() == 4
            && f.attributes().all(|a| a.value() == "楷体_GB2312")
    });
    assert!(kai, "签发人 in 楷体");
    let fonts = docx.xml("word/fontTable.xml");
    for name in [
        "仿宋_GB2312",
        "方正小标宋简体",
        "黑体",
        "楷体_GB2312",
        "宋体",
    ] {
        let declared = all(fonts.root(), "w:font")
            .into_iter()
            .any(|f| f.attributes().len() == 1 && attr(f, "w:name") == Some(name));
        assert!(declared, "{name}");
    }
}

#[test]
fn property_children_are_in_schema_order() {
    // Word drops run properties written out of sequence (w:sz before w:rFonts).
    let docx = Docx::open(&render(&report()));
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
    let ranks = |node: Node<'_, '_>, order: &[&str]| -> Vec<usize> {
        children(node)
            .into_iter()
            .filter_map(|c| order.iter().position(|o| is(c, o)))
            .collect()
    };
    for part in ["word/document.xml", "word/footer1.xml", "word/styles.xml"] {
        let xml = docx.xml(part);
        for rpr in all(xml.root(), "w:rPr") {
            assert!(ranks(rpr, &order).is_sorted(), "{part}: {}", source(rpr));
        }
    }
    // Nested containers (w:rPr, w:sectPr, w:pBdr, w:tabs) are one child each.
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
    let doc = docx.document();
    for ppr in all(doc.root(), "w:pPr") {
        assert!(ranks(ppr, &porder).is_sorted(), "{}", source(ppr));
    }
}

#[test]
fn body_paragraphs_indent_two_characters() {
    let docx = Docx::open(&render(&report()));
    let styles = docx.xml("word/styles.xml");
    let body = style(&styles, "GwBody");
    assert_eq!(
        child_vals(body),
        [
            ("w:name".to_owned(), Some("公文正文")),
            ("w:basedOn".to_owned(), Some("Normal")),
            ("w:qFormat".to_owned(), None),
            ("w:pPr".to_owned(), None),
        ],
        "{}",
        source(body)
    );
    let ppr = child(body, "w:pPr").expect("w:pPr");
    let indent = [("w:firstLine", "640"), ("w:firstLineChars", "200")];
    assert!(
        matches!(children(ppr).as_slice(), [ind] if is_empty_with(*ind, "w:ind", &indent)),
        "{}",
        source(body)
    );
    let doc = docx.document();
    let body_paragraphs = count(doc.root(), "w:pStyle", &[("w:val", "GwBody")]);
    assert!(body_paragraphs >= 9, "{body_paragraphs}");
    // Headings are indented like the body (they are based on it).
    let heading = style(&styles, "GwHeading1");
    assert_eq!(
        child_vals(heading)[..2],
        [
            ("w:name".to_owned(), Some("一级标题")),
            ("w:basedOn".to_owned(), Some("GwBody")),
        ],
        "{}",
        source(heading)
    );
}

#[test]
fn header_rows_repeat_and_schools_merge_down() {
    let doc = school_list();
    let docx = Docx::open(&render(&doc));
    let xml = docx.document();
    let root = xml.root();
    assert_eq!(count(root, "w:tblHeader", &[]), 1, "one header row");
    let header_row = all(root, "w:trPr").into_iter().any(|tr| {
        let kids = children(tr);
        kids.len() >= 2 && is_empty_with(kids[0], "w:cantSplit", &[]) && is(kids[1], "w:trHeight")
    });
    assert!(header_row, "header row");
    let Block::Table(table) = &doc.sections[0].blocks[2] else {
        panic!("table")
    };
    let schools: BTreeSet<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        count(root, "w:vMerge", &[("w:val", "restart")]),
        schools.len()
    );
    assert_eq!(
        count(root, "w:vMerge", &[("w:val", "continue")]),
        table.rows.len() - schools.len()
    );
    // Each school's name is written once, in its restart cell.
    let all_texts = texts(root);
    for school in &schools {
        assert_eq!(
            all_texts.iter().filter(|t| t == school).count(),
            1,
            "{school}"
        );
    }
    assert!(has(root, "w:tblLayout", &[("w:type", "fixed")]));
    let rule = [
        ("w:val", "single"),
        ("w:sz", "4"),
        ("w:space", "0"),
        ("w:color", "000000"),
    ];
    assert!(has(root, "w:insideV", &rule));
    let width: u32 = all(root, "w:gridCol")
        .into_iter()
        .filter(|c| c.attributes().len() == 2 && attr(*c, "w:type") == Some("dxa"))
        .map(|c| {
            attr(c, "w:w")
                .expect("width")
                .parse::<u32>()
                .expect("width")
        })
        .sum();
    assert_eq!(width, 16838 - 2098 - 1984, "landscape type area, 225 mm");
}

#[test]
fn page_numbers_alternate_sides_between_dashes() {
    let docx = Docx::open(&render(&report()));
    let settings = docx.xml("word/settings.xml");
    assert!(has(settings.root(), "w:evenAndOddHeaders", &[]));
    let rels = docx.xml("word/_rels/document.xml.rels");
    let footer_rel = all(rels.root(), "Relationship").into_iter().any(|r| {
        attr(r, "Id") == Some("rIdFooter1")
            && attr(r, "Type")
                == Some(
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
                )
            && attr(r, "Target") == Some("footer1.xml")
    });
    assert!(footer_rel, "{}", docx.part("word/_rels/document.xml.rels"));
    for (part, side) in [("word/footer1.xml", "right"), ("word/footer2.xml", "left")] {
        let footer = docx.xml(part);
        let root = footer.root();
        let shown = docx.part(part);
        let page_field = all(root, "w:instrText")
            .into_iter()
            .any(|i| i.text() == Some("PAGE"));
        assert!(page_field, "{shown}");
        assert!(has(root, "w:jc", &[("w:val", side)]), "{shown}");
        assert!(
            has(root, "w:pStyle", &[("w:val", "GwPageNumber")]),
            "{shown}"
        );
        let t = texts(root);
        assert_eq!(t.first().map(String::as_str), Some("— "), "{t:?}");
        assert_eq!(t.last().map(String::as_str), Some(" —"), "{t:?}");
    }
    let footer1 = docx.xml("word/footer1.xml");
    assert!(has(
        footer1.root(),
        "w:ind",
        &[("w:left", "0"), ("w:right", "280")]
    ));
    let footer2 = docx.xml("word/footer2.xml");
    assert!(has(
        footer2.root(),
        "w:ind",
        &[("w:left", "280"), ("w:right", "0")]
    ));
}

#[test]
fn seal_placeholders_float_behind_the_text() {
    let docx = Docx::open(&render(&report()));
    let xml = docx.document();
    let root = xml.root();
    let anchors = all(root, "wp:anchor");
    assert_eq!(anchors.len(), 3, "signature, form fields, 版记");
    let with = |name: &str, value: &str| {
        anchors
            .iter()
            .filter(|a| attr(**a, name) == Some(value))
            .count()
    };
    assert_eq!(with("behindDoc", "1"), 2, "the seals lie behind the text");
    assert_eq!(with("allowOverlap", "1"), 2);
    let ellipse = all(root, "a:prstGeom")
        .into_iter()
        .any(|g| attr(g, "prst") == Some("ellipse"));
    assert!(ellipse);
    assert!(has(root, "a:prstDash", &[("val", "dash")]));
    // 42 mm.
    assert!(
        has(root, "wp:extent", &[("cx", "1512000"), ("cy", "1512000")]),
        "diameter"
    );
    for id in ["1", "2", "3"] {
        let drawings = all(root, "wp:docPr")
            .into_iter()
            .filter(|d| attr(*d, "id") == Some(id))
            .count();
        assert_eq!(drawings, 1, "drawing ids are unique");
    }
    // Offsets of a position relative to `from`, in EMU, where it is an offset.
    let offsets = |axis: &str, from: &str| -> Vec<i64> {
        all(root, axis)
            .into_iter()
            .filter(|p| attr(*p, "relativeFrom") == Some(from))
            .filter_map(|p| child(p, "wp:posOffset"))
            .map(|o| o.text().unwrap_or_default().parse().expect("offset"))
            .collect()
    };
    // Vertical offsets from the anchoring paragraph. The signature's seal: its top within a
    // line (579 twips) of the body's last line, which ends where the anchor begins; the
    // form's seal: 2 mm below the top of the room kept above the 填报单位 line.
    let v = offsets("wp:positionV", "paragraph");
    assert_eq!(v.len(), 2, "{v:?}");
    assert!((0..579 * 635).contains(&v[0]), "{v:?}");
    assert!((100 * 635..130 * 635).contains(&v[1]), "{v:?}");
    // Centred over the date, which ends four characters from the right: 2019年5月20日 is
    // about seven characters wide, so the centre is about 7.5 characters from the right.
    let x = *offsets("wp:positionH", "margin").first().expect("x");
    assert!(x >= 0, "{x}");
    let centre_from_right = 8845 - (x + 1_512_000 / 2) / 635;
    assert!(
        (7 * 316..8 * 316).contains(&centre_from_right),
        "{centre_from_right}"
    );
    assert!(
        !docx.part("word/document.xml").contains("_GwSeal"),
        "markers replaced"
    );
    // The label is text.
    assert!(texts(root).iter().any(|t| t == "盖章处"));

    let plain = Docx::open(&render_docx(&report(), &DocxOptions { seal: false }).expect("renders"));
    let plain_xml = plain.document();
    let plain_root = plain_xml.root();
    assert!(
        !plain_root
            .descendants()
            .any(|n| attr(n, "prst") == Some("ellipse")),
        "no seal drawn"
    );
    assert!(!texts(plain_root).iter().any(|t| t == "盖章处"));
}

#[test]
fn colophon_sits_in_a_box_at_the_foot_of_the_type_area() {
    let docx = Docx::open(&render(&report()));
    assert!(
        !docx.part("word/document.xml").contains("_GwColophon"),
        "marker replaced"
    );
    let xml = docx.document();
    let anchor = all(xml.root(), "wp:anchor")
        .into_iter()
        .find(|a| attr(*a, "behindDoc") == Some("0"))
        .expect("版记 box");
    let shown = source(anchor);
    let aligned = |axis: &str, how: &str| {
        all(anchor, axis).into_iter().any(|p| {
            attr(p, "relativeFrom") == Some("margin")
                && matches!(children(p).as_slice(), [a] if is(*a, "wp:align") && a.text() == Some(how))
        })
    };
    assert!(aligned("wp:positionV", "bottom"), "{shown}");
    assert!(aligned("wp:positionH", "center"), "{shown}");
    assert!(has(anchor, "wp:wrapTopAndBottom", &[]), "{shown}");
    // 156 mm wide.
    let extent = first(anchor, "wp:extent").expect("wp:extent");
    assert_eq!(attr(extent, "cx"), Some("5616575"), "{shown}");
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
    let rule = |size: &'static str| {
        [
            ("w:val", "single"),
            ("w:sz", size),
            ("w:space", "0"),
            ("w:color", "000000"),
        ]
    };
    assert!(has(anchor, "w:top", &rule("8")), "{shown}");
    assert!(has(anchor, "w:bottom", &rule("8")), "{shown}");
    assert!(has(anchor, "w:insideH", &rule("6")), "{shown}");
    assert!(
        has(anchor, "w:pStyle", &[("w:val", "GwColophon")]),
        "{shown}"
    );
    // The table left the flow: 抄送 is printed once (the VML fallback repeats it for Word 2007).
    let in_flow = all(xml.root(), "w:t")
        .into_iter()
        .filter(|t| !t.ancestors().any(|a| is(a, "mc:AlternateContent")))
        .any(|t| t.text().is_some_and(|s| s.contains("抄送：")));
    assert!(!in_flow, "版记 table left in the flow");
}

#[test]
fn user_text_stays_text() {
    let doc = hostile();
    let docx = Docx::open(&render(&doc));
    let raw = docx.part("word/document.xml");
    let xml = docx.document();
    let root = xml.root();
    let all_texts = texts(root);
    let joined = all_texts.concat();
    for h in HOSTILE {
        assert!(joined.contains(h), "{h} missing from {joined}");
    }
    // Escaped in the bytes, so no reader takes it for markup.
    assert!(raw.contains("&lt;w:t&gt;x&lt;/w:t&gt;"));
    assert!(!raw.contains("<w:t>x</w:t>"));
    assert!(!raw.contains('\u{1}') && !raw.contains('\u{b}'));
    assert!(
        all_texts.iter().any(|t| t == "控制字符不见，换行"),
        "{all_texts:?}"
    );
    // The line break is a break after the text, in the same run.
    let broken = all(root, "w:t").into_iter().any(|t| {
        t.text().is_some_and(|s| s.ends_with("换行"))
            && t.next_sibling_element()
                .is_some_and(|b| is_empty_with(b, "w:br", &[("w:type", "textWrapping")]))
    });
    assert!(broken, "换行 then a break");
    assert!(all_texts.iter().any(|t| t == "<盖章>&"));
    let core = docx.xml("docProps/core.xml");
    let title = first(core.root(), "dc:title")
        .and_then(|t| t.text())
        .unwrap_or_default();
    assert!(
        title.starts_with("<w:t>x</w:t>A&B&amp;]]>"),
        "{}",
        docx.part("docProps/core.xml")
    );
    // The XML declares nothing odd.
    assert!(!raw.contains("<!ENTITY") && !raw.contains("<![CDATA["));
}

#[test]
fn same_document_same_bytes() {
    let first_bytes = render(&report());
    // Other documents in between move docx-rs's global counters.
    let _ = render(&school_list());
    let _ = render(&hostile());
    let second = render(&report());
    assert!(first_bytes == second, "bytes differ");
    let docx = Docx::open(&first_bytes);
    let core = docx.xml("docProps/core.xml");
    let created = first(core.root(), "dcterms:created").expect("dcterms:created");
    assert_eq!(attr(created, "xsi:type"), Some("dcterms:W3CDTF"));
    assert_eq!(created.text(), Some("2019-05-20T00:00:00Z"));
    let creator = first(core.root(), "dc:creator").and_then(|c| c.text());
    assert_eq!(creator, Some("杭州市西湖区教育局"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(first_bytes.as_slice())).expect("zip");
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
    assert!(first_bytes == third, "bytes differ across threads");
}

#[test]
fn bad_dates_are_errors_not_panics() {
    let mut doc = report();
    // A date that is no date cannot reach the backend: the model does not read it.
    let mut json = serde_json::to_value(&doc).unwrap();
    json["meta"]["date"] = "2019年5月20日".into();
    assert!(serde_json::from_value::<Document>(json).is_err());
    // A real date a ZIP entry cannot carry is an error, not a panic.
    for year in [1970, 2108] {
        doc.meta.date = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        assert!(render_docx(&doc, &DocxOptions::default()).is_err());
    }
}

#[test]
fn odd_models_still_render() {
    let mut doc = report();
    doc.sections.clear();
    Docx::open(&render(&doc)).document();
    let mut doc = school_list();
    if let Block::Table(t) = &mut doc.sections[0].blocks[2] {
        t.columns.clear();
        t.rows.push(vec!["多".to_owned(); 9]);
        t.rows.push(Vec::new());
        t.group_column = Some(42);
    }
    let docx = Docx::open(&render(&doc));
    assert!(
        texts(docx.document().root())
            .iter()
            .filter(|t| *t == "多")
            .count()
            == 9,
        "no cell text is lost"
    );
    // A seal over no fields, and a diagonal head over an empty header.
    let mut doc = school_list();
    doc.sections[0].blocks.push(Block::FormFields {
        fields: Vec::new(),
        seal: Some(seal()),
    });
    if let Block::Table(t) = &mut doc.sections[0].blocks[2] {
        t.header = vec![Vec::new()];
        t.corner = Some("县（市、区）".to_owned());
    }
    Docx::open(&render(&doc)).document();
}

// ---------------------------------------------------------------------------------------------
// LibreOffice

/// Converts the files to PDF with LibreOffice; `None` (after saying why) when it is missing.
fn convert(name: &str, docs: &[(&str, Vec<u8>)]) -> Option<Converted> {
    convert_with(name, docs, "pdf")
}

/// [`convert`] keeping the blank pages LibreOffice inserts for an even-page section break,
/// which its PDF export leaves out unless told (a printer gets them).
fn convert_keeping_blank_pages(name: &str, docs: &[(&str, Vec<u8>)]) -> Option<Converted> {
    convert_with(
        name,
        docs,
        r#"pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}"#,
    )
}

fn convert_with(name: &str, docs: &[(&str, Vec<u8>)], filter: &str) -> Option<Converted> {
    if !have_tool("soffice") || !have_tool("pdftotext") {
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
    let (_, pdfs) = soffice_to_pdf(&dir, &inputs, filter);
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

/// One page of `pdftotext -bbox-layout`: its height, its lines (top y, text), and the words
/// left of the type area of a landscape page read downwards (its turned page number).
struct Page {
    height: f64,
    lines: Vec<(f64, String)>,
    side: String,
}

fn pdf_pages(pdf: &Path) -> Vec<Page> {
    let text = pdftotext(pdf, &["-bbox-layout"]);
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let xml = roxmltree::Document::parse_with_options(&text, options)
        .unwrap_or_else(|e| panic!("pdftotext -bbox-layout printed no XHTML: {e}"));
    let number = |node: Node<'_, '_>, name: &str| -> f64 {
        attr(node, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} of {}", source(node)))
    };
    all(xml.root(), "page")
        .into_iter()
        .map(|page| Page {
            side: {
                let mut words: Vec<(f64, String)> = all(page, "word")
                    .into_iter()
                    .filter(|w| number(*w, "xMax") < 35.0 / 25.4 * 72.0)
                    .map(|w| (number(w, "yMin"), w.text().unwrap_or_default().to_owned()))
                    .collect();
                words.sort_by(|a, b| a.0.total_cmp(&b.0));
                words.into_iter().map(|(_, t)| t).collect()
            },
            height: number(page, "height"),
            lines: all(page, "line")
                .into_iter()
                .map(|line| {
                    let text: String = all(line, "word")
                        .into_iter()
                        .filter_map(|w| w.text())
                        .collect();
                    (number(line, "yMin"), text)
                })
                .collect(),
        })
        .collect()
}

fn plain_text(pdf: &Path) -> String {
    pdftotext(pdf, &[])
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

/// Page `page` of `pdf` in gray at 288 dpi: width, height, pixels, and pixels a point.
fn gray(pdf: &Path, page: usize) -> (usize, usize, Vec<u8>, f64) {
    let (width, height, pixels) = pdftoppm_page(pdf, page, 288, true);
    (width, height, pixels, 4.0)
}

/// The mean position, in points, of the pixel lines in `lines` along which dark ink runs at least
/// 9 pt; `pixel(line, i)` is the `i`th of a line's `len` pixels.
fn mean_long_ink(
    lines: std::ops::Range<usize>,
    len: usize,
    scale: f64,
    pixel: impl Fn(usize, usize) -> u8,
) -> Option<f64> {
    let mut found = Vec::new();
    for line in lines {
        let mut run = 0usize;
        let mut long = false;
        for i in 0..len {
            if pixel(line, i) < 90 {
                run += 1;
                long |= run as f64 / scale >= 9.0;
            } else {
                run = 0;
            }
        }
        if long {
            found.push(line as f64 / scale);
        }
    }
    (!found.is_empty()).then(|| found.iter().sum::<f64>() / found.len() as f64)
}

/// The mean height, in points from the top, of the rows of page `page` below `below` where dark
/// ink runs at least 9 pt: the dashes of the page number (digits are narrower).
fn dash_ink_y(pdf: &Path, page: usize, below: f64) -> Option<f64> {
    let (width, height, pixels, scale) = gray(pdf, page);
    mean_long_ink((below * scale) as usize..height, width, scale, |y, x| {
        pixels[y * width + x]
    })
}

/// The mean x, in points, of the columns left of 35 mm where dark ink runs at least 9 pt down:
/// the dashes of a landscape page's turned number.
fn side_dash_x(pdf: &Path, page: usize) -> Option<f64> {
    let (width, height, pixels, scale) = gray(pdf, page);
    let limit = ((35.0 / 25.4 * 72.0) * scale) as usize;
    mean_long_ink(0..limit.min(width), height, scale, |x, y| {
        pixels[y * width + x]
    })
}

/// A bound package: the report without its 版记, a landscape form, and the 版记 on a page of
/// its own with the role given.
fn package(role: SectionRole) -> Document {
    let mut doc = report();
    let mut colophon = None;
    for section in &mut doc.sections {
        section.blocks.retain(|b| {
            let is = matches!(b, Block::Colophon { .. });
            if is {
                colophon = Some(b.clone());
            }
            !is
        });
    }
    doc.sections.extend(school_list().sections);
    doc.sections.push(Section {
        orientation: Orientation::Portrait,
        blocks: vec![colophon.expect("the report has a 版记")],
        role,
    });
    doc.kind = DocKind::CountyPackage;
    doc
}

/// GB/T 9704-2012 7.3.7, 7.5 in LibreOffice: the package's numbers run on through every page
/// of text; printed on both sides the 版记 is on an even last page, after a blank page when
/// needed, neither numbered; on one side, no blank page. The dashes lie 7 mm below the type
/// area; on landscape pages the number runs along the left side where the portrait pages have
/// it on the sheet, 28 mm from the edge.
#[test]
fn libreoffice_prints_the_package_with_the_colophon_on_an_even_page() {
    let files = [
        ("duplex", render(&package(SectionRole::ColophonOnEvenPage))),
        ("simplex", render(&package(SectionRole::Colophon))),
    ];
    let Some(converted) = convert_keeping_blank_pages("package", &files) else {
        return;
    };
    let mm = 72.0 / 25.4;
    let numbered = |pdf: &Path| -> (Vec<Page>, usize) {
        let pages = pdf_pages(pdf);
        let mut text_pages = 0;
        for (i, page) in pages.iter().enumerate() {
            // Portrait pages: under the type area; landscape: along the left side.
            let number = if page.height > 700.0 {
                page.lines
                    .iter()
                    .find(|(y, _)| *y >= page.height - 35.0 * mm)
                    .map(|(_, t)| t.clone())
            } else {
                Some(page.side.clone()).filter(|s| !s.is_empty())
            };
            if number.is_some() {
                assert_eq!(number, Some(format!("—{}—", i + 1)), "page {}", i + 1);
                assert_eq!(text_pages, i, "numbers stop at the 版记");
                text_pages += 1;
            }
        }
        (pages, text_pages)
    };
    let (pages, text_pages) = numbered(&converted.pdfs[0]);
    eprintln!(
        "duplex: {text_pages} numbered pages, {} in all",
        pages.len()
    );
    assert!(text_pages >= 3, "{text_pages}");
    assert_eq!(pages.len() % 2, 0, "the 版记 page is even");
    assert!(pages.len() - text_pages <= 2);
    let last = pages.last().unwrap();
    assert!(
        last.lines.iter().any(|(_, t)| t.contains("印发")),
        "版记 last"
    );
    if pages.len() == text_pages + 2 {
        assert!(
            pages[text_pages].lines.is_empty(),
            "the blank page is blank"
        );
    }
    for (i, page) in pages.iter().enumerate().take(text_pages) {
        if page.height > 700.0 {
            let dash = dash_ink_y(&converted.pdfs[0], i + 1, page.height - 33.0 * mm)
                .expect("page number");
            let below = (dash - (page.height - 35.0 * mm)) / mm;
            assert!(
                (below - 7.0).abs() <= 0.5,
                "page {}: dashes {below:.2} mm below",
                i + 1
            );
        } else {
            let x = side_dash_x(&converted.pdfs[0], i + 1).expect("a number along the side");
            // 7 mm beyond the portrait type area's lower edge: 28 mm from the sheet's foot.
            let from_edge = x / mm;
            assert!(
                (from_edge - 28.0).abs() <= 0.5,
                "page {}: dashes {from_edge:.2} mm from the edge",
                i + 1
            );
        }
    }

    let (simplex, simplex_numbered) = numbered(&converted.pdfs[1]);
    assert_eq!(simplex_numbered, text_pages);
    assert_eq!(simplex.len(), text_pages + 1, "no blank page");
    assert!(
        simplex
            .last()
            .unwrap()
            .lines
            .iter()
            .any(|(_, t)| t.contains("印发"))
    );
}

// ---------------------------------------------------------------------------------------------
// 附件3, the form sent on paper with a stamp.

/// Page 1 of `pdf` at `dpi` as RGB pixels: (width, height, pixels).
fn raster(pdf: &Path, dpi: u32) -> (usize, usize, Vec<u8>) {
    raster_page(pdf, 1, dpi)
}

/// Page `page` of `pdf` at `dpi` as RGB pixels: (width, height, pixels).
fn raster_page(pdf: &Path, page: usize, dpi: u32) -> (usize, usize, Vec<u8>) {
    pdftoppm_page(pdf, page, dpi, false)
}

fn city_timetable() -> Document {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/examples/xihu/西湖区.xlsx");
    let sub = common::submission(&path);
    let config = gongwen::config::Config::default();
    gongwen::render::compose::city_documents("杭州市", &[sub], &config)
        .unwrap()
        .into_iter()
        .find(|d| d.kind == DocKind::CityTimetable)
        .unwrap()
}

/// The head cell carries the diagonal (w:tl2br); through LibreOffice the seal's dashed ink
/// stays above the table's box and is centred on the date, as in the PDF. (LibreOffice 7.4
/// Writer draws no diagonal cell borders; Word does.)
#[test]
fn city_timetable_seal_clears_the_table_and_the_head_cell_is_diagonal() {
    let doc = city_timetable();
    let bytes = render(&doc);
    let docx = Docx::open(&bytes);
    let xml = docx.document();
    let first_cell = first(first(xml.root(), "tbl").unwrap(), "tc").unwrap();
    let borders = first(first_cell, "tcBorders").expect("head cell borders");
    assert!(
        child(borders, "tl2br").is_some_and(|b| attr(b, "val") == Some("single")),
        "{}",
        source(borders)
    );
    assert!(texts(first_cell).concat().contains("县（市、区）"));
    let Some(converted) = convert("stamp", &[("stamp", bytes)]) else {
        return;
    };
    let pdf = &converted.pdfs[0];
    let dpi = 150;
    let scale = f64::from(dpi) / 72.0;
    let (w, h, rgb) = raster(pdf, dpi);
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        (rgb[i], rgb[i + 1], rgb[i + 2])
    };
    let (mut sx0, mut sy0, mut sx1, mut sy1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut table_top = f64::MAX;
    for y in 0..h {
        let mut run = 0;
        for x in 0..w {
            let (r, g, b) = px(x, y);
            if r > 200 && g < 120 && b < 120 {
                let (fx, fy) = (x as f64 / scale, y as f64 / scale);
                (sx0, sy0, sx1, sy1) = (sx0.min(fx), sy0.min(fy), sx1.max(fx), sy1.max(fy));
            }
            // Table rules: dark runs longer than 100 pt.
            run = if r < 90 && g < 90 && b < 90 {
                run + 1
            } else {
                0
            };
            if run as f64 / scale > 100.0 {
                table_top = table_top.min(y as f64 / scale);
            }
        }
    }
    assert!(sx1 > sx0, "no seal ink");
    let mm = 72.0 / 25.4;
    eprintln!(
        "seal {:.1}..{:.1} mm, table from {:.1} mm",
        sy0 / mm,
        sy1 / mm,
        table_top / mm
    );
    assert!((sx1 - sx0 - 42.0 * mm).abs() < 1.5 * mm, "diameter");
    assert!(
        sy1 < table_top,
        "seal ink ({sy1:.1} pt) inside the table ({table_top:.1} pt)"
    );
    // Centred on the date's characters (its line holds 填报日期：, five characters).
    let words = words(pdf).concat();
    let label = words
        .iter()
        .find(|w| w.3.starts_with("填报日期"))
        .expect("填报日期");
    let line: Vec<_> = words
        .iter()
        .filter(|w| (w.2 - label.2).abs() < 2.0)
        .collect();
    // The date's width is its ink, any gap between digits and hanzi left out (LibreOffice 7.4
    // ignores w:autoSpaceDN; the zero-width spaces keep its 3.2 pt kern out).
    let start = label.0 + 5.0 * 15.8;
    let ink = line.iter().map(|w| w.1 - w.0.max(start)).sum::<f64>();
    let end = start + ink;
    let centre = (sx0 + sx1) / 2.0;
    eprintln!(
        "seal centre {:.1} mm, date centre {:.1} mm",
        centre / mm,
        (start + end) / 2.0 / mm
    );
    assert!(
        (centre - (start + end) / 2.0).abs() < 1.5 * mm,
        "seal centre {centre:.1} pt, date centre {:.1} pt",
        (start + end) / 2.0
    );
}

/// The red rule under the 发文字号 spans the type area (156 mm from 28 mm), also when the
/// number stands one character in with 签发人 on its right: the paragraph it borders has no
/// indent (its border would run between the indents).
#[test]
fn red_rule_spans_the_type_area() {
    let bytes = render(&report());
    let docx = Docx::open(&bytes);
    let xml = docx.document();
    let bordered = all(xml.root(), "pBdr")
        .into_iter()
        .find(|b| child(*b, "bottom").is_some_and(|r| attr(r, "color") == Some("FF0000")))
        .expect("the red rule");
    let ppr = bordered.parent().unwrap();
    assert!(child(ppr, "ind").is_none(), "{}", source(ppr));
    let Some(converted) = convert("rule", &[("rule", bytes)]) else {
        return;
    };
    let (w, h, rgb) = raster(&converted.pdfs[0], 150);
    let scale = 150.0 / 72.0;
    let mm = 72.0 / 25.4;
    let red = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        rgb[i] > 180 && rgb[i + 1] < 110 && rgb[i + 2] < 110
    };
    // The longest red run on the page: the rule (the red mark's strokes are short).
    let (mut start, mut len) = (0, 0);
    for y in 0..h {
        let mut run = 0;
        for x in 0..w {
            run = if red(x, y) { run + 1 } else { 0 };
            if run > len {
                (start, len) = (x + 1 - run, run);
            }
        }
    }
    let (x0, width) = (start as f64 / scale / mm, len as f64 / scale / mm);
    eprintln!("red rule from {x0:.1} mm, {width:.1} mm wide");
    assert!((x0 - 28.0).abs() < 0.5, "starts at {x0:.1} mm");
    assert!((width - 156.0).abs() < 0.5, "{width:.1} mm wide");
}

/// Words of `pdftotext -bbox` per page: (x min, x max, y min, text).
fn words(pdf: &Path) -> Vec<Vec<(f64, f64, f64, String)>> {
    pdftotext_words(pdf)
        .into_iter()
        .map(|page| {
            page.into_iter()
                .map(|w| (w.x_min, w.x_max, w.y_min, w.text))
                .collect()
        })
        .collect()
}

/// Through LibreOffice the signature's seal is centred on the date and on the office as the
/// PDF's is, whatever width LibreOffice gives the digits (it ignores w:autoSpaceDN; see
/// `libreoffice_sets_digits_and_hanzi_without_a_gap`).
#[test]
fn libreoffice_centres_the_seal_on_the_date() {
    let Some(converted) = convert("sealed", &[("sealed", render(&report()))]) else {
        return;
    };
    let pdf = &converted.pdfs[0];
    let pages = words(pdf);
    let (index, page) = pages
        .iter()
        .enumerate()
        .find(|(_, p)| p.iter().any(|w| w.3 == "杭州市西湖区教育局"))
        .expect("the office's page");
    let office = page.iter().find(|w| w.3 == "杭州市西湖区教育局").unwrap();
    // The date: the line below the office, from its first word to its last.
    let date: Vec<_> = page
        .iter()
        .filter(|w| w.2 > office.2 + 10.0 && w.2 < office.2 + 40.0)
        .collect();
    assert!(!date.is_empty(), "no date line");
    let date_centre = (date.iter().map(|w| w.0).fold(f64::MAX, f64::min)
        + date.iter().map(|w| w.1).fold(f64::MIN, f64::max))
        / 2.0;
    let office_centre = (office.0 + office.1) / 2.0;
    let (w, h, rgb) = raster_page(pdf, index + 1, 150);
    let scale = 150.0 / 72.0;
    let (mut x0, mut x1) = (f64::MAX, f64::MIN);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let fy = y as f64 / scale;
            // Seal ink near the signature (the red mark and rule are far above it).
            if rgb[i] > 200 && rgb[i + 1] < 120 && rgb[i + 2] < 120 && (fy - office.2).abs() < 80.0
            {
                x0 = x0.min(x as f64 / scale);
                x1 = x1.max(x as f64 / scale);
            }
        }
    }
    assert!(x1 > x0, "no seal ink");
    let mm = 72.0 / 25.4;
    let seal_centre = (x0 + x1) / 2.0;
    eprintln!(
        "seal centre {:.1} mm, date {:.1} mm, office {:.1} mm",
        seal_centre / mm,
        date_centre / mm,
        office_centre / mm
    );
    assert!(
        (seal_centre - date_centre).abs() < mm,
        "seal off the date's centre"
    );
    assert!(
        (seal_centre - office_centre).abs() < mm,
        "seal off the office's centre"
    );
}

/// Through LibreOffice a small table stays on one page, as in the PDF: the province summary of
/// the fixtures' counties, whose five-row 累计进度 table was split 1 + 4.
#[test]
fn libreoffice_keeps_small_tables_on_one_page() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut subs = Vec::new();
    let mut dirs = vec![fixtures.join("examples"), fixtures.join("counties")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "xlsx") {
                let sub = common::submission(&path);
                if !sub.has_errors() {
                    subs.push(sub);
                }
            }
        }
    }
    let doc =
        gongwen::render::compose::province_summary(&subs, &gongwen::config::Config::default())
            .unwrap();
    let Some(converted) = convert("small", &[("small", render(&doc))]) else {
        return;
    };
    // Each page's text rows: its lines at the same height run together (a table row's cells
    // come out as separate lines).
    let pages: Vec<Vec<String>> = pdf_pages(&converted.pdfs[0])
        .into_iter()
        .map(|p| {
            let mut rows: Vec<(f64, String)> = Vec::new();
            for (y, text) in p.lines {
                match rows.iter_mut().find(|(ry, _)| (ry - y).abs() < 3.0) {
                    Some((_, row)) => row.push_str(&squeeze(&text)),
                    None => rows.push((y, squeeze(&text))),
                }
            }
            rows.into_iter().map(|(_, r)| r).collect()
        })
        .collect();
    let mut checked = 0;
    for block in &doc.sections[0].blocks {
        let Block::Table(t) = block else { continue };
        let on: BTreeSet<usize> = t
            .rows
            .iter()
            .flat_map(|r| {
                let row = squeeze(&r.concat());
                pages
                    .iter()
                    .enumerate()
                    .filter(move |(_, p)| p.contains(&row))
                    .map(|(i, _)| i)
            })
            .collect();
        assert_eq!(
            on.len(),
            1,
            "a table of {} rows on pages {on:?}",
            t.rows.len()
        );
        checked += 1;
    }
    assert!(checked >= 2, "{checked} tables");
}

/// No space between digits and hanzi (2019年5月, not 2019 年 5 月): the paragraph defaults and
/// the Normal style turn Word's automatic spacing off (w:autoSpaceDE, w:autoSpaceDN), and
/// nothing turns it back on. LibreOffice 7.4 reads neither (its writerfilter skips both), so a
/// zero-width space stands at each change of script, where LibreOffice would put its own.
#[test]
fn automatic_space_between_digits_and_hanzi_is_off() {
    let docx = Docx::open(&render(&report()));
    let body: Vec<String> = all(docx.document().root(), "w:t")
        .into_iter()
        .filter_map(|t| t.text().map(str::to_owned))
        .collect();
    assert!(
        body.iter()
            .any(|t| t == "2019\u{200B}年\u{200B}5\u{200B}月\u{200B}20\u{200B}日"),
        "the date with its break points: {body:?}"
    );
    assert!(
        body.iter().any(|t| t.contains("西教〔2019〕12\u{200B}号")),
        "{body:?}"
    );
    let styles = docx.xml("word/styles.xml");
    let defaults = first(styles.root(), "pPrDefault").expect("pPrDefault");
    let normal = all(styles.root(), "style")
        .into_iter()
        .find(|s| attr(*s, "default") == Some("1") && attr(*s, "type") == Some("paragraph"))
        .expect("default paragraph style");
    for node in [defaults, normal] {
        for name in ["autoSpaceDE", "autoSpaceDN"] {
            assert!(
                has(node, name, &[("val", "0")]),
                "{name} in {}",
                source(node)
            );
        }
    }
    for part in ["word/styles.xml", "word/document.xml"] {
        let xml = docx.xml(part);
        let on = xml
            .root()
            .descendants()
            .filter(|n| is(*n, "autoSpaceDE") || is(*n, "autoSpaceDN"))
            .filter(|n| attr(*n, "val") != Some("0"))
            .count();
        assert_eq!(on, 0, "{part} turns automatic spacing on");
    }
}

/// Through LibreOffice digits and hanzi are set solid, as Word sets them with w:autoSpaceDE and
/// w:autoSpaceDN off: `2019年5月20日` is as wide as its six pieces set on lines of their own.
/// (LibreOffice 7.4 ignores both settings and put a fifth of the font size, 3.2 pt, at each of
/// the five changes of script; the zero-width spaces at those changes stop it.)
#[test]
fn libreoffice_sets_digits_and_hanzi_without_a_gap() {
    let pieces = ["2019", "年", "5", "月", "20", "日"];
    let whole = pieces.concat();
    let mut doc = report();
    let blocks = &mut doc.sections[0].blocks;
    for (i, text) in std::iter::once(whole.as_str()).chain(pieces).enumerate() {
        blocks.insert(6 + i, p(text));
    }
    let Some(converted) = convert("solid", &[("solid", render(&doc))]) else {
        return;
    };
    // Every line of the document in reading order: its text and its ink from left to right.
    let mut lines: Vec<(String, f64, f64)> = Vec::new();
    for page in words(&converted.pdfs[0]) {
        // (top, words (left, right, text)) of each row.
        type Row = (f64, Vec<(f64, f64, String)>);
        let mut rows: Vec<Row> = Vec::new();
        for (x0, x1, y, text) in page {
            match rows.iter_mut().find(|(ry, _)| (ry - y).abs() < 2.0) {
                Some((_, row)) => row.push((x0, x1, text)),
                None => rows.push((y, vec![(x0, x1, text)])),
            }
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (_, mut row) in rows {
            row.sort_by(|a, b| a.0.total_cmp(&b.0));
            let text: String = row.iter().map(|w| w.2.as_str()).collect();
            let (x0, x1) = (row[0].0, row[row.len() - 1].1);
            if !text.starts_with('—') {
                lines.push((text, x0, x1));
            }
        }
    }
    let at = lines
        .iter()
        .position(|l| l.0 == whole)
        .unwrap_or_else(|| panic!("no line {whole}: {lines:#?}"));
    let set = &lines[at + 1..at + 1 + pieces.len()];
    let texts: Vec<&str> = set.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(texts, pieces);
    let width = lines[at].2 - lines[at].1;
    let parts: f64 = set.iter().map(|l| l.2 - l.1).sum();
    eprintln!(
        "{whole}: {width:.2} pt wide, its pieces {parts:.2} pt: {:.2} pt a change of script",
        (width - parts) / 5.0
    );
    assert!(
        (width - parts).abs() < 1.0,
        "{whole} is {width:.2} pt wide, its pieces {parts:.2} pt"
    );
    // The signature's date is one word to pdftotext, no gap in it.
    let dates = lines.iter().filter(|l| l.0 == whole).count();
    assert!(dates >= 2, "the signature's date set solid");
}

// ---------------------------------------------------------------------------------------------
// A long table's 注

/// An attachment whose table of `rows` one-line rows runs over pages, with two 注 under it.
fn long_list(rows: usize) -> Document {
    let mut doc = school_list();
    let Block::Table(table) = &mut doc.sections[0].blocks[2] else {
        panic!("school_list's table")
    };
    table.group_column = None;
    table.rows = (1..=rows)
        .map(|i| {
            vec![
                format!("第{i}号学校"),
                "运动场馆不足".to_owned(),
                "新建风雨操场".to_owned(),
                "2020年1月".to_owned(),
            ]
        })
        .collect();
    doc
}

/// The table rows of `table` in `rows`: the index of every row (by its first cell), in order.
fn body_rows_in(text: &str, rows: usize) -> Vec<usize> {
    (1..=rows)
        .filter(|i| text.contains(&format!("第{i}号学校")))
        .collect()
}

/// A long table's 注 are its last row (one cell across it, no side or bottom rules, no
/// insets), and its last two body rows keep with them: their paragraphs carry w:keepNext and
/// the rows w:cantSplit, as the 注 row does; the rows before them do not, so the table may
/// still break above them. 注： keeps with its first note; the header row still repeats.
#[test]
fn a_long_tables_last_rows_keep_with_its_notes() {
    let rows = 30;
    let docx = Docx::open(&render(&long_list(rows)));
    let xml = docx.document();
    let tables: Vec<Node<'_, '_>> = all(xml.root(), "w:tbl");
    let table = tables
        .iter()
        .copied()
        .find(|t| texts(*t).concat().contains("第1号学校"))
        .expect("the table");
    let trs: Vec<Node<'_, '_>> = children(table)
        .into_iter()
        .filter(|n| is(*n, "w:tr"))
        .collect();
    assert_eq!(trs.len(), rows + 2, "the header row, the body and the 注");
    assert!(first(trs[0], "w:tblHeader").is_some(), "the header repeats");
    let keeps = |tr: Node<'_, '_>| {
        let paras = all(tr, "w:p");
        !paras.is_empty()
            && paras
                .iter()
                .all(|p| first(*p, "w:pPr").is_some_and(|ppr| child(ppr, "w:keepNext").is_some()))
    };
    let unsplit =
        |tr: Node<'_, '_>| child(tr, "w:trPr").is_some_and(|pr| child(pr, "w:cantSplit").is_some());
    for (i, tr) in trs.iter().enumerate().take(rows + 1).skip(1) {
        let tail = i > rows - 2;
        assert_eq!(keeps(*tr), tail, "body row {i}: {}", source(*tr));
        if tail {
            assert!(unsplit(*tr), "body row {i}: {}", source(*tr));
        }
    }
    // The 注 row: one cell across the table's four columns, rules only above.
    let notes = trs[rows + 1];
    assert!(unsplit(notes), "{}", source(notes));
    let cells = all(notes, "w:tc");
    assert_eq!(cells.len(), 1);
    assert!(has(cells[0], "w:gridSpan", &[("w:val", "4")]));
    let borders = first(cells[0], "w:tcBorders").expect("tcBorders");
    for side in ["w:left", "w:right", "w:bottom"] {
        assert!(
            child(borders, side).is_some_and(|b| attr(b, "w:val") == Some("nil")),
            "{side}: {}",
            source(borders)
        );
    }
    assert!(child(borders, "w:top").is_none(), "{}", source(borders));
    let lines: Vec<String> = all(notes, "w:p")
        .into_iter()
        .map(|p| texts(p).concat())
        .collect();
    assert_eq!(
        lines,
        [
            "注：",
            "1.学校必须按照物理独立校区填报，如一校多区必须分开自查后分开填报。",
            "2.完成时限精确到月份。"
        ]
    );
    let label = all(notes, "w:p")[0];
    assert!(first(label, "w:keepNext").is_some(), "{}", source(label));
    // Nothing of the 注 is left after the table.
    let after: String = all(xml.root(), "w:p")
        .into_iter()
        .filter(|p| !p.ancestors().any(|a| is(a, "w:tbl")))
        .map(|p| texts(p).concat())
        .collect();
    assert!(!after.contains("注："), "{after}");
}

/// Through LibreOffice the 注 under a long table never start a page alone: for every length of
/// table in a range that ends its last page near the foot, the page with 注： also holds the
/// table's last two rows.
#[test]
fn libreoffice_keeps_a_long_tables_notes_with_its_last_rows() {
    let lengths: Vec<usize> = (22..=28).collect();
    let files: Vec<(String, Vec<u8>)> = lengths
        .iter()
        .map(|&n| (format!("rows{n}"), render(&long_list(n))))
        .collect();
    let files: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.clone()))
        .collect();
    let Some(converted) = convert("notes", &files) else {
        return;
    };
    let mut report = Vec::new();
    let mut alone = Vec::new();
    for (&n, pdf) in lengths.iter().zip(&converted.pdfs) {
        let pages = pdf_pages(pdf);
        let (at, page) = pages
            .iter()
            .enumerate()
            .find(|(_, p)| p.lines.iter().any(|(_, t)| t.contains("注：")))
            .unwrap_or_else(|| panic!("{n} rows: no 注："));
        let text: String = page.lines.iter().map(|(_, t)| t.as_str()).collect();
        let rows = body_rows_in(&squeeze(&text), n);
        report.push(format!(
            "{n} rows: 注 on page {}, with rows {rows:?}",
            at + 1
        ));
        if !(rows.contains(&(n - 1)) && rows.contains(&n)) {
            alone.push(n);
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        alone.is_empty(),
        "注 without the last two rows: {alone:?}\n{}",
        report.join("\n")
    );
}
