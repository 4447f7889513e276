-- The last TOTP time step (unix time / 30) a user's code was accepted for. A code is
-- accepted only for a later step, so a code seen over someone's shoulder or replayed
-- from a proxy log cannot be used again within its validity window.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
