//! LibreOffice with the project's fonts, for the tests that open DOCX files in it and for the
//! benchmark that converts them (`benches/pipeline.rs` includes this file by path).

use std::path::{Path, PathBuf};

/// Writes `dir/fonts.conf`: the system fonts, the project's fonts and the aliases for the
/// names in the DOCX, so LibreOffice draws the faces the PDF uses instead of boxes. Point
/// `FONTCONFIG_FILE` at the returned path.
pub fn fontconfig(dir: &Path) -> PathBuf {
    let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    let aliases = fonts.join("fontconfig").join("gongwen-aliases.conf");
    let conf = dir.join("fonts.conf");
    let text = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{fonts}</dir>
  <include ignore_missing="yes">{aliases}</include>
  <cachedir>{cache}</cachedir>
</fontconfig>
"#,
        fonts = fonts.display(),
        aliases = aliases.display(),
        cache = dir.join("fc-cache").display(),
    );
    std::fs::write(&conf, text).expect("write fonts.conf");
    conf
}
