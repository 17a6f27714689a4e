-- console_sessions: the web console's sign-in sessions (cdr.Sessions,
-- internal/sqlstore/session.go), kept in the database so that they
-- survive a restart and every instance of a deployment shares them. id is
-- the hex SHA-256 of the cookie's secret, never the secret; the tenant is
-- the one the session acts for. admin is 1 when an admin token signed in.
-- Times are ms; seen_at only moves forward (TouchSession).
CREATE TABLE console_sessions (
	id         text COLLATE "C" PRIMARY KEY,
	tenant_id  text COLLATE "C" NOT NULL,
	principal  text NOT NULL,
	admin      smallint NOT NULL,
	csrf       text NOT NULL,
	created_at bigint NOT NULL,
	seen_at    bigint NOT NULL
);

-- DeleteExpiredSessions: the sessions idle too long, and those too old.
CREATE INDEX console_sessions_seen ON console_sessions (seen_at);
CREATE INDEX console_sessions_created ON console_sessions (created_at);
