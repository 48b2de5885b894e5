//! Complaints, inspections and what they lead to (§5.9, R-CMP-1, R-SAN-1, R-RAT-6): plain records and
//! the pure rules over them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EmployerId;

crate::domain::codes!(
    /// How a complaint arrived (R-CMP-1); `DISPLACEMENT_REVIEW` is raised by the service itself.
    Channel {
        Hotline => "HOTLINE",
        OnlineForm => "ONLINE_FORM",
        Email => "EMAIL",
        Letter => "LETTER",
        InPerson => "IN_PERSON",
        Other => "OTHER",
        DisplacementReview => "DISPLACEMENT_REVIEW",
    }
);

crate::domain::codes!(
    /// What a complaint is about (R-CMP-1).
    Subject {
        Displacement => "DISPLACEMENT",
        RatioBreach => "RATIO_BREACH",
        WorkOutsidePost => "WORK_OUTSIDE_POST",
        WagesOrDeductions => "WAGES_OR_DEDUCTIONS",
        RecruitmentMalpractice => "RECRUITMENT_MALPRACTICE",
        Other => "OTHER",
    }
);

crate::domain::codes!(
    /// Who complained; `SERVICE` for the reviews the service raises.
    ComplainantKind {
        Worker => "WORKER",
        JobSeeker => "JOB_SEEKER",
        Public => "PUBLIC",
        Service => "SERVICE",
    }
);

crate::domain::codes!(
    /// RECEIVED → UNDER_INVESTIGATION → SUBSTANTIATED | UNSUBSTANTIATED | INSUFFICIENT_EVIDENCE.
    ComplaintStatus {
        Received => "RECEIVED",
        UnderInvestigation => "UNDER_INVESTIGATION",
        Substantiated => "SUBSTANTIATED",
        Unsubstantiated => "UNSUBSTANTIATED",
        InsufficientEvidence => "INSUFFICIENT_EVIDENCE",
    }
);

crate::domain::codes!(
    /// What a sanction does (R-SAN-1 (a) to (c)).
    SanctionKind {
        BarNewApplications => "BAR_NEW_APPLICATIONS",
        RevokeApprovals => "REVOKE_APPROVALS",
        TerminatePending => "TERMINATE_PENDING",
    }
);

impl ComplaintStatus {
    /// The complaint workflow's edges: investigation first, then one conclusion, which is final.
    pub fn may_move_to(self, next: ComplaintStatus) -> bool {
        use ComplaintStatus as S;
        matches!(
            (self, next),
            (S::Received, S::UnderInvestigation)
                | (
                    S::UnderInvestigation,
                    S::Substantiated | S::Unsubstantiated | S::InsufficientEvidence
                )
        )
    }

    /// A conclusion (the end of the workflow).
    pub fn is_concluded(self) -> bool {
        matches!(
            self,
            Self::Substantiated | Self::Unsubstantiated | Self::InsufficientEvidence
        )
    }
}

/// Who complained. Kept apart from the complaint: shown to inspectors only, never written to the
/// audit trail in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Complainant {
    pub name: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: Uuid,
    pub received_on: NaiveDate,
    pub channel: Channel,
    pub subject: Subject,
    pub complainant_kind: ComplainantKind,
    pub anonymous: bool,
    /// `None` in anything a non-inspector reads.
    #[serde(skip)]
    pub complainant: Option<Complainant>,
    pub summary: String,
    pub employer_id: EmployerId,
    pub application_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
    pub status: ComplaintStatus,
    pub conclusion: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// One finding of an inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub subject: Subject,
    pub breach: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: Uuid,
    pub employer_id: EmployerId,
    pub complaint_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub inspected_on: NaiveDate,
    pub inspector: String,
    pub findings: Vec<Finding>,
    pub breach_found: bool,
    pub created_at: DateTime<Utc>,
}

/// R-RAT-6: a return counting fewer full-time locals than the return an approval relied on is a
/// possible displacement, for an inspector to review. `relied_on` is `None` when no approval relied on
/// a return.
pub fn displacement_suspected(relied_on: Option<u32>, now: u32) -> bool {
    relied_on.is_some_and(|before| now < before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_complaint_workflow_has_exactly_its_edges() {
        use ComplaintStatus as S;
        let all = <S as strum::VariantArray>::VARIANTS;
        let edges = [
            (S::Received, S::UnderInvestigation),
            (S::UnderInvestigation, S::Substantiated),
            (S::UnderInvestigation, S::Unsubstantiated),
            (S::UnderInvestigation, S::InsufficientEvidence),
        ];
        for &from in all {
            for &to in all {
                assert_eq!(from.may_move_to(to), edges.contains(&(from, to)), "{from:?} → {to:?}");
            }
            assert_eq!(
                from.is_concluded(),
                !all.iter().any(|&to| from.may_move_to(to)),
                "{from:?}"
            );
        }
    }

    #[test]
    fn every_code_round_trips_through_its_text() {
        for c in <Channel as strum::VariantArray>::VARIANTS {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for s in <Subject as strum::VariantArray>::VARIANTS {
            assert_eq!(Subject::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for k in <SanctionKind as strum::VariantArray>::VARIANTS {
            assert_eq!(SanctionKind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(Channel::parse("hotline"), None);
    }

    #[test]
    fn fewer_locals_than_an_approval_relied_on_is_suspected_displacement() {
        for before in 0..30 {
            for now in 0..30 {
                assert_eq!(
                    displacement_suspected(Some(before), now),
                    now < before,
                    "{before} → {now}"
                );
            }
            assert!(!displacement_suspected(None, before));
        }
    }
}
