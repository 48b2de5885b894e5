//! Which rules run when, and from what inputs: each function gathers a rule's inputs from storage and
//! policy, runs the pure rules of `domain::rules`, and returns their results with provenance.

use chrono::NaiveDate;
use uuid::Uuid;

use super::error::Result;
use super::ratio::{self, Leaving};
use crate::db::{Conn, applications, casework, wage_tables};
use crate::domain::application::{Application, StoredVacancy};
use crate::domain::policy::{PolicySet, keys};
use crate::domain::rules::decision::{Decision, RecruitmentConduct, VacancyAssessment, decide};
use crate::domain::rules::eligibility::{self, SanctionBar};
use crate::domain::rules::ratio::Counted;
use crate::domain::rules::recruitment::{self, InterviewOutcome, ReferralRecord};
use crate::domain::rules::wage::{self, WageBinding};
use crate::domain::rules::{RuleResult, WageTableRef};
use crate::domain::{ApplicationId, VacancyId};

fn category(v: &StoredVacancy) -> Option<&str> {
    v.vacancy.designated_category_code.as_deref()
}

/// R-ELIG-4, R-ELIG-3 per vacancy and R-APP-3, R-SAN-2 for the application, as on `on`. The last two
/// read the employer's other cases: run them under the employer's lock when the answer is acted on.
pub async fn submission_checks(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    on: NaiveDate,
) -> Result<Vec<RuleResult>> {
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
) -> Result<Vec<(VacancyId, Option<WageTableRef>)>> {
    let mut medians = Vec::new();
    for v in &app.vacancies {
        let found = match &v.vacancy.post_code {
            Some(code) => match wage_tables::lookup(conn, code, on).await? {
                Some((table, Some(row))) => Some(WageTableRef {
                    id: table.id,
                    version_label: table.version_label,
                    post_code: row.post_code,
                    median_monthly_wage_hkd: row.median_monthly_wage_hkd,
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
/// which gate completing recruitment, plus fairness (R-REC-5), job fairs (R-REC-4) and unmet need
/// (R-REC-7). Each vacancy's unmet need comes back with the results.
pub async fn recruitment_checks(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    today: NaiveDate,
) -> Result<(Vec<RuleResult>, Vec<(VacancyId, u32)>)> {
    let records = casework::recruitment_of(conn, app.id).await?;
    let mut results = Vec::new();
    let mut unmet = Vec::new();
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
            .filter(|r| r.vacancy_id == v.id)
            .map(|r| ReferralRecord {
                id: r.id,
                outcome: r.outcome,
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
            .filter(|j| j.vacancy_id == v.id && j.attended)
            .map(|j| j.week_no)
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
        let need = recruitment::UnmetNeedInput {
            workers_requested: v.vacancy.workers_requested,
            locals_hired: u32::try_from(hired).unwrap_or(u32::MAX),
        };
        unmet.push((v.id, recruitment::unmet(&need)));
        results.push(recruitment::unmet_need(&need).with_provenance(subject, vec![], vec![]));
    }
    Ok((results, unmet))
}

/// Everything the decision rests on, as on the decision date `today`.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The recruitment rules, the median wage (R-WAGE-1/3) and the ratio (R-RAT-1..3) per vacancy.
    pub results: Vec<RuleResult>,
    /// The decision they lead to.
    pub decision: Decision,
    /// The median in force on the decision date, per vacancy.
    pub medians_at_decision: Vec<(VacancyId, Option<WageTableRef>)>,
}

/// The assessment of `app` on `today`. The ratio reads across the employer's cases: run it under the
/// employer's lock when the decision is acted on.
pub async fn assessment(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    today: NaiveDate,
) -> Result<Assessment> {
    let (recruitment, unmet) = recruitment_checks(conn, policy, app, today).await?;
    let conduct = RecruitmentConduct {
        qualified_local_refused: recruitment
            .iter()
            .any(|r| r.rule_id == recruitment::LOCAL_CANDIDATES && !r.passed()),
        job_fair_missed: recruitment
            .iter()
            .any(|r| r.rule_id == recruitment::JOB_FAIRS && !r.passed()),
    };
    let mut results: Vec<RuleResult> = recruitment
        .into_iter()
        .filter(|r| r.rule_id != recruitment::PERIOD_ENDED && r.rule_id != recruitment::OUTCOMES_RECORDED)
        .collect();

    // Median wage, bound as policy says (on the submission date for the policy itself).
    let submitted_on = app.submitted_on.unwrap_or(today);
    let binding = policy.get::<WageBinding>(keys::WAGE_BINDING, None, submitted_on)?;
    let medians_at_decision = medians_on(conn, app, today).await?;
    let mut wage_met: Vec<(VacancyId, bool)> = Vec::new();
    for v in &app.vacancies {
        let at_decision = medians_at_decision
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
        tables.extend(at_decision.clone());
        let result = wage::median_wage(&wage::MedianWageInput {
            offered_monthly_wage_hkd: v.vacancy.monthly_wage_hkd,
            binding: binding.value,
            median_at_submission_hkd: v.progress.median_at_submission_hkd,
            median_at_decision_hkd: at_decision.map(|r| r.median_monthly_wage_hkd),
            benchmark_median_hkd: v.progress.benchmark_median_hkd,
            benchmark_source: v.progress.benchmark_source.clone(),
        })
        .with_provenance(Some(v.id.0), vec![binding.source.clone()], tables);
        wage_met.push((v.id, result.passed()));
        results.push(result);
    }

    // The ratio, on the decision date, against the latest headcount return; the case's own places (none
    // before it is decided) are what the decision grants. Earlier vacancies of this decision use
    // capacity before later ones of the same scope.
    let counts = ratio::counts(conn, app.employer_id, Leaving::Application(app.id), today).await?;
    let mut taken: Vec<(Counted, u32)> = Vec::new();
    let mut assessed = Vec::new();
    for v in &app.vacancies {
        let scoped = ratio::scope_for(policy, category(v), today)?;
        let need = unmet.iter().find(|(id, _)| *id == v.id).map_or(0, |(_, n)| *n);
        let taken_now = taken.iter().find(|(c, _)| *c == scoped.counted).map_or(0, |(_, n)| *n);
        let input = counts.input(&scoped.counted, scoped.locals_per_imported, need, taken_now);
        let places = crate::domain::rules::ratio::places_allowed(&input);
        match taken.iter_mut().find(|(c, _)| *c == scoped.counted) {
            Some((_, n)) => *n += places,
            None => taken.push((scoped.counted.clone(), places)),
        }
        results.push(crate::domain::rules::ratio::ratio(&input).with_provenance(Some(v.id.0), scoped.sources, vec![]));
        assessed.push(VacancyAssessment {
            vacancy_id: v.id.0,
            requested: v.vacancy.workers_requested,
            unmet_need: need,
            ratio_places: places,
            wage_met: wage_met.iter().any(|(id, met)| *id == v.id && *met),
        });
    }
    Ok(Assessment {
        results,
        decision: decide(&assessed, conduct),
        medians_at_decision,
    })
}

/// The wage-table version a stored median came from, for a rule's provenance.
async fn table_ref(
    conn: &mut Conn,
    v: &StoredVacancy,
    table: Option<Uuid>,
    median: Option<u32>,
) -> Result<Option<WageTableRef>> {
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
) -> Result<RuleResult> {
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

/// The case again, after a change, for the reply.
pub async fn reload(conn: &mut Conn, id: ApplicationId) -> Result<Application> {
    Ok(applications::get(conn, id, None).await?)
}
