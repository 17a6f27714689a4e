package sqlstore

// SetPruneBatch sets the retention batch size until the returned function
// is called.
func SetPruneBatch(n int) (restore func()) {
	old := pruneBatch
	pruneBatch = n
	return func() { pruneBatch = old }
}
