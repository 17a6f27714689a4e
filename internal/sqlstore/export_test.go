package sqlstore

import "database/sql"

// SetPruneBatch sets the retention batch size until the returned function
// is called.
func SetPruneBatch(n int) (restore func()) {
	old := pruneBatch
	pruneBatch = n
	return func() { pruneBatch = old }
}

// DB returns the store's read handle.
func (s *Postgres) DB() *sql.DB { return s.db }

// SetAnalyzeMin sets the fewest new records that start an ANALYZE until
// the returned function is called.
func SetAnalyzeMin(n int64) (restore func()) {
	old := analyzeMin
	analyzeMin = n
	return func() { analyzeMin = old }
}

// SetBatchSize sets the most records written in one transaction until the
// returned function is called.
func SetBatchSize(n int) (restore func()) {
	old := batchSize
	batchSize = n
	return func() { batchSize = old }
}

// SetKeepRollups sets whether upserts keep the rollups until the returned
// function is called.
func SetKeepRollups(keep bool) (restore func()) {
	old := keepRollups
	keepRollups = keep
	return func() { keepRollups = old }
}
