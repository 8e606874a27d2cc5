//! Reading a file or standard input up to a size limit, so that a huge or
//! endless input (`/dev/zero`, a pipe that never ends) is refused instead of
//! filling memory.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a limited read failed.
#[derive(Debug)]
pub enum LimitedReadError {
    /// The input could not be opened or read.
    Io(io::Error),
    /// The input is larger than the limit (only `limit + 1` bytes were read).
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
}

impl fmt::Display for LimitedReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitedReadError::Io(e) => e.fmt(f),
            LimitedReadError::TooLarge { limit } => {
                write!(f, "larger than the limit of {}", describe_limit(*limit))
            }
        }
    }
}

impl std::error::Error for LimitedReadError {}

/// `limit` for people: `1 MiB (1048576 bytes)`, `64 KiB (65536 bytes)`.
pub fn describe_limit(limit: u64) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MiB ({limit} bytes)", limit >> 20)
    } else if limit >= 1 << 10 && limit.is_multiple_of(1 << 10) {
        format!("{} KiB ({limit} bytes)", limit >> 10)
    } else {
        format!("{limit} bytes")
    }
}

/// Everything `reader` yields, if that is at most `limit` bytes. Reads at
/// most `limit + 1` bytes whatever the input.
pub fn read_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, LimitedReadError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(LimitedReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(LimitedReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// The file at `path`, if it holds at most `limit` bytes.
pub fn read_file_limited(path: &Path, limit: u64) -> Result<Vec<u8>, LimitedReadError> {
    let file = File::open(path).map_err(LimitedReadError::Io)?;
    read_limited(file, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_up_to_the_limit_are_read_whole_and_larger_ones_refused() {
        assert_eq!(read_limited(&b"abcd"[..], 4).unwrap(), b"abcd");
        let err = read_limited(&b"abcde"[..], 4).unwrap_err();
        assert!(
            matches!(err, LimitedReadError::TooLarge { limit: 4 }),
            "{err}"
        );
        assert_eq!(err.to_string(), "larger than the limit of 4 bytes");
    }

    #[test]
    fn an_endless_input_is_refused_after_limit_plus_one_bytes() {
        let mut endless = io::repeat(0);
        let err = read_limited(&mut endless, 1 << 20).unwrap_err();
        assert_eq!(
            err.to_string(),
            "larger than the limit of 1 MiB (1048576 bytes)"
        );
    }
}
