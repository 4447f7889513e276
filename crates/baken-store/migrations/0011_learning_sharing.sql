-- Learning platform, part two: the learner's answer to a practice case (so the result
-- page can be shown again by GET after the POST that records it), regions, and the
-- knowledge-sharing space.

-- The learner's choices, "action|indicator,indicator" ('' for modules and old rows).
ALTER TABLE learning_progress ADD COLUMN answer TEXT NOT NULL DEFAULT '';

-- Which regional centre's region an organisation belongs to. A regional centre is the
-- region itself and needs no row; an organisation without a row belongs to no region.
CREATE TABLE region_members (
    org_id     TEXT PRIMARY KEY REFERENCES organisations (id),
    centre_id  TEXT NOT NULL REFERENCES organisations (id)
);

-- Posts of the knowledge-sharing space.
CREATE TABLE learning_posts (
    id                 TEXT PRIMARY KEY,
    -- the author's organisation; always allowed to read the post
    org_id             TEXT NOT NULL REFERENCES organisations (id),
    -- the regional centre whose region may read it too; NULL = the organisation only
    region_id          TEXT REFERENCES organisations (id),
    author_id          TEXT NOT NULL REFERENCES users (id),
    -- the author held the trainer role when posting ("answered by the trainer")
    author_is_trainer  BIGINT NOT NULL,
    -- experience | question | answer | bulletin | instrument
    kind               TEXT NOT NULL,
    -- the question an answer belongs to
    parent_id          TEXT REFERENCES learning_posts (id),
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    link               TEXT NOT NULL,
    -- the author confirmed publishing despite the personal-data checker's warnings
    privacy_override   BIGINT NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE INDEX learning_posts_org ON learning_posts (org_id, created_at);
CREATE INDEX learning_posts_region ON learning_posts (region_id, created_at);
CREATE INDEX learning_posts_parent ON learning_posts (parent_id);
