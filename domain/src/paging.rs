//! Keyset paging. Ids are UUIDv7, so "after this id" is a stable position: rows
//! inserted or deleted while a client pages never make it skip or repeat a row.

use uuid::Uuid;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    after: Option<Uuid>,
}

impl PageRequest {
    /// `limit` must be within 1..=200.
    pub fn new(limit: Option<u32>, after: Option<Uuid>) -> Result<Self, String> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(format!("limit must be between 1 and {MAX_LIMIT}"));
        }
        Ok(Self { limit, after })
    }

    pub fn first(limit: u32) -> Self {
        Self {
            limit: limit.clamp(1, MAX_LIMIT),
            after: None,
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn after(&self) -> Option<Uuid> {
        self.after
    }

    /// Adapters fetch one row more than asked to learn whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.limit) + 1
    }
}

/// One page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The position to continue after, when more rows exist.
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// Cuts a result fetched with [`PageRequest::fetch_limit`] into a page.
    pub fn from_fetched(
        mut rows: Vec<T>,
        request: &PageRequest,
        id_of: impl Fn(&T) -> Uuid,
    ) -> Self {
        let limit = request.limit() as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_after = if has_more {
            rows.last().map(&id_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_after,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_outside_range_is_refused() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(201), None).is_err());
        assert_eq!(PageRequest::new(None, None).map(|p| p.limit()), Ok(50));
    }

    #[test]
    fn extra_row_means_a_next_page_after_the_last_kept_row() {
        let request = PageRequest::first(2);
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = Page::from_fetched(ids.clone(), &request, |id| *id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_after, Some(ids[1]));
        let last = Page::from_fetched(ids[..2].to_vec(), &request, |id| *id);
        assert_eq!(last.next_after, None);
    }
}
