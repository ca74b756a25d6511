//! The render worker's entry point (see `gongwen::render::worker`): limit our own address
//! space, build the renderer as `render` does, load every font, answer the handshake, then
//! serve jobs from stdin until it closes. Only the protocol is written to stdout.

use gongwen::render::worker::{self, Handshake};
use gongwen::render::world::GongwenWorld;
use typst::World;

use super::setup::open_renderer;
use super::{Fault, Status};
use crate::cli::args::RenderWorkerArgs;

pub fn render_worker(args: &RenderWorkerArgs) -> Result<Status, Fault> {
    // Best effort, as for the workbook reader: where the limit cannot be set, the parent's
    // timeout still bounds the job.
    let _ = rlimit::setrlimit(rlimit::Resource::AS, args.memory_limit, args.memory_limit);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let cannot_answer = |e: std::io::Error| Fault::new(format!("cannot answer the parent: {e}"));
    let mut renderer = match open_renderer(&args.options) {
        Ok(renderer) => renderer,
        Err(fault) => {
            let refused = Handshake::Refused {
                message: fault.message.clone(),
                hints: fault.hints.clone(),
            };
            worker::send_handshake(&mut out, &refused).map_err(cannot_answer)?;
            return Err(fault);
        }
    };
    let fonts = load_fonts(renderer.world());
    worker::send_handshake(&mut out, &Handshake::Ready { fonts }).map_err(cannot_answer)?;
    worker::serve(&mut renderer, std::io::stdin().lock(), out).map_err(cannot_answer)?;
    Ok(Status::Ok)
}

/// Loads and hashes every face before the handshake, so the first job is as warm as the
/// hundredth; returns how many faces there are.
fn load_fonts(world: &GongwenWorld) -> usize {
    world.preload_fonts();
    let count = (0..)
        .take_while(|&i| world.font_book().info(i).is_some())
        .count();
    for index in 0..count {
        // Waits for the background load of this face, if it is still running.
        if let Some(font) = world.font(index) {
            std::hint::black_box(typst::utils::hash128(&font));
        }
    }
    count
}
