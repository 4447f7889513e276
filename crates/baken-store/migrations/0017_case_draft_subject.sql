-- Who a practice case drafted from a dossier is about (adult, minor or unknown): the
-- engine reads indicators differently for minors, so the expected answer depends on it.
-- Drafts made before this column were read as about adults.
ALTER TABLE case_drafts ADD COLUMN subject TEXT NOT NULL DEFAULT 'adult';
