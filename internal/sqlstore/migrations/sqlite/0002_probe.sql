-- Write probes (Store.ProbeWrite): one row at a time, holding a pad of a
-- page so that each probe allocates a page (internal/sqlstore/probe.go).
CREATE TABLE probe (
	id  INTEGER PRIMARY KEY,
	at  INTEGER NOT NULL,
	pad BLOB    NOT NULL
);
