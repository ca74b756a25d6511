//! The installation folder: where `fonts/` and `templates/` are found. Named by
//! `--install-root` or `GONGWEN_HOME`, else searched for in the current folder, the
//! executable's folder and the one above it (`/opt/gongwen/bin/gongwen` → `/opt/gongwen`).
//! Only a debug build also looks in the source tree it was built from, so a release binary
//! copied to another machine never silently uses a developer's tree.

use std::path::{Path, PathBuf};

use super::Fault;
use crate::cli::args::RenderOptions;

/// An installation folder and how it was found, for the hints of a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRoot {
    pub dir: PathBuf,
    pub found: Found,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// `--install-root` or `GONGWEN_HOME`.
    Named,
    CurrentFolder,
    BesideExecutable,
    /// `CARGO_MANIFEST_DIR`, in debug builds only.
    BuildTree,
}

impl InstallRoot {
    /// "the installation /opt/gongwen (beside the executable)".
    pub fn describe(&self) -> String {
        let how = match self.found {
            Found::Named => "named by --install-root or GONGWEN_HOME",
            Found::CurrentFolder => "the current folder",
            Found::BesideExecutable => "beside the executable",
            Found::BuildTree => "the source tree of this debug build",
        };
        format!("the installation {} ({how})", self.dir.display())
    }
}

/// The installation the options name, else the one the search finds; `None` when there is
/// none (then only `--font-path` and the built-in templates are used).
pub fn resolve(options: &RenderOptions) -> Result<Option<InstallRoot>, Fault> {
    if options.no_install_root {
        return Ok(None);
    }
    if let Some(dir) = &options.install_root {
        if !dir.is_dir() {
            return Err(Fault::new(format!(
                "the installation folder {} does not exist",
                dir.display()
            ))
            .hint(
                "--install-root or GONGWEN_HOME must name the folder holding fonts/ and templates/",
            ));
        }
        return Ok(Some(InstallRoot {
            dir: std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
            found: Found::Named,
        }));
    }
    let cwd = std::env::current_dir().ok();
    let exe = std::env::current_exe().ok();
    let build_tree = cfg!(debug_assertions).then(|| Path::new(env!("CARGO_MANIFEST_DIR")));
    Ok(search(cwd.as_deref(), exe.as_deref(), build_tree))
}

/// The options with the installation resolved once and written into them, for a child
/// process (the render worker) that must use exactly the parent's, whatever its own
/// folder or environment.
pub fn pin(options: &mut RenderOptions) -> Result<(), Fault> {
    match resolve(options)? {
        Some(root) => {
            options.install_root = Some(root.dir);
            options.no_install_root = false;
        }
        None => {
            options.install_root = None;
            options.no_install_root = true;
        }
    }
    Ok(())
}

/// The first candidate that holds `templates/main.typ` or `fonts/`: the current folder, the
/// executable's folder, the one above it, then the build tree when given.
fn search(
    cwd: Option<&Path>,
    exe: Option<&Path>,
    build_tree: Option<&Path>,
) -> Option<InstallRoot> {
    let mut candidates: Vec<(&Path, Found)> = Vec::new();
    candidates.extend(cwd.map(|dir| (dir, Found::CurrentFolder)));
    if let Some(exe) = exe {
        let beside = exe.ancestors().skip(1).take(2);
        candidates.extend(beside.map(|dir| (dir, Found::BesideExecutable)));
    }
    candidates.extend(build_tree.map(|dir| (dir, Found::BuildTree)));
    candidates
        .into_iter()
        .find(|(dir, _)| is_installation(dir))
        .map(|(dir, found)| InstallRoot {
            dir: dir.to_path_buf(),
            found,
        })
}

fn is_installation(dir: &Path) -> bool {
    dir.join("templates").join("main.typ").is_file() || dir.join("fonts").is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `base/opt/gongwen/bin/gongwen`, with `fonts/` at the levels given.
    fn layout(fonts_at: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let base = tempfile::tempdir().unwrap();
        let bin = base.path().join("opt/gongwen/bin");
        std::fs::create_dir_all(&bin).unwrap();
        for dir in fonts_at {
            std::fs::create_dir_all(base.path().join(dir).join("fonts")).unwrap();
        }
        (base, bin.join("gongwen"))
    }

    #[test]
    fn the_current_folder_comes_before_the_executables() {
        let (base, exe) = layout(&["work", "opt/gongwen"]);
        let cwd = base.path().join("work");
        let root = search(Some(&cwd), Some(&exe), None).unwrap();
        assert_eq!((root.dir, root.found), (cwd, Found::CurrentFolder));
    }

    #[test]
    fn the_folder_above_the_executable_is_an_installation() {
        let (base, exe) = layout(&["opt/gongwen"]);
        let cwd = base.path().join("elsewhere");
        let root = search(Some(&cwd), Some(&exe), None).unwrap();
        assert_eq!(root.dir, base.path().join("opt/gongwen"));
        assert_eq!(root.found, Found::BesideExecutable);
    }

    #[test]
    fn two_folders_above_the_executable_is_too_far() {
        // target/release/gongwen must not find the repository above target/.
        let (base, exe) = layout(&["opt"]);
        assert_eq!(search(None, Some(&exe), None), None);
        let tree = base.path().join("opt");
        let root = search(None, Some(&exe), Some(&tree)).unwrap();
        assert_eq!(root.found, Found::BuildTree);
    }

    #[test]
    fn a_named_folder_that_does_not_exist_is_a_fault() {
        let options = RenderOptions {
            seal: None,
            font_paths: Vec::new(),
            config: None,
            templates: None,
            install_root: Some(PathBuf::from("/nonexistent/gongwen")),
            no_install_root: false,
        };
        let fault = resolve(&options).unwrap_err();
        assert!(fault.message.contains("/nonexistent/gongwen"), "{fault}");
    }

    #[test]
    fn pinning_names_the_folder_or_says_there_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = RenderOptions {
            seal: None,
            font_paths: Vec::new(),
            config: None,
            templates: None,
            install_root: Some(dir.path().to_path_buf()),
            no_install_root: false,
        };
        pin(&mut options).unwrap();
        assert_eq!(options.install_root.as_deref(), Some(dir.path()));
        options.install_root = None;
        options.no_install_root = true;
        pin(&mut options).unwrap();
        assert_eq!(options.install_root, None);
        assert!(options.no_install_root);
    }
}
