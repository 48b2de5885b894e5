-- Employers (applicants) and their applications (cases) with one or more vacancies (domain.md §4, R-APP-1).

CREATE TABLE employers (
    id                              uuid PRIMARY KEY,
    -- Hong Kong Business Registration number: the first 8 digits of the BR certificate number.
    business_registration_number    text NOT NULL UNIQUE CHECK (business_registration_number ~ '^[0-9]{8}$'),
    name_en                         text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    name_zh                         text CHECK (length(name_zh) BETWEEN 1 AND 200),
    business_address                text NOT NULL CHECK (length(business_address) BETWEEN 1 AND 500),
    version                         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at                      timestamptz NOT NULL DEFAULT now(),
    updated_at                      timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination walks (created_at, id) newest first.
CREATE INDEX employers_created_at_id_idx ON employers (created_at DESC, id DESC);

-- Human-facing case numbers, e.g. ESLS-2026-000042. The uuid stays the key; this is what people quote.
CREATE SEQUENCE application_reference_seq;

CREATE TABLE applications (
    id              uuid PRIMARY KEY,
    reference       text NOT NULL UNIQUE
                    DEFAULT 'ESLS-' || to_char(now() AT TIME ZONE 'Asia/Hong_Kong', 'YYYY') || '-'
                            || lpad(nextval('application_reference_seq')::text, 6, '0'),
    employer_id     uuid NOT NULL REFERENCES employers (id),
    -- The lifecycle of domain.md §4.1; only the Rust transition function decides a new value.
    status          text NOT NULL DEFAULT 'DRAFT' CHECK (status IN (
                        'DRAFT', 'SUBMITTED', 'INFO_REQUESTED', 'SCREENING', 'SCREENED_OUT',
                        'LOCAL_RECRUITMENT', 'RECRUITMENT_REVIEW', 'ASSESSMENT', 'LAB_CONSULTATION',
                        'DECISION_PENDING', 'APPROVED', 'PARTIALLY_APPROVED', 'REFUSED', 'ACTIVE',
                        'LAPSED', 'REVOKED', 'COMPLETED', 'WITHDRAWN', 'CLOSED_NO_RESPONSE',
                        'PROCESSING_TERMINATED')),
    justification   text NOT NULL CHECK (length(justification) BETWEEN 1 AND 5000),
    -- Optimistic concurrency: the ETag. Every edit and transition bumps it.
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    submitted_at    timestamptz,
    CHECK (status = 'DRAFT' OR status = 'WITHDRAWN' OR submitted_at IS NOT NULL)
);

CREATE INDEX applications_created_at_id_idx ON applications (created_at DESC, id DESC);
CREATE INDEX applications_employer_created_idx ON applications (employer_id, created_at DESC, id DESC);
CREATE INDEX applications_status_created_idx ON applications (status, created_at DESC, id DESC);

CREATE TABLE vacancies (
    id                          uuid PRIMARY KEY,
    application_id              uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- Order in which the employer listed the posts (0-based), stable across edits.
    position                    smallint NOT NULL CHECK (position >= 0),
    post_title                  text NOT NULL CHECK (length(post_title) BETWEEN 1 AND 200),
    designated_category_code    text REFERENCES job_categories (code),
    workers_requested           integer NOT NULL CHECK (workers_requested BETWEEN 1 AND 1000),
    monthly_wage_hkd            integer NOT NULL CHECK (monthly_wage_hkd BETWEEN 1 AND 1000000),
    normal_daily_hours          double precision NOT NULL CHECK (normal_daily_hours > 0 AND normal_daily_hours <= 24),
    duties                      text NOT NULL CHECK (length(duties) BETWEEN 1 AND 5000),
    entry_requirements          text CHECK (length(entry_requirements) BETWEEN 1 AND 2000),
    workplace_addresses         text[] NOT NULL CHECK (cardinality(workplace_addresses) BETWEEN 1 AND 20),
    UNIQUE (application_id, position)
);
