//! Deliveries over HTTP. Redirects are never followed, every request has a time-out,
//! and unless the operator allows private targets, a name that resolves to a
//! private, loopback or otherwise non-public address is not connected to — checked
//! when the URL is registered and again at every connection, so a DNS answer that
//! changes later (DNS rebinding) cannot turn a webhook into a probe of the operator's
//! network.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use driehoek_domain::webhooks::{SendResult, WebhookTransport, is_public_address};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// How long registering an endpoint waits for its name to resolve.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest error text kept with an attempt.
const MAX_ERROR_LEN: usize = 300;

pub struct HttpTransport {
    client: reqwest::Client,
    allow_private: bool,
}

impl HttpTransport {
    pub fn new(allow_private: bool, timeout: Duration) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("Driehoek-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder
            .build()
            .map_err(|e| format!("webhook HTTP client: {e}"))?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// A host given as an address is not resolved: check it here.
    fn literal_allowed(&self, url: &Url) -> Result<(), String> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        if self.allow_private || is_public_address(ip) {
            Ok(())
        } else {
            Err(format!("{ip} is a private or loopback address"))
        }
    }
}

/// Resolves names to their public addresses only.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public_address(addr.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

fn short(text: String) -> String {
    if text.len() <= MAX_ERROR_LEN {
        return text;
    }
    let mut end = MAX_ERROR_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[async_trait]
impl WebhookTransport for HttpTransport {
    async fn check_target(&self, url: &Url) -> Result<(), String> {
        self.literal_allowed(url)?;
        if self.allow_private {
            return Ok(());
        }
        let Some(Host::Domain(host)) = url.host() else {
            return Ok(());
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let lookup = tokio::net::lookup_host((host, port));
        let addresses: Vec<SocketAddr> = tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
            .await
            .map_err(|_| format!("{host} did not resolve within {LOOKUP_TIMEOUT:?}"))?
            .map_err(|e| format!("{host} does not resolve: {e}"))?
            .collect();
        match addresses.iter().find(|a| !is_public_address(a.ip())) {
            Some(private) => Err(format!(
                "{host} resolves to {}, a private or loopback address",
                private.ip()
            )),
            None if addresses.is_empty() => Err(format!("{host} resolves to no address")),
            None => Ok(()),
        }
    }

    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &str) -> SendResult {
        let started = Instant::now();
        let elapsed =
            |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let refused = |error: String| SendResult {
            status_code: None,
            error: Some(short(error)),
            duration_ms: 0,
        };
        let parsed = match Url::parse(url) {
            Ok(parsed) => parsed,
            Err(e) => return refused(format!("not a URL: {e}")),
        };
        if let Err(e) = self.literal_allowed(&parsed) {
            return refused(e);
        }
        let mut request = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => SendResult {
                status_code: Some(response.status().as_u16()),
                error: None,
                duration_ms: elapsed(started),
            },
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "request failed"
                };
                let mut cause = String::new();
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    cause = inner.to_string();
                    source = inner.source();
                }
                SendResult {
                    status_code: None,
                    error: Some(short(format!("{what}: {cause}"))),
                    duration_ms: elapsed(started),
                }
            }
        }
    }

    fn allows_private(&self) -> bool {
        self.allow_private
    }
}
