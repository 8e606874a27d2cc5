//! Response decoding never panics: the envelope normalization and every
//! generated response type, on arbitrary bytes.
#![no_main]

use finhub_api::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = finhub_ext::fuzzing::normalize_success_body(data);
    let body = body.as_deref().unwrap_or(data);
    let _ = serde_json::from_slice::<types::BaseResponseSessionResponse>(body);
    let _ = serde_json::from_slice::<types::BaseResponseCustomerRegistrationResponse>(body);
    let _ = serde_json::from_slice::<types::BaseResponseVerificationDocument>(body);
    let _ = serde_json::from_slice::<types::BaseResponseWalletList>(body);
    if let Ok(envelope) = serde_json::from_slice::<types::ErrorEnvelope>(data) {
        let _ = finhub_ext::fuzzing::error_code_and_message(&envelope);
    }
});
