//! The application lifecycle of domain.md §4.1 as one pure transition function.
//!
//! Handlers never set a status: they ask [`transition`] for the next one, which checks the role first
//! (a wrong role is refused whatever the state) and then whether the action is allowed from the current
//! state. Side effects of an action (recruitment periods, decisions, worker places) live elsewhere; this
//! module only decides *whether* and *to what*.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Role;

/// Where a case stands. Stored as its SCREAMING_SNAKE_CASE name (a CHECK constraint lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    InfoRequested,
    Screening,
    ScreenedOut,
    LocalRecruitment,
    RecruitmentReview,
    Assessment,
    LabConsultation,
    DecisionPending,
    Approved,
    PartiallyApproved,
    Refused,
    Active,
    Lapsed,
    Revoked,
    Completed,
    Withdrawn,
    ClosedNoResponse,
    ProcessingTerminated,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 20] = [
        Self::Draft,
        Self::Submitted,
        Self::InfoRequested,
        Self::Screening,
        Self::ScreenedOut,
        Self::LocalRecruitment,
        Self::RecruitmentReview,
        Self::Assessment,
        Self::LabConsultation,
        Self::DecisionPending,
        Self::Approved,
        Self::PartiallyApproved,
        Self::Refused,
        Self::Active,
        Self::Lapsed,
        Self::Revoked,
        Self::Completed,
        Self::Withdrawn,
        Self::ClosedNoResponse,
        Self::ProcessingTerminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Submitted => "SUBMITTED",
            Self::InfoRequested => "INFO_REQUESTED",
            Self::Screening => "SCREENING",
            Self::ScreenedOut => "SCREENED_OUT",
            Self::LocalRecruitment => "LOCAL_RECRUITMENT",
            Self::RecruitmentReview => "RECRUITMENT_REVIEW",
            Self::Assessment => "ASSESSMENT",
            Self::LabConsultation => "LAB_CONSULTATION",
            Self::DecisionPending => "DECISION_PENDING",
            Self::Approved => "APPROVED",
            Self::PartiallyApproved => "PARTIALLY_APPROVED",
            Self::Refused => "REFUSED",
            Self::Active => "ACTIVE",
            Self::Lapsed => "LAPSED",
            Self::Revoked => "REVOKED",
            Self::Completed => "COMPLETED",
            Self::Withdrawn => "WITHDRAWN",
            Self::ClosedNoResponse => "CLOSED_NO_RESPONSE",
            Self::ProcessingTerminated => "PROCESSING_TERMINATED",
        }
    }

    /// No action leads out of a terminal state (domain.md §4.1 notes).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Refused
                | Self::ScreenedOut
                | Self::Withdrawn
                | Self::ProcessingTerminated
                | Self::Lapsed
                | Self::Revoked
                | Self::Completed
                | Self::ClosedNoResponse
        )
    }

    /// Submitted but not yet decided: the states from which an employer may withdraw and LD may
    /// terminate processing.
    pub fn is_pre_decision(self) -> bool {
        matches!(
            self,
            Self::Submitted
                | Self::InfoRequested
                | Self::Screening
                | Self::LocalRecruitment
                | Self::RecruitmentReview
                | Self::Assessment
                | Self::LabConsultation
                | Self::DecisionPending
        )
    }
}

impl fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown application status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for ApplicationStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Everything that can happen to a case. Wire names are kebab-case (`/actions/request-info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationAction {
    /// Employer lodges the draft (the six-month bar and sanction checks bind here).
    Submit,
    /// Caseworker asks the employer for missing information; the SLA clock pauses.
    RequestInfo,
    /// Employer answers an information request; screening resumes.
    Respond,
    /// Caseworker starts preliminary screening of a submitted application.
    StartScreening,
    /// Caseworker screens the application in: local recruitment starts.
    ScreenIn,
    /// Caseworker screens the application out (ineligible post, sector or employer).
    ScreenOut,
    /// An information request went unanswered past its reminders (timer).
    CloseNoResponse,
    /// The recruitment period has ended and the employer's results are in for review.
    CompleteRecruitment,
    /// Caseworker begins the assessment (ratio, median wage, unmet need).
    StartAssessment,
    /// Caseworker records LD's recommendation (stays in assessment).
    Recommend,
    /// The recommendation goes to Labour Advisory Board members.
    StartConsultation,
    /// The consultation window closed or all views are in.
    CloseConsultation,
    /// The consultation window closed with the members in agreement (R-LAB-2): the service moves the
    /// case on to the decision.
    ConcludeConsultation,
    /// Approver grants every place requested (approval-in-principle).
    Approve,
    /// Approver grants fewer places than requested (e.g. capped by the ratio).
    ApprovePartially,
    /// Approver refuses, with reason codes.
    Refuse,
    /// The first worker place of an approval is in use (timer / worker event).
    Activate,
    /// No visa application for any place by the AIP deadline (timer).
    Lapse,
    /// Approver revokes an approval (sanction).
    Revoke,
    /// Every place of an active approval has ended (timer / worker event).
    Complete,
    /// Employer withdraws a draft or an undecided application.
    Withdraw,
    /// Approver terminates processing (e.g. a qualified local candidate refused), usually with a sanction.
    Terminate,
}

impl ApplicationAction {
    pub const ALL: [ApplicationAction; 22] = [
        Self::Submit,
        Self::RequestInfo,
        Self::Respond,
        Self::StartScreening,
        Self::ScreenIn,
        Self::ScreenOut,
        Self::CloseNoResponse,
        Self::CompleteRecruitment,
        Self::StartAssessment,
        Self::Recommend,
        Self::StartConsultation,
        Self::CloseConsultation,
        Self::ConcludeConsultation,
        Self::Approve,
        Self::ApprovePartially,
        Self::Refuse,
        Self::Activate,
        Self::Lapse,
        Self::Revoke,
        Self::Complete,
        Self::Withdraw,
        Self::Terminate,
    ];

    /// The wire name, as used in `/actions/{action}` and in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::RequestInfo => "request-info",
            Self::Respond => "respond",
            Self::StartScreening => "start-screening",
            Self::ScreenIn => "screen-in",
            Self::ScreenOut => "screen-out",
            Self::CloseNoResponse => "close-no-response",
            Self::CompleteRecruitment => "complete-recruitment",
            Self::StartAssessment => "start-assessment",
            Self::Recommend => "recommend",
            Self::StartConsultation => "start-consultation",
            Self::CloseConsultation => "close-consultation",
            Self::ConcludeConsultation => "conclude-consultation",
            Self::Approve => "approve",
            Self::ApprovePartially => "approve-partially",
            Self::Refuse => "refuse",
            Self::Activate => "activate",
            Self::Lapse => "lapse",
            Self::Revoke => "revoke",
            Self::Complete => "complete",
            Self::Withdraw => "withdraw",
            Self::Terminate => "terminate",
        }
    }

    /// People ask for it (`POST /actions/{action}`); the rest the service takes itself (timers, and the
    /// partial approval an approval turns into).
    pub fn is_requestable(self) -> bool {
        self.permitted_role() != Role::System && self != Self::ApprovePartially
    }

    /// Its rules read across the employer's other cases (the six-month bar and sanction bars at
    /// submission; the ratio's capacity at approval), so it runs under the employer's lock.
    pub fn reads_across_employer(self) -> bool {
        matches!(self, Self::Submit | Self::Approve | Self::ApprovePartially)
    }

    /// The only role allowed to take this action (separation of duties: each action has one owner).
    pub fn permitted_role(self) -> Role {
        match self {
            Self::Submit | Self::Respond | Self::Withdraw => Role::Employer,
            Self::RequestInfo
            | Self::StartScreening
            | Self::ScreenIn
            | Self::ScreenOut
            | Self::CompleteRecruitment
            | Self::StartAssessment
            | Self::Recommend
            | Self::StartConsultation
            | Self::CloseConsultation => Role::Caseworker,
            Self::Approve | Self::ApprovePartially | Self::Refuse | Self::Revoke | Self::Terminate => Role::Approver,
            Self::CloseNoResponse | Self::ConcludeConsultation | Self::Activate | Self::Lapse | Self::Complete => {
                Role::System
            }
        }
    }
}

impl fmt::Display for ApplicationAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown action `{0}`")]
pub struct UnknownAction(pub String);

impl FromStr for ApplicationAction {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the {role} role may not {action} an application")]
    RoleNotPermitted { role: Role, action: ApplicationAction },
    #[error("an application in status {from} cannot be {action}: not allowed from this status")]
    NotAllowedFromStatus {
        from: ApplicationStatus,
        action: ApplicationAction,
    },
}

/// The lifecycle: the status after `action` taken by `role` on a case in status `from`.
pub fn transition(
    from: ApplicationStatus,
    action: ApplicationAction,
    role: Role,
) -> Result<ApplicationStatus, TransitionError> {
    use ApplicationAction as A;
    use ApplicationStatus as S;

    if action.permitted_role() != role {
        return Err(TransitionError::RoleNotPermitted { role, action });
    }

    let to = match (from, action) {
        (S::Draft, A::Submit) => Some(S::Submitted),
        // Information may be requested on receipt or during screening; the answer resumes screening.
        (S::Submitted | S::Screening, A::RequestInfo) => Some(S::InfoRequested),
        (S::InfoRequested, A::Respond) => Some(S::Screening),
        (S::InfoRequested, A::CloseNoResponse) => Some(S::ClosedNoResponse),
        (S::Submitted, A::StartScreening) => Some(S::Screening),
        (S::Screening, A::ScreenIn) => Some(S::LocalRecruitment),
        (S::Screening, A::ScreenOut) => Some(S::ScreenedOut),
        (S::LocalRecruitment, A::CompleteRecruitment) => Some(S::RecruitmentReview),
        (S::RecruitmentReview, A::StartAssessment) => Some(S::Assessment),
        (S::Assessment, A::Recommend) => Some(S::Assessment),
        (S::Assessment, A::StartConsultation) => Some(S::LabConsultation),
        (S::LabConsultation, A::CloseConsultation | A::ConcludeConsultation) => Some(S::DecisionPending),
        (S::DecisionPending, A::Approve) => Some(S::Approved),
        (S::DecisionPending, A::ApprovePartially) => Some(S::PartiallyApproved),
        (S::DecisionPending, A::Refuse) => Some(S::Refused),
        (S::Approved | S::PartiallyApproved, A::Activate) => Some(S::Active),
        (S::Approved | S::PartiallyApproved, A::Lapse) => Some(S::Lapsed),
        (S::Approved | S::PartiallyApproved | S::Active, A::Revoke) => Some(S::Revoked),
        (S::Active, A::Complete) => Some(S::Completed),
        // A draft may be abandoned; a lodged case may be withdrawn until it is decided.
        (s, A::Withdraw) if s == S::Draft || s.is_pre_decision() => Some(S::Withdrawn),
        (s, A::Terminate) if s.is_pre_decision() => Some(S::ProcessingTerminated),
        _ => None,
    };
    to.ok_or(TransitionError::NotAllowedFromStatus { from, action })
}

/// Why an action the lifecycle allows cannot be taken on this case yet, or by this officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// R-LAB-1: the Labour Advisory Board is consulted on a recommendation, and a decision follows one.
    #[error("{}", match .0 {
        ApplicationAction::StartConsultation => "A recommendation must be recorded before the Labour Advisory Board is consulted.",
        _ => "There is no recommendation to decide on.",
    })]
    RecommendationMissing(ApplicationAction),
    /// Separation of duties: the officer who recommended a case may not decide it.
    #[error("You recommended this application; another approver must decide it (separation of duties).")]
    RecommenderMayNotDecide,
}

impl GuardError {
    pub const RECOMMENDATION_RULE: &'static str = "R-LAB-1";
}

/// What the case must have, and who may not act, beyond what [`transition`] allows: consultation and
/// decision need a recommendation (R-LAB-1), and the recommender may not decide (separation of duties).
pub fn guard(action: ApplicationAction, recommended_by: Option<&str>, actor_sub: &str) -> Result<(), GuardError> {
    use ApplicationAction as A;
    match (action, recommended_by) {
        (A::StartConsultation | A::Approve | A::Refuse, None) => Err(GuardError::RecommendationMissing(action)),
        (A::Approve | A::Refuse, Some(recommender)) if recommender == actor_sub => {
            Err(GuardError::RecommenderMayNotDecide)
        }
        _ => Ok(()),
    }
}

/// The actions `role` may take on a case in status `from` right now, for clients to offer.
pub fn available_actions(from: ApplicationStatus, role: Role) -> Vec<ApplicationAction> {
    ApplicationAction::ALL
        .into_iter()
        .filter(|&action| transition(from, action, role).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationAction as A;
    use ApplicationStatus as S;

    /// The lifecycle of domain.md §4.1, written out edge by edge, independently of `transition`.
    /// Every (status, action) pair not listed here must be refused.
    const ALLOWED: &[(S, A, S)] = &[
        (S::Draft, A::Submit, S::Submitted),
        (S::Draft, A::Withdraw, S::Withdrawn),
        (S::Submitted, A::RequestInfo, S::InfoRequested),
        (S::Submitted, A::StartScreening, S::Screening),
        (S::Submitted, A::Withdraw, S::Withdrawn),
        (S::Submitted, A::Terminate, S::ProcessingTerminated),
        (S::InfoRequested, A::Respond, S::Screening),
        (S::InfoRequested, A::CloseNoResponse, S::ClosedNoResponse),
        (S::InfoRequested, A::Withdraw, S::Withdrawn),
        (S::InfoRequested, A::Terminate, S::ProcessingTerminated),
        (S::Screening, A::RequestInfo, S::InfoRequested),
        (S::Screening, A::ScreenIn, S::LocalRecruitment),
        (S::Screening, A::ScreenOut, S::ScreenedOut),
        (S::Screening, A::Withdraw, S::Withdrawn),
        (S::Screening, A::Terminate, S::ProcessingTerminated),
        (S::LocalRecruitment, A::CompleteRecruitment, S::RecruitmentReview),
        (S::LocalRecruitment, A::Withdraw, S::Withdrawn),
        (S::LocalRecruitment, A::Terminate, S::ProcessingTerminated),
        (S::RecruitmentReview, A::StartAssessment, S::Assessment),
        (S::RecruitmentReview, A::Withdraw, S::Withdrawn),
        (S::RecruitmentReview, A::Terminate, S::ProcessingTerminated),
        (S::Assessment, A::Recommend, S::Assessment),
        (S::Assessment, A::StartConsultation, S::LabConsultation),
        (S::Assessment, A::Withdraw, S::Withdrawn),
        (S::Assessment, A::Terminate, S::ProcessingTerminated),
        (S::LabConsultation, A::CloseConsultation, S::DecisionPending),
        (S::LabConsultation, A::ConcludeConsultation, S::DecisionPending),
        (S::LabConsultation, A::Withdraw, S::Withdrawn),
        (S::LabConsultation, A::Terminate, S::ProcessingTerminated),
        (S::DecisionPending, A::Approve, S::Approved),
        (S::DecisionPending, A::ApprovePartially, S::PartiallyApproved),
        (S::DecisionPending, A::Refuse, S::Refused),
        (S::DecisionPending, A::Withdraw, S::Withdrawn),
        (S::DecisionPending, A::Terminate, S::ProcessingTerminated),
        (S::Approved, A::Activate, S::Active),
        (S::Approved, A::Lapse, S::Lapsed),
        (S::Approved, A::Revoke, S::Revoked),
        (S::PartiallyApproved, A::Activate, S::Active),
        (S::PartiallyApproved, A::Lapse, S::Lapsed),
        (S::PartiallyApproved, A::Revoke, S::Revoked),
        (S::Active, A::Complete, S::Completed),
        (S::Active, A::Revoke, S::Revoked),
    ];

    /// Who owns each action, again written out independently of `permitted_role`.
    const OWNER: &[(A, Role)] = &[
        (A::Submit, Role::Employer),
        (A::Respond, Role::Employer),
        (A::Withdraw, Role::Employer),
        (A::RequestInfo, Role::Caseworker),
        (A::StartScreening, Role::Caseworker),
        (A::ScreenIn, Role::Caseworker),
        (A::ScreenOut, Role::Caseworker),
        (A::CompleteRecruitment, Role::Caseworker),
        (A::StartAssessment, Role::Caseworker),
        (A::Recommend, Role::Caseworker),
        (A::StartConsultation, Role::Caseworker),
        (A::CloseConsultation, Role::Caseworker),
        (A::Approve, Role::Approver),
        (A::ApprovePartially, Role::Approver),
        (A::Refuse, Role::Approver),
        (A::Revoke, Role::Approver),
        (A::Terminate, Role::Approver),
        (A::CloseNoResponse, Role::System),
        (A::ConcludeConsultation, Role::System),
        (A::Activate, Role::System),
        (A::Lapse, Role::System),
        (A::Complete, Role::System),
    ];

    const ALL_ROLES: [Role; 9] = [
        Role::Employer,
        Role::Caseworker,
        Role::Approver,
        Role::Auditor,
        Role::Admin,
        Role::LabMember,
        Role::Inspector,
        Role::Immd,
        Role::System,
    ];

    fn owner(action: A) -> Role {
        OWNER
            .iter()
            .find(|(a, _)| *a == action)
            .expect("every action has an owner")
            .1
    }

    #[test]
    fn every_listed_transition_is_allowed_for_its_owner() {
        for &(from, action, to) in ALLOWED {
            assert_eq!(transition(from, action, owner(action)), Ok(to), "{from} --{action}-->");
        }
    }

    #[test]
    fn every_unlisted_status_action_pair_is_refused_as_not_allowed() {
        for from in S::ALL {
            for action in A::ALL {
                if ALLOWED.iter().any(|&(f, a, _)| f == from && a == action) {
                    continue;
                }
                assert_eq!(
                    transition(from, action, owner(action)),
                    Err(TransitionError::NotAllowedFromStatus { from, action }),
                    "{from} --{action}--> should be refused"
                );
            }
        }
    }

    #[test]
    fn every_action_is_refused_for_every_role_but_its_owner_whatever_the_status() {
        for action in A::ALL {
            for role in ALL_ROLES.into_iter().filter(|&r| r != owner(action)) {
                for from in S::ALL {
                    assert_eq!(
                        transition(from, action, role),
                        Err(TransitionError::RoleNotPermitted { role, action }),
                        "{role} must not {action} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn auditors_and_admins_can_take_no_action_at_all() {
        for from in S::ALL {
            assert!(available_actions(from, Role::Auditor).is_empty());
            assert!(available_actions(from, Role::Admin).is_empty());
            for role in [Role::LabMember, Role::Inspector, Role::Immd] {
                assert!(available_actions(from, role).is_empty(), "{role}");
            }
        }
    }

    #[test]
    fn terminal_statuses_have_no_way_out_for_anyone() {
        for from in S::ALL.into_iter().filter(|s| s.is_terminal()) {
            for role in ALL_ROLES {
                assert!(available_actions(from, role).is_empty(), "{from} is terminal");
            }
        }
    }

    #[test]
    fn every_non_terminal_status_has_a_way_out() {
        for from in S::ALL.into_iter().filter(|s| !s.is_terminal()) {
            let any = ALL_ROLES
                .into_iter()
                .any(|role| !available_actions(from, role).is_empty());
            assert!(any, "{from} must not be a dead end");
        }
    }

    #[test]
    fn every_status_except_draft_is_reachable_from_draft() {
        let mut reached = vec![S::Draft];
        let mut frontier = vec![S::Draft];
        while let Some(from) = frontier.pop() {
            for action in A::ALL {
                if let Ok(to) = transition(from, action, action.permitted_role())
                    && !reached.contains(&to)
                {
                    reached.push(to);
                    frontier.push(to);
                }
            }
        }
        for status in S::ALL {
            assert!(reached.contains(&status), "{status} is unreachable");
        }
    }

    #[test]
    fn employer_may_submit_and_withdraw_a_draft_and_nothing_else() {
        assert_eq!(
            available_actions(S::Draft, Role::Employer),
            vec![A::Submit, A::Withdraw]
        );
    }

    #[test]
    fn statuses_and_actions_round_trip_through_their_wire_names() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for action in A::ALL {
            assert_eq!(action.as_str().parse::<A>(), Ok(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
        }
        assert!("approve!".parse::<A>().is_err());
        assert!("draft".parse::<S>().is_err());
    }

    #[test]
    fn consultation_and_decision_need_a_recommendation_and_another_officer() {
        use GuardError::*;
        assert_eq!(
            guard(A::StartConsultation, None, "cw"),
            Err(RecommendationMissing(A::StartConsultation))
        );
        assert_eq!(guard(A::Approve, None, "ap"), Err(RecommendationMissing(A::Approve)));
        assert_eq!(guard(A::Refuse, Some("ap"), "ap"), Err(RecommenderMayNotDecide));
        assert_eq!(guard(A::Approve, Some("cw"), "ap"), Ok(()));
        assert_eq!(guard(A::StartConsultation, Some("cw"), "cw"), Ok(()));
        // Every other action is the lifecycle's alone.
        for action in ApplicationAction::ALL {
            if !matches!(action, A::StartConsultation | A::Approve | A::Refuse) {
                assert_eq!(guard(action, None, "anyone"), Ok(()), "{action}");
            }
        }
    }

    #[test]
    fn people_ask_for_every_action_but_the_timers_and_the_partial_approval() {
        let services_own = [
            A::CloseNoResponse,
            A::ConcludeConsultation,
            A::Activate,
            A::Lapse,
            A::Complete,
            A::ApprovePartially,
        ];
        for action in ApplicationAction::ALL {
            assert_eq!(action.is_requestable(), !services_own.contains(&action), "{action}");
        }
    }
}
