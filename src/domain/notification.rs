//! Notifications: what someone is told, to whom, and its text in English or Traditional Chinese (Hong
//! Kong). A notification is stored with its facts (`Notice`), never with a rendered text, so each reader
//! gets it in their own language.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApplicationId, EmployerId, Role};

/// The languages notices are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, strum::VariantArray)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    En,
    /// Traditional Chinese as written in Hong Kong.
    #[serde(rename = "zh-HK")]
    ZhHk,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhHk => "zh-HK",
        }
    }

    /// A BCP 47 tag a client sent: any English is English; Chinese in Traditional script or of Hong
    /// Kong, Macao or Taiwan (or plain `zh`, this being a Hong Kong service) is Traditional Chinese;
    /// Simplified Chinese (`zh-CN`, `zh-Hans`) is not offered.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let lower = tag.to_ascii_lowercase();
        let mut parts = lower.split(['-', '_']);
        match parts.next()? {
            "en" => Some(Self::En),
            "zh" | "yue" => {
                let rest: Vec<&str> = parts.collect();
                let simplified = rest.iter().any(|p| matches!(*p, "hans" | "cn" | "sg"));
                (!simplified).then_some(Self::ZhHk)
            }
            _ => None,
        }
    }
}

/// What a notification tells, with the facts its text needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A caseworker asked the employer for information (R-SCR-2).
    InformationRequested { reference: String, due_on: NaiveDate },
    /// An information request is past its due date (R-SCR-2).
    InformationReminder {
        reference: String,
        due_on: NaiveDate,
        reminder: u32,
        of: u32,
        closes_on: NaiveDate,
    },
    /// The case was closed for no response (R-SCR-2).
    ClosedNoResponse { reference: String },
    /// The employer answered an information request (to the case's assignee).
    InformationAnswered { reference: String },
    /// Every recruitment period of the case has ended (R-REC-1).
    RecruitmentPeriodEnded { reference: String, ended_on: NaiveDate },
    /// The case was decided (R-DEC-1).
    Decision {
        reference: String,
        outcome: String,
        places: u32,
    },
    /// Places are still unfilled as the AIP deadline nears (R-DEC-2).
    AipDeadlineApproaching {
        reference: String,
        deadline: NaiveDate,
        unfilled_places: u32,
    },
    /// A place lapsed at its AIP deadline (R-DEC-2).
    PlaceLapsed {
        reference: String,
        place_no: u32,
        deadline: NaiveDate,
    },
    /// Every place is closed: the approval lapsed or completed.
    ApprovalClosed { reference: String, status: String },
    /// A worker has not attended the employment-rights briefing by its due date (R-BRF-1).
    BriefingOverdue {
        reference: String,
        worker_id: Uuid,
        due_on: NaiveDate,
    },
    /// A worker's Standard Employment Contract ends soon (R-CON-1).
    ContractEnding {
        reference: String,
        worker_id: Uuid,
        ends_on: NaiveDate,
    },
    /// A case passed its processing target (to the case's assignee).
    SlaBreached { reference: String, due_on: NaiveDate },
    /// A case was assigned to the recipient.
    CaseAssigned { reference: String, by: String },
    /// The LAB members did not agree: the case goes to the LAB working group (R-LAB-2; to the assignee).
    ConsultationToWorkingGroup { reference: String },
    /// A headcount return shows fewer full-time locals than an approval relied on (R-RAT-6; to
    /// inspectors).
    DisplacementReview { employer: String, relied_on: u32, now: u32 },
    /// No wage table published for too long (to administrators).
    WageTableStale {
        latest: Option<String>,
        published_on: Option<NaiveDate>,
        max_age_days: u32,
    },
}

/// A notice in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub title: String,
    pub body: String,
}

impl Notice {
    /// The wire name of the notice's kind (`information_requested`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InformationRequested { .. } => "information_requested",
            Self::InformationReminder { .. } => "information_reminder",
            Self::ClosedNoResponse { .. } => "closed_no_response",
            Self::InformationAnswered { .. } => "information_answered",
            Self::RecruitmentPeriodEnded { .. } => "recruitment_period_ended",
            Self::Decision { .. } => "decision",
            Self::AipDeadlineApproaching { .. } => "aip_deadline_approaching",
            Self::PlaceLapsed { .. } => "place_lapsed",
            Self::ApprovalClosed { .. } => "approval_closed",
            Self::BriefingOverdue { .. } => "briefing_overdue",
            Self::ContractEnding { .. } => "contract_ending",
            Self::SlaBreached { .. } => "sla_breached",
            Self::CaseAssigned { .. } => "case_assigned",
            Self::ConsultationToWorkingGroup { .. } => "consultation_to_working_group",
            Self::DisplacementReview { .. } => "displacement_review",
            Self::WageTableStale { .. } => "wage_table_stale",
        }
    }

    /// The notice in `language`.
    pub fn text(&self, language: Language) -> Text {
        let (title, body) = match language {
            Language::En => self.english(),
            Language::ZhHk => self.chinese(),
        };
        Text { title, body }
    }

    fn english(&self) -> (String, String) {
        match self {
            Self::InformationRequested { reference, due_on } => (
                format!("{reference}: information requested"),
                format!(
                    "The Labour Department needs more information on application {reference}. Please reply by {due_on}."
                ),
            ),
            Self::InformationReminder {
                reference,
                due_on,
                reminder,
                of,
                closes_on,
            } => (
                format!("{reference}: reminder {reminder} of {of}"),
                format!(
                    "The information requested on application {reference} was due on {due_on} and has not been received. Without a reply the application will be closed on {closes_on}."
                ),
            ),
            Self::ConsultationToWorkingGroup { reference } => (
                format!("{reference}: LAB working group"),
                format!(
                    "The Labour Advisory Board members' views on application {reference} fell short of consensus. The case goes to the LAB working group; close the consultation with its conclusion."
                ),
            ),
            Self::DisplacementReview {
                employer,
                relied_on,
                now,
            } => (
                format!("{employer}: possible displacement of local staff"),
                format!(
                    "A headcount return of {employer} shows {now} full-time local employees, fewer than the {relied_on} an approval relied on. A displacement review has been opened."
                ),
            ),
            Self::ClosedNoResponse { reference } => (
                format!("{reference}: closed for no response"),
                format!("Application {reference} has been closed because the information requested was not received."),
            ),
            Self::InformationAnswered { reference } => (
                format!("{reference}: information received"),
                format!("The employer has answered the information request on application {reference}."),
            ),
            Self::RecruitmentPeriodEnded { reference, ended_on } => (
                format!("{reference}: local recruitment ended"),
                format!(
                    "The local recruitment period of application {reference} ended on {ended_on}. Please report the outcome of every referral."
                ),
            ),
            Self::Decision {
                reference,
                outcome,
                places,
            } => (
                format!("{reference}: decision"),
                match outcome.as_str() {
                    "REFUSED" => format!("Application {reference} has been refused."),
                    "PARTIALLY_APPROVED" => {
                        format!("Application {reference} has been approved in part: {places} place(s).")
                    }
                    _ => format!("Application {reference} has been approved: {places} place(s)."),
                },
            ),
            Self::AipDeadlineApproaching {
                reference,
                deadline,
                unfilled_places,
            } => (
                format!("{reference}: AIP deadline on {deadline}"),
                format!(
                    "{unfilled_places} place(s) of application {reference} have no visa application yet. Visa applications must be lodged with the Immigration Department by {deadline}, or the places lapse."
                ),
            ),
            Self::PlaceLapsed {
                reference,
                place_no,
                deadline,
            } => (
                format!("{reference}: place {place_no} lapsed"),
                format!(
                    "Place {place_no} of application {reference} lapsed: no visa application was lodged by {deadline}."
                ),
            ),
            Self::ApprovalClosed { reference, status } => (
                format!(
                    "{reference}: {}",
                    if status == "COMPLETED" { "completed" } else { "lapsed" }
                ),
                if status == "COMPLETED" {
                    format!("Every contract under application {reference} has ended; the application is completed.")
                } else {
                    format!("Every place of application {reference} has lapsed or ended; the approval has lapsed.")
                },
            ),
            Self::BriefingOverdue { reference, due_on, .. } => (
                format!("{reference}: briefing overdue"),
                format!(
                    "A worker under application {reference} has not attended the employment-rights briefing due by {due_on}. Please arrange attendance, with paid leave."
                ),
            ),
            Self::ContractEnding { reference, ends_on, .. } => (
                format!("{reference}: contract ends on {ends_on}"),
                format!(
                    "A worker's Standard Employment Contract under application {reference} ends on {ends_on}. The worker must leave Hong Kong at its end unless a renewal is approved."
                ),
            ),
            Self::SlaBreached { reference, due_on } => (
                format!("{reference}: processing target passed"),
                format!("Application {reference} passed its processing target on {due_on}."),
            ),
            Self::CaseAssigned { reference, by } => (
                format!("{reference}: assigned to you"),
                format!("Application {reference} was assigned to you by {by}."),
            ),
            Self::WageTableStale {
                latest,
                published_on,
                max_age_days,
            } => (
                "Wage table out of date".to_owned(),
                match (latest, published_on) {
                    (Some(label), Some(on)) => format!(
                        "The latest median wage table ({label}) was published on {on}, more than {max_age_days} days ago. Please publish the current table."
                    ),
                    _ => "No median wage table has been published. Please publish the current table.".to_owned(),
                },
            ),
        }
    }

    fn chinese(&self) -> (String, String) {
        match self {
            Self::InformationRequested { reference, due_on } => (
                format!("{reference}：要求補交資料"),
                format!("勞工處需要申請 {reference} 的補充資料，請於 {due_on} 或之前回覆。"),
            ),
            Self::InformationReminder {
                reference,
                due_on,
                reminder,
                of,
                closes_on,
            } => (
                format!("{reference}：第 {reminder} 次提示（共 {of} 次）"),
                format!(
                    "申請 {reference} 所需的補充資料應於 {due_on} 提交，但至今尚未收到。如仍未回覆，申請將於 {closes_on} 終止處理。"
                ),
            ),
            Self::ConsultationToWorkingGroup { reference } => (
                format!("{reference}：轉交勞顧會工作小組"),
                format!(
                    "勞工顧問委員會委員對申請 {reference} 的意見未達共識，個案轉交勞顧會工作小組處理；請按其結論結束諮詢。"
                ),
            ),
            Self::DisplacementReview {
                employer,
                relied_on,
                now,
            } => (
                format!("{employer}：可能取代本地僱員"),
                format!(
                    "{employer} 的僱員人數申報顯示全職本地僱員為 {now} 名，少於批准時所依據的 {relied_on} 名。已展開取代本地僱員審查。"
                ),
            ),
            Self::ClosedNoResponse { reference } => (
                format!("{reference}：因未有回覆而結案"),
                format!("由於未有收到所需資料，申請 {reference} 已結案。"),
            ),
            Self::InformationAnswered { reference } => (
                format!("{reference}：已收到補充資料"),
                format!("僱主已回覆申請 {reference} 的資料要求。"),
            ),
            Self::RecruitmentPeriodEnded { reference, ended_on } => (
                format!("{reference}：本地招聘期已完結"),
                format!("申請 {reference} 的本地招聘期已於 {ended_on} 完結，請呈報每宗轉介的結果。"),
            ),
            Self::Decision {
                reference,
                outcome,
                places,
            } => (
                format!("{reference}：審批結果"),
                match outcome.as_str() {
                    "REFUSED" => format!("申請 {reference} 不獲批准。"),
                    "PARTIALLY_APPROVED" => format!("申請 {reference} 獲部分批准：{places} 個名額。"),
                    _ => format!("申請 {reference} 獲批准：{places} 個名額。"),
                },
            ),
            Self::AipDeadlineApproaching {
                reference,
                deadline,
                unfilled_places,
            } => (
                format!("{reference}：原則性批准期限為 {deadline}"),
                format!(
                    "申請 {reference} 尚有 {unfilled_places} 個名額未提交簽證申請。請於 {deadline} 或之前向入境事務處提交簽證申請，否則名額將告失效。"
                ),
            ),
            Self::PlaceLapsed {
                reference,
                place_no,
                deadline,
            } => (
                format!("{reference}：第 {place_no} 個名額已失效"),
                format!("由於未有於 {deadline} 或之前提交簽證申請，申請 {reference} 的第 {place_no} 個名額已失效。"),
            ),
            Self::ApprovalClosed { reference, status } => (
                format!(
                    "{reference}：{}",
                    if status == "COMPLETED" {
                        "已完成"
                    } else {
                        "批准已失效"
                    }
                ),
                if status == "COMPLETED" {
                    format!("申請 {reference} 下的所有合約均已完結，申請已完成。")
                } else {
                    format!("申請 {reference} 的所有名額均已失效或完結，批准已失效。")
                },
            ),
            Self::BriefingOverdue { reference, due_on, .. } => (
                format!("{reference}：簡介會逾期"),
                format!(
                    "申請 {reference} 下有一名輸入勞工未有於 {due_on} 或之前出席僱傭權益簡介會。請安排其在有薪假期下出席。"
                ),
            ),
            Self::ContractEnding { reference, ends_on, .. } => (
                format!("{reference}：合約於 {ends_on} 屆滿"),
                format!(
                    "申請 {reference} 下一名輸入勞工的標準僱傭合約將於 {ends_on} 屆滿。除非續約獲批，該勞工須於合約屆滿時離港。"
                ),
            ),
            Self::SlaBreached { reference, due_on } => (
                format!("{reference}：已超出服務承諾時間"),
                format!("申請 {reference} 已於 {due_on} 超出處理目標時間。"),
            ),
            Self::CaseAssigned { reference, by } => (
                format!("{reference}：已分派給你"),
                format!("{by} 已將申請 {reference} 分派給你。"),
            ),
            Self::WageTableStale {
                latest,
                published_on,
                max_age_days,
            } => (
                "工資中位數表已過時".to_owned(),
                match (latest, published_on) {
                    (Some(label), Some(on)) => format!(
                        "最新的工資中位數表（{label}）於 {on} 公布，已超過 {max_age_days} 日。請公布現行的工資表。"
                    ),
                    _ => "尚未公布任何工資中位數表。請公布現行的工資表。".to_owned(),
                },
            ),
        }
    }
}

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Every user of the employer (and its webhooks).
    Employer(EmployerId),
    /// One staff member, by token subject (the case's assignee).
    Staff(String),
    /// Every user of a staff role (administrators).
    Role(Role),
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub seq: i64,
    pub notice: Notice,
    pub recipient: Recipient,
    pub application_id: Option<ApplicationId>,
    pub worker_id: Option<Uuid>,
    pub occurred_on: NaiveDate,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    fn every_notice() -> Vec<Notice> {
        let reference = "ESLS-2026-000001".to_owned();
        let on: NaiveDate = "2026-03-16".parse().unwrap();
        vec![
            Notice::InformationRequested {
                reference: reference.clone(),
                due_on: on,
            },
            Notice::InformationReminder {
                reference: reference.clone(),
                due_on: on,
                reminder: 1,
                of: 2,
                closes_on: on,
            },
            Notice::ClosedNoResponse {
                reference: reference.clone(),
            },
            Notice::InformationAnswered {
                reference: reference.clone(),
            },
            Notice::RecruitmentPeriodEnded {
                reference: reference.clone(),
                ended_on: on,
            },
            Notice::Decision {
                reference: reference.clone(),
                outcome: "APPROVED".into(),
                places: 2,
            },
            Notice::AipDeadlineApproaching {
                reference: reference.clone(),
                deadline: on,
                unfilled_places: 1,
            },
            Notice::PlaceLapsed {
                reference: reference.clone(),
                place_no: 1,
                deadline: on,
            },
            Notice::ApprovalClosed {
                reference: reference.clone(),
                status: "LAPSED".into(),
            },
            Notice::BriefingOverdue {
                reference: reference.clone(),
                worker_id: Uuid::nil(),
                due_on: on,
            },
            Notice::ContractEnding {
                reference: reference.clone(),
                worker_id: Uuid::nil(),
                ends_on: on,
            },
            Notice::SlaBreached {
                reference: reference.clone(),
                due_on: on,
            },
            Notice::ConsultationToWorkingGroup {
                reference: reference.clone(),
            },
            Notice::DisplacementReview {
                employer: "Acme Catering Ltd".into(),
                relied_on: 20,
                now: 15,
            },
            Notice::CaseAssigned {
                reference,
                by: "lead".into(),
            },
            Notice::WageTableStale {
                latest: None,
                published_on: None,
                max_age_days: 200,
            },
        ]
    }

    #[test]
    fn every_notice_reads_in_both_languages_and_names_its_case() {
        for notice in every_notice() {
            let en = notice.text(Language::En);
            let zh = notice.text(Language::ZhHk);
            assert_ne!(en, zh, "{}", notice.kind());
            assert!(
                zh.body.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}",
                notice.kind()
            );
            assert!(
                !en.body.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}",
                notice.kind()
            );
            if let Notice::WageTableStale { .. } | Notice::DisplacementReview { .. } = notice {
                continue;
            }
            assert!(en.title.contains("ESLS-2026-000001") && zh.body.contains("ESLS-2026-000001"));
        }
    }

    #[test]
    fn a_notice_round_trips_through_its_stored_form_under_its_kind() {
        for notice in every_notice() {
            let stored = serde_json::to_value(&notice).unwrap();
            assert_eq!(stored["kind"], notice.kind());
            assert_eq!(serde_json::from_value::<Notice>(stored).unwrap(), notice);
        }
    }

    #[test]
    fn language_tags_map_to_english_or_traditional_chinese() {
        for (tag, language) in [
            ("en", Some(Language::En)),
            ("en-GB", Some(Language::En)),
            ("zh-HK", Some(Language::ZhHk)),
            ("zh-Hant-HK", Some(Language::ZhHk)),
            ("zh-TW", Some(Language::ZhHk)),
            ("zh", Some(Language::ZhHk)),
            ("yue", Some(Language::ZhHk)),
            ("zh-CN", None),
            ("zh-Hans", None),
            ("fr", None),
            ("*", None),
        ] {
            assert_eq!(Language::from_tag(tag), language, "{tag}");
        }
        for language in Language::VARIANTS {
            assert_eq!(Language::from_tag(language.as_str()), Some(*language));
        }
    }
}
