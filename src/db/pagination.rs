//! Keyset pagination: a cursor naming the last row of the previous page.
//!
//! Lists are ordered newest first by `(created_at, id)`; the cursor carries both, so the next page is
//! `WHERE (created_at, id) < (cursor)`: stable under inserts, and an index range scan however deep.
//! Clients pass `next_cursor` back as it came; its form (`<microseconds>.<uuid>`, [`CURSOR_PATTERN`])
//! is stated in the OpenAPI document so that a generated request is either a cursor or refused by the
//! document itself, never by surprise.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a cursor returned by this API")]
pub struct InvalidCursor;

/// Every cursor [`Cursor::encode`] writes, and only those [`Cursor::decode`] reads (the same text is in
/// the `#[param(pattern)]` of each list's `cursor`).
pub const CURSOR_PATTERN: &str = "^-?[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.timestamp_micros(), self.id.hyphenated())
    }

    pub fn decode(raw: &str) -> Result<Self, InvalidCursor> {
        let (micros, id) = raw.split_once('.').ok_or(InvalidCursor)?;
        let digits = micros.strip_prefix('-').unwrap_or(micros);
        let hyphenated = id.len() == 36
            && id
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_digit()) || !hyphenated {
            return Err(InvalidCursor);
        }
        let micros: i64 = micros.parse().map_err(|_| InvalidCursor)?;
        Ok(Self {
            created_at: DateTime::from_timestamp_micros(micros).ok_or(InvalidCursor)?,
            id: Uuid::try_parse(id).map_err(|_| InvalidCursor)?,
        })
    }
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// No items, and no more.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            next_cursor: None,
        }
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only tells that more exist.
    pub fn from_overfetch(mut rows: Vec<T>, limit: usize, key: impl Fn(&T) -> Cursor) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let cursor = Cursor {
            created_at: DateTime::from_timestamp_micros(1_763_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn garbage_cursor_is_refused() {
        let id = "3f2b8c1e-9a4d-4c6b-8f0e-2d7a5b9c1e40";
        for raw in [
            "",
            "!!!",
            "12.not-a-uuid",
            &format!("+12.{id}"),
            &format!("12345678901234567.{id}"),
            &format!("12.{}", id.to_uppercase()),
            &format!("12.{}", id.replace('-', "")),
            &format!(".{id}"),
            &format!("12|{id}"),
        ] {
            assert_eq!(Cursor::decode(raw), Err(InvalidCursor), "{raw}");
        }
        assert!(Cursor::decode(&format!("-12.{id}")).is_ok());
    }

    #[test]
    fn overfetched_page_has_a_cursor_at_its_last_item() {
        let at = |i: i64| Cursor {
            created_at: DateTime::from_timestamp(i, 0).unwrap(),
            id: Uuid::nil(),
        };
        let page = Page::from_overfetch(vec![3, 2, 1], 2, |i| at(*i));
        assert_eq!(page.items, vec![3, 2]);
        assert_eq!(page.next_cursor, Some(at(2)));
        let last = Page::from_overfetch(vec![1], 2, |i| at(*i));
        assert_eq!(last.next_cursor, None);
    }
}
