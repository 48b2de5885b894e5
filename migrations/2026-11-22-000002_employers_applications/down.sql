DROP TABLE vacancies;
DROP TABLE applications;
DROP SEQUENCE application_reference_seq;
DROP TABLE employers;
