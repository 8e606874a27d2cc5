//! The context headers FinHub requires on every request (`X-Tenant-ID`,
//! `X-Forwarded-For`, `X-Forwarded-From`, `platform`, `deviceId`,
//! `User-Agent`, `Accept`), built once from the configuration, with the end
//! user's IP and device set per call through [`EndUser`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::error::Error;

/// `X-Tenant-ID`.
pub const TENANT_ID: HeaderName = HeaderName::from_static("x-tenant-id");
/// `X-Forwarded-For`: the end user's IP, kept by FinHub for compliance.
pub const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-From`: which application sends the request.
pub const FORWARDED_FROM: HeaderName = HeaderName::from_static("x-forwarded-from");
/// `platform`.
pub const PLATFORM: HeaderName = HeaderName::from_static("platform");
/// `deviceId`.
pub const DEVICE_ID: HeaderName = HeaderName::from_static("deviceid");
/// The header progenitor adds to every request; FinHub does not document it,
/// so the client removes it.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// The `X-Forwarded-For` sent when a call names no end user: the loopback
/// address, as FinHub's own reference runner sends. Services acting for a
/// real person should pass that person's IP with [`EndUser`].
pub const DEFAULT_END_USER_IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The client platform FinHub records (`platform` header).
#[derive(Clone, PartialEq, Eq)]
pub struct Platform(HeaderValue);

impl Platform {
    /// `web` (FinHub's runner default).
    pub fn web() -> Self {
        Platform(HeaderValue::from_static("web"))
    }
    /// `mobile`.
    pub fn mobile() -> Self {
        Platform(HeaderValue::from_static("mobile"))
    }
    /// `ios`.
    pub fn ios() -> Self {
        Platform(HeaderValue::from_static("ios"))
    }
    /// `android`.
    pub fn android() -> Self {
        Platform(HeaderValue::from_static("android"))
    }
    /// Any other platform name FinHub accepts.
    pub fn custom(name: &str) -> Result<Self, Error> {
        header_value("platform", name).map(Platform)
    }
    pub(crate) fn value(&self) -> &HeaderValue {
        &self.0
    }
}

impl Default for Platform {
    fn default() -> Self {
        Platform::web()
    }
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Platform({:?})", self.0)
    }
}

/// The person a call is made for: their IP address (`X-Forwarded-For`) and,
/// optionally, their device (`deviceId`). `Debug` does not print the IP.
#[derive(Clone, PartialEq, Eq)]
pub struct EndUser {
    ip: IpAddr,
    device_id: Option<HeaderValue>,
}

impl EndUser {
    /// The end user at `ip`.
    pub fn new(ip: IpAddr) -> Self {
        EndUser {
            ip,
            device_id: None,
        }
    }

    /// The end user's device id, instead of the client's configured one.
    pub fn with_device_id(mut self, device_id: &str) -> Result<Self, Error> {
        self.device_id = Some(header_value("deviceId", device_id)?);
        Ok(self)
    }

    /// The end user's IP.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }
}

impl fmt::Debug for EndUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndUser")
            .field("ip", &"** redacted **")
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// A header value from configuration, or a configuration error naming it.
pub(crate) fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    if value.trim().is_empty() {
        return Err(Error::Config(format!("{name} must not be empty")));
    }
    HeaderValue::from_str(value).map_err(|_| {
        Error::Config(format!(
            "{name} contains characters not allowed in an HTTP header"
        ))
    })
}

/// The headers of every request, prepared once.
#[derive(Clone)]
pub(crate) struct ContextHeaders {
    fixed: HeaderMap,
    default_ip: HeaderValue,
}

impl ContextHeaders {
    pub(crate) fn new(
        tenant_id: HeaderValue,
        request_source: HeaderValue,
        platform: &Platform,
        device_id: HeaderValue,
        user_agent: Option<HeaderValue>,
        default_ip: IpAddr,
    ) -> Self {
        let mut fixed = HeaderMap::with_capacity(6);
        fixed.insert(TENANT_ID, tenant_id);
        fixed.insert(FORWARDED_FROM, request_source);
        fixed.insert(PLATFORM, platform.value().clone());
        fixed.insert(DEVICE_ID, device_id);
        if let Some(user_agent) = user_agent {
            fixed.insert(USER_AGENT, user_agent);
        }
        fixed.insert(ACCEPT, HeaderValue::from_static("application/json"));
        ContextHeaders {
            fixed,
            default_ip: ip_value(default_ip),
        }
    }

    /// Stage 1 of the pipeline: sets the context headers, replacing any the
    /// request already had, and removes progenitor's `api-version`.
    pub(crate) fn apply(&self, headers: &mut HeaderMap, end_user: Option<&EndUser>) {
        headers.remove(API_VERSION);
        for (name, value) in &self.fixed {
            headers.insert(name.clone(), value.clone());
        }
        let ip = end_user.map_or_else(|| self.default_ip.clone(), |u| ip_value(u.ip));
        headers.insert(FORWARDED_FOR, ip);
        if let Some(device) = end_user.and_then(|u| u.device_id.clone()) {
            headers.insert(DEVICE_ID, device);
        }
    }
}

impl fmt::Debug for ContextHeaders {
    // The values are configuration, not secrets, but the default IP is the
    // end user's fallback; keep Debug output to the type name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContextHeaders")
    }
}

fn ip_value(ip: IpAddr) -> HeaderValue {
    HeaderValue::from_str(&ip.to_string()).expect("an IP address is a valid header value")
}
