-- After approval (domain.md §4.2, §5.8, §8): worker places, the workers named to them, their Standard
-- Employment Contracts, levy payments, briefings and wage payments.

INSERT INTO policy_values (id, key, scope, value, effective_from, effective_to, confidence, source_note, created_by) VALUES
 (gen_random_uuid(), 'inadmissible_nationalities', NULL, '["AFG", "CUB", "LAO", "PRK", "NPL", "VNM"]', '2023-09-04', NULL, 'firm', 'R-ELIG-5: nationals of Afghanistan, Cuba, Laos, DPRK, Nepal and Vietnam are not admissible (ISO 3166-1 alpha-3)', 'migration'),
 (gen_random_uuid(), 'wage_payment_due_days', NULL, '7', '2023-09-04', NULL, 'firm', 'R-CON-3: Employment Ordinance s.23, wages are paid within 7 days after the end of the wage period', 'migration');

-- One row per approved place, created when the application is approved. The stored status records
-- what happened; EXPIRED (AIP deadline passed with no visa application), EMPLOYED and CONTRACT_ENDED
-- (by the contract's dates) are derived when read, so no timer has to run for them to be true.
CREATE TABLE worker_places (
    id                  uuid PRIMARY KEY,
    application_id      uuid NOT NULL REFERENCES applications (id),
    vacancy_id          uuid NOT NULL REFERENCES vacancies (id),
    employer_id         uuid NOT NULL REFERENCES employers (id),
    place_no            integer NOT NULL CHECK (place_no >= 1),
    -- R-DEC-2: the visa application must be lodged by this date, or the place lapses.
    aip_deadline        date NOT NULL,
    -- The policy value (aip_visa_deadline_months) the deadline came from.
    aip_deadline_policy_id uuid REFERENCES policy_values (id),
    status              text NOT NULL DEFAULT 'ALLOCATED' CHECK (status IN
                            ('ALLOCATED', 'VISA_APPLIED', 'VISA_ISSUED', 'ARRIVED', 'CONTRACT_ENDED',
                             'TERMINATED_EARLY', 'REVOKED')),
    -- A sanction may let existing workers stay but forbid replacing leavers.
    replacement_allowed boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vacancy_id, place_no)
);
CREATE INDEX worker_places_application_idx ON worker_places (application_id);
CREATE INDEX worker_places_employer_idx ON worker_places (employer_id);

-- Places for approvals granted before this table existed (AIP deadline: the seeded 3 months).
INSERT INTO worker_places (id, application_id, vacancy_id, employer_id, place_no, aip_deadline)
SELECT gen_random_uuid(), a.id, v.id, a.employer_id, n, (a.decided_on + interval '3 months')::date
FROM applications a
JOIN vacancies v ON v.application_id = a.id
CROSS JOIN LATERAL generate_series(1, coalesce(v.places_approved, 0)) AS n
WHERE a.status IN ('APPROVED', 'PARTIALLY_APPROVED', 'ACTIVE') AND a.decided_on IS NOT NULL;

-- The worker named to a place. Personal data is minimised: the travel document number is kept only as
-- a keyed HMAC (to find the same document named twice) and its last four characters (to tell
-- documents apart when read); see docs/personal-data.md.
CREATE TABLE workers (
    id                      uuid PRIMARY KEY,
    place_id                uuid NOT NULL UNIQUE REFERENCES worker_places (id),
    application_id          uuid NOT NULL REFERENCES applications (id),
    employer_id             uuid NOT NULL REFERENCES employers (id),
    full_name               text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    travel_document_hmac    text NOT NULL CHECK (travel_document_hmac ~ '^[0-9a-f]{64}$'),
    travel_document_last4   text NOT NULL CHECK (length(travel_document_last4) BETWEEN 1 AND 4),
    nationality             text NOT NULL CHECK (nationality ~ '^[A-Z]{3}$'),
    mainland_resident       boolean NOT NULL,
    -- R-ELIG-6: the Mainland foreign labour service cooperation enterprise that recruited the worker.
    recruiting_enterprise   text CHECK (length(recruiting_enterprise) BETWEEN 1 AND 300),
    date_of_birth           date NOT NULL,
    -- R-ELIG-5/6 as evaluated when the worker was named, with their inputs and policy rows.
    checks                  jsonb NOT NULL,
    visa_applied_on         date,
    visa_issued_on          date CHECK (visa_issued_on >= visa_applied_on),
    visa_number             text CHECK (length(visa_number) BETWEEN 1 AND 50),
    arrived_on              date CHECK (arrived_on >= visa_issued_on),
    arrival_port            text CHECK (length(arrival_port) BETWEEN 1 AND 100),
    -- R-BRF-1: arrival + policy briefing_due_days_after_arrival, fixed when the arrival is recorded.
    briefing_due_on         date CHECK (briefing_due_on >= arrived_on),
    separated_on            date,
    separation_type         text CHECK (separation_type IN ('CONTRACT_ENDED', 'RESIGNATION', 'DISMISSAL', 'ABSCONDMENT')),
    departure_confirmed     boolean,
    named_by                text NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT mainland_resident OR recruiting_enterprise IS NOT NULL),
    CHECK ((separated_on IS NULL) = (separation_type IS NULL))
);
CREATE INDEX workers_application_idx ON workers (application_id);
CREATE INDEX workers_employer_idx ON workers (employer_id);
CREATE INDEX workers_travel_document_idx ON workers (travel_document_hmac);

-- The Standard Employment Contract as signed, with the rule results it passed and the levy it sets.
CREATE TABLE employment_contracts (
    worker_id                       uuid PRIMARY KEY REFERENCES workers (id),
    template_version                text NOT NULL CHECK (length(template_version) BETWEEN 1 AND 50),
    signed_on                       date NOT NULL,
    post_code                       text,
    monthly_wage_hkd                integer NOT NULL CHECK (monthly_wage_hkd > 0),
    normal_daily_hours              double precision NOT NULL CHECK (normal_daily_hours > 0 AND normal_daily_hours <= 24),
    overtime_terms                  text NOT NULL,
    starts_on                       date NOT NULL,
    ends_on                         date NOT NULL CHECK (ends_on >= starts_on),
    contract_months                 integer NOT NULL CHECK (contract_months >= 1),
    accommodation                   text NOT NULL CHECK (accommodation IN ('HK', 'MAINLAND_PROVIDED', 'OWN_MAINLAND_RESIDENCE')),
    accommodation_address           text,
    accommodation_deduction_hkd     integer NOT NULL CHECK (accommodation_deduction_hkd >= 0),
    accommodation_actual_cost_hkd   integer CHECK (accommodation_actual_cost_hkd >= 0),
    autopay_account_ref             text NOT NULL CHECK (length(autopay_account_ref) BETWEEN 1 AND 100),
    levy_rate_hkd                   integer NOT NULL CHECK (levy_rate_hkd >= 0),
    levy_amount_hkd                 integer NOT NULL CHECK (levy_amount_hkd >= 0),
    -- Every rule the contract was checked against, with inputs, policy rows and wage tables.
    checks                          jsonb NOT NULL,
    version                         integer NOT NULL DEFAULT 1,
    recorded_by                     text NOT NULL,
    recorded_at                     timestamptz NOT NULL DEFAULT now()
);

-- R-LEVY-1: paid once per worker, never refunded (no refund exists, and the row can never change).
CREATE TABLE levy_payments (
    id              uuid PRIMARY KEY,
    worker_id       uuid NOT NULL UNIQUE REFERENCES workers (id),
    contract_months integer NOT NULL CHECK (contract_months >= 1),
    rate_hkd        integer NOT NULL CHECK (rate_hkd >= 0),
    amount_hkd      integer NOT NULL CHECK (amount_hkd = rate_hkd * contract_months),
    paid_on         date NOT NULL,
    receipt_ref     text NOT NULL CHECK (length(receipt_ref) BETWEEN 1 AND 100),
    non_refundable  boolean NOT NULL DEFAULT true CHECK (non_refundable),
    recorded_by     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- R-BRF-1: each briefing session a worker was booked on, attended or not.
CREATE TABLE briefing_attendances (
    id                      uuid PRIMARY KEY,
    worker_id               uuid NOT NULL REFERENCES workers (id),
    session_ref             text NOT NULL CHECK (length(session_ref) BETWEEN 1 AND 100),
    session_on              date NOT NULL,
    attended                boolean NOT NULL,
    paid_leave_confirmed    boolean NOT NULL,
    recorded_by             text NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX briefing_attendances_worker_idx ON briefing_attendances (worker_id, session_on);

-- R-CON-3: autopay wage transfers per worker and month (arrears may follow in a later transfer), each
-- with the month's flags as of that transfer.
CREATE TABLE wage_payments (
    id              uuid PRIMARY KEY,
    worker_id       uuid NOT NULL REFERENCES workers (id),
    wage_month      date NOT NULL CHECK (extract(day FROM wage_month) = 1),
    gross_hkd       integer NOT NULL CHECK (gross_hkd >= 0),
    deductions      jsonb NOT NULL,
    net_hkd         integer NOT NULL CHECK (net_hkd >= 0),
    autopay_ref     text NOT NULL CHECK (length(autopay_ref) BETWEEN 1 AND 100),
    paid_on         date NOT NULL,
    expected_hkd    integer NOT NULL,
    flags           jsonb NOT NULL,
    recorded_by     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (worker_id, wage_month, autopay_ref)
);

-- Worker events join their case's history and hash chain.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_type_check
    CHECK (entity_type IN ('employer', 'application', 'policy', 'wage_table', 'worker'));

CREATE TRIGGER levy_payments_history BEFORE UPDATE OR DELETE ON levy_payments
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();
CREATE TRIGGER briefing_attendances_history BEFORE UPDATE OR DELETE ON briefing_attendances
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();
CREATE TRIGGER wage_payments_history BEFORE UPDATE OR DELETE ON wage_payments
    FOR EACH ROW EXECUTE FUNCTION reject_history_change();
REVOKE UPDATE, DELETE, TRUNCATE ON levy_payments, briefing_attendances, wage_payments FROM sls_app;
REVOKE DELETE, TRUNCATE ON worker_places, workers, employment_contracts FROM sls_app;
