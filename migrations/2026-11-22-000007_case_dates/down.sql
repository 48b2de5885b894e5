DROP INDEX applications_submitted_on_idx;
ALTER TABLE applications DROP COLUMN closed_on, DROP COLUMN recruitment_completed_on;
