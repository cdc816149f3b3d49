-- Optional alert categories ticked in step 5 (ids, comma-separated, in
-- the order given); emergencies and civil security are always on.
ALTER TABLE profiles ADD COLUMN categories TEXT NOT NULL DEFAULT '';
