//! Entry points for the fuzz targets (feature `fuzzing`): the response
//! decoding steps that the pipeline and the classification run on bytes
//! from the server. Not part of the API.

pub use crate::envelope::{Envelope, error_code_and_message, normalize_success_body};
