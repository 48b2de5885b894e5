//! The domain: plain types and pure rules of the ESLS casework.
//!
//! Nothing here knows about HTTP or SQL. The `http` layer parses wire DTOs into these types, and the
//! `db` layer stores and loads them, so everything in this module can be tested without a server or a
//! database.

/// Defines a closed set of codes stored and sent as SCREAMING_SNAKE_CASE text, with `as_str` and
/// `parse` (the text each code is stored and sent as; serde's names are the same, by `rename_all`).
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, strum::VariantArray)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                <Self as strum::VariantArray>::VARIANTS.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use codes;

pub mod application;
pub mod audit;
pub mod audit_chain;
pub mod audit_checkpoint;
pub mod casework;
pub mod compliance;
pub mod consultation;
pub mod documents;
pub mod employer;
pub mod ids;
pub mod inspection;
pub mod lifecycle;
pub mod notification;
pub mod policy;
pub mod reference;
pub mod role;
pub mod rules;
pub mod stats;
pub mod timers;
pub mod worker;

pub use application::{NewApplication, Vacancy};
pub use employer::NewEmployer;
pub use ids::{ApplicationId, EmployerId, VacancyId};
pub use lifecycle::{ApplicationAction, ApplicationStatus, TransitionError, transition};
pub use role::{AgencyKey, Role, Viewer};
