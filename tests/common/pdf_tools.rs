//! The command-line tools the layout tests run on files: LibreOffice converting DOCX to PDF,
//! poppler's pdftoppm rasterising a page and pdftotext reading the text and its boxes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::libreoffice::fontconfig;

/// Converts `inputs` with `soffice --headless --convert-to filter` into `dir`, in a profile of
/// its own under `dir` (a developer's running LibreOffice is left alone) and with the project's
/// fonts ([`fontconfig`]). Returns soffice's output and the PDF each input became, in order;
/// panics naming soffice's stderr when one is missing.
pub fn soffice_to_pdf(dir: &Path, inputs: &[PathBuf], filter: &str) -> (Output, Vec<PathBuf>) {
    let conf = fontconfig(dir);
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(dir)
        .args(inputs)
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
    (out, pdfs)
}

/// Page `page` (from 1) of `pdf` rasterised by pdftoppm at `dpi`, in gray (`P5`) or RGB
/// (`P6`): width, height and the pixels, row by row. The image file, written beside the PDF,
/// is removed.
pub fn pdftoppm_page(pdf: &Path, page: usize, dpi: u32, gray: bool) -> (usize, usize, Vec<u8>) {
    let page = page.to_string();
    let prefix = pdf.with_file_name(format!(
        "{}-raster-{page}-{dpi}",
        pdf.file_stem().unwrap_or_default().to_string_lossy()
    ));
    let mut cmd = Command::new("pdftoppm");
    if gray {
        cmd.arg("-gray");
    }
    let status = cmd
        .args([
            "-r",
            &dpi.to_string(),
            "-f",
            &page,
            "-l",
            &page,
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let file = prefix.with_extension(if gray { "pgm" } else { "ppm" });
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let _ = std::fs::remove_file(&file);
    let (magic, width, height, pixels) = super::netpbm(&bytes);
    assert_eq!(magic, if gray { "P5" } else { "P6" });
    let len = width * height * if gray { 1 } else { 3 };
    (width, height, pixels[..len].to_vec())
}

/// What `pdftotext ARGS PDF -` prints.
pub fn pdftotext(pdf: &Path, args: &[&str]) -> String {
    let out = Command::new("pdftotext")
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One word of `pdftotext -bbox`, in points from the page's top left.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub text: String,
}

/// The words of `pdf` page by page, as `pdftotext -bbox` boxes them.
pub fn pdftotext_words(pdf: &Path) -> Vec<Vec<Word>> {
    let html = pdftotext(pdf, &["-bbox"]);
    html.split("<page ")
        .skip(1)
        .map(|page| {
            page.split("<word ")
                .skip(1)
                .map(|w| {
                    let num = |k: &str| -> f64 {
                        let s = &w[w.find(&format!("{k}=\"")).unwrap() + k.len() + 2..];
                        s[..s.find('"').unwrap()].parse().unwrap()
                    };
                    let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
                    Word {
                        x_min: num("xMin"),
                        x_max: num("xMax"),
                        y_min: num("yMin"),
                        text: text.to_owned(),
                    }
                })
                .collect()
        })
        .collect()
}
