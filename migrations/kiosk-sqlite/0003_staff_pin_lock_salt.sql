-- The lock belongs to the PIN it counted tries against: the salt of the
-- configured hash (not secret, not the hash). A new staff PIN (a new hash
-- in BORNE_KIOSK_STAFF_PIN_HASH) starts with no lock, so a passer-by who
-- locked staff out is undone by the town's IT person setting a new PIN.
-- NULL (a lock from before this column): kept for any PIN.
ALTER TABLE staff_pin_lock ADD COLUMN pin_salt TEXT;
