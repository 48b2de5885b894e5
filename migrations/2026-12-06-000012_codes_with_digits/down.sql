ALTER TABLE vacancies DROP CONSTRAINT vacancies_industry_sector_check;
ALTER TABLE vacancies ADD CONSTRAINT vacancies_industry_sector_check
    CHECK (industry_sector ~ '^[A-Z][A-Z_]*$');
