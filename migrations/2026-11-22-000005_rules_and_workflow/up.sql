-- The ESLS rules as data, and the records the workflow needs (domain.md §4-§7, §9).

-- Rows of history tables are never edited or deleted: corrections are new rows.
CREATE FUNCTION reject_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Effective-dated policy values. A value is in force from effective_from until effective_to (exclusive)
-- or until superseded by a later row of the same key and scope; a scoped row beats the default.
CREATE TABLE policy_values (
    id              uuid PRIMARY KEY,
    version         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    key             text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]*$'),
    -- A designated category code (e.g. WAITER) the value applies to; NULL: every post.
    scope           text CHECK (scope ~ '^[A-Z][A-Z_]*$'),
    value           jsonb NOT NULL,
    effective_from  date NOT NULL,
    effective_to    date CHECK (effective_to > effective_from),
    confidence      text NOT NULL CHECK (confidence IN ('firm', 'likely', 'assumption')),
    source_note     text NOT NULL CHECK (length(source_note) BETWEEN 1 AND 1000),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX policy_values_key_idx ON policy_values (key, scope, effective_from);
CREATE TRIGGER policy_values_history BEFORE UPDATE OR DELETE ON policy_values
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();
CREATE TRIGGER policy_values_history_truncate BEFORE TRUNCATE ON policy_values
    FOR EACH STATEMENT EXECUTE FUNCTION reject_history_change();

INSERT INTO policy_values (id, key, scope, value, effective_from, effective_to, confidence, source_note, created_by) VALUES
 (gen_random_uuid(), 'designated_exclusion_suspended', NULL, 'false', '1996-02-01', NULL, 'firm', 'SLS: the 26 designated job categories are normally excluded from importation', 'migration'),
 (gen_random_uuid(), 'designated_exclusion_suspended', NULL, 'true', '2023-09-04', NULL, 'firm', 'ESLS suspends the exclusion from 2023-09-04 (two years, continued pending the 2026 review)', 'migration'),
 (gen_random_uuid(), 'excluded_sectors', NULL, '["RESIDENTIAL_CARE_HOME", "CONSTRUCTION", "AVIATION", "PUBLIC_LIGHT_BUS", "COACH"]', '2023-09-04', NULL, 'firm', 'R-ELIG-3: sectors covered by the RCH care-worker, construction and transport schemes', 'migration'),
 (gen_random_uuid(), 'recruitment_days', NULL, '28', '2023-09-04', NULL, 'firm', 'R-REC-1: four weeks of local recruitment', 'migration'),
 (gen_random_uuid(), 'recruitment_days', 'WAITER', '42', '2025-09-18', NULL, 'firm', 'R-REC-1: six weeks for waiters on applications submitted from 2025-09-18', 'migration'),
 (gen_random_uuid(), 'recruitment_days', 'JUNIOR_COOK', '42', '2025-09-18', NULL, 'firm', 'R-REC-1: six weeks for junior cooks on applications submitted from 2025-09-18', 'migration'),
 (gen_random_uuid(), 'job_fair_weekly_required', NULL, 'false', '2023-09-04', NULL, 'firm', 'R-REC-4: no job-fair duty by default', 'migration'),
 (gen_random_uuid(), 'job_fair_weekly_required', 'WAITER', 'true', '2025-09-10', NULL, 'firm', 'R-REC-4: weekly on-site job fair for waiter applications from 2025-09-10', 'migration'),
 (gen_random_uuid(), 'job_fair_weekly_required', 'JUNIOR_COOK', 'true', '2025-09-10', NULL, 'firm', 'R-REC-4: weekly on-site job fair for junior cook applications from 2025-09-10', 'migration'),
 (gen_random_uuid(), 'newspaper_ads_required', NULL, '{"ads": 4, "papers": 2}', '2023-09-04', NULL, 'likely', 'R-REC-3: 4 insertions in at least 2 local newspapers, as reported at launch', 'migration'),
 (gen_random_uuid(), 'ratio_local_per_imported', NULL, '2', '2023-09-04', NULL, 'firm', 'R-RAT-1: full-time locals : imported workers >= 2 : 1', 'migration'),
 (gen_random_uuid(), 'ratio_scope', NULL, '"ENTERPRISE"', '2023-09-04', NULL, 'firm', 'R-RAT-2: counted across the enterprise', 'migration'),
 (gen_random_uuid(), 'ratio_scope', 'WAITER', '"PER_POST"', '2025-09-18', NULL, 'firm', 'R-RAT-3: counted per post for waiters from 2025-09-18', 'migration'),
 (gen_random_uuid(), 'ratio_scope', 'JUNIOR_COOK', '"PER_POST"', '2025-09-18', NULL, 'firm', 'R-RAT-3: counted per post for junior cooks from 2025-09-18', 'migration'),
 (gen_random_uuid(), 'ft_hours_threshold', NULL, '35', '2023-09-04', NULL, 'likely', 'R-RAT-4: full-time means at least 35 hours a week', 'migration'),
 (gen_random_uuid(), 'cooldown_months', NULL, '0', '2023-09-04', NULL, 'firm', 'No bar on repeat applications before 2025-06-17', 'migration'),
 (gen_random_uuid(), 'cooldown_months', NULL, '6', '2025-06-17', NULL, 'firm', 'R-APP-3: six-month bar after each application from 2025-06-17', 'migration'),
 (gen_random_uuid(), 'cooldown_exempt_types', NULL, '["RENEWAL"]', '2023-09-04', NULL, 'firm', 'R-APP-3: contract renewals are exempt', 'migration'),
 (gen_random_uuid(), 'processing_target_days', NULL, '90', '2023-09-04', NULL, 'firm', 'Processing target: 3 months (a target, not a deadline)', 'migration'),
 (gen_random_uuid(), 'aip_visa_deadline_months', NULL, '3', '2023-09-04', NULL, 'assumption', 'R-DEC-2: AIP deadline for visa applications (not published)', 'migration'),
 (gen_random_uuid(), 'max_contract_months', NULL, '24', '2023-09-04', NULL, 'firm', 'R-CON-1: contract term at most 24 months', 'migration'),
 (gen_random_uuid(), 'erl_monthly_rate_hkd', NULL, '400', '1996-02-01', NULL, 'firm', 'R-LEVY-1: Employees Retraining Levy HK$400 per worker per month', 'migration'),
 (gen_random_uuid(), 'erl_monthly_rate_hkd', NULL, '0', '2008-08-01', '2013-08-01', 'firm', 'R-LEVY-1: levy suspended 2008-08-01 to 2013-07-31', 'migration'),
 (gen_random_uuid(), 'erl_monthly_rate_hkd', NULL, '400', '2013-08-01', NULL, 'firm', 'R-LEVY-1: levy resumed', 'migration'),
 (gen_random_uuid(), 'briefing_due_days_after_arrival', NULL, '56', '2023-09-04', NULL, 'firm', 'R-BRF-1: briefing within 8 weeks of arrival', 'migration'),
 (gen_random_uuid(), 'accommodation_deduction_cap', NULL, '{"percent_of_wage": 10, "or_actual_cost": true}', '2023-09-04', NULL, 'likely', 'R-WAGE-5: lesser of 10% of wages or actual cost', 'migration'),
 (gen_random_uuid(), 'max_daily_hours_incl_ot', NULL, '12', '2023-09-04', NULL, 'likely', 'R-CON-2: at most 12 working hours in 24, overtime included', 'migration'),
 (gen_random_uuid(), 'wage_binding', NULL, '"HIGHER_OF_SUBMISSION_AND_DECISION"', '2023-09-04', NULL, 'assumption', 'R-WAGE-3: the higher of the medians in force at submission and at decision binds', 'migration'),
 (gen_random_uuid(), 'lab_consultation_days', NULL, '10', '2023-09-04', NULL, 'assumption', 'R-LAB-2: consultation window in working days', 'migration'),
 (gen_random_uuid(), 'sanction_bar_months_options', NULL, '[12, 24]', '2023-09-04', NULL, 'firm', 'R-SAN-1: observed bar lengths', 'migration'),
 (gen_random_uuid(), 'rfi_due_days', NULL, '14', '2023-09-04', NULL, 'assumption', 'R-SCR-2: information requests are due in 14 days', 'migration');

-- Median monthly wage tables: versioned, immutable once published.
CREATE TABLE wage_tables (
    id                  uuid PRIMARY KEY,
    version_label       text NOT NULL UNIQUE CHECK (length(version_label) BETWEEN 1 AND 50),
    statistical_month   date CHECK (extract(day FROM statistical_month) = 1),
    published_on        date NOT NULL,
    effective_from      date NOT NULL,
    source_note         text NOT NULL CHECK (length(source_note) BETWEEN 1 AND 1000),
    -- Sample tables carry only the few figures published in the press; load the official table.
    is_sample           boolean NOT NULL DEFAULT false,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wage_tables_effective_idx ON wage_tables (effective_from DESC, created_at DESC);

CREATE TABLE wage_table_rows (
    table_id                uuid NOT NULL REFERENCES wage_tables (id),
    post_code               text NOT NULL CHECK (post_code ~ '^[A-Z][A-Z0-9_]*$'),
    title_en                text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 200),
    title_zh                text CHECK (length(title_zh) BETWEEN 1 AND 200),
    industry_section        text NOT NULL CHECK (length(industry_section) BETWEEN 1 AND 100),
    median_monthly_wage_hkd integer NOT NULL CHECK (median_monthly_wage_hkd > 0),
    normal_hours_per_day    double precision CHECK (normal_hours_per_day > 0 AND normal_hours_per_day <= 24),
    is_common_post          boolean NOT NULL,
    PRIMARY KEY (table_id, post_code)
);

CREATE TRIGGER wage_tables_history BEFORE UPDATE OR DELETE ON wage_tables
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();
CREATE TRIGGER wage_table_rows_history BEFORE UPDATE OR DELETE ON wage_table_rows
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();

INSERT INTO wage_tables (id, version_label, statistical_month, published_on, effective_from, source_note, is_sample, created_by) VALUES
 ('00000000-0000-4000-8000-000000002308', 'SAMPLE-2023-08', NULL, '2023-08-29', '2023-09-04',
  'SAMPLE, not the official table: only the two figures reported by Ta Kung Pao (29 Aug 2023) from the ESLS launch list; statistical month not stated. Load the official table before use.', true, 'migration'),
 ('00000000-0000-4000-8000-000000002505', 'SAMPLE-2025-05', NULL, '2025-05-01', '2025-05-01',
  'SAMPLE, not the official table: only the two figures reported by HK01 (8 Sep 2025) from the May 2025 List of Common Posts; statistical month and exact dates not stated. Load the official table before use.', true, 'migration');

INSERT INTO wage_table_rows (table_id, post_code, title_en, title_zh, industry_section, median_monthly_wage_hkd, normal_hours_per_day, is_common_post) VALUES
 ('00000000-0000-4000-8000-000000002308', 'IRONING_WORKER', 'Ironing Worker', '熨衫工', 'Not stated', 10270, NULL, true),
 ('00000000-0000-4000-8000-000000002308', 'MASON', 'Mason', '石工', 'Not stated', 26030, NULL, true),
 ('00000000-0000-4000-8000-000000002505', 'ASSISTANT_COOK', 'Assistant Cook', '助廚', 'Catering', 14250, NULL, true),
 ('00000000-0000-4000-8000-000000002505', 'TRAINEE_COOK', 'Trainee Cook', '見習廚師', 'Catering', 15730, NULL, true);

-- Applications: type, the dates rules bind to, and who recommended and decided.
ALTER TABLE applications
    ADD COLUMN application_type text NOT NULL DEFAULT 'NEW' CHECK (application_type IN ('NEW', 'RENEWAL')),
    -- Hong Kong calendar dates the rules bind to (from the service's clock).
    ADD COLUMN submitted_on date,
    ADD COLUMN screened_in_on date,
    ADD COLUMN recommended_by text,
    ADD COLUMN decided_by text,
    ADD COLUMN decided_on date,
    ADD CONSTRAINT recommender_is_not_decider CHECK (decided_by IS NULL OR decided_by <> recommended_by);
CREATE INDEX applications_employer_submitted_idx ON applications (employer_id, submitted_on);

-- Vacancies: the post's wage-table code and sector, the wage snapshots, recruitment and places.
ALTER TABLE vacancies
    ADD COLUMN post_code text CHECK (post_code ~ '^[A-Z][A-Z0-9_]*$'),
    ADD COLUMN industry_sector text NOT NULL DEFAULT 'OTHER' CHECK (industry_sector ~ '^[A-Z][A-Z_]*$'),
    ADD COLUMN wage_table_id_at_submission uuid REFERENCES wage_tables (id),
    ADD COLUMN median_at_submission_hkd integer,
    ADD COLUMN wage_table_id_at_decision uuid REFERENCES wage_tables (id),
    ADD COLUMN median_at_decision_hkd integer,
    ADD COLUMN benchmark_median_hkd integer CHECK (benchmark_median_hkd > 0),
    ADD COLUMN benchmark_source text CHECK (length(benchmark_source) BETWEEN 1 AND 500),
    ADD COLUMN recruitment_days integer CHECK (recruitment_days > 0),
    ADD COLUMN recruitment_starts_on date,
    ADD COLUMN recruitment_ends_on date,
    ADD COLUMN job_fair_required boolean,
    ADD COLUMN places_approved integer CHECK (places_approved >= 0),
    ADD CONSTRAINT benchmark_has_source CHECK ((benchmark_median_hkd IS NULL) = (benchmark_source IS NULL));

-- Requests for information (R-SCR-2); the SLA clock pauses while one is open.
CREATE TABLE info_requests (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id),
    message         text NOT NULL CHECK (length(message) BETWEEN 1 AND 5000),
    requested_on    date NOT NULL,
    due_on          date NOT NULL CHECK (due_on >= requested_on),
    requested_by    text NOT NULL,
    response        text CHECK (length(response) BETWEEN 1 AND 5000),
    responded_on    date CHECK (responded_on >= requested_on),
    responded_by    text,
    CHECK ((response IS NULL) = (responded_on IS NULL))
);
CREATE INDEX info_requests_application_idx ON info_requests (application_id, requested_on);

-- Local recruitment records (R-REC-3..5).
CREATE TABLE recruitment_adverts (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id),
    vacancy_id      uuid NOT NULL REFERENCES vacancies (id),
    newspaper       text NOT NULL CHECK (length(newspaper) BETWEEN 1 AND 200),
    published_on    date NOT NULL,
    reference       text CHECK (length(reference) BETWEEN 1 AND 500),
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recruitment_adverts_application_idx ON recruitment_adverts (application_id);

CREATE TABLE recruitment_referrals (
    id                  uuid PRIMARY KEY,
    application_id      uuid NOT NULL REFERENCES applications (id),
    vacancy_id          uuid NOT NULL REFERENCES vacancies (id),
    source              text NOT NULL CHECK (source IN ('REFERRAL', 'ADVERT', 'JOB_FAIR', 'DIRECT')),
    -- LD's reference for the job seeker: no names or identity numbers are kept here.
    job_seeker_ref      text NOT NULL CHECK (length(job_seeker_ref) BETWEEN 1 AND 100),
    referred_on         date NOT NULL,
    referred_by         text NOT NULL,
    outcome             text CHECK (outcome IN ('INTERVIEWED', 'NO_SHOW', 'OFFERED', 'ACCEPTED', 'DECLINED', 'REJECTED')),
    outcome_reason      text CHECK (length(outcome_reason) BETWEEN 1 AND 2000),
    meets_requirements  boolean,
    interview_on        date,
    outcome_recorded_by text,
    UNIQUE (vacancy_id, job_seeker_ref)
);
CREATE INDEX recruitment_referrals_application_idx ON recruitment_referrals (application_id);

CREATE TABLE job_fair_attendances (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id),
    vacancy_id      uuid NOT NULL REFERENCES vacancies (id),
    week_no         integer NOT NULL CHECK (week_no BETWEEN 1 AND 52),
    session_on      date NOT NULL,
    centre          text NOT NULL CHECK (length(centre) BETWEEN 1 AND 200),
    attended        boolean NOT NULL,
    recorded_by     text NOT NULL,
    UNIQUE (vacancy_id, week_no, session_on)
);

-- Headcount returns: full-time local staff (and imported workers) as of a date, in total and per post.
CREATE TABLE headcount_returns (
    id                          uuid PRIMARY KEY,
    employer_id                 uuid NOT NULL REFERENCES employers (id),
    as_of                       date NOT NULL,
    full_time_locals            integer NOT NULL CHECK (full_time_locals >= 0),
    full_time_locals_per_post   jsonb NOT NULL DEFAULT '{}',
    imported_workers            integer NOT NULL CHECK (imported_workers >= 0),
    imported_per_post           jsonb NOT NULL DEFAULT '{}',
    evidence_ref                text NOT NULL CHECK (length(evidence_ref) BETWEEN 1 AND 500),
    filed_by                    text NOT NULL,
    created_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX headcount_returns_employer_idx ON headcount_returns (employer_id, as_of DESC, created_at DESC);
CREATE TRIGGER headcount_returns_history BEFORE UPDATE OR DELETE ON headcount_returns
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();

-- Administrative sanctions barring new applications (R-SAN-1/2).
CREATE TABLE sanctions (
    id          uuid PRIMARY KEY,
    employer_id uuid NOT NULL REFERENCES employers (id),
    bar_from    date NOT NULL,
    bar_until   date NOT NULL CHECK (bar_until > bar_from),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    imposed_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sanctions_employer_idx ON sanctions (employer_id, bar_from);

-- Decision records: every rule evaluated, with inputs, policy rows and wage-table versions. Immutable.
CREATE TABLE decision_records (
    id              uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications (id),
    kind            text NOT NULL CHECK (kind IN ('SUBMISSION', 'RECRUITMENT', 'ASSESSMENT', 'DECISION')),
    evaluated_on    date NOT NULL,
    evaluated_by    text NOT NULL,
    outcome         text CHECK (outcome IN ('APPROVE', 'PARTIALLY_APPROVE', 'REFUSE')),
    reason_codes    text[] NOT NULL DEFAULT '{}',
    places          jsonb NOT NULL DEFAULT '[]',
    results         jsonb NOT NULL,
    recommended_by  text,
    decided_by      text,
    note            text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decision_records_application_idx ON decision_records (application_id, created_at);
CREATE TRIGGER decision_records_history BEFORE UPDATE OR DELETE ON decision_records
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();

-- The audit trail also records policy and wage-table publication.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application', 'policy', 'wage_table'));
