package tencentccc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// request holds the parameters of DescribeTelCdr and
// DescribeProtectedTelCdr, deprecated ones included.
type request struct {
	StartTimeStamp, EndTimeStamp, SdkAppID, PageSize, PageNumber, InstanceID, Limit, Offset *int64
	Phones, SessionIDs                                                                      []string
}

// intParams maps the integer parameters to their fields.
func (q *request) intParams() map[string]**int64 {
	return map[string]**int64{
		"StartTimeStamp": &q.StartTimeStamp, "EndTimeStamp": &q.EndTimeStamp, "SdkAppId": &q.SdkAppID,
		"PageSize": &q.PageSize, "PageNumber": &q.PageNumber, "InstanceId": &q.InstanceID,
		"Limit": &q.Limit, "Offset": &q.Offset,
	}
}

func (q *request) listParams() map[string]*[]string {
	return map[string]*[]string{"Phones": &q.Phones, "SessionIds": &q.SessionIDs}
}

// v1Common are the common parameters of the legacy v1 signature, which are
// not the action's.
var v1Common = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true, "Nonce": true, "SecretId": true,
	"Signature": true, "SignatureMethod": true, "Token": true, "Language": true, "RequestClient": true,
}

func unknownParameter(name string) error {
	return errorf(codeUnknownParameter, fmt.Sprintf("The parameter `%s` is not recognized.", name))
}

func invalidType(name, want string) error {
	return errorf(codeInvalidParameter, fmt.Sprintf("The value of parameter `%s` must be %s.", name, want))
}

// parseJSON reads the JSON body of a TC3 request: an object whose integer
// parameters are JSON numbers and whose lists are arrays of strings.
func parseJSON(body []byte) (*request, error) {
	q := &request{}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if len(bytes.TrimSpace(body)) == 0 {
		return q, nil
	}
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, errorf(codeInvalidParameter, "The request body is not a JSON object.")
	}
	ints, lists := q.intParams(), q.listParams()
	for name, raw := range m {
		switch {
		case ints[name] != nil:
			if string(raw) == "null" {
				continue
			}
			var n json.Number
			if raw[0] == '"' || json.Unmarshal(raw, &n) != nil { // a Number would take "10"
				return nil, invalidType(name, "an integer")
			}
			v, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil {
				return nil, invalidType(name, "an integer")
			}
			*ints[name] = &v
		case lists[name] != nil:
			if string(raw) == "null" {
				continue
			}
			if err := json.Unmarshal(raw, lists[name]); err != nil {
				return nil, invalidType(name, "an array of strings")
			}
		default:
			return nil, unknownParameter(name)
		}
	}
	return q, nil
}

// parseForm reads the parameters of a v1 request: the query (GET) or the
// form body (POST), lists as Name.0, Name.1, ….
func parseForm(r *http.Request, body []byte) (*request, error) {
	params := r.URL.Query()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errorf(codeInvalidParameter, "The request body is not a valid form.")
		}
		params = form
	}
	q := &request{}
	ints, lists := q.intParams(), q.listParams()
	type item struct {
		i int
		v string
	}
	items := map[string][]item{}
	for name, vals := range params {
		if v1Common[name] {
			continue
		}
		if p := ints[name]; p != nil {
			v, err := strconv.ParseInt(vals[0], 10, 64)
			if err != nil {
				return nil, invalidType(name, "an integer")
			}
			*p = &v
			continue
		}
		base, idx, ok := strings.Cut(name, ".")
		i, err := strconv.Atoi(idx)
		if !ok || lists[base] == nil || err != nil || i < 0 {
			return nil, unknownParameter(name)
		}
		items[base] = append(items[base], item{i, vals[0]})
	}
	for base, its := range items {
		sort.Slice(its, func(a, b int) bool { return its[a].i < its[b].i })
		for _, it := range its {
			*lists[base] = append(*lists[base], it.v)
		}
	}
	return q, nil
}

func missing(name string) error {
	return errorf(codeMissingParameter, fmt.Sprintf("The parameter `%s` is missing.", name))
}

func invalidValue(msg string) error { return errorf(codeInvalidValue, msg) }

// maxRows bounds offsets, so that PageNumber·PageSize cannot overflow.
const maxRows = 1 << 40

// filter validates q (docs/record-model.md §4.A, §4.F) and returns the store
// filter for tenant t.
func (a *API) filter(q *request, t *tenant, now time.Time) (cdr.Filter, error) {
	var f cdr.Filter
	if q.SdkAppID == nil {
		return f, missing("SdkAppId")
	}
	if *q.SdkAppID != t.SdkAppID {
		return f, errorf(codeInstanceNotExist, fmt.Sprintf("The SdkAppId %d does not exist.", *q.SdkAppID))
	}
	if q.StartTimeStamp == nil {
		return f, missing("StartTimeStamp")
	}
	if q.EndTimeStamp == nil {
		return f, missing("EndTimeStamp")
	}
	start, end := *q.StartTimeStamp, *q.EndTimeStamp
	switch {
	case start < 0 || end < 0 || end > cdr.MaxTime/1000:
		return f, invalidValue("StartTimeStamp and EndTimeStamp must be Unix times in seconds.")
	case start < cdr.MinTime/1000:
		return f, invalidValue("StartTimeStamp must not be before 2000-01-01T00:00:00Z (946684800).")
	case start > end:
		return f, invalidValue("StartTimeStamp must not be later than EndTimeStamp.")
	case end-start >= 90*86400:
		return f, invalidValue("The time range must be shorter than 90 days.")
	case a.EnforceLookback && start < now.Add(-180*24*time.Hour).Unix():
		return f, invalidValue("Records can be queried up to 180 days back.")
	}
	switch {
	case q.PageSize != nil:
		if *q.PageSize < 1 || *q.PageSize > 100 {
			return f, invalidValue("PageSize must be from 1 to 100.")
		}
		if q.PageNumber == nil {
			return f, missing("PageNumber")
		}
		if *q.PageNumber < 0 || *q.PageNumber > maxRows / *q.PageSize {
			return f, invalidValue("PageNumber must be 0 or more.")
		}
		f.Limit, f.Offset = int(*q.PageSize), int(*q.PageNumber**q.PageSize)
	case q.Limit != nil:
		if *q.Limit < 1 || *q.Limit > 100 {
			return f, invalidValue("Limit must be from 1 to 100.")
		}
		f.Limit = int(*q.Limit)
		if q.Offset != nil {
			if *q.Offset < 0 || *q.Offset > maxRows {
				return f, invalidValue("Offset must be 0 or more.")
			}
			f.Offset = int(*q.Offset)
		}
	default:
		return f, missing("PageSize")
	}
	phones, err := cdr.CheckStrings("Phones", q.Phones, cdr.MaxNumberLen, cdr.Chars)
	if err != nil {
		return f, invalidValue(boundMessage("Phones", cdr.MaxNumberLen, "characters"))
	}
	for _, p := range phones {
		if cdr.Digits(p) == "" {
			return f, invalidValue(fmt.Sprintf("The phone number %q has no digits.", p))
		}
	}
	sessions, err := cdr.CheckStrings("SessionIds", q.SessionIDs, cdr.MaxIDLen, cdr.Bytes)
	if err != nil {
		return f, invalidValue(boundMessage("SessionIds", cdr.MaxIDLen, "bytes"))
	}
	f.Channels = []cdr.Channel{cdr.ChannelVoice}
	f.From, f.To = start*1000, (end+1)*1000
	f.Phones = phones
	if len(sessions) > 0 {
		f.VendorIDs = cdr.VendorIDs{Source: cdr.SourceTencentCCC, Values: sessions}
	}
	f.Count, f.WithRaw, f.Order = true, true, cdr.OrderDesc
	return f, nil
}

// boundMessage is the message of a list over the bounds of every filter
// (docs/design.md#bounds).
func boundMessage(param string, max int, unit string) string {
	return fmt.Sprintf("`%s` takes at most %d distinct elements of at most %d %s each.", param, cdr.MaxListLen, max, unit)
}
