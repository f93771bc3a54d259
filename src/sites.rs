//! The catalog of tracked sites: which hosts belong to which platform.
//!
//! Site ids are part of the export contract (`facebook`, `x`, …); a site the
//! person added is `custom:<host>`. The manifest's content-script matches
//! are checked against this table by a test, so the two never drift apart.

use std::collections::BTreeSet;

use crate::rules::Rule;

use thiserror::Error;

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
    Site {
        id: "facebook",
        domains: &["facebook.com"],
    },
    Site {
        id: "instagram",
        domains: &["instagram.com"],
    },
    Site {
        id: "x",
        domains: &["x.com", "twitter.com"],
    },
    Site {
        id: "youtube",
        domains: &["youtube.com"],
    },
    Site {
        id: "reddit",
        domains: &["reddit.com"],
    },
    Site {
        id: "linkedin",
        domains: &["linkedin.com"],
    },
    Site {
        id: "tiktok",
        domains: &["tiktok.com"],
    },
    Site {
        id: "pinterest",
        domains: &["pinterest.com"],
    },
    Site {
        id: "snapchat",
        domains: &["snapchat.com"],
    },
    Site {
        id: "threads",
        domains: &["threads.net", "threads.com"],
    },
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
            HOST_PREFIXES.iter().any(|prefix| {
                host.len() == prefix.len() + domain.len()
                    && host.starts_with(prefix)
                    && host.ends_with(domain)
            })
        })
    })
}

/// The host of an `http(s)` URL as a browser reads it (the WHATWG URL
/// Standard), answered only where the URL spells it plainly, as written
/// (ASCII case and a trailing dot as given). Where a browser would read a
/// host other than the plain text shows, or transform it, there is none:
/// a `\` (a browser's `/`) ending the authority early, tabs, newlines and
/// spaces (dropped), `%`-escapes and non-ASCII (IDNA) hosts (decoded),
/// numbers in other forms than `a.b.c.d` (IPv4), IPv6, extra slashes, a
/// port past 65535. So no link passes for another site's.
///
/// ```text
/// "https://www.x.com/home?a=1"             -> "www.x.com"
/// "https://u:p@x.com:8443/"                -> "x.com"
/// "https://evil.example\@x.com/"           -> none (a browser opens evil.example)
/// "https://x%2Ecom/"  "https://x.c\tom/"   -> none (a browser opens x.com)
/// "https:///x.com"  "chrome://extensions"  -> none
/// ```
pub fn host_of_url(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let web = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http");
    // Browsers strip C0 controls and spaces, and drop tabs and newlines
    // anywhere: text with them is not read as written.
    if !web || url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return None;
    }
    // For http(s), `\` ends the authority as `/` does.
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    // The host follows the last `@` (the rest is credentials).
    let host_port = authority.rsplit('@').next()?;
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, ""));
    let port_ok = port.is_empty()
        || (port.bytes().all(|b| b.is_ascii_digit())
            && port.trim_start_matches('0').len() <= 5
            && port.parse::<u32>().is_ok_and(|p| p <= 65_535));
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    (port_ok && plain && plain_number(host)).then_some(host)
}

/// Whether a host a browser would read as an IPv4 address (its last label
/// a number, as `0x7f` or `017` are) is written plainly: four decimal
/// parts, 0 to 255, no leading zeros. Names answer true.
///
/// ```text
/// "x.com" "127.0.0.1" -> true     "0x7f.1" "1.2.3" "127.0.0.01" "1.2.3.4." -> false
/// ```
fn plain_number(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let last = match labels.as_slice() {
        [.., last, ""] => last,
        [.., last] => last,
        [] => return true,
    };
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    let number = hex || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()));
    !number
        || (labels.len() == 4
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.bytes().all(|b| b.is_ascii_digit())
                    && (l.len() == 1 || !l.starts_with('0'))
                    && l.parse::<u16>().is_ok_and(|n| n <= 255)
            }))
}

/// A site id: a catalog id or `custom:<host>`.
///
/// ```text
/// "facebook" "custom:news.example.org" -> true
/// "myspace" "custom:" "custom:Evil Host" -> false
/// ```
pub fn valid_site_id(id: &str) -> bool {
    CATALOG.iter().any(|s| s.id == id)
        || id.strip_prefix("custom:").is_some_and(|host| {
            !host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        })
}

/// Most sites a person may add: each is a content script's match list and
/// a permission the browser shows.
pub const MAX_CUSTOM_SITES: usize = 50;

/// Why a host the person typed cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostError {
    #[error("no site was given")]
    Empty,
    #[error("{0:?} is not a site's host name (like news.example.org)")]
    Invalid(String),
    #[error("{0:?} is already counted as {1}")]
    Catalog(String, &'static str),
}

/// The host a person means by what they typed, in the form Thaman keeps:
/// lower case, no scheme, path or port, without a leading `www.` or `m.`
/// (those are counted with it, as for the catalog).
///
/// ```text
/// "News.Example.org"                   -> "news.example.org"
/// "https://www.example.org/a?b"        -> "example.org"
/// "example"  "1.2.3.4"  "ex ample.org" -> invalid
/// "www.facebook.com"                   -> already counted as facebook
/// ```
pub fn custom_host(input: &str) -> Result<String, HostError> {
    let typed = input.trim();
    if typed.is_empty() {
        return Err(HostError::Empty);
    }
    let lower = typed.to_ascii_lowercase();
    let bare = if lower.contains("://") {
        host_of_url(&lower).unwrap_or("").to_string()
    } else {
        lower
            .split(['/', '?', '#', ':'])
            .next()
            .unwrap_or("")
            .to_string()
    };
    let bare = bare.trim_end_matches('.');
    let host = ["www.", "m."]
        .iter()
        .find_map(|p| bare.strip_prefix(p))
        .unwrap_or(bare);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    let top_is_name = labels
        .last()
        .is_some_and(|t| t.bytes().any(|b| b.is_ascii_lowercase()));
    if labels.len() < 2 || host.len() > 253 || !labels.iter().all(|l| label_ok(l)) || !top_is_name {
        return Err(HostError::Invalid(typed.to_string()));
    }
    if let Some(site) = site_for_host(host).or_else(|| site_for_host(bare)) {
        return Err(HostError::Catalog(typed.to_string(), site.id));
    }
    Ok(host.to_string())
}

/// The origins a site the person added is counted on, which are also the
/// host permissions asked for it.
///
/// ```text
/// "example.org" -> https://example.org/*, https://www.example.org/*, https://m.example.org/*
/// ```
pub fn custom_origins(host: &str) -> Vec<String> {
    HOST_PREFIXES
        .iter()
        .map(|prefix| format!("https://{prefix}{host}/*"))
        .collect()
}

/// The site id a host is counted under: a catalog site, or one the person
/// added (`custom:<host>`).
///
/// ```text
/// "www.x.com",        {}            -> "x"
/// "www.example.org",  {example.org} -> "custom:example.org"
/// "a.example.org",    {example.org} -> none (only the host, www. and m.)
/// ```
pub fn site_id_for_host(host: &str, custom: &BTreeSet<String>) -> Option<String> {
    if let Some(site) = site_for_host(host) {
        return Some(site.id.to_string());
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    HOST_PREFIXES
        .iter()
        .filter_map(|p| host.strip_prefix(p))
        .find(|h| custom.contains(*h))
        .map(|h| format!("custom:{h}"))
}

/// Whether Thaman counts ads on `site`: on the catalog, whose ad markup its
/// rules know; not on a site the person added, where "0 ads" would be a
/// number it cannot stand behind (it shows none instead).
///
/// ```text
/// "x" -> true      "custom:example.org" -> false
/// ```
pub fn ads_counted(site: &str) -> bool {
    !site.starts_with("custom:")
}

/// The sites the person added that a rule of their `own` names: ads are
/// counted there too (their rule is the markup Thaman then knows).
///
/// ```text
/// [news.example.org##.promo, x.com##.ad], added {news.example.org}
///   -> {custom:news.example.org}
/// ```
pub fn ruled_sites(own: &[Rule], custom: &BTreeSet<String>) -> BTreeSet<String> {
    own.iter()
        .flat_map(|r| &r.domains)
        .filter_map(|d| site_id_for_host(d, custom))
        .filter(|site| !ads_counted(site))
        .collect()
}

/// Every host the content script must run on, e.g. `m.facebook.com`.
pub fn tracked_hosts() -> impl Iterator<Item = String> {
    CATALOG.iter().flat_map(|site| {
        site.domains.iter().flat_map(|domain| {
            HOST_PREFIXES
                .iter()
                .map(move |prefix| format!("{prefix}{domain}"))
        })
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
        assert_eq!(host_of_url("HTTP://X.com."), Some("X.com."));
        assert_eq!(host_of_url("https://127.0.0.1:8080/"), Some("127.0.0.1"));
    }

    #[test]
    fn urls_a_browser_reads_otherwise_yield_no_host() {
        for url in [
            "https://x.c\tom/", // tabs and newlines are dropped
            "https://x.com\n/",
            " https://x.com/",
            "https://x%2Ecom/",      // %-escapes are decoded
            "https://\u{ff58}.com/", // fullwidth x, mapped by IDNA
            "https://x\u{3002}com/",
            "https:///x.com/", // extra slashes are skipped
            "https:/x.com/",
            "https:x.com",
            "https://x.com:65536/", // no such port
            "https://x.com:8o/",
            "https://0x7f.1/", // numbers read as IPv4
            "https://127.0.0.01/",
            "https://1.2.3/",
            "https://[::1]/",
            "https://u@/",
            "https://x.com@/",
            "ftp://x.com/",
        ] {
            assert_eq!(host_of_url(url), None, "{url:?}");
        }
        // `\\` is `/` to a browser: the host is the one before it.
        assert_eq!(
            host_of_url("https://evil.example\\@x.com/"),
            Some("evil.example")
        );
        assert_eq!(
            host_of_url("https://evil.example\\.x.com/"),
            Some("evil.example")
        );
        assert_eq!(
            host_of_url("https://x.com@evil.example/"),
            Some("evil.example")
        );
        assert_eq!(host_of_url("https://x.com:0443/a\\b"), Some("x.com"));
    }

    #[test]
    fn typed_hosts_are_kept_in_one_form() {
        assert_eq!(
            custom_host(" News.Example.org "),
            Ok("news.example.org".into())
        );
        assert_eq!(
            custom_host("https://www.example.org/a?b"),
            Ok("example.org".into())
        );
        assert_eq!(
            custom_host("m.example.org:8080/x"),
            Ok("example.org".into())
        );
        assert_eq!(
            custom_host("xn--mgbh0fb.example."),
            Ok("xn--mgbh0fb.example".into())
        );
        assert_eq!(custom_host(""), Err(HostError::Empty));
        for bad in [
            "example",
            "1.2.3.4",
            "ex ample.org",
            "-a.org",
            "a..org",
            "مثال.org",
            "https://",
        ] {
            assert!(
                matches!(custom_host(bad), Err(HostError::Invalid(_))),
                "{bad}"
            );
        }
        assert_eq!(
            custom_host("www.facebook.com"),
            Err(HostError::Catalog("www.facebook.com".into(), "facebook"))
        );
        assert_eq!(
            custom_host("https://twitter.com/home"),
            Err(HostError::Catalog("https://twitter.com/home".into(), "x"))
        );
    }

    #[test]
    fn added_sites_match_their_host_and_its_www_and_m() {
        let custom: BTreeSet<String> = ["example.org".to_string()].into();
        assert_eq!(
            site_id_for_host("example.org", &custom).as_deref(),
            Some("custom:example.org")
        );
        assert_eq!(
            site_id_for_host("WWW.Example.org.", &custom).as_deref(),
            Some("custom:example.org")
        );
        assert_eq!(
            site_id_for_host("m.example.org", &custom).as_deref(),
            Some("custom:example.org")
        );
        assert_eq!(site_id_for_host("a.example.org", &custom), None);
        assert_eq!(site_id_for_host("badexample.org", &custom), None);
        assert_eq!(site_id_for_host("x.com", &custom).as_deref(), Some("x"));
        assert!(ads_counted("x") && !ads_counted("custom:example.org"));
        assert_eq!(
            custom_origins("example.org"),
            [
                "https://example.org/*",
                "https://www.example.org/*",
                "https://m.example.org/*"
            ]
        );
    }

    #[test]
    fn site_ids() {
        assert!(valid_site_id("facebook"));
        assert!(valid_site_id("custom:news.example.org"));
        assert!(!valid_site_id("custom:"));
        assert!(!valid_site_id("custom:Evil Host"));
        assert!(!valid_site_id("myspace"));
    }

    #[test]
    fn there_are_36_tracked_hosts() {
        assert_eq!(tracked_hosts().count(), 36);
    }

    #[test]
    fn the_added_sites_an_own_rule_names() {
        let custom: BTreeSet<String> = ["news.example.org".to_string()].into();
        let rules = |text: &str| crate::rules::parse_own_rules(text, |_| true).unwrap();
        assert!(ruled_sites(&[], &custom).is_empty());
        assert!(ruled_sites(&rules("x.com##div.promo"), &custom).is_empty());
        let both = rules("news.example.org##div.promo\nx.com##div.promo");
        assert_eq!(
            ruled_sites(&both, &custom),
            ["custom:news.example.org".to_string()].into()
        );
        assert!(ruled_sites(&both, &BTreeSet::new()).is_empty());
    }
}
