-- Step 5's optional choices (the newsletter, the alert categories) are
-- recorded like the emergency consent (issue 15): text version, language,
-- time, kiosk. `purpose` says which; `choices` holds the categories chosen.
ALTER TABLE consents ADD COLUMN purpose TEXT NOT NULL DEFAULT 'emergency'
    CHECK (purpose IN ('emergency', 'newsletter', 'categories'));
ALTER TABLE consents ADD COLUMN choices TEXT;
