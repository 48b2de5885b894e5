//! The service's clock. Rules bind to Hong Kong calendar dates (UTC+8, no daylight saving), and tests
//! move the clock instead of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Real time, or a time a test sets.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock that stays at `at` until moved with [`Clock::set`].
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// Moves a fixed clock; a system clock ignores it.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(fixed) = &self.fixed {
            *fixed.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(fixed) => *fixed.lock().unwrap_or_else(|e| e.into_inner()),
            None => Utc::now(),
        }
    }

    /// Today's date in Hong Kong.
    pub fn today(&self) -> NaiveDate {
        hong_kong_date(self.now())
    }
}

/// The Hong Kong calendar date of an instant.
pub fn hong_kong_date(at: DateTime<Utc>) -> NaiveDate {
    let hkt = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&hkt).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hong_kong_dates_turn_at_16_00_utc() {
        let before: DateTime<Utc> = "2026-03-01T15:59:59Z".parse().unwrap();
        let after: DateTime<Utc> = "2026-03-01T16:00:00Z".parse().unwrap();
        assert_eq!(hong_kong_date(before), "2026-03-01".parse::<NaiveDate>().unwrap());
        assert_eq!(hong_kong_date(after), "2026-03-02".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn a_fixed_clock_moves_only_when_set() {
        let clock = Clock::fixed("2026-01-01T00:00:00Z".parse().unwrap());
        let copy = clock.clone();
        copy.set("2026-02-01T00:00:00Z".parse().unwrap());
        assert_eq!(clock.today(), "2026-02-01".parse::<NaiveDate>().unwrap());
    }
}
