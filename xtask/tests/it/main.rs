//! `cargo xtask` end to end (the built binary on copies of the workspace)
//! and the dependency rules of the runtime crates, in one test binary.

mod api_diff;
mod dependencies;
mod regen;
