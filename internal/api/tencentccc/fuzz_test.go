package tencentccc

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// FuzzRequest feeds arbitrary JSON bodies and v1 forms to the parameter
// decoders and the validation: they never panic, every refusal is an API
// 3.0 error with a code and a message, and an accepted request is a voice
// filter with a page of 1 to 100 inside a window shorter than 90 days.
func FuzzRequest(f *testing.F) {
	f.Add(`{"SdkAppId":1400000001,"StartTimeStamp":1761955200,"EndTimeStamp":1762000000,"PageSize":10,"PageNumber":3,"Phones":["+86 139"],"SessionIds":["a"]}`, false)
	f.Add(`{"SdkAppId":1400000001,"StartTimeStamp":1,"EndTimeStamp":2,"Limit":100,"Offset":9223372036854775807}`, false)
	f.Add(`{"PageSize":"10"}`, false)
	f.Add(`SdkAppId=1400000001&StartTimeStamp=1&EndTimeStamp=5&PageSize=1&PageNumber=0&Phones.1=x&Phones.0=139`, true)
	f.Add(`Phones.a=1&Action=DescribeTelCdr`, true)
	a := &API{}
	tn := &tenant{Tenant: Tenant{ID: cdr.MustTenantID("acme"), SdkAppID: 1400000001}}
	now := time.Unix(1762000000, 0)
	f.Fuzz(func(t *testing.T, body string, form bool) {
		var q *request
		var err error
		if form {
			r := httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			q, err = parseForm(r, []byte(body))
		} else {
			q, err = parseJSON([]byte(body))
		}
		if err == nil {
			var filter cdr.Filter
			filter, err = a.filter(q, tn, now)
			if err == nil {
				if filter.Limit < 1 || filter.Limit > 100 || filter.Offset < 0 || filter.To-filter.From > 90*86400*1000 ||
					len(filter.Channels) != 1 || filter.Channels[0] != cdr.ChannelVoice {
					t.Fatalf("accepted %q as %+v", body, filter)
				}
				return
			}
		}
		var ae *apiError
		if !errors.As(err, &ae) || ae.code == "" || ae.msg == "" {
			t.Fatalf("refusal %v is not an API error", err)
		}
	})
}
