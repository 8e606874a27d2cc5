//! The generated client's seams and types, in one test binary.

mod hooks;
mod operation;
mod robustness;
