//! The roles a principal can hold (api.md, "Authentication and roles").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who is acting. Every handler checks the role before it does anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An employer's user: acts only on its own employer's data.
    Employer,
    /// A Labour Department (Supplementary Labour Division) officer who processes cases.
    Caseworker,
    /// A senior officer who decides: approve, refuse, terminate, revoke.
    Approver,
    /// Read-only access to everything, including history.
    Auditor,
    /// Reference data, policy, wage tables, employer registration.
    Admin,
    /// A Labour Advisory Board member: reads the consultation packages of cases under consultation
    /// and records a view on each, nothing else.
    LabMember,
    /// A labour inspector: complaints, inspections and their findings.
    Inspector,
    /// The Immigration Department's system: sends visa and levy events for workers.
    Immd,
    /// The service itself (timers, scheduled jobs). Never carried by a token.
    System,
}

impl Role {
    /// The roles a bearer token may carry; `System` is reserved for the service's own jobs.
    pub const TOKEN_ROLES: [Role; 8] = [
        Role::Employer,
        Role::Caseworker,
        Role::Approver,
        Role::Auditor,
        Role::Admin,
        Role::LabMember,
        Role::Inspector,
        Role::Immd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employer => "employer",
            Role::Caseworker => "caseworker",
            Role::Approver => "approver",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::LabMember => "lab_member",
            Role::Inspector => "inspector",
            Role::Immd => "immd",
            Role::System => "system",
        }
    }

    /// Labour Department officers who work on cases.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Caseworker | Role::Approver)
    }

    /// Roles that may read any case: staff and auditors.
    pub fn reads_all_cases(self) -> bool {
        self.is_staff() || self == Role::Auditor
    }
}

/// Who is reading: the role, the employer an employer user is confined to, and the agency it acts
/// through, if any (which confines it further, to the applications the employer authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub role: Role,
    pub employer: Option<super::EmployerId>,
    pub agency: Option<AgencyKey>,
}

/// An employment agency as the authorisations name it: its name, as tokens carry it, hashed into a
/// fixed-size key (so a reader stays a plain value to pass around).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgencyKey(pub uuid::Uuid);

impl AgencyKey {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5c1e_a6e4_0a6e_4c7d_9f3b_61a9_2c0d_7e11);

    /// The key of the agency named `name` (exactly as its tokens spell it).
    pub fn of(name: &str) -> Self {
        Self(uuid::Uuid::new_v5(&Self::NAMESPACE, name.as_bytes()))
    }
}

impl Viewer {
    /// The employer whose data this viewer is confined to: `Some` for employer users, `None` for roles
    /// that see every employer. Reads filter on it, so another employer's record is simply not found.
    pub fn scope(&self) -> Option<super::EmployerId> {
        if self.role == Role::Employer {
            self.employer
        } else {
            None
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::TOKEN_ROLES
            .into_iter()
            .chain([Role::System])
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::TOKEN_ROLES.into_iter().chain([Role::System]) {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn unknown_role_name_is_rejected() {
        assert_eq!("root".parse::<Role>(), Err(UnknownRole("root".into())));
    }

    #[test]
    fn staff_are_caseworkers_and_approvers_only() {
        let staff: Vec<Role> = Role::TOKEN_ROLES.into_iter().filter(|r| r.is_staff()).collect();
        assert_eq!(staff, vec![Role::Caseworker, Role::Approver]);
    }
}
