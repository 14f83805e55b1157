//! Integrations: where an entity's automations send what they do. A generic
//! webhook is a URL Cairn POSTs to (W&B's `GenericWebhookIntegration`);
//! Slack-style incoming webhooks are generic webhooks with a Slack payload.
//!
//! A webhook makes the server send requests wherever its URL says, so the
//! targets are restricted by the operator's allow-list ([`AllowList`],
//! `--webhook-allow`): nothing is allowed until the operator says what is,
//! and the list is checked both when an integration is made (a clear error
//! now rather than failed deliveries later) and before every delivery.
//! `secretRef` and `accessTokenRef` name secrets of the entity (W&B's team
//! secrets, [`crate::secret`]), not the secrets themselves, so they are
//! stored as names; each must name an existing secret when the integration
//! is made.

use std::net::IpAddr;

use ipnet::IpNet;
use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};

/// Longest integration name (the client's own limit).
pub const MAX_NAME_CHARS: usize = 64;

/// Longest webhook URL.
pub const MAX_URL_CHARS: usize = 2048;

/// An entity's integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// Row id.
    pub id: i64,
    /// The entity it belongs to.
    pub entity_id: i64,
    /// Unique within the entity.
    pub name: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The name of the entity secret that signs deliveries, if any.
    pub secret_ref: Option<String>,
    /// The name of the entity secret sent as a bearer token, if any.
    pub access_token_ref: Option<String>,
    /// For a Slack incoming webhook, its channel: notifications go to it
    /// with Slack's payload, and it is listed as a `SlackIntegration`.
    pub slack_channel: Option<String>,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

/// A generic webhook to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// See [`check_name`].
    pub name: String,
    /// See [`parse_url`].
    pub url: String,
    /// See [`Integration::secret_ref`].
    pub secret_ref: Option<String>,
    /// See [`Integration::access_token_ref`].
    pub access_token_ref: Option<String>,
    /// See [`Integration::slack_channel`].
    pub slack_channel: Option<String>,
}

/// Check a name the way the client does: words of letters, digits, `_` or
/// `-`, separated by single runs of spaces, at most [`MAX_NAME_CHARS`].
pub fn check_name(name: &str) -> CoreResult<()> {
    let words_ok = name.split(' ').filter(|w| !w.is_empty()).all(|w| {
        w.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    });
    let spaced_ok = !name.starts_with(' ') && !name.ends_with(' ') && !name.is_empty();
    if !words_ok || !spaced_ok {
        return Err(CoreError::InvalidInput(format!(
            "The integration name {name:?} must be words of letters, digits, '_' or '-', separated by spaces."
        )));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(CoreError::InvalidInput(format!(
            "The integration name is longer than {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(())
}

/// Longest Slack channel name (Slack's own limit is 80).
pub const MAX_CHANNEL_CHARS: usize = 80;

/// Check a Slack channel name: not blank, at most [`MAX_CHANNEL_CHARS`].
pub fn check_channel(channel: &str) -> CoreResult<()> {
    if channel.is_empty() || channel.chars().count() > MAX_CHANNEL_CHARS {
        return Err(CoreError::InvalidInput(format!(
            "The Slack channel name must have 1 to {MAX_CHANNEL_CHARS} characters."
        )));
    }
    Ok(())
}

/// A webhook URL: absolute `http` or `https` with a host, no credentials.
pub fn parse_url(text: &str) -> CoreResult<url::Url> {
    let invalid = |why: &str| CoreError::InvalidInput(format!("The webhook URL {text:?} {why}."));
    if text.chars().count() > MAX_URL_CHARS {
        return Err(CoreError::InvalidInput(format!(
            "The webhook URL is longer than {MAX_URL_CHARS} characters."
        )));
    }
    let url = url::Url::parse(text).map_err(|e| invalid(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "must not carry credentials; use an access token secret",
        ));
    }
    Ok(url)
}

/// One allowed target.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// A host name or IP literal, on any port or on one.
    Host { host: String, port: Option<u16> },
    /// Any IP address in a network.
    Network(IpNet),
}

/// Where webhooks may go: `host`, `host:port` and CIDR entries. Empty (the
/// default) allows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Allowed>);

impl AllowList {
    /// Parse a comma-separated list (`hooks.example.com, 10.0.0.0/8,
    /// 127.0.0.1:9000`); blank entries are skipped.
    pub fn parse(list: &str) -> CoreResult<AllowList> {
        let mut allowed = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            allowed.push(parse_entry(entry).ok_or_else(|| {
                CoreError::InvalidInput(format!(
                    "The webhook allow-list entry {entry:?} is not a host, host:port or CIDR network."
                ))
            })?);
        }
        Ok(AllowList(allowed))
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `url` (checked by [`parse_url`]) may be called. An IP
    /// literal host is matched against networks too; a host name only
    /// against host entries (deliveries check the addresses it resolves
    /// to with [`AllowList::allows_address`]).
    pub fn allows(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = url.port_or_known_default();
        let ip: Option<IpAddr> = host.parse().ok();
        let host = ip
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| host.to_string());
        let host = host.as_str();
        self.0.iter().any(|allowed| match allowed {
            Allowed::Host { host: h, port: p } => {
                h.eq_ignore_ascii_case(host) && p.is_none_or(|p| Some(p) == port)
            }
            Allowed::Network(net) => ip.is_some_and(|ip| net.contains(&ip)),
        })
    }

    /// Whether a resolved address of an allowed host name may be called:
    /// it must not be a loopback, private or link-local address unless a
    /// network entry allows it — so a name cannot be pointed at an
    /// internal service after the integration was made.
    pub fn allows_address(&self, ip: IpAddr) -> bool {
        let internal = match ip {
            IpAddr::V4(v4) => {
                v4.is_loopback()
                    || v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
            }
            IpAddr::V6(v6) => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        };
        !internal
            || self
                .0
                .iter()
                .any(|allowed| matches!(allowed, Allowed::Network(net) if net.contains(&ip)))
    }

    /// The error for a URL the list does not allow.
    pub fn refusal(url: &url::Url) -> CoreError {
        CoreError::PermissionDenied(format!(
            "Webhooks to {} are not allowed on this server; its operator allows targets with --webhook-allow (CAIRN_WEBHOOK_ALLOW).",
            url.host_str().unwrap_or("this host")
        ))
    }
}

fn parse_entry(entry: &str) -> Option<Allowed> {
    if entry.contains('/') {
        return entry.parse::<IpNet>().ok().map(Allowed::Network);
    }
    // A bare IP (IPv6 included), `[v6]:port`, `host:port` or `host`.
    let (host, port) = if entry.parse::<IpAddr>().is_ok() {
        (entry, None)
    } else if let Some(rest) = entry.strip_prefix('[') {
        let (host, port) = rest.split_once("]:")?;
        (host, Some(port))
    } else {
        match entry.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (entry, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    let host = match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => {
            let valid = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !valid {
                return None;
            }
            host.to_ascii_lowercase()
        }
    };
    Some(Allowed::Host { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        parse_url(text).unwrap()
    }

    #[test]
    fn names_follow_the_clients_pattern() {
        for ok in ["hook", "my-hook_2", "eval on link", "a  b"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " lead",
            "trail ",
            "semi;colon",
            "slash/x",
            &"x".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(parse_url("https://hooks.example.com/x?y=1").is_ok());
        for bad in [
            "ftp://x.example.com/",
            "hooks.example.com",
            "http://user:pw@x.example.com/",
            "file:///etc/passwd",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_allow_list_is_empty_by_default_and_matches_hosts_ports_and_networks() {
        let nothing = AllowList::default();
        assert!(!nothing.allows(&url("https://hooks.example.com/")));
        let list =
            AllowList::parse("hooks.example.com, 127.0.0.1:9000, 10.0.0.0/8, [::1]:8080").unwrap();
        assert!(list.allows(&url("https://HOOKS.example.com/a")));
        assert!(list.allows(&url("http://127.0.0.1:9000/x")));
        assert!(!list.allows(&url("http://127.0.0.1:9001/x")));
        assert!(list.allows(&url("http://10.1.2.3/x")));
        assert!(!list.allows(&url("http://11.1.2.3/x")));
        assert!(list.allows(&url("http://[::1]:8080/x")));
        assert!(!list.allows(&url("https://evil.example.com/")));
        assert!(AllowList::parse("not a host!").is_err());
        assert!(AllowList::parse("10.0.0.0/99").is_err());
    }

    #[test]
    fn resolved_addresses_must_be_public_unless_a_network_allows_them() {
        let list = AllowList::parse("hooks.example.com, 10.0.0.0/8").unwrap();
        assert!(list.allows_address("93.184.216.34".parse().unwrap()));
        assert!(list.allows_address("10.0.0.7".parse().unwrap()));
        assert!(!list.allows_address("127.0.0.1".parse().unwrap()));
        assert!(!list.allows_address("192.168.1.1".parse().unwrap()));
        assert!(!list.allows_address("169.254.169.254".parse().unwrap()));
        assert!(!list.allows_address("::1".parse().unwrap()));
    }
}
