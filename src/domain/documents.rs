//! Documents attached to the records of a case: what they are, what they belong to, and which media
//! types are taken (the declared type must be what the content is).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EmployerId;

/// The record a document belongs to; access to the document is access to that record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Owner {
    Employer(EmployerId),
    Application(Uuid),
    /// A worker, and its Standard Employment Contract.
    Worker(Uuid),
    Complaint(Uuid),
}

impl Owner {
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Employer(_) => "employer",
            Self::Application(_) => "application",
            Self::Worker(_) => "worker",
            Self::Complaint(_) => "complaint",
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Self::Employer(id) => id.0,
            Self::Application(id) | Self::Worker(id) | Self::Complaint(id) => id,
        }
    }

    pub fn from_parts(type_name: &str, id: Uuid) -> Option<Self> {
        Some(match type_name {
            "employer" => Self::Employer(EmployerId(id)),
            "application" => Self::Application(id),
            "worker" => Self::Worker(id),
            "complaint" => Self::Complaint(id),
            _ => return None,
        })
    }
}

super::codes!(
    /// What a document is evidence of (`ADVERT`, `RECRUITMENT_RECORD`: local recruitment's records).
    DocumentKind {
        BusinessRegistration => "BUSINESS_REGISTRATION",
        Licence => "LICENCE",
        MpfStatement => "MPF_STATEMENT",
        Advert => "ADVERT",
        RecruitmentRecord => "RECRUITMENT_RECORD",
        SignedContract => "SIGNED_CONTRACT",
        AuthorisationLetter => "AUTHORISATION_LETTER",
        ComplaintEvidence => "COMPLAINT_EVIDENCE",
        InspectionEvidence => "INSPECTION_EVIDENCE",
        Other => "OTHER",
    }
);

impl DocumentKind {
    /// The kinds a record of this type takes (a signed contract belongs to a worker, a letter to the
    /// employer, …).
    pub fn fits(self, owner: Owner) -> bool {
        use DocumentKind as K;
        match owner {
            Owner::Employer(_) => matches!(
                self,
                K::BusinessRegistration | K::Licence | K::MpfStatement | K::AuthorisationLetter | K::Other
            ),
            Owner::Application(_) => matches!(
                self,
                K::BusinessRegistration | K::Licence | K::MpfStatement | K::Advert | K::RecruitmentRecord | K::Other
            ),
            Owner::Worker(_) => matches!(self, K::SignedContract | K::Other),
            Owner::Complaint(_) => matches!(self, K::ComplaintEvidence | K::InspectionEvidence | K::Other),
        }
    }
}

/// The media types taken: PDFs and scans.
pub const MEDIA_TYPES: [&str; 3] = ["application/pdf", "image/png", "image/jpeg"];

/// Whether content whose first bytes identify it as `sniffed` may be stored as `declared`: the
/// declared type must be one we take and be what the content is.
pub fn media_type_matches(declared: &str, sniffed: Option<&str>) -> bool {
    MEDIA_TYPES.contains(&declared) && sniffed == Some(declared)
}

/// A stored document (its content is read separately, in chunks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: Uuid,
    pub owner: Owner,
    pub employer_id: EmployerId,
    pub kind: DocumentKind,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, lowercase hex; recorded in the audit event, so the hash chain covers it.
    pub sha256: String,
    pub uploaded_by: String,
    pub agency: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_type_is_taken_only_when_the_content_is_of_that_type() {
        let types = [
            Some("application/pdf"),
            Some("image/png"),
            Some("image/jpeg"),
            Some("text/html"),
            None,
        ];
        for declared in [
            "application/pdf",
            "image/png",
            "image/jpeg",
            "text/html",
            "application/octet-stream",
        ] {
            for sniffed in types {
                let expected = MEDIA_TYPES.contains(&declared) && sniffed == Some(declared);
                assert_eq!(
                    media_type_matches(declared, sniffed),
                    expected,
                    "{declared} as {sniffed:?}"
                );
            }
        }
    }

    #[test]
    fn every_kind_round_trips_and_fits_some_record() {
        let owners = [
            Owner::Employer(EmployerId(Uuid::nil())),
            Owner::Application(Uuid::nil()),
            Owner::Worker(Uuid::nil()),
            Owner::Complaint(Uuid::nil()),
        ];
        for kind in <DocumentKind as strum::VariantArray>::VARIANTS {
            assert_eq!(DocumentKind::parse(kind.as_str()), Some(*kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert!(owners.iter().any(|o| kind.fits(*o)), "{kind:?}");
        }
        assert!(DocumentKind::SignedContract.fits(owners[2]));
        assert!(!DocumentKind::SignedContract.fits(owners[1]));
        assert!(DocumentKind::AuthorisationLetter.fits(owners[0]));
        for owner in owners {
            assert_eq!(Owner::from_parts(owner.type_name(), owner.id()), Some(owner));
        }
    }
}
