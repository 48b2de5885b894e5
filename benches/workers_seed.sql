-- An active approval of :n places, every worker arrived under a 24-month contract with the levy paid,
-- for scripts/bench-workers. Variables: employer (uuid), app (uuid), vac (uuid), n (places).
BEGIN;
INSERT INTO applications (id, employer_id, status, justification, created_by, submitted_at, submitted_on,
                          decided_on, recommended_by, decided_by, application_type)
VALUES (:'app', :'employer', 'ACTIVE', 'Bench', 'bench', now(), current_date - 90, current_date - 40,
        'bench-cw', 'bench-ap', 'NEW');
INSERT INTO vacancies (id, application_id, position, post_title, workers_requested, monthly_wage_hkd,
                       normal_daily_hours, duties, workplace_addresses, post_code, industry_sector, places_approved)
VALUES (:'vac', :'app', 0, 'Dishwasher', :n, 14000, 10, 'Wash', ARRAY['1 Bench Road'], 'DISHWASHER', 'CATERING', :n);
INSERT INTO worker_places (id, application_id, vacancy_id, employer_id, place_no, aip_deadline, status)
SELECT gen_random_uuid(), :'app', :'vac', :'employer', g, current_date + 50, 'ARRIVED'
FROM generate_series(1, :n) g;
INSERT INTO workers (id, place_id, application_id, employer_id, full_name, travel_document_hmac,
                     travel_document_last4, nationality, mainland_resident, date_of_birth, visa_applied_on,
                     visa_issued_on, visa_number, arrived_on, arrival_port, briefing_due_on, named_by, checks)
SELECT gen_random_uuid(), p.id, :'app', :'employer', 'Worker ' || p.place_no, md5(p.id::text) || md5(p.place_no::text),
       lpad(p.place_no::text, 4, '0'), 'PHL', false, '1990-01-01', current_date - 80, current_date - 75,
       'V' || p.place_no, current_date - 70, 'HKIA', current_date - 14, 'bench', '[]'
FROM worker_places p WHERE p.application_id = :'app';
INSERT INTO employment_contracts (worker_id, template_version, signed_on, post_code, monthly_wage_hkd,
                                  normal_daily_hours, overtime_terms, starts_on, ends_on, contract_months,
                                  accommodation, accommodation_address, accommodation_deduction_hkd,
                                  autopay_account_ref, levy_rate_hkd, levy_amount_hkd, checks, recorded_by)
SELECT w.id, 'ESLS-SEC', current_date - 85, 'DISHWASHER', 14000, 10, '1.5x', current_date - 69,
       (current_date - 69 + interval '2 years' - interval '1 day')::date, 24, 'HK', '1 Bench Road', 1000,
       'AP-' || w.id, 400, 9600, '[]', 'bench'
FROM workers w WHERE w.application_id = :'app';
INSERT INTO levy_payments (id, worker_id, contract_months, rate_hkd, amount_hkd, paid_on, receipt_ref, recorded_by)
SELECT gen_random_uuid(), w.id, 24, 400, 9600, current_date - 76, 'ERL-' || w.id, 'bench'
FROM workers w WHERE w.application_id = :'app';
INSERT INTO wage_payments (id, worker_id, wage_month, gross_hkd, deductions, net_hkd, autopay_ref, paid_on,
                           expected_hkd, flags, recorded_by)
SELECT gen_random_uuid(), w.id, date_trunc('month', current_date - 69)::date, 14000, '[]', 14000, 'AP', current_date - 40,
       14000, '[]', 'bench'
FROM workers w WHERE w.application_id = :'app';
COMMIT;
