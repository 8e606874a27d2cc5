//! The typed helpers against real requests.

mod typed_when;
