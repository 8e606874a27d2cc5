//! The tests that capture finhub-ext's `tracing` output.
//!
//! They run in their own test binary, one at a time: a capture is a
//! subscriber set for the test's thread, and `tracing` caches per call site
//! whether anyone listens. A call site first reached on another thread
//! while a capture is being installed can be cached as unheard, and the
//! capture then misses its events. Here no other test runs at the same
//! time, and each test holds [`capture`]'s lock while it captures.

#[path = "../common/mod.rs"]
mod common;

mod learned_form;
mod redaction;
mod tracing_spans;
mod validation_warnings;

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::format::FmtSpan;

/// What a test's thread logged while it held the capture.
pub struct Capture {
    text: Arc<Mutex<Vec<u8>>>,
    // Dropped in this order: the subscriber first, then the lock.
    _subscriber: DefaultGuard,
    _serial: MutexGuard<'static, ()>,
}

impl Capture {
    /// Everything logged so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.text.lock().unwrap().clone()).unwrap()
    }
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the current thread's events up to `level` (and the span events
/// `spans`) as plain text, one test at a time.
pub fn capture(level: tracing::Level, spans: FmtSpan) -> Capture {
    static SERIAL: Mutex<()> = Mutex::new(());
    // A test that failed while holding the lock does not fail the others.
    let serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_span_events(spans)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    Capture {
        text: sink.0,
        _subscriber: tracing::subscriber::set_default(subscriber),
        _serial: serial,
    }
}
