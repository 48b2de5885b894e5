-- The statements GET /v1/applications/{id} sends (read scoped to the caller; vacancies), in one round
-- trip each, as diesel sends them. :id is set with -D id=<uuid>.
SELECT id, reference, employer_id, status, justification, version, created_by, created_at, updated_at,
       submitted_at, application_type, submitted_on, screened_in_on, recommended_by, decided_by, decided_on
  FROM applications WHERE id = :id::uuid AND (employer_id = '00000000-0000-0000-0000-000000000000' OR true) LIMIT 1;
SELECT * FROM vacancies WHERE application_id = ANY (ARRAY[:id::uuid]) ORDER BY application_id, position;
