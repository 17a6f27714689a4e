-- DueUnaddressed (cdr.Archive, internal/sqlstore/archive.go): the pending
-- files of one source that name no address (Alibaba's, found through
-- GetMonoRecording), in the order they are due, read along this index
-- without a sort however large the backlog. Its WHERE is repeated word for
-- word by the query.
CREATE INDEX archive_files_unaddressed ON archive_files (tenant_id, source, (expires_at = 0), expires_at, start_at, record_id, n)
	WHERE state = 'pending' AND url = '' AND copy_url = '';
