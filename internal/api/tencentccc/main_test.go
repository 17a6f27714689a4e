package tencentccc_test

import (
	"os"
	"testing"

	"github.com/cdrhub/cdrhub/internal/storetest"
)

// TestMain runs every test of the package on SQLite, then on PostgreSQL.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
