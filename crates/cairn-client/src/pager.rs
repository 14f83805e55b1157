//! [`Pager`]: the one lazy, cursor-driven pager behind [`crate::Projects`],
//! [`crate::Runs`] and [`crate::Files`].
//!
//! W&B pages every list the same way — a GraphQL connection with `edges`
//! and `pageInfo { endCursor hasNextPage }`, sometimes a total beside it —
//! and Python's `Paginator` walks them all with one loop. So does this
//! module: a [`PageSource`] knows only how to ask for the page after a
//! cursor and turn the answer into items; the buffer, the cursor, when to
//! stop and the total live here once, so the pagers cannot drift apart.

use std::collections::VecDeque;

use serde::Deserialize;

use crate::api::Edge;
use crate::error::Result;

/// One page, as a [`PageSource`] hands it to the [`Pager`].
pub struct Page<T> {
    /// The items, in order.
    pub(crate) items: Vec<T>,
    /// Where the next page starts.
    pub(crate) end_cursor: Option<String>,
    /// Whether the server has more after this page.
    pub(crate) has_next_page: bool,
    /// The total the server reports beside the page (`runCount`, …), if any.
    pub(crate) total: Option<u64>,
}

impl<T> Page<T> {
    /// No items and nothing after: the server sent no connection at all.
    pub(crate) fn last(total: Option<u64>) -> Self {
        Page {
            items: Vec::new(),
            end_cursor: None,
            has_next_page: false,
            total,
        }
    }
}

/// What a [`Pager`] reads: one kind of list on the server.
///
/// Used only with static dispatch (`Pager<S>`), so a native `async fn` is
/// enough and the futures stay `Send` whenever the source's are.
#[expect(
    async_fn_in_trait,
    reason = "implemented only inside this crate, always used through a concrete type"
)]
pub trait PageSource {
    /// What the list holds.
    type Item;

    /// The page after `cursor` (the first page when `None`).
    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Self::Item>>;
}

/// A [`PageSource`] whose pages carry the list's total, so [`Pager::len`]
/// has something to report.
pub trait Counted: PageSource {}

/// A list on the server, fetched a page at a time as you consume it.
pub struct Pager<S: PageSource> {
    source: S,
    buffer: VecDeque<S::Item>,
    cursor: Option<String>,
    /// The total from the first page that reported one.
    count: Option<u64>,
    done: bool,
}

impl<S: PageSource> Pager<S> {
    pub(crate) fn new(source: S) -> Self {
        Pager {
            source,
            buffer: VecDeque::new(),
            cursor: None,
            count: None,
            done: false,
        }
    }

    /// What the pager reads from.
    pub(crate) fn source(&self) -> &S {
        &self.source
    }

    /// The next item, fetching the next page when needed. `None` at the end
    /// (as in Python, an empty page also ends the list).
    pub async fn next(&mut self) -> Result<Option<S::Item>> {
        if self.buffer.is_empty() && !self.done {
            self.fetch_page().await?;
        }
        Ok(self.buffer.pop_front())
    }

    /// Drain the rest into a `Vec`.
    pub async fn collect_all(mut self) -> Result<Vec<S::Item>> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await? {
            all.push(item);
        }
        Ok(all)
    }

    async fn fetch_page(&mut self) -> Result<()> {
        let page = self.source.fetch(self.cursor.as_deref()).await?;
        if self.count.is_none() {
            self.count = page.total;
        }
        self.buffer.extend(page.items);
        self.cursor = page.end_cursor;
        // A server that claims more but gives no cursor would loop forever.
        self.done = !page.has_next_page || self.cursor.is_none();
        Ok(())
    }
}

impl<S: Counted> Pager<S> {
    /// How many items the list holds, as the server counts them (`len()`
    /// in Python); read with the first page, which this fetches if needed.
    /// Each pager's type says what its count covers.
    pub async fn len(&mut self) -> Result<u64> {
        if self.count.is_none() && !self.done {
            self.fetch_page().await?;
        }
        Ok(self.count.unwrap_or(0))
    }
}

/// A GraphQL connection: `{ edges { node } pageInfo { … } }`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    edges: Vec<Edge<T>>,
    page_info: PageInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    pub(crate) end_cursor: Option<String>,
    pub(crate) has_next_page: bool,
}

impl<T> Connection<T> {
    /// The page of the nodes present, each turned into an item by `item`.
    pub(crate) fn into_page<U>(
        self,
        total: Option<u64>,
        item: impl FnMut(T) -> Result<U>,
    ) -> Result<Page<U>> {
        Ok(Page {
            items: self
                .edges
                .into_iter()
                .filter_map(|e| e.node)
                .map(item)
                .collect::<Result<_>>()?,
            end_cursor: self.page_info.end_cursor,
            has_next_page: self.page_info.has_next_page,
            total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages of numbers, as `(items, has_next_page)`; the cursor is the
    /// index of the next page.
    struct Numbers {
        pages: Vec<(Vec<u32>, bool)>,
        seen: Vec<Option<String>>,
    }

    impl PageSource for Numbers {
        type Item = u32;

        async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<u32>> {
            self.seen.push(cursor.map(str::to_string));
            let index: usize = cursor.map_or(0, |c| c.parse().unwrap());
            let (items, has_next_page) = self.pages[index].clone();
            Ok(Page {
                items,
                end_cursor: Some((index + 1).to_string()),
                has_next_page,
                total: Some(index as u64 + 10),
            })
        }
    }

    impl Counted for Numbers {}

    fn pager(pages: Vec<(Vec<u32>, bool)>) -> Pager<Numbers> {
        Pager::new(Numbers {
            pages,
            seen: Vec::new(),
        })
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn walks_pages_by_cursor_and_keeps_the_first_total() {
        block_on(async {
            let mut p = pager(vec![(vec![1, 2], true), (vec![3], false)]);
            assert_eq!(p.len().await.unwrap(), 10);
            assert_eq!(p.next().await.unwrap(), Some(1));
            assert_eq!(p.source.seen, [None::<String>]);
            assert_eq!(p.collect_all().await.unwrap(), [2, 3]);
        });
    }

    #[test]
    fn an_empty_page_ends_the_list_as_in_python() {
        block_on(async {
            let mut p = pager(vec![(vec![], true), (vec![1], false)]);
            assert_eq!(p.next().await.unwrap(), None);
        });
    }

    #[test]
    fn pagers_are_send() {
        fn send<T: Send>(_: &T) {}
        let mut p = pager(vec![(vec![1], false)]);
        send(&p.next());
        send(&p.len());
        send(&p.collect_all());
    }
}
