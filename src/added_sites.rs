//! Sites the person added: the manifest's content script names only the
//! catalog, so for these the sensor is registered at run time, as one
//! registration holding the origins whose permission the browser granted.
//! This decides how that registration changes; `web::added_sites` does it.

use std::collections::BTreeSet;

/// How the registration changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The old registration goes first.
    pub unregister: bool,
    /// The origins to register (empty: none is left).
    pub register: Vec<String>,
    /// Origins new to the registration: pages already open there get the
    /// sensor now (a registered script runs only on pages loaded later).
    pub inject: Vec<String>,
}

/// From the origins registered (`had`, loading `had_files`) to the ones
/// granted (`wanted`, loading `files`); `None` when they are the same, in
/// any order. A registration from an older version may name other files.
///
/// ```text
/// had []          wanted [a]     -> register [a], inject [a]
/// had [a]         wanted [a, b]  -> unregister, register [a, b], inject [b]
/// had [a, b]      wanted [b, a]  -> None
/// had [a]         wanted []      -> unregister
/// had [a] (old files) wanted [a] -> unregister, register [a]
/// ```
pub fn plan(
    had: &[String],
    had_files: &[String],
    wanted: Vec<String>,
    files: &[&str],
) -> Option<Plan> {
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
    let same_files = had.is_empty()
        || had_files
            .iter()
            .map(String::as_str)
            .eq(files.iter().copied());
    if set(had) == set(&wanted) && same_files {
        return None;
    }
    let inject = wanted
        .iter()
        .filter(|o| !had.contains(o))
        .cloned()
        .collect();
    Some(Plan {
        unregister: !had.is_empty(),
        register: wanted,
        inject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: [&str; 2] = ["constants.js", "content.js"];

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_registration_changes_only_when_the_origins_do() {
        let (a, b) = ("https://a.org/*", "https://b.org/*");
        assert_eq!(
            plan(&[], &[], v(&[a]), &FILES),
            Some(Plan {
                unregister: false,
                register: v(&[a]),
                inject: v(&[a])
            })
        );
        assert_eq!(
            plan(&v(&[a]), &v(&FILES), v(&[a, b]), &FILES),
            Some(Plan {
                unregister: true,
                register: v(&[a, b]),
                inject: v(&[b])
            })
        );
        assert_eq!(plan(&v(&[a, b]), &v(&FILES), v(&[b, a]), &FILES), None);
        assert_eq!(
            plan(&v(&[a]), &v(&FILES), v(&[]), &FILES),
            Some(Plan {
                unregister: true,
                register: vec![],
                inject: vec![]
            })
        );
        assert_eq!(plan(&[], &[], v(&[]), &FILES), None);
        // Registered by an older version with other files: again, no new tab.
        assert_eq!(
            plan(&v(&[a]), &v(&["content.js"]), v(&[a]), &FILES),
            Some(Plan {
                unregister: true,
                register: v(&[a]),
                inject: vec![]
            })
        );
    }
}
