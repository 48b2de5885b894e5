ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application'));
DROP TABLE decision_records;
DROP TABLE sanctions;
DROP TABLE headcount_returns;
DROP TABLE job_fair_attendances;
DROP TABLE recruitment_referrals;
DROP TABLE recruitment_adverts;
DROP TABLE info_requests;
ALTER TABLE vacancies
    DROP CONSTRAINT benchmark_has_source,
    DROP COLUMN places_approved,
    DROP COLUMN job_fair_required,
    DROP COLUMN recruitment_ends_on,
    DROP COLUMN recruitment_starts_on,
    DROP COLUMN recruitment_days,
    DROP COLUMN benchmark_source,
    DROP COLUMN benchmark_median_hkd,
    DROP COLUMN median_at_decision_hkd,
    DROP COLUMN wage_table_id_at_decision,
    DROP COLUMN median_at_submission_hkd,
    DROP COLUMN wage_table_id_at_submission,
    DROP COLUMN industry_sector,
    DROP COLUMN post_code;
DROP INDEX applications_employer_submitted_idx;
ALTER TABLE applications
    DROP CONSTRAINT recommender_is_not_decider,
    DROP COLUMN decided_on,
    DROP COLUMN decided_by,
    DROP COLUMN recommended_by,
    DROP COLUMN screened_in_on,
    DROP COLUMN submitted_on,
    DROP COLUMN application_type;
DROP TABLE wage_table_rows;
DROP TABLE wage_tables;
DROP TABLE policy_values;
DROP FUNCTION reject_history_change();
