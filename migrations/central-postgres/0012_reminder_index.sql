-- The same change as migrations/central-sqlite/0012.
-- The reminders' index held every confirmation by state, so a lookup of
-- `state = 'pending'` by anything else (the batch's numbers at ingest) could
-- be read through it, every pending confirmation each time, by a planner
-- without statistics (issue 18): PostgreSQL on a young table, 6 ms of a
-- 21 ms batch at 10,000 confirmations (`scripts/bench-sync.sh --engine
-- postgres`, statement log). It now holds only what the reminder
-- query looks for: pending confirmations not reminded yet, by due time.
DROP INDEX confirmations_remind;
CREATE INDEX confirmations_remind ON confirmations (remind_at)
    WHERE state = 'pending' AND reminded = 0;
