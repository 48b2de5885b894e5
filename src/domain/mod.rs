//! The domain: plain types and pure rules of the ESLS casework.
//!
//! Nothing here knows about HTTP or SQL. The `http` layer parses wire DTOs into these types, and the
//! `db` layer stores and loads them, so everything in this module can be tested without a server or a
//! database.

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
