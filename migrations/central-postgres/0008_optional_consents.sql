-- Step 5's optional choices (the newsletter, the alert categories) are
-- recorded like the emergency consent (issue 15): the same change as
-- migrations/central-sqlite/0008.
ALTER TABLE consents ADD COLUMN purpose TEXT NOT NULL DEFAULT 'emergency'
    CHECK (purpose IN ('emergency', 'newsletter', 'categories'));
ALTER TABLE consents ADD COLUMN choices TEXT;
