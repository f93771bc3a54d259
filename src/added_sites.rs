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

/// From the origins registered (`had`) to the ones granted (`wanted`);
/// `None` when they are the same, in any order.
///
/// ```text
/// had []          wanted [a]     -> register [a], inject [a]
/// had [a]         wanted [a, b]  -> unregister, register [a, b], inject [b]
/// had [a, b]      wanted [b, a]  -> None
/// had [a]         wanted []      -> unregister
/// ```
pub fn plan(had: &[String], wanted: Vec<String>) -> Option<Plan> {
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
    if set(had) == set(&wanted) {
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

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_registration_changes_only_when_the_origins_do() {
        let (a, b) = ("https://a.org/*", "https://b.org/*");
        assert_eq!(
            plan(&[], v(&[a])),
            Some(Plan {
                unregister: false,
                register: v(&[a]),
                inject: v(&[a])
            })
        );
        assert_eq!(
            plan(&v(&[a]), v(&[a, b])),
            Some(Plan {
                unregister: true,
                register: v(&[a, b]),
                inject: v(&[b])
            })
        );
        assert_eq!(plan(&v(&[a, b]), v(&[b, a])), None);
        assert_eq!(
            plan(&v(&[a]), v(&[])),
            Some(Plan {
                unregister: true,
                register: vec![],
                inject: vec![]
            })
        );
        assert_eq!(plan(&[], v(&[])), None);
    }
}
