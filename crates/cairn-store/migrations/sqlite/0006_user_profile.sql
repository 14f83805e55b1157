-- Profile fields a user changes with `updateUser`: a picture URL and the
-- entity runs go to when the client names none. The default entity only
-- counts while the user is still a member of it (readers check).
ALTER TABLE users ADD COLUMN photo_url TEXT;
ALTER TABLE users ADD COLUMN default_entity_id INTEGER REFERENCES entities(id) ON DELETE SET NULL;
