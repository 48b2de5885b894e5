//! Which rules run when, and from what inputs.

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use crate::db::{Conn, applications, casework, wage_tables};
use crate::domain::application::{Application, StoredVacancy};
use crate::domain::policy::{PolicySet, keys};
use crate::domain::rules::decision::{Decision, decide};
use crate::domain::rules::eligibility::{self, SanctionBar};
use crate::domain::rules::ratio::{self, RatioScope};
use crate::domain::rules::recruitment::{self, InterviewOutcome, ReferralRecord};
use crate::domain::rules::wage::{self, WageBinding};
use crate::domain::rules::{RuleResult, WageTableRef};
use crate::domain::{ApplicationId, VacancyId};
use crate::error::ApiError;

fn category(v: &StoredVacancy) -> Option<&str> {
    v.vacancy.designated_category_code.as_deref()
}

/// R-ELIG-4, R-ELIG-3 per vacancy and R-APP-3, R-SAN-2 for the application, as on `on`.
pub async fn submission_checks(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    on: NaiveDate,
) -> Result<Vec<RuleResult>, ApiError> {
    let mut results = Vec::new();
    for v in &app.vacancies {
        let suspended = policy.get::<bool>(keys::DESIGNATED_EXCLUSION_SUSPENDED, category(v), on)?;
        results.push(
            eligibility::designated_category(&eligibility::DesignatedCategoryInput {
                category: category(v).map(str::to_owned),
                submission_date: on,
                exclusion_suspended: suspended.value,
            })
            .with_provenance(Some(v.id.0), vec![suspended.source], vec![]),
        );
        let excluded = policy.get::<Vec<String>>(keys::EXCLUDED_SECTORS, category(v), on)?;
        results.push(
            eligibility::excluded_sector(&eligibility::ExcludedSectorInput {
                sector: v.vacancy.industry_sector.clone(),
                excluded_sectors: excluded.value,
            })
            .with_provenance(Some(v.id.0), vec![excluded.source], vec![]),
        );
    }
    let months = policy.get::<u32>(keys::COOLDOWN_MONTHS, None, on)?;
    let exempt = policy.get::<Vec<String>>(keys::COOLDOWN_EXEMPT_TYPES, None, on)?;
    let previous = applications::last_submission_on(conn, app.employer_id, app.id).await?;
    results.push(
        eligibility::cooldown(&eligibility::CooldownInput {
            application_type: app.application_type.as_str().to_owned(),
            submission_date: on,
            previous_submission_date: previous,
            cooldown_months: months.value,
            exempt_types: exempt.value,
        })
        .with_provenance(None, vec![months.source, exempt.source], vec![]),
    );
    let bars = casework::sanctions_of(conn, app.employer_id)
        .await?
        .into_iter()
        .map(|s| SanctionBar {
            bar_from: s.bar_from,
            bar_until: s.bar_until,
        })
        .collect();
    results.push(eligibility::sanction_bar(&eligibility::SanctionBarInput {
        submission_date: on,
        bars,
    }));
    Ok(results)
}

/// The median for each vacancy's post in the table in force on `on` (common posts only).
pub async fn medians_on(
    conn: &mut Conn,
    app: &Application,
    on: NaiveDate,
) -> Result<Vec<(VacancyId, Option<WageTableRef>)>, ApiError> {
    let mut medians = Vec::new();
    for v in &app.vacancies {
        let found = match &v.vacancy.post_code {
            Some(code) => match wage_tables::lookup(conn, code, on).await? {
                Some((table, Some(row))) => Some(WageTableRef {
                    id: table.id,
                    version_label: table.version_label,
                    post_code: row.post_code,
                    median_monthly_wage_hkd: row.median_monthly_wage_hkd.unsigned_abs(),
                }),
                _ => None,
            },
            None => None,
        };
        medians.push((v.id, found));
    }
    Ok(medians)
}

/// The recruitment rules: period ended (R-REC-1) and outcomes recorded for every job seeker (R-REC-5),
/// which gate completing recruitment, plus fairness (R-REC-5), job fairs (R-REC-4) and unmet need (R-REC-7).
pub async fn recruitment_checks(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    today: NaiveDate,
) -> Result<Vec<RuleResult>, ApiError> {
    let records = casework::recruitment_of(conn, app.id).await?;
    let mut results = Vec::new();
    for v in &app.vacancies {
        let subject = Some(v.id.0);
        if let Some(ends) = v.progress.recruitment_ends_on {
            results.push(
                recruitment::period_ended(&recruitment::PeriodInput {
                    period_ends_on: ends,
                    today,
                })
                .with_provenance(subject, vec![], vec![]),
            );
        }
        let referrals: Vec<ReferralRecord> = records
            .referrals
            .iter()
            .filter(|r| r.vacancy_id == v.id.0)
            .map(|r| ReferralRecord {
                id: r.id,
                outcome: r
                    .outcome
                    .as_deref()
                    .and_then(|o| serde_json::from_value(Value::String(o.to_owned())).ok()),
                meets_requirements: r.meets_requirements,
            })
            .collect();
        let hired = referrals
            .iter()
            .filter(|r| r.outcome.is_some_and(InterviewOutcome::is_hire))
            .count();
        let input = recruitment::ReferralsInput { referrals };
        results.push(recruitment::outcomes_recorded(&input).with_provenance(subject, vec![], vec![]));
        results.push(recruitment::local_candidates_fairly_treated(&input).with_provenance(subject, vec![], vec![]));
        let submitted_on = app.submitted_on.unwrap_or(today);
        let required = policy.get::<bool>(keys::JOB_FAIR_WEEKLY_REQUIRED, category(v), submitted_on)?;
        let weeks = v.progress.recruitment_days.unwrap_or(0).div_ceil(7);
        let mut attended: Vec<u32> = records
            .job_fairs
            .iter()
            .filter(|j| j.vacancy_id == v.id.0 && j.attended)
            .map(|j| j.week_no.unsigned_abs())
            .collect();
        attended.sort_unstable();
        attended.dedup();
        results.push(
            recruitment::job_fairs_attended(&recruitment::JobFairInput {
                required: v.progress.job_fair_required.unwrap_or(required.value),
                weeks_in_period: weeks,
                attended_weeks: attended,
            })
            .with_provenance(subject, vec![required.source], vec![]),
        );
        results.push(
            recruitment::unmet_need(&recruitment::UnmetNeedInput {
                workers_requested: v.vacancy.workers_requested,
                locals_hired: u32::try_from(hired).unwrap_or(u32::MAX),
            })
            .with_provenance(subject, vec![], vec![]),
        );
    }
    Ok(results)
}

/// Everything the decision rests on, as on the decision date `today`: the recruitment rules, the
/// median wage (R-WAGE-1/3) and the ratio (R-RAT-1..3), and the decision they lead to.
pub async fn assessment(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    today: NaiveDate,
) -> Result<(Vec<RuleResult>, Decision, Vec<(VacancyId, Option<WageTableRef>)>), ApiError> {
    let mut results: Vec<RuleResult> = recruitment_checks(conn, policy, app, today)
        .await?
        .into_iter()
        .filter(|r| r.rule_id != recruitment::PERIOD_ENDED && r.rule_id != recruitment::OUTCOMES_RECORDED)
        .collect();

    // Median wage, bound as policy says (on the submission date for the policy itself).
    let submitted_on = app.submitted_on.unwrap_or(today);
    let binding = policy.get::<WageBinding>(keys::WAGE_BINDING, None, submitted_on)?;
    let at_decision = medians_on(conn, app, today).await?;
    for v in &app.vacancies {
        let decision_ref = at_decision
            .iter()
            .find(|(id, _)| *id == v.id)
            .and_then(|(_, m)| m.clone());
        let mut tables: Vec<WageTableRef> = table_ref(
            conn,
            v,
            v.progress.wage_table_id_at_submission,
            v.progress.median_at_submission_hkd,
        )
        .await?
        .into_iter()
        .collect();
        tables.extend(decision_ref.clone());
        results.push(
            wage::median_wage(&wage::MedianWageInput {
                offered_monthly_wage_hkd: v.vacancy.monthly_wage_hkd,
                binding: binding.value,
                median_at_submission_hkd: v.progress.median_at_submission_hkd,
                median_at_decision_hkd: decision_ref.map(|r| r.median_monthly_wage_hkd),
                benchmark_median_hkd: v.progress.benchmark_median_hkd,
                benchmark_source: v.progress.benchmark_source.clone(),
            })
            .with_provenance(Some(v.id.0), vec![binding.source.clone()], tables),
        );
    }

    // The ratio, on the decision date, against the latest headcount return.
    let headcount = casework::latest_headcount_return(conn, app.employer_id, today).await?;
    // Capacity already used: workers in post (the more of the return's count and the service's own
    // records) and places approved elsewhere still waiting for their worker.
    let in_use = super::places::in_use(conn, app.employer_id, Some(app.id), today).await?;
    let mut enterprise_used_here = 0u32;
    let mut post_used_here: Vec<(String, u32)> = Vec::new();
    for v in &app.vacancies {
        let unmet = results
            .iter()
            .find(|r| r.rule_id == recruitment::UNMET_NEED && r.subject == Some(v.id.0))
            .and_then(|r| r.output["unmet_need"].as_u64())
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0);
        let ratio_value = policy.get::<u32>(keys::RATIO_LOCAL_PER_IMPORTED, category(v), today)?;
        let scope = policy.get::<RatioScope>(keys::RATIO_SCOPE, category(v), today)?;
        let input = match (scope.value, category(v)) {
            (RatioScope::PerPost, Some(post)) => {
                let earlier_here = post_used_here.iter().find(|(p, _)| p == post).map_or(0, |(_, n)| *n);
                ratio::RatioInput {
                    scope: RatioScope::PerPost,
                    post: Some(post.to_owned()),
                    locals_per_imported: ratio_value.value,
                    full_time_locals: headcount.as_ref().map_or(0, |h| h.locals_in(post)),
                    imported_in_post: headcount
                        .as_ref()
                        .map_or(0, |h| h.imported_in(post))
                        .max(in_use.in_post(Some(post))),
                    places_already_approved: in_use.pending(Some(post)) + earlier_here,
                    places_requested: unmet,
                    headcount_return_id: headcount.as_ref().map(|h| h.id),
                }
            }
            _ => ratio::RatioInput {
                scope: RatioScope::Enterprise,
                post: None,
                locals_per_imported: ratio_value.value,
                full_time_locals: headcount.as_ref().map_or(0, |h| h.full_time_locals.unsigned_abs()),
                imported_in_post: headcount
                    .as_ref()
                    .map_or(0, |h| h.imported_workers.unsigned_abs())
                    .max(in_use.in_post(None)),
                places_already_approved: in_use.pending(None) + enterprise_used_here,
                places_requested: unmet,
                headcount_return_id: headcount.as_ref().map(|h| h.id),
            },
        };
        let places = ratio::places_allowed(&input);
        match &input.post {
            Some(post) => match post_used_here.iter_mut().find(|(p, _)| p == post) {
                Some((_, n)) => *n += places,
                None => post_used_here.push((post.clone(), places)),
            },
            None => enterprise_used_here += places,
        }
        results.push(ratio::ratio(&input).with_provenance(
            Some(v.id.0),
            vec![ratio_value.source, scope.source],
            vec![],
        ));
    }

    let requested: Vec<(Uuid, u32)> = app
        .vacancies
        .iter()
        .map(|v| (v.id.0, v.vacancy.workers_requested))
        .collect();
    let decision = decide(&results, &requested);
    Ok((results, decision, at_decision))
}

/// Keeps only failures, for a 422 that names every rule broken.
/// The wage-table version a stored median came from, for a rule's provenance.
async fn table_ref(
    conn: &mut Conn,
    v: &StoredVacancy,
    table: Option<uuid::Uuid>,
    median: Option<u32>,
) -> Result<Option<WageTableRef>, ApiError> {
    let (Some(id), Some(median), Some(post_code)) = (table, median, &v.vacancy.post_code) else {
        return Ok(None);
    };
    Ok(Some(WageTableRef {
        id,
        version_label: wage_tables::version_label(conn, id).await?,
        post_code: post_code.clone(),
        median_monthly_wage_hkd: median,
    }))
}

/// R-WAGE-1 for a Standard Employment Contract: its wage against the median that bound the approved
/// vacancy (the medians stored at submission and decision, bound as policy said on submission).
pub async fn contract_median(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    v: &StoredVacancy,
    contract_wage_hkd: u32,
) -> Result<RuleResult, ApiError> {
    let submitted_on = app.submitted_on.or(app.decided_on).unwrap_or_default();
    let binding = policy.get::<WageBinding>(keys::WAGE_BINDING, None, submitted_on)?;
    let p = &v.progress;
    let mut tables = Vec::new();
    for (table, median) in [
        (p.wage_table_id_at_submission, p.median_at_submission_hkd),
        (p.wage_table_id_at_decision, p.median_at_decision_hkd),
    ] {
        tables.extend(table_ref(conn, v, table, median).await?);
    }
    Ok(wage::median_wage(&wage::MedianWageInput {
        offered_monthly_wage_hkd: contract_wage_hkd,
        binding: binding.value,
        median_at_submission_hkd: p.median_at_submission_hkd,
        median_at_decision_hkd: p.median_at_decision_hkd,
        benchmark_median_hkd: p.benchmark_median_hkd,
        benchmark_source: p.benchmark_source.clone(),
    })
    .with_provenance(Some(v.id.0), vec![binding.source], tables))
}

pub fn failures(results: &[RuleResult]) -> Vec<&RuleResult> {
    results.iter().filter(|r| !r.passed()).collect()
}

/// A 422 naming the first failed rule and the reasons of all.
pub fn violation(failed: &[&RuleResult]) -> ApiError {
    let rule_id = failed.first().map_or_else(String::new, |r| r.rule_id.clone());
    let reason = failed
        .iter()
        .map(|r| format!("{}: {}", r.rule_id, r.reason))
        .collect::<Vec<_>>()
        .join(" ");
    ApiError::RuleViolation { rule_id, reason }
}

/// Loads the application again (after changes) for the response.
pub async fn reload(conn: &mut Conn, id: ApplicationId) -> Result<Application, ApiError> {
    Ok(applications::get(conn, id, None).await?)
}
