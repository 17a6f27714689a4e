-- console_sessions: the web console's sign-in sessions (cdr.Sessions,
-- internal/sqlstore/session.go), kept in the database so that they
-- survive a restart and every instance of a deployment shares them. id is
-- the hex SHA-256 of the cookie's secret, never the secret; the tenant is
-- the one the session acts for. admin is 1 when an admin token signed in.
-- Times are ms; seen_at only moves forward (TouchSession).
CREATE TABLE console_sessions (
	id         TEXT    NOT NULL PRIMARY KEY,
	tenant_id  TEXT    NOT NULL,
	principal  TEXT    NOT NULL,
	admin      INTEGER NOT NULL,
	csrf       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- DeleteExpiredSessions: the sessions idle too long, and those too old.
CREATE INDEX console_sessions_seen ON console_sessions (seen_at);
CREATE INDEX console_sessions_created ON console_sessions (created_at);
