//! Who is at the other end of a port, from what the browser says about it
//! (`chrome.runtime.Port.sender`), never from what the page says: a social
//! page (or its compromised renderer) can run code in the content script's
//! world and open any port by any name.

use serde::Deserialize;

use crate::attention::TabId;
use crate::protocol::PageRequest;

/// `chrome.runtime.MessageSender`, as much as is needed (the browser adds
/// more fields as it likes: they are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PortSender {
    pub url: Option<String>,
    pub origin: Option<String>,
    #[serde(rename = "frameId")]
    pub frame_id: Option<i64>,
    pub tab: Option<SenderTab>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SenderTab {
    pub id: Option<TabId>,
    pub url: Option<String>,
}

/// Who a port is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The sensor in a tab's top frame, on the page at `url`.
    Sensor { tab: TabId, url: String },
    /// Thaman's own overlay page, framed in a tab.
    Overlay { tab: TabId },
}

/// The port named `name` from `sender`, `extension` being the extension's
/// base URL (`chrome.runtime.getURL("")`); `None`: refused.
///
/// ```text
/// "sensor",  top frame of https://x.com/home          -> Sensor(x.com/home)
/// "overlay", frame 7, chrome-extension://id/overlay.html?edge=end
///                                                      -> Overlay
/// "overlay", top frame of https://x.com/home          -> None (a content script)
/// ```
pub fn caller(name: &str, sender: &PortSender, extension: &str) -> Option<Caller> {
    let tab = sender.tab.as_ref()?.id?;
    match name {
        "sensor" => {
            let url = sender
                .url
                .clone()
                .or_else(|| sender.tab.as_ref()?.url.clone())?;
            (sender.frame_id == Some(0)).then_some(Caller::Sensor { tab, url })
        }
        "overlay" => {
            let page = sender
                .url
                .as_deref()?
                .strip_prefix(extension)
                .filter(|_| extension.ends_with('/'))?;
            let origin = extension.trim_end_matches('/');
            let ours = page.split(['?', '#']).next() == Some("overlay.html")
                && sender.origin.as_deref().is_none_or(|o| o == origin)
                && sender.frame_id.is_some_and(|f| f != 0);
            ours.then_some(Caller::Overlay { tab })
        }
        _ => None,
    }
}

/// Which of Thaman's own pages sent a one-off request
/// (`chrome.runtime.sendMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Options,
    Popup,
    Summary,
    /// The counter's frame: lives inside the social page.
    Overlay,
}

/// The page of Thaman's that sent a request, from what the browser says
/// about `sender`; `None`: not one of its pages (a content script, another
/// extension, one of its pages framed where it should not be).
///
/// ```text
/// chrome-extension://id/options.html, a tab's top frame -> Options
/// chrome-extension://id/popup.html, no tab              -> Popup
/// chrome-extension://id/overlay.html?edge=end, frame 7  -> Overlay
/// chrome-extension://id/options.html, frame 7           -> None
/// https://x.com/home                                    -> None
/// ```
pub fn page(sender: &PortSender, extension: &str) -> Option<Page> {
    let path = sender
        .url
        .as_deref()?
        .strip_prefix(extension)
        .filter(|_| extension.ends_with('/'))?;
    let origin = extension.trim_end_matches('/');
    if sender.origin.as_deref().is_some_and(|o| o != origin) {
        return None;
    }
    let page = match path.split(['?', '#']).next()? {
        "options.html" => Page::Options,
        "popup.html" => Page::Popup,
        "summary.html" => Page::Summary,
        "overlay.html" => Page::Overlay,
        _ => return None,
    };
    // The frame id is given only with a tab; only the overlay is framed.
    let framed = sender.tab.is_some() && sender.frame_id != Some(0);
    (!framed || page == Page::Overlay).then_some(page)
}

/// Whether `page` may ask `request`. The overlay lives inside the social
/// page, so it asks nothing this way (its port carries its few
/// questions); the popup and the summary read, and delete a find they
/// list; only the options page exports, imports, undoes an import,
/// changes settings or deletes everything.
///
/// ```text
/// (Options, import)            -> true
/// (Overlay, export)            -> false
/// (Popup, popup), (Summary, delete_find) -> true
/// (Popup, set_settings)        -> false
/// ```
pub fn may_ask<D, S>(page: Page, request: &PageRequest<D, S>) -> bool {
    match request {
        PageRequest::Popup
        | PageRequest::Weekly
        | PageRequest::GetSettings
        | PageRequest::DeleteFind { .. } => page != Page::Overlay,
        PageRequest::Export
        | PageRequest::ExportCsv
        | PageRequest::ExportFindsCsv
        | PageRequest::ImportPreview { .. }
        | PageRequest::Import { .. }
        | PageRequest::ImportUndoable
        | PageRequest::UndoImport
        | PageRequest::SetSettings { .. }
        | PageRequest::DeleteEverything => page == Page::Options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXT: &str = "chrome-extension://ohnaalgachifdjhbceagihidhpnjnlib/";

    fn sender(url: &str, origin: Option<&str>, frame: i64) -> PortSender {
        PortSender {
            url: Some(url.into()),
            origin: origin.map(String::from),
            frame_id: Some(frame),
            tab: Some(SenderTab {
                id: Some(4),
                url: Some("https://x.com/home".into()),
            }),
        }
    }

    #[test]
    fn the_sensor_is_a_tabs_top_frame_and_its_page_is_the_browsers_url() {
        assert_eq!(
            caller("sensor", &sender("https://x.com/home", None, 0), EXT),
            Some(Caller::Sensor {
                tab: 4,
                url: "https://x.com/home".into()
            })
        );
        assert_eq!(
            caller("sensor", &sender("https://ads.example/", None, 3), EXT),
            None,
            "a subframe"
        );
        let mut no_url = sender("", None, 0);
        no_url.url = None;
        assert_eq!(
            caller("sensor", &no_url, EXT),
            Some(Caller::Sensor {
                tab: 4,
                url: "https://x.com/home".into()
            }),
            "the tab's URL when the frame's is not given"
        );
        let mut no_tab = sender("https://x.com/", None, 0);
        no_tab.tab = None;
        assert_eq!(caller("sensor", &no_tab, EXT), None);
        assert_eq!(
            caller("other", &sender("https://x.com/", None, 0), EXT),
            None
        );
    }

    #[test]
    fn only_thamans_own_overlay_page_in_a_frame_is_the_overlay() {
        let overlay = format!("{EXT}overlay.html?edge=end");
        let origin = EXT.trim_end_matches('/');
        assert_eq!(
            caller("overlay", &sender(&overlay, Some(origin), 7), EXT),
            Some(Caller::Overlay { tab: 4 })
        );
        assert_eq!(
            caller("overlay", &sender(&overlay, None, 7), EXT),
            Some(Caller::Overlay { tab: 4 }),
            "Firefox gives no origin"
        );
        // A content script on the page: the page's URL, the top frame.
        assert_eq!(
            caller(
                "overlay",
                &sender("https://x.com/home", Some("https://x.com"), 0),
                EXT
            ),
            None
        );
        // Another page of Thaman's, another extension, a look-alike path,
        // a mismatched origin, the top frame, an unknown base.
        for (url, origin, frame, ext) in [
            (format!("{EXT}popup.html"), None, 7, EXT),
            (
                "chrome-extension://other/overlay.html".to_string(),
                None,
                7,
                EXT,
            ),
            (format!("{EXT}overlay.html/../popup.html"), None, 7, EXT),
            (format!("{EXT}xoverlay.html"), None, 7, EXT),
            (overlay.clone(), Some("https://x.com"), 7, EXT),
            (overlay.clone(), Some(origin), 0, EXT),
            (overlay.clone(), None, 7, ""),
        ] {
            assert_eq!(
                caller("overlay", &sender(&url, origin, frame), ext),
                None,
                "{url} {origin:?} {frame} {ext:?}"
            );
        }
    }

    #[test]
    fn each_page_of_thamans_is_known_by_its_address_and_frame() {
        let top = |url: &str| PortSender {
            url: Some(url.into()),
            origin: None,
            frame_id: Some(0),
            tab: Some(SenderTab {
                id: Some(4),
                url: Some(url.into()),
            }),
        };
        assert_eq!(
            page(&top(&format!("{EXT}options.html")), EXT),
            Some(Page::Options)
        );
        assert_eq!(
            page(&top(&format!("{EXT}summary.html#week")), EXT),
            Some(Page::Summary)
        );
        let popup = PortSender {
            url: Some(format!("{EXT}popup.html")),
            ..PortSender::default()
        };
        assert_eq!(page(&popup, EXT), Some(Page::Popup), "no tab");
        let overlay = format!("{EXT}overlay.html?edge=end");
        assert_eq!(page(&sender(&overlay, None, 7), EXT), Some(Page::Overlay));
        assert_eq!(page(&top(&overlay), EXT), Some(Page::Overlay));
        for refused in [
            sender(&format!("{EXT}options.html"), None, 7), // framed
            sender(&format!("{EXT}popup.html"), None, 3),
            top("https://x.com/home"),
            top("chrome-extension://other/options.html"),
            top(&format!("{EXT}options.html/../x.html")),
            top(&format!("{EXT}background.js")),
            sender(&format!("{EXT}options.html"), Some("https://x.com"), 0),
        ] {
            assert_eq!(page(&refused, EXT), None, "{refused:?}");
        }
        assert_eq!(page(&top(&format!("{EXT}options.html")), ""), None);
    }

    #[test]
    fn the_overlay_asks_nothing_and_only_the_options_page_changes_the_store() {
        type Ask = PageRequest<(), ()>;
        let options_only: [Ask; 9] = [
            Ask::Export,
            Ask::ExportCsv,
            Ask::ExportFindsCsv,
            Ask::ImportPreview { data: () },
            Ask::Import { data: () },
            Ask::ImportUndoable,
            Ask::UndoImport,
            Ask::SetSettings { settings: () },
            Ask::DeleteEverything,
        ];
        for request in &options_only {
            assert!(may_ask(Page::Options, request), "{request:?}");
            for other in [Page::Overlay, Page::Popup, Page::Summary] {
                assert!(!may_ask(other, request), "{other:?} {request:?}");
            }
        }
        let reads: [Ask; 4] = [
            Ask::Popup,
            Ask::Weekly,
            Ask::GetSettings,
            Ask::DeleteFind { id: 1 },
        ];
        for request in &reads {
            assert!(!may_ask(Page::Overlay, request), "{request:?}");
            for page in [Page::Options, Page::Popup, Page::Summary] {
                assert!(may_ask(page, request), "{page:?} {request:?}");
            }
        }
    }
}
