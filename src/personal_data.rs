//! Personal data of imported workers, minimised (docs/personal-data.md). The travel document number is
//! never stored, logged or returned: the service keeps a keyed HMAC-SHA256 of it (to find the same
//! document named twice, and to check a number in hand against a record) and its last four characters
//! (to tell documents apart on screen). Without the key the HMAC cannot be turned back into a number by
//! trying every passport number, which a plain hash could.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The shortest key accepted: 32 bytes, the hash's own size.
pub const MIN_KEY_BYTES: usize = 32;

/// The key travel document numbers are hashed with (`SLS_PII_KEY`).
#[derive(Clone)]
pub struct TravelDocumentKey(SecretString);

impl std::fmt::Debug for TravelDocumentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TravelDocumentKey(..)")
    }
}

/// What is kept of a travel document number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelDocumentRef {
    /// Hex HMAC-SHA256 of the normalised number.
    pub hmac: String,
    pub last4: String,
}

impl TravelDocumentKey {
    pub fn new(key: SecretString) -> Self {
        Self(key)
    }

    /// Normalises (upper case, no spaces or hyphens), then keeps the HMAC and the last four characters.
    pub fn protect(&self, number: &str) -> TravelDocumentRef {
        let normalised = normalise(number);
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.expose_secret().as_bytes()).expect("HMAC accepts keys of any length");
        mac.update(normalised.as_bytes());
        let hmac = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let chars: Vec<char> = normalised.chars().collect();
        let last4 = chars[chars.len().saturating_sub(4)..].iter().collect();
        TravelDocumentRef { hmac, last4 }
    }
}

impl TravelDocumentKey {
    /// The secret a webhook's deliveries are signed with: derived from the webhook's id under the
    /// service's key (domain-separated from document hashes), so it is never stored and cannot be read
    /// out of the database.
    pub fn webhook_secret(&self, webhook: uuid::Uuid) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.expose_secret().as_bytes()).expect("HMAC accepts keys of any length");
        mac.update(b"sls-case webhook signing secret v1\0");
        mac.update(webhook.as_bytes());
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("whsec_{hex}")
    }
}

/// Upper case, without the spaces and hyphens people type into document numbers.
pub fn normalise(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// How a document number is shown: only its last four characters.
pub fn masked(last4: &str) -> String {
    format!("****{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> TravelDocumentKey {
        TravelDocumentKey::new(SecretString::from(k.to_owned()))
    }

    #[test]
    fn the_same_number_typed_differently_gives_the_same_reference() {
        let k = key("k".repeat(32).as_str());
        assert_eq!(k.protect("e1234 5678"), k.protect("E-12345678"));
        assert_eq!(k.protect("E12345678").last4, "5678");
        assert_ne!(k.protect("E12345678").hmac, k.protect("E12345679").hmac);
    }

    #[test]
    fn the_reference_depends_on_the_key_and_holds_no_more_than_four_characters() {
        let a = key("a".repeat(32).as_str()).protect("E12345678");
        let b = key("b".repeat(32).as_str()).protect("E12345678");
        assert_ne!(a.hmac, b.hmac);
        assert_eq!(a.hmac.len(), 64);
        assert!(!a.hmac.contains("12345678"));
        assert_eq!(masked(&a.last4), "****5678");
        assert_eq!(key("c".repeat(32).as_str()).protect("AB1").last4, "AB1");
    }
}
