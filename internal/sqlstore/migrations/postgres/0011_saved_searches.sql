-- console_sessions.lang: the interface language a session chose on a page
-- (cdr.Session.Lang, SetSessionLang), '' for the browser's.
ALTER TABLE console_sessions ADD COLUMN lang text NOT NULL DEFAULT '';

-- console_saved_searches: the console's saved searches (cdr.SavedSearches,
-- internal/sqlstore/saved.go), per tenant and owner (a credential's name):
-- a name, unique per owner, and the search's canonical query string.
-- Times are ms. owner and name compare, and sort, byte by byte (COLLATE
-- "C"), as on SQLite. The unique constraint's index (tenant_id, owner,
-- name) serves the list by name, the count against the limit, and the
-- name checks.
CREATE TABLE console_saved_searches (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id  text COLLATE "C" NOT NULL,
	owner      text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	query      text   NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	UNIQUE (tenant_id, owner, name)
);
