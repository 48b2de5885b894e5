-- A vacancy's industry sector is a code as the API defines every code (`^[A-Z][A-Z0-9_]*$`, at most 50
-- characters, as post codes already are); the first check left digits out, so a code the API accepted
-- was refused here.
ALTER TABLE vacancies DROP CONSTRAINT vacancies_industry_sector_check;
ALTER TABLE vacancies ADD CONSTRAINT vacancies_industry_sector_check
    CHECK (industry_sector ~ '^[A-Z][A-Z0-9_]*$' AND length(industry_sector) <= 50);
