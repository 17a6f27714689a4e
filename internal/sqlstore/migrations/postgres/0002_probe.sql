-- Write probes (Postgres.ProbeWrite): one row, rewritten by each probe.
CREATE TABLE probe (
	id integer PRIMARY KEY,
	at bigint  NOT NULL
);
