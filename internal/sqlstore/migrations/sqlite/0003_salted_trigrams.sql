-- Phone substring trigrams in each tenant's own alphabet, as on PostgreSQL
-- (internal/sqlstore/index.go): the caller and callee columns of every
-- index entry are rewritten from the record's digits; docids (records.pk),
-- terms and records are unchanged. cdrhub_phone_trigrams is a function the
-- store registers on its connections (sqlstore.go). FTS4 writes an update
-- as a deletion and an insertion of the entry's tokens; the optimize merges
-- the index back into one segment without the deleted ones.
UPDATE record_index SET
	caller = (SELECT cdrhub_phone_trigrams(r.tenant_id, coalesce(r.caller_digits, '')) FROM records r WHERE r.pk = record_index.docid),
	callee = (SELECT cdrhub_phone_trigrams(r.tenant_id, coalesce(r.callee_digits, '')) FROM records r WHERE r.pk = record_index.docid);
INSERT INTO record_index (record_index) VALUES ('optimize');
