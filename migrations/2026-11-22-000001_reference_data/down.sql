DROP TABLE job_categories;
