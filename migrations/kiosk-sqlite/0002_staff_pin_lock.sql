-- Staff mode's PIN lock, kept with the queue so that restarting the kiosk
-- gives no new tries. At most one row. Times are Unix milliseconds (UTC).
CREATE TABLE staff_pin_lock (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    failures      INTEGER NOT NULL,  -- wrong PINs in a row since the last lock or right PIN
    locks         INTEGER NOT NULL,  -- locks since the last right PIN: the next one lasts longer
    locked_until  INTEGER            -- every PIN is refused until then
);

