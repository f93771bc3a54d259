//! Useful finds: the posts a person marked as worth their time, kept until
//! they delete them. Only what the person asked to keep is stored: the
//! post's link (or the page's), its author line and the start of its text.
//!
//! ```text
//! sensor {url: "https://x.com/a/status/1?s=20", author: "Layla", text: "Finished the book…"}
//!   -> Find {id, saved_at, date, site: "x", url: "https://x.com/a/status/1", author, text}
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::Date;
use crate::sites::{host_of_url, site_for_host, site_id_for_host, valid_site_id};

/// Characters of a post's text kept.
pub const TEXT_CHARS: usize = crate::limits::POST_TEXT_CHARS;
/// Characters of its author line kept.
pub const AUTHOR_CHARS: usize = crate::limits::POST_AUTHOR_CHARS;
/// The longest link kept.
pub const URL_CHARS: usize = crate::limits::POST_URL_CHARS;

/// The most the finds may take in storage, all together (bytes as
/// storage counts them: the JSON written). With finds of the largest
/// kind (a 2048-byte link, an author and text of 4-byte characters) the
/// count cap could reach ~27 MB, past the browser's 10 MB quota, and
/// compaction never frees finds: so past this size the oldest go, as past
/// the cap, and the person is told. 2 MB holds 5000 finds of ~400 bytes.
pub const FINDS_BYTES: usize = 2_000_000;

/// One post marked useful.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Find {
    /// Unique, and ordered by when it was saved (ms since the epoch).
    pub id: u64,
    /// When, as ISO 8601 UTC.
    pub saved_at: String,
    /// The person's day it was saved on.
    pub date: Date,
    pub site: String,
    /// The post's permalink, or the page's address where it has none;
    /// tracking parameters removed.
    pub url: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub text: String,
}

impl Find {
    /// At least the bytes this find takes as stored JSON (every quote
    /// and backslash escaped, any control character as `\u00XX`).
    ///
    /// ```text
    /// {id: 1795000000000, url: "https://x.com/a/status/1", author: "Layla", text: "A post", …} -> ~210
    /// ```
    pub fn stored_bytes(&self) -> usize {
        /// `{"id":,"saved_at":"","date":"","site":"","url":"","author":"","text":""}`
        /// and the widest id and date.
        const FRAME: usize = 72 + 20 + 10;
        let json = |s: &str| -> usize {
            s.len()
                + s.bytes()
                    .map(|b| match b {
                        b'"' | b'\\' => 1,
                        0..=0x1f => 5,
                        _ => 0,
                    })
                    .sum::<usize>()
        };
        FRAME
            + [
                &self.saved_at,
                &self.site,
                &self.url,
                &self.author,
                &self.text,
            ]
            .into_iter()
            .map(|s| json(s))
            .sum::<usize>()
    }
}

/// What the sensor sent for the post nearest the viewport's centre.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Draft {
    pub url: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub text: String,
}

/// Why a find was not kept.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FindError {
    #[error("the link is not a web address of this site: {0:?}")]
    Url(String),
    #[error("unknown site id {0:?}")]
    Site(String),
    #[error("find {0} is listed twice")]
    Duplicate(u64),
}

/// Query parameters that only say who shared or clicked, never what the
/// post is: dropped from every kept link.
fn is_tracking(name: &str) -> bool {
    const PREFIXES: &[&str] = &["__cft__", "__tn__", "utm_", "mibextid"];
    const NAMES: &[&str] = &[
        "fbclid",
        "gclid",
        "igsh",
        "igshid",
        "ref_src",
        "ref_url",
        "twclid",
        "si",
        "s",
        "rdt",
        "share_id",
        "tracking_source",
        "trk",
        "trackingId",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// The link as kept: `http(s)` only, with a host a browser reads as
/// written, tracking parameters removed.
///
/// ```text
/// "https://www.facebook.com/permalink.php?story_fbid=1&id=2&__cft__[0]=AZ…&__tn__=R" -> "https://www.facebook.com/permalink.php?story_fbid=1&id=2"
/// "https://x.com/a/status/1?s=20#m"                                              -> "https://x.com/a/status/1#m"
/// "javascript:alert(1)"  "https://evil.example\\@x.com/"  "https://x%2Ecom/"   -> None
/// ```
pub fn clean_url(url: &str) -> Option<String> {
    let url = url.trim();
    // A host a browser reads as written (see `host_of_url`), or none.
    if url.len() > URL_CHARS || url.chars().any(char::is_control) || host_of_url(url).is_none() {
        return None;
    }
    let (rest, fragment) = url
        .split_once('#')
        .map_or((url, None), |(r, f)| (r, Some(f)));
    let (base, query) = rest
        .split_once('?')
        .map_or((rest, None), |(b, q)| (b, Some(q)));
    let kept: Vec<&str> = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty() && !is_tracking(p.split('=').next().unwrap_or_default()))
        .collect();
    let mut out = base.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment.filter(|f| !f.is_empty()) {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// Control characters dropped, whitespace collapsed, at most `max`
/// characters; clipping again changes nothing.
///
/// ```text
/// ("  Finished\n the   book ", 8) -> "Finished"
/// ("\t=1+1", 140)                  -> "=1+1"
/// ```
pub fn clip(text: &str, max: usize) -> String {
    let visible: String = text
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    let joined = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Whether `url` links to `site`: a catalog site's hosts, or the host a
/// person added (with its `www.` and `m.`).
///
/// ```text
/// ("https://x.com/a/status/1", "x")                     -> true
/// ("https://evil.example\\@x.com/", "x")               -> false
/// ("https://m.example.org/p", "custom:example.org")     -> true
/// ```
pub fn links_to(url: &str, site: &str) -> bool {
    let Some(host) = host_of_url(url) else {
        return false;
    };
    match site.strip_prefix("custom:") {
        Some(custom) => {
            site_id_for_host(host, &[custom.to_string()].into()).as_deref() == Some(site)
        }
        None => site_for_host(host).is_some_and(|s| s.id == site),
    }
}

impl Draft {
    /// The find to keep from `site`'s page, or why not: the link must be a
    /// web address on the same site (a page cannot file a find elsewhere).
    pub fn into_find(
        self,
        site: &str,
        id: u64,
        saved_at: String,
        date: Date,
    ) -> Result<Find, FindError> {
        let url = clean_url(&self.url).ok_or_else(|| FindError::Url(clip(&self.url, 80)))?;
        // Finds are kept on the catalog's sites only.
        if site.starts_with("custom:") || !links_to(&url, site) {
            return Err(FindError::Url(clip(&self.url, 80)));
        }
        Ok(Find {
            id,
            saved_at,
            date,
            site: site.to_string(),
            url,
            author: clip(&self.author, AUTHOR_CHARS),
            text: clip(&self.text, TEXT_CHARS),
        })
    }
}

/// The person's finds, oldest first, at most `cap` of them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Finds(Vec<Find>);

impl Finds {
    pub fn new(mut finds: Vec<Find>) -> Finds {
        finds.sort_by_key(|f| f.id);
        finds.dedup_by_key(|f| f.id);
        Finds(finds)
    }

    pub fn all(&self) -> &[Find] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An id later than every kept one, from the clock `now_ms`.
    pub fn next_id(&self, now_ms: f64) -> u64 {
        let clock = if now_ms.is_finite() && now_ms > 0.0 {
            now_ms as u64
        } else {
            0
        };
        clock.max(self.0.last().map_or(0, |f| f.id + 1))
    }

    /// Keeps `find`; past `cap` the oldest go. Answers how many went.
    ///
    /// ```text
    /// [1, 2, 3] + 4, cap 3 -> [2, 3, 4], dropped 1
    /// ```
    pub fn add(&mut self, find: Find, cap: usize) -> usize {
        self.0.retain(|f| f.id != find.id);
        let at = self.0.partition_point(|f| f.id < find.id);
        self.0.insert(at, find);
        self.trim(cap)
    }

    /// Drops the oldest past `cap`, and past [`FINDS_BYTES`] in all (so
    /// the finds always fit the storage quota); answers how many.
    ///
    /// ```text
    /// [1, 2, 3], cap 2                    -> [2, 3], 1
    /// 600 finds of 4 KB each, cap 5000    -> the newest ~480, 120
    /// ```
    pub fn trim(&mut self, cap: usize) -> usize {
        let mut over = self.0.len().saturating_sub(cap.max(1));
        let mut bytes = Finds::bytes_of(&self.0[over..]);
        while bytes > FINDS_BYTES && over < self.0.len() {
            bytes -= self.0[over].stored_bytes() + 1;
            over += 1;
        }
        self.0.drain(..over);
        over
    }

    /// The bytes all the finds take in storage, at least.
    pub fn stored_bytes(&self) -> usize {
        Finds::bytes_of(&self.0)
    }

    /// `[a,b]`: each find and its comma, and the brackets.
    fn bytes_of(finds: &[Find]) -> usize {
        finds.iter().map(|f| f.stored_bytes() + 1).sum::<usize>() + 1
    }

    /// Removes find `id`; answers whether it was kept.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.0.len();
        self.0.retain(|f| f.id != id);
        self.0.len() != before
    }

    /// Adds imported finds (same id: the file's wins), their text without
    /// control characters (a tab before `=` would pass a spreadsheet's
    /// formula check); answers how many of the oldest went past `cap`.
    pub fn merge(&mut self, finds: &[Find], cap: usize) -> usize {
        for f in finds {
            self.0.retain(|old| old.id != f.id);
        }
        self.0.extend(finds.iter().map(|f| Find {
            author: clip(&f.author, AUTHOR_CHARS),
            text: clip(&f.text, TEXT_CHARS),
            ..f.clone()
        }));
        self.0.sort_by_key(|f| f.id);
        self.trim(cap)
    }

    /// Newest first, at most `n`.
    pub fn newest(&self, n: usize) -> Vec<Find> {
        self.0.iter().rev().take(n).cloned().collect()
    }
}

/// Checks imported finds: known sites, web links of that site, no id twice.
pub fn validate(finds: &[Find]) -> Result<(), FindError> {
    let mut ids = std::collections::BTreeSet::new();
    for f in finds {
        if !valid_site_id(&f.site) {
            return Err(FindError::Site(f.site.clone()));
        }
        if clean_url(&f.url).as_deref() != Some(f.url.as_str())
            || !links_to(&f.url, &f.site)
            || f.text.chars().count() > TEXT_CHARS
            || f.author.chars().count() > AUTHOR_CHARS
        {
            return Err(FindError::Url(clip(&f.url, 80)));
        }
        if !ids.insert(f.id) {
            return Err(FindError::Duplicate(f.id));
        }
    }
    Ok(())
}

/// The finds as CSV (the export's second file), oldest first.
///
/// ```text
/// id,saved_at,date,site,url,author,text
/// 1795000000000,2026-11-18T…Z,2026-11-18,x,https://x.com/a/status/1,Layla,"Finished, the book"
/// ```
pub fn csv(finds: &[Find]) -> String {
    let mut out = String::from("id,saved_at,date,site,url,author,text\r\n");
    for f in finds {
        let fields = [
            f.id.to_string(),
            f.saved_at.clone(),
            f.date.to_string(),
            f.site.clone(),
            f.url.clone(),
            f.author.clone(),
            f.text.clone(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|v| quote(v))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// RFC 4180 quoting; a leading `= + - @` (or tab, CR) is defused so a spreadsheet never
/// runs a post's text as a formula.
fn quote(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) || v.starts_with('\'') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> Date {
        "2026-11-18".parse().unwrap()
    }

    fn find(id: u64) -> Find {
        Find {
            id,
            saved_at: "2026-11-18T12:00:00Z".into(),
            date: date(),
            site: "x".into(),
            url: format!("https://x.com/a/status/{id}"),
            author: "Layla".into(),
            text: "A post".into(),
        }
    }

    #[test]
    fn links_lose_their_tracking_and_only_web_links_pass() {
        assert_eq!(
            clean_url("https://www.facebook.com/permalink.php?story_fbid=pfbid04&id=100&__cft__[0]=AZN0&__tn__=%2CO%2CP-R").as_deref(),
            Some("https://www.facebook.com/permalink.php?story_fbid=pfbid04&id=100")
        );
        assert_eq!(
            clean_url("https://x.com/a/status/1?s=20#m").as_deref(),
            Some("https://x.com/a/status/1#m")
        );
        assert_eq!(
            clean_url("https://www.youtube.com/watch?v=abc&t=30&si=xyz").as_deref(),
            Some("https://www.youtube.com/watch?v=abc&t=30")
        );
        assert_eq!(
            clean_url("HTTPS://x.com/").as_deref(),
            Some("HTTPS://x.com/")
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "/relative",
            "https://x.com/\u{0}a",
            "",
        ] {
            assert_eq!(clean_url(bad), None, "{bad:?}");
        }
        assert_eq!(
            clean_url(&format!("https://x.com/{}", "a".repeat(URL_CHARS))),
            None
        );
    }

    #[test]
    fn a_draft_keeps_only_the_start_and_only_on_its_own_site() {
        let long = "word ".repeat(100);
        let d = Draft {
            url: "https://x.com/a/status/1?s=20".into(),
            author: "  Layla\n Haddad ".into(),
            text: long.clone(),
        };
        let f = d.into_find("x", 7, "t".into(), date()).unwrap();
        assert_eq!(
            (f.url.as_str(), f.author.as_str()),
            ("https://x.com/a/status/1", "Layla Haddad")
        );
        assert_eq!(f.text.chars().count(), TEXT_CHARS - 1); // "word word … word" cut at 140, trailing space trimmed
        let elsewhere = Draft {
            url: "https://evil.example/x".into(),
            author: String::new(),
            text: String::new(),
        };
        assert!(matches!(
            elsewhere.into_find("x", 1, "t".into(), date()),
            Err(FindError::Url(_))
        ));
        let twitter = Draft {
            url: "https://twitter.com/a/status/1".into(),
            author: String::new(),
            text: String::new(),
        };
        assert!(
            twitter.into_find("x", 1, "t".into(), date()).is_ok(),
            "twitter.com is the same site as x.com"
        );
    }

    #[test]
    fn the_cap_drops_the_oldest() {
        let mut finds = Finds::default();
        for id in 1..=3 {
            assert_eq!(finds.add(find(id), 3), 0);
        }
        assert_eq!(finds.add(find(4), 3), 1);
        assert_eq!(
            finds.all().iter().map(|f| f.id).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(
            finds.newest(2).iter().map(|f| f.id).collect::<Vec<_>>(),
            vec![4, 3]
        );
        assert!(finds.remove(3) && !finds.remove(3));
        assert_eq!(
            finds.next_id(1.0),
            5,
            "ids only grow, whatever the clock says"
        );
        assert_eq!(finds.next_id(1e12), 1_000_000_000_000);
    }

    /// The largest find the sensor or an import can make.
    fn largest(id: u64) -> Find {
        let path = "\"".repeat(URL_CHARS - "https://x.com/".len());
        Find {
            url: format!("https://x.com/{path}"),
            author: "𝕏".repeat(AUTHOR_CHARS),
            text: "\\".repeat(TEXT_CHARS),
            ..find(id)
        }
    }

    #[test]
    fn finds_fit_the_storage_quota_whatever_their_size() {
        let big = largest(1);
        // Quotes in the link and backslashes in the text escaped, 4-byte
        // characters: as storage counts the JSON.
        assert!(big.stored_bytes() > 2 * URL_CHARS + 4 * AUTHOR_CHARS + 2 * TEXT_CHARS);
        assert!(find(1).stored_bytes() < 250, "{}", find(1).stored_bytes());
        // At the largest cap the options allow, the count alone would let
        // ~27 MB through; the bytes bound holds instead, and says how many went.
        let mut finds = Finds::default();
        let mut dropped = 0;
        for id in 1..=450 {
            dropped += finds.add(largest(id), 5000);
        }
        assert!(
            finds.stored_bytes() <= FINDS_BYTES,
            "{}",
            finds.stored_bytes()
        );
        assert!(finds.stored_bytes() > FINDS_BYTES - big.stored_bytes());
        assert_eq!(
            dropped + finds.len(),
            450,
            "every find that went is counted"
        );
        assert!(dropped > 0);
        assert_eq!(
            finds.all().last().map(|f| f.id),
            Some(450),
            "the newest stay"
        );
        // Small finds: the cap binds, not the bytes.
        let mut small = Finds::new((1..=5000).map(find).collect());
        assert_eq!(small.add(find(5001), 5000), 1);
        assert_eq!(small.len(), 5000);
        // An import of large finds is bounded the same way.
        let mut imported = Finds::default();
        let file: Vec<Find> = (1..=450).map(largest).collect();
        let went = imported.merge(&file, 5000);
        assert!(imported.stored_bytes() <= FINDS_BYTES);
        assert_eq!(went + imported.len(), 450);
        assert!(went > 0);
    }

    #[test]
    fn import_merges_validates_and_caps() {
        let mut finds = Finds::new(vec![find(1), find(2)]);
        let mut changed = find(2);
        changed.text = "edited".into();
        assert_eq!(finds.merge(&[changed, find(3)], 500), 0);
        assert_eq!(finds.len(), 3);
        assert_eq!(finds.all()[1].text, "edited");
        assert_eq!(validate(&[find(1), find(1)]), Err(FindError::Duplicate(1)));
        let mut bad = find(5);
        bad.url = "javascript:alert(1)".into();
        assert!(matches!(validate(&[bad]), Err(FindError::Url(_))));
        let mut bad = find(6);
        bad.site = "nowhere".into();
        assert_eq!(validate(&[bad]), Err(FindError::Site("nowhere".into())));
    }

    #[test]
    fn links_a_browser_reads_as_another_site_are_refused() {
        // A browser reads `\` as `/`: this link opens evil.example.
        for url in [
            "https://evil.example\\@x.com/",
            "https://evil.example\\x.com/a/status/1",
            "https://x.com%2Eevil.example/",
            "https://x.c\tom/",
            "https:///x.com/a/status/1",
            "https://ｘ.com/a/status/1",
            "https://x.com:99999/",
        ] {
            let d = Draft {
                url: url.into(),
                author: String::new(),
                text: String::new(),
            };
            assert!(
                d.into_find("x", 1, "t".into(), date()).is_err(),
                "{url:?} kept as an X link"
            );
            let mut f = find(1);
            f.url = url.into();
            assert!(validate(&[f]).is_err(), "{url:?} imported as an X link");
        }
    }

    #[test]
    fn an_imported_find_links_to_its_own_site() {
        let mut f = find(1);
        f.url = "https://www.reddit.com/r/a/comments/1".into();
        assert!(matches!(validate(&[f.clone()]), Err(FindError::Url(_))));
        f.site = "reddit".into();
        assert_eq!(validate(&[f.clone()]), Ok(()));
        f.site = "custom:example.org".into();
        assert!(validate(&[f.clone()]).is_err());
        f.url = "https://www.example.org/post/1".into();
        assert_eq!(validate(&[f]), Ok(()));
    }

    #[test]
    fn imported_text_loses_control_characters_before_csv() {
        let mut f = find(1);
        f.text = "\t=HYPERLINK(\"https://evil.example\")".into();
        f.author = "La\u{0}yla\u{7f} \r\nH".into();
        let mut finds = Finds::default();
        finds.merge(&[f], 500);
        let kept = &finds.all()[0];
        assert_eq!(kept.text, "=HYPERLINK(\"https://evil.example\")");
        assert_eq!(kept.author, "Layla H");
        assert!(csv(finds.all()).contains(r#""'=HYPERLINK(""https://evil.example"")""#));
        // Cleaning twice changes nothing, so an export imports unchanged.
        for text in ["a \u{0} b", "\u{1} a", " x\ty ", "ok"] {
            assert_eq!(clip(&clip(text, 140), 140), clip(text, 140), "{text:?}");
        }
        assert_eq!(clip("a \u{0} b", 140), "a b");
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut f = find(1);
        f.text = "=HYPERLINK(\"x\"), and more".into();
        let csv = csv(&[f]);
        assert!(csv.starts_with("id,saved_at,date,site,url,author,text\r\n"));
        assert!(
            csv.contains(r#","'=HYPERLINK(""x""), and more""#)
                || csv.contains(r#""'=HYPERLINK(""x""), and more""#),
            "{csv}"
        );
    }
}
