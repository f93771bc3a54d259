//! The catalog of tracked sites: which hosts belong to which platform.
//!
//! Site ids are part of the export contract (`facebook`, `x`, …); user-added
//! sites come later as `custom:<host>`. The manifest's content-script matches
//! are checked against this table by a test, so the two never drift apart.

/// One platform in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// Stable id, used in storage and exports.
    pub id: &'static str,
    /// Registrable domains; `www.` and `m.` hosts of each are included.
    pub domains: &'static [&'static str],
}

/// The catalog, in the order the UI lists it.
pub const CATALOG: &[Site] = &[
    Site { id: "facebook", domains: &["facebook.com"] },
    Site { id: "instagram", domains: &["instagram.com"] },
    Site { id: "x", domains: &["x.com", "twitter.com"] },
    Site { id: "youtube", domains: &["youtube.com"] },
    Site { id: "reddit", domains: &["reddit.com"] },
    Site { id: "linkedin", domains: &["linkedin.com"] },
    Site { id: "tiktok", domains: &["tiktok.com"] },
    Site { id: "pinterest", domains: &["pinterest.com"] },
    Site { id: "snapchat", domains: &["snapchat.com"] },
    Site { id: "threads", domains: &["threads.net", "threads.com"] },
];

/// The host prefixes tracked for each catalog domain.
pub const HOST_PREFIXES: &[&str] = &["", "www.", "m."];

/// The catalog site a host belongs to, if any.
///
/// ```text
/// "www.facebook.com" -> facebook     "m.twitter.com"   -> x
/// "facebook.com"     -> facebook     "business.facebook.com" -> none
/// "evilfacebook.com" -> none         "WWW.X.COM."      -> x
/// ```
pub fn site_for_host(host: &str) -> Option<&'static Site> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    CATALOG.iter().find(|site| {
        site.domains.iter().any(|domain| {
            HOST_PREFIXES
                .iter()
                .any(|prefix| host.len() == prefix.len() + domain.len() && host.starts_with(prefix) && host.ends_with(domain))
        })
    })
}

/// The host part of an `http(s)` URL, without port or credentials.
///
/// ```text
/// "https://www.x.com/home?a=1" -> "www.x.com"
/// "https://u:p@x.com:8443/"    -> "x.com"
/// "chrome://extensions"        -> none
/// ```
pub fn host_of_url(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = host_port.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

/// Every host the content script must run on, e.g. `m.facebook.com`.
pub fn tracked_hosts() -> impl Iterator<Item = String> {
    CATALOG.iter().flat_map(|site| {
        site.domains
            .iter()
            .flat_map(|domain| HOST_PREFIXES.iter().map(move |prefix| format!("{prefix}{domain}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(host: &str) -> Option<&'static str> {
        site_for_host(host).map(|s| s.id)
    }

    #[test]
    fn catalog_hosts_map_to_their_site() {
        assert_eq!(id("www.facebook.com"), Some("facebook"));
        assert_eq!(id("facebook.com"), Some("facebook"));
        assert_eq!(id("m.facebook.com"), Some("facebook"));
        assert_eq!(id("twitter.com"), Some("x"));
        assert_eq!(id("WWW.X.COM."), Some("x"));
        assert_eq!(id("www.threads.com"), Some("threads"));
        assert_eq!(id("www.threads.net"), Some("threads"));
    }

    #[test]
    fn lookalikes_and_other_subdomains_are_not_tracked() {
        assert_eq!(id("evilfacebook.com"), None);
        assert_eq!(id("facebook.com.evil.example"), None);
        assert_eq!(id("business.facebook.com"), None);
        assert_eq!(id("www.example.com"), None);
        assert_eq!(id(""), None);
    }

    #[test]
    fn urls_yield_their_host() {
        assert_eq!(host_of_url("https://www.x.com/home?a=1"), Some("www.x.com"));
        assert_eq!(host_of_url("https://u:p@x.com:8443/"), Some("x.com"));
        assert_eq!(host_of_url("http://reddit.com"), Some("reddit.com"));
        assert_eq!(host_of_url("chrome://extensions"), None);
        assert_eq!(host_of_url("https:///nohost"), None);
    }

    #[test]
    fn there_are_36_tracked_hosts() {
        assert_eq!(tracked_hosts().count(), 36);
    }
}
