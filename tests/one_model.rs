//! One document model, two backends: every text the model holds is printed by the PDF and
//! written into the DOCX, for every document of a county, a city and the province.

mod common;

use std::io::Read;
use std::path::Path;

use common::{have_tool, repo_root};
use gongwen::config::Config;
use gongwen::intake::Limits;
use gongwen::model::Submission;
use gongwen::pipeline::{self, RenderedFile, WorkbookReader};
use gongwen::render::compose;
use gongwen::render::document::Document;
use gongwen::render::renderer::{Formats, Renderer};
use gongwen::render::world::{GongwenWorld, Templates};
use gongwen::tracking::{Ledger, set_ids};

fn read(path: &Path) -> Submission {
    let sub =
        pipeline::read_submission(path, &WorkbookReader::InProcess, &Limits::default()).unwrap();
    assert!(!sub.has_errors(), "{:?}", sub.diagnostics);
    sub
}

/// Whitespace and zero-width break points removed: line breaks differ between backends.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{200b}')
        .collect()
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("a.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Page numbers (— 1 —) stand between the halves of a paragraph that crosses a page.
    let body: Vec<&str> = text.lines().filter(|l| !is_page_number(l)).collect();
    squeeze(&body.join("\n"))
}

fn is_page_number(line: &str) -> bool {
    let t = squeeze(line);
    t.len() > 6
        && t.starts_with('—')
        && t.ends_with('—')
        && t.trim_matches('—').chars().all(|c| c.is_ascii_digit())
}

fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut text = String::new();
    for part in xml.split("<w:t").skip(1) {
        let Some(start) = part.find('>') else {
            continue;
        };
        let Some(end) = part.find("</w:t>") else {
            continue;
        };
        if start < end {
            text.push_str(&part[start + 1..end]);
        }
    }
    squeeze(
        &text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn check(docs: &[Document], files: &[RenderedFile], failures: &mut Vec<String>) {
    for doc in docs {
        let find = |ext: &str| {
            files
                .iter()
                .find(|f| f.name == format!("{}.{ext}", doc.file_stem))
                .unwrap_or_else(|| panic!("{}.{ext} not rendered", doc.file_stem))
        };
        let pdf = pdf_text(&find("pdf").bytes);
        let docx = docx_text(&find("docx").bytes);
        for text in doc.texts() {
            for line in text.split('\n') {
                let want = squeeze(line);
                if want.is_empty() {
                    continue;
                }
                if !pdf.contains(&want) {
                    failures.push(format!("{}: the PDF lacks 「{want}」", doc.file_stem));
                }
                if !docx.contains(&want) {
                    failures.push(format!("{}: the DOCX lacks 「{want}」", doc.file_stem));
                }
            }
        }
    }
}

#[test]
fn pdf_and_docx_print_every_text_of_the_model() {
    if !have_tool("pdftotext") {
        common::skip("pdftotext is not installed (poppler-utils)");
        return;
    }
    let root = repo_root();
    let world = GongwenWorld::new(
        &Templates::Dir(root.join("templates")),
        &[root.join("fonts")],
    )
    .unwrap();
    let config = Config::default();
    let mut renderer = Renderer::new(world, config.clone(), Formats::default());
    let mut subs = vec![read(&root.join("examples/西湖区.xlsx"))];
    for entry in std::fs::read_dir(root.join("examples/杭州市"))
        .unwrap()
        .flatten()
    {
        subs.push(read(&entry.path()));
    }
    let mut failures = Vec::new();
    // The county's items under tracking IDs, as the daemon renders an accepted list.
    let mut county = subs[0].clone();
    let mut ledger = Ledger::new(county.county.clone().unwrap());
    let ids = ledger.apply_list(&county, county.filed_on.unwrap()).ids;
    set_ids(&mut county, &ids);
    assert!(ids.len() > 3);
    let county = &county;
    let docs = compose::county_documents(county, &config).unwrap();
    check(
        &docs,
        &renderer.county(county).unwrap().files,
        &mut failures,
    );
    let docs = compose::city_documents("杭州市", &subs, &config).unwrap();
    check(
        &docs,
        &renderer.city("杭州市", &subs).unwrap().files,
        &mut failures,
    );
    let doc = compose::province_summary(&subs, &config).unwrap();
    check(
        &[doc],
        &renderer.province(&subs).unwrap().files,
        &mut failures,
    );
    assert!(
        failures.is_empty(),
        "{} texts missing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
