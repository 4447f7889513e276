-- Referrals that reach a partner organisation using this Baken, with a snapshot of
-- exactly the data chosen, the partner's answers, and how a document was sent otherwise.

-- The Baken organisation a contact point belongs to, when that partner uses Baken.
ALTER TABLE contact_points ADD COLUMN partner_org_id TEXT;

-- The receiving organisation (NULL: the partner does not use Baken; a document is sent).
ALTER TABLE dossier_referrals ADD COLUMN partner_org_id TEXT;
-- The sending organisation, so the partner side never needs to read the dossier.
ALTER TABLE dossier_referrals ADD COLUMN org_id TEXT;
-- JSON: [{"category": "...", "lines": ["..."]}] of the chosen categories only, made at
-- referral time; later changes to the dossier never reach the partner.
ALTER TABLE dossier_referrals ADD COLUMN snapshot TEXT NOT NULL DEFAULT '[]';
-- sent, acknowledged, answered
ALTER TABLE dossier_referrals ADD COLUMN status TEXT NOT NULL DEFAULT 'sent';
ALTER TABLE dossier_referrals ADD COLUMN outcome_kind TEXT;
ALTER TABLE dossier_referrals ADD COLUMN outcome TEXT;
-- For a document: how (secure_email, post, by_hand, phone) and on which date it was sent.
ALTER TABLE dossier_referrals ADD COLUMN sent_channel TEXT;
ALTER TABLE dossier_referrals ADD COLUMN sent_on TEXT;
CREATE INDEX dossier_referrals_partner ON dossier_referrals (partner_org_id, created_at);

-- The conversation on a referral: acknowledged, question, reply, outcome, sent.
CREATE TABLE referral_messages (
    id           TEXT PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES dossier_referrals (id),
    at           BIGINT NOT NULL,
    author_id    TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE INDEX referral_messages_referral ON referral_messages (referral_id, at);
