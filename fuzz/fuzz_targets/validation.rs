//! The validation rules never panic, whatever a request read from a file
//! contains.
#![no_main]

use finhub_api::types;
use finhub_ext::validation::Validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<types::IndividualRegistrationRequest>(data) {
        let _ = request.validate();
    }
    if let Ok(request) = serde_json::from_slice::<types::UploadVerificationDocumentRequest>(data) {
        let _ = request.validate();
    }
    if let Ok(request) = serde_json::from_slice::<types::AcceptConsentRequest>(data) {
        let _ = request.validate();
    }
});
