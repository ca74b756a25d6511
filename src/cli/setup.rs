//! What every subcommand that renders (render, rollup, watch, the render worker) sets up
//! before its first file: the configuration, the installation's templates and fonts, the
//! renderer and its forks.

use std::path::{Path, PathBuf};

use gongwen::config::{Config, SealStyle};
use gongwen::render::renderer::{Formats, Renderer};
use gongwen::render::world::{GongwenWorld, Templates, WorldError};

use super::{Fault, install};
use crate::cli::args::{RenderOptions, SealArg};

/// The configuration, the templates and the fonts, checked, as one renderer kept for every
/// file of the run.
pub fn open_renderer(options: &RenderOptions) -> Result<Renderer, Fault> {
    let config = render_config(options)?;
    let root = install::resolve(options)?;
    let templates = match (&options.templates, &root) {
        (Some(dir), _) => Templates::Dir(dir.clone()),
        (None, Some(root)) if root.dir.join("templates").join("main.typ").is_file() => {
            Templates::Dir(root.dir.join("templates"))
        }
        (None, _) => Templates::Builtin,
    };
    let mut font_dirs: Vec<PathBuf> = root.iter().map(|r| r.dir.join("fonts")).collect();
    font_dirs.extend(options.font_paths.iter().cloned());
    let world = GongwenWorld::new(&templates, &font_dirs).map_err(|e| match e {
        WorldError::Fonts(missing) => {
            let fault = Fault::new(missing.to_string());
            let fault = match &root {
                Some(root) => fault.hint(format!(
                    "fonts/ is that of {}; name another with --install-root or GONGWEN_HOME",
                    root.describe()
                )),
                None => fault.hint(
                    "no installation folder was found: none was named with --install-root or GONGWEN_HOME, and neither the current folder nor the executable's folder (or the one above it) has fonts/ or templates/",
                ),
            };
            fault.hint(
                "put the fonts into fonts/ (see fonts/README.md) or name a folder that has them with --font-path, e.g. --font-path /usr/share/fonts/opentype/noto --font-path /usr/share/fonts/truetype/lxgw-wenkai",
            )
        }
        other => Fault::new(other.to_string()),
    })?;
    Ok(Renderer::new(world, config, Formats::default()))
}

/// The configuration the options name, with `--seal` applied over it.
pub fn render_config(options: &RenderOptions) -> Result<Config, Fault> {
    let mut config = load_config(options.config.as_deref())?;
    if let Some(seal) = options.seal {
        config.seal.style = match seal {
            SealArg::Outline => SealStyle::Outline,
            SealArg::None => SealStyle::None,
        };
    }
    Ok(config)
}

/// `--config FILE`, else `./gongwen.toml` when it exists, else the defaults. Every problem of
/// the file is a hint line `FILE:LINE: message`.
fn load_config(path: Option<&Path>) -> Result<Config, Fault> {
    let default = Path::new("gongwen.toml");
    let path = match path {
        Some(path) => path,
        None if default.is_file() => default,
        None => return Ok(Config::default()),
    };
    let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = shown.display();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Fault::new(format!("the configuration {shown} does not exist")).hint(
                "gongwen reads the file named by --config; without --config it reads gongwen.toml in the daemon's root (watch) or the current folder (render, rollup), and uses the defaults when there is none",
            )
        }
        _ => Fault::new(format!("cannot read the configuration {shown}: {e}"))
            .hint("--config must name a readable TOML file"),
    })?;
    Config::parse_bytes(&bytes).map_err(|e| {
        let count = e.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        let mut fault = Fault::new(format!(
            "{shown}: invalid configuration, {count} {noun}; nothing was done"
        ));
        let file = path.display().to_string();
        for problem in &e.problems {
            fault = fault.hint(problem.located(&file));
        }
        fault
    })
}

/// `renderer` and `count - 1` forks of it, one for each worker.
pub fn forks(renderer: Renderer, count: usize) -> Vec<Renderer> {
    let mut workers: Vec<Renderer> = (1..count).map(|_| renderer.fork()).collect();
    workers.insert(0, renderer);
    workers
}
