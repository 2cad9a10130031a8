//! Sans-IO paging of a cloud-log query (docs/protocol.md §1.7): which page to ask for next,
//! what to keep from each answer, when to stop.

use super::{LogEntry, LogQuery};

/// Largest page asked for at once (Scratch serves at most 100 entries per call).
pub const PAGE_SIZE: usize = 100;

/// One page request: `limit` entries starting at `offset` (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Entries asked for (at most [`PAGE_SIZE`]).
    pub limit: usize,
    /// Entries skipped.
    pub offset: usize,
}

/// The paging state of one query: feed it each page the server returned; it says which
/// page to fetch next and collects the kept entries. Rules (the reference's): the offset
/// advances by the page's length; entries are kept when no name filter is set or their
/// `name` equals it; stop at `limit` kept entries, at an empty page, or after `max_pages`.
#[derive(Debug, Clone)]
pub struct LogPager {
    limit: usize,
    offset: usize,
    name: Option<String>,
    kept: Vec<LogEntry>,
    pages: usize,
    max_pages: usize,
    done: bool,
}

impl LogPager {
    /// A pager for `query`, fetching at most `max_pages` pages.
    pub fn new(query: &LogQuery, max_pages: usize) -> LogPager {
        LogPager {
            limit: query.limit,
            offset: query.offset,
            name: query.name.as_ref().map(|n| n.full().to_owned()),
            kept: Vec::new(),
            pages: 0,
            max_pages,
            done: query.limit == 0 || max_pages == 0,
        }
    }

    /// The next page to fetch, or `None` when the query is complete.
    pub fn next_request(&self) -> Option<PageRequest> {
        if self.done {
            return None;
        }
        // With a name filter a page may keep few entries: always ask for full pages.
        let limit = match self.name {
            Some(_) => PAGE_SIZE,
            None => (self.limit - self.kept.len()).min(PAGE_SIZE),
        };
        Some(PageRequest {
            limit,
            offset: self.offset,
        })
    }

    /// Feed the entries the server returned for the last [`next_request`](Self::next_request).
    pub fn feed(&mut self, page: Vec<LogEntry>) {
        if self.done {
            return;
        }
        self.pages += 1;
        if page.is_empty() {
            self.done = true;
            return;
        }
        self.offset += page.len();
        let name = self.name.as_deref();
        self.kept.extend(
            page.into_iter()
                .filter(|e| name.map_or(true, |n| e.name == n)),
        );
        if self.kept.len() >= self.limit || self.pages >= self.max_pages {
            if self.kept.len() < self.limit {
                tracing::debug!(
                    pages = self.pages,
                    "cloud-log query stopped at the page bound"
                );
            }
            self.done = true;
        }
    }

    /// Whether no more pages are needed.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The kept entries, newest first, at most `limit`.
    pub fn finish(mut self) -> Vec<LogEntry> {
        self.kept.truncate(self.limit);
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scratchcomm_wire::{CloudValue, ProjectId};

    fn entry(name: &str, value: &str, ts: u64) -> LogEntry {
        LogEntry {
            user: "u".into(),
            verb: Some("set_var".into()),
            name: name.into(),
            value: CloudValue::new(value),
            timestamp_ms: ts,
        }
    }

    fn query(limit: usize) -> LogQuery {
        LogQuery::new(ProjectId::scratch("1").unwrap()).limit(limit)
    }

    #[test]
    fn pages_until_the_limit() {
        let mut p = LogPager::new(&query(150), 10);
        assert_eq!(
            p.next_request(),
            Some(PageRequest {
                limit: 100,
                offset: 0
            })
        );
        p.feed((0..100).map(|i| entry("☁ a", "1", i)).collect());
        assert_eq!(
            p.next_request(),
            Some(PageRequest {
                limit: 50,
                offset: 100
            })
        );
        p.feed((0..50).map(|i| entry("☁ a", "1", i)).collect());
        assert!(p.is_done());
        assert_eq!(p.finish().len(), 150);
    }

    #[test]
    fn filters_by_name_with_full_pages_and_stops_on_empty() {
        let q = query(5).offset(7).name("score").unwrap();
        let mut p = LogPager::new(&q, 10);
        assert_eq!(
            p.next_request().unwrap(),
            PageRequest {
                limit: 100,
                offset: 7
            }
        );
        p.feed(vec![entry("☁ other", "1", 3), entry("☁ score", "2", 2)]);
        assert_eq!(p.next_request().unwrap().offset, 9);
        p.feed(vec![]);
        assert!(p.next_request().is_none());
        let kept = p.finish();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].value.as_str(), "2");
    }

    #[test]
    fn a_server_that_ignores_offset_cannot_loop_forever() {
        let q = query(1000).name("x").unwrap();
        let mut p = LogPager::new(&q, 3);
        let mut calls = 0;
        while p.next_request().is_some() {
            calls += 1;
            p.feed(vec![entry("☁ y", "1", 1)]);
        }
        assert_eq!(calls, 3);
        assert!(p.finish().is_empty());
    }

    #[test]
    fn zero_limit_asks_nothing_and_results_are_truncated() {
        assert!(LogPager::new(&query(0), 10).next_request().is_none());
        let mut p = LogPager::new(&query(2), 10);
        p.feed(vec![
            entry("☁ a", "1", 1),
            entry("☁ a", "2", 2),
            entry("☁ a", "3", 3),
        ]);
        assert_eq!(p.finish().len(), 2);
    }
}
