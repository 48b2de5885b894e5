-- Dates the statistics count by (LegCo paper para. 22): when recruitment was completed, and when a
-- case ended (any terminal status: refused, withdrawn, screened out, terminated, closed, ...).
ALTER TABLE applications
    ADD COLUMN recruitment_completed_on date,
    ADD COLUMN closed_on date;
CREATE INDEX applications_submitted_on_idx ON applications (submitted_on);
