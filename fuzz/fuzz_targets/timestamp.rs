//! `LenientTimestamp` never panics on any input, as text or as JSON, and
//! what it decodes it encodes back unchanged.
#![no_main]

use finhub_api::LenientTimestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(parsed) = LenientTimestamp::parse(text) {
            assert!(parsed.to_utc().is_some());
        }
        let kept = LenientTimestamp::from_received(text);
        assert_eq!(kept.as_received(), text);
    }
    if let Ok(decoded) = serde_json::from_slice::<LenientTimestamp>(data) {
        let encoded = serde_json::to_vec(&decoded).unwrap();
        let again: LenientTimestamp = serde_json::from_slice(&encoded).unwrap();
        assert_eq!(again, decoded);
    }
});
