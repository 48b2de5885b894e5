//! Custom field checks for `validator` derives (shape only; scheme rules live in the domain).

use std::borrow::Cow;

use validator::ValidationError;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

/// Text that is not only whitespace.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(error("blank", "must not be blank"))
    } else {
        Ok(())
    }
}

/// The years a date sent to the service may fall in: anything else is a typing mistake
/// (`0000-01-01`), not a date of this scheme or of anyone's birth.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// A date in [`PLAUSIBLE_YEARS`].
pub fn plausible_date(value: &chrono::NaiveDate) -> Result<(), ValidationError> {
    if PLAUSIBLE_YEARS.contains(&chrono::Datelike::year(value)) {
        Ok(())
    } else {
        Err(error("date", "must be a date from 1900-01-01 to 2999-12-31"))
    }
}

/// A Hong Kong Business Registration number: the 8 digits that head the BR certificate number.
pub fn business_registration_number(value: &str) -> Result<(), ValidationError> {
    if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error(
            "business_registration_number",
            "must be the 8 digits of a Business Registration number",
        ))
    }
}

/// Every workplace address present and of a sane length.
pub fn addresses(values: &[String]) -> Result<(), ValidationError> {
    if values.iter().any(|a| a.trim().is_empty() || a.chars().count() > 500) {
        Err(error(
            "address",
            "each address must be 1 to 500 characters and not blank",
        ))
    } else {
        Ok(())
    }
}

/// A code such as a post code or sector: capitals, digits and underscores, starting with a capital.
pub fn code(value: &str) -> Result<(), ValidationError> {
    let mut chars = value.chars();
    let ok = value.len() <= 50
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(error("code", "must be an upper-case code such as ASSISTANT_COOK"))
    }
}

/// Normal daily hours: more than 0 and at most 24.
pub fn daily_hours(value: f64) -> Result<(), ValidationError> {
    if value.is_finite() && value > 0.0 && value <= 24.0 {
        Ok(())
    } else {
        Err(error("hours", "must be more than 0 and at most 24"))
    }
}

/// An ISO 3166-1 alpha-3 country code, e.g. PHL.
pub fn nationality(value: &str) -> Result<(), ValidationError> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(error(
            "nationality",
            "must be an ISO 3166-1 alpha-3 country code such as PHL",
        ))
    }
}

/// A travel document number: 5 to 20 letters and digits (spaces and hyphens are ignored).
pub fn travel_document(value: &str) -> Result<(), ValidationError> {
    let significant: Vec<char> = value.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if (5..=20).contains(&significant.len()) && significant.iter().all(char::is_ascii_alphanumeric) {
        Ok(())
    } else {
        Err(error(
            "travel_document",
            "must be 5 to 20 letters and digits (spaces and hyphens are ignored)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_registration_number_needs_exactly_eight_digits() {
        assert!(business_registration_number("12345678").is_ok());
        for bad in ["1234567", "123456789", "1234567a", "", "１２３４５６７８"] {
            assert!(business_registration_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blank_text_is_refused() {
        assert!(not_blank("  \t").is_err());
        assert!(not_blank(" a ").is_ok());
    }

    #[test]
    fn daily_hours_bounds() {
        assert!(daily_hours(0.0).is_err());
        assert!(daily_hours(0.5).is_ok());
        assert!(daily_hours(24.0).is_ok());
        assert!(daily_hours(24.01).is_err());
        assert!(daily_hours(f64::NAN).is_err());
    }

    #[test]
    fn addresses_must_each_be_present() {
        assert!(addresses(&["1 Queen's Road".into()]).is_ok());
        assert!(addresses(&["ok".into(), " ".into()]).is_err());
    }

    #[test]
    fn nationality_is_three_capital_letters() {
        assert!(nationality("PHL").is_ok());
        for bad in ["PH", "phl", "PHLL", "P1L", ""] {
            assert!(nationality(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn travel_documents_are_five_to_twenty_letters_and_digits() {
        for good in ["E1234567", "e 123-4567", "12345", "A1234567890123456789"] {
            assert!(travel_document(good).is_ok(), "{good}");
        }
        for bad in ["1234", "A12345678901234567890", "E123/4567", "E12345６7", ""] {
            assert!(travel_document(bad).is_err(), "{bad}");
        }
    }
}
