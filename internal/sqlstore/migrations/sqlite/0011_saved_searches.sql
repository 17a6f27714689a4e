-- console_sessions.lang: the interface language a session chose on a page
-- (cdr.Session.Lang, SetSessionLang), '' for the browser's.
ALTER TABLE console_sessions ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- console_saved_searches: the console's saved searches (cdr.SavedSearches,
-- internal/sqlstore/saved.go), per tenant and owner (a credential's name):
-- a name, unique per owner, and the search's canonical query string.
-- Times are ms. The unique constraint's index (tenant_id, owner, name,
-- then the rowid, which is id) serves the list by name, the count against
-- the limit, and the name checks.
CREATE TABLE console_saved_searches (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT    NOT NULL,
	owner      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	query      TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (tenant_id, owner, name)
);
