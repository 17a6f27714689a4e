package imrest

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// FuzzRequestBodies feeds arbitrary bodies to the three request decoders
// over a real, empty store: they never panic, and every refusal is an IM
// error with a code (a value over a bound that reached the store would come
// back as the store's own invalid error instead).
func FuzzRequestBodies(f *testing.F) {
	f.Add(`{"startTimestamp":1762000000,"endTimestamp":1762086400,"callResult":"reject","numberPerPage":300,"page":-2}`, 0)
	f.Add(`{"callId":"c"}`, 1)
	f.Add(`{"StartTimestamp":1,"EndTimestamp":2,"Limit":100,"Offset":9223372036854775807,"ClientUserId":"u"}`, 2)
	f.Add(`{"startTimestamp":9223372036854775807}`, 0)
	f.Add(`[]`, 2)
	f.Add(`{"startTimestamp":946684799,"callType":"`+strings.Repeat("t", 257)+`"}`, 0)
	f.Add(`{"callId":"`+strings.Repeat("c", 129)+`"}`, 1)
	f.Add(`{"StartTimestamp":946684800,"EndTimestamp":253402300800,"ClientUserId":"`+strings.Repeat("u", 129)+`"}`, 2)
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(f.TempDir(), "db"), sqlstore.Options{CacheMiB: 2})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	a := &API{store: store}
	blk := &block{Block: Block{Tenant: cdr.MustTenantID("acme")}}
	ap := &app{App: App{SdkAppID: 1}}
	f.Fuzz(func(t *testing.T, body string, which int) {
		q := &request{Request: httptest.NewRequest("POST", "/", strings.NewReader(body)), app: ap, block: blk, body: []byte(body)}
		var err error
		switch uint(which) % 3 {
		case 0:
			_, err = a.recordsByFilter(q)
		case 1:
			_, err = a.recordByCallID(q)
		default:
			_, err = a.imCdrList(q)
		}
		var ie *imError
		if err != nil && (!errors.As(err, &ie) || ie.code == 0 || ie.msg == "") {
			t.Fatalf("%q: %v is not an IM error", body, err)
		}
	})
}
