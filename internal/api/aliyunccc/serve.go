package aliyunccc

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
)

// Actions served.
const (
	actionList = "ListCallDetailRecords"
	actionGet  = "GetCallDetailRecord"
)

// maxBody bounds a request; POP requests carry their parameters in the
// query or a small form.
const maxBody = 1 << 20

// listData is the Data object of ListCallDetailRecords.
type listData struct {
	PageNumber int               `json:"PageNumber"`
	PageSize   int               `json:"PageSize"`
	TotalCount int               `json:"TotalCount"`
	List       []json.RawMessage `json:"List"`
}

// serve authenticates, validates and answers one request with its Data.
func (a *API) serve(r *http.Request) (any, error) {
	action := r.Header.Get("x-acs-action")
	if action == "" {
		action = r.URL.Query().Get("Action")
	}
	label := action
	if label != actionList && label != actionGet && label != actionMono {
		label = "unknown"
	}
	httpx.SetRoute(r.Context(), "aliyun_ccc", label)
	now := a.now()
	var t *tenant
	opt := pop.Options{Nonces: a.nonces, Admit: func(res pop.Result) error {
		// The signature matched and the nonce is fresh; the nonce is
		// recorded only once this lets the request in, so that a throttled
		// request's retry with the same nonce is served.
		t = a.keys[res.AccessKeyID].tenant
		httpx.SetPrincipal(r.Context(), t.ID.String(), res.AccessKeyID)
		if res.Version != Version {
			return errorf(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
		}
		if res.Action != actionList && res.Action != actionGet && res.Action != actionMono {
			return errorf(http.StatusNotFound, "InvalidApi.NotFound", "Specified api is not found, please check your url and method.")
		}
		if !t.limiter.Allow(now) {
			return errorf(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
		}
		return nil
	}}
	if err := pop.CheckHeaders(r, a, now, opt); err != nil {
		return nil, err // before a byte of the body is read
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "InvalidParameter", "The request body could not be read.")
	}
	if len(body) > maxBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "RequestTooLarge", "The request body is too large.")
	}
	res, err := pop.Verify(r, body, a, now, opt)
	if err != nil {
		return nil, err
	}
	p := res.Params
	inst := p.Get("InstanceId")
	if res.Action == actionMono {
		// Its documented errors for a missing parameter.
		if err := nullOrBlank(p, "InstanceId"); err != nil {
			return nil, err
		}
	}
	if inst == "" {
		return nil, missing("InstanceId")
	}
	if inst != t.InstanceID {
		return nil, errorf(http.StatusNotFound, "NotExists.InstanceId", "The specified instance %s does not exist.", inst)
	}
	switch res.Action {
	case actionGet:
		return a.get(r, t, p)
	case actionMono:
		return a.mono(r, t, p, now)
	}
	f, page, size, err := listFilter(p, t, now)
	if err != nil {
		return nil, err
	}
	recs, total, err := a.store.FindRecords(r.Context(), t.ID, f)
	if err != nil {
		return nil, err
	}
	if !f.Count {
		total = 0 // TotalCount is counted on page 1 only
	}
	d := &listData{PageNumber: page, PageSize: size, TotalCount: total, List: make([]json.RawMessage, 0, len(recs))}
	for _, rec := range recs {
		out, err := alimap.Render(rec, t.InstanceID)
		if err != nil {
			return nil, err
		}
		d.List = append(d.List, out)
	}
	return d, nil
}

// get answers GetCallDetailRecord: the record of ContactId, as listed.
func (a *API) get(r *http.Request, t *tenant, p url.Values) (any, error) {
	id := p.Get("ContactId")
	if id == "" {
		return nil, missing("ContactId")
	}
	if err := boundString("ContactId", id, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return nil, err
	}
	recs, _, err := a.store.FindRecords(r.Context(), t.ID, cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice},
		VendorIDs: cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{id}}, Limit: 1, WithRaw: true})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errorf(http.StatusNotFound, "NotExists.ContactId", "The specified contact %s does not exist.", id)
	}
	return alimap.RenderDetail(recs[0], t.InstanceID)
}

// orderFields maps OrderByField to the store's orders.
var orderFields = map[string]string{
	"callDuration": cdr.OrderByTotal, "talkTime": cdr.OrderByTalk, "ringTime": cdr.OrderByRing,
	"dialingTime": cdr.OrderByDial, "ivrTime": cdr.OrderByIVR, "queueTime": cdr.OrderByQueue, "startTime": "",
}

// listFilter validates the parameters of ListCallDetailRecords
// (docs/record-model.md §4.C, §4.F) into a filter, with the page number and
// size.
func listFilter(p url.Values, t *tenant, now time.Time) (f cdr.Filter, page, size int, err error) {
	if page, err = intParam(p, "PageNumber", 1, 100); err != nil {
		return f, 0, 0, err
	}
	if size, err = intParam(p, "PageSize", 1, 100); err != nil {
		return f, 0, 0, err
	}
	f = cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice}, Limit: size, Offset: (page - 1) * size, Count: page == 1, WithRaw: true}
	switch o := p.Get("SortOrder"); strings.ToUpper(o) {
	case "", "DESC":
		f.Order = cdr.OrderDesc
	case "ASC":
		f.Order = cdr.OrderAsc
	default:
		return f, 0, 0, badFormat("SortOrder", "Valid values are ASC and DESC.")
	}
	field, ok := orderFields[p.Get("OrderByField")]
	if !ok && p.Get("OrderByField") != "" {
		return f, 0, 0, badFormat("OrderByField", "Valid values are callDuration, ringTime, talkTime, dialingTime, startTime, ivrTime and queueTime.")
	}
	f.OrderBy = field
	if id := p.Get("ContactId"); id != "" {
		// ContactId overrides every other filter, the window included.
		if err := boundString("ContactId", id, cdr.MaxIDLen, cdr.Bytes); err != nil {
			return f, 0, 0, err
		}
		f.VendorIDs = cdr.VendorIDs{Source: cdr.SourceAliyunCCC, Values: []string{id}}
		return f, page, size, nil
	}
	y, m, d := now.In(t.Location).Date()
	start, end := time.Date(y, m, d, 0, 0, 0, 0, t.Location).UnixMilli(), now.UnixMilli()
	if start, err = msParam(p, "StartTime", start); err != nil {
		return f, 0, 0, err
	}
	if end, err = msParam(p, "EndTime", end); err != nil {
		return f, 0, 0, err
	}
	if start > end {
		return f, 0, 0, badFormat("StartTime", "StartTime must not be later than EndTime.")
	}
	f.From, f.To = start, end+1
	err = enumFilters(p, &f)
	return f, page, size, err
}

// enumFilters adds the enum, agent, queue, number and satisfaction filters.
func enumFilters(p url.Values, f *cdr.Filter) error {
	for _, e := range []struct{ field, single, list string }{
		{alimap.FieldContactType, "ContactType", "ContactTypeList"},
		{alimap.FieldContactDisposition, "ContactDisposition", "ContactDispositionList"},
		{alimap.FieldEarlyMediaState, "", "EarlyMediaStateList"},
		{alimap.FieldSatisfactionIndex, "", "SatisfactionList"},
		{alimap.FieldSatisfactionSurveyChannel, "SatisfactionSurveyChannel", ""},
	} {
		var vals []string
		if e.single != "" && p.Get(e.single) != "" {
			vals = append(vals, p.Get(e.single))
		}
		if e.list != "" {
			l, err := listParam(p, e.list)
			if err != nil {
				return err
			}
			vals = append(vals, l...)
		}
		name := e.list
		if name == "" {
			name = e.single
		}
		vals, err := bounded(name, vals, cdr.MaxNameLen, cdr.Bytes)
		if err != nil {
			return err
		}
		if len(vals) > 0 {
			f.VendorEnums = append(f.VendorEnums, cdr.VendorEnum{Source: cdr.SourceAliyunCCC, Field: e.field, Values: vals})
		}
	}
	labels, err := listParam(p, "SatisfactionDescriptionList")
	if err != nil {
		return err
	}
	if f.SatLabels, err = bounded("SatisfactionDescriptionList", labels, cdr.MaxNameLen, cdr.Bytes); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		to   *[]string
		max  int
		unit cdr.Unit
	}{
		{"AgentId", &f.AgentIDs, cdr.MaxNameLen, cdr.Bytes},
		{"SkillGroupId", &f.QueueIDs, cdr.MaxNameLen, cdr.Bytes},
		{"CallingNumber", &f.CallerNumbers, cdr.MaxNumberLen, cdr.Chars},
		{"CalledNumber", &f.CalleeNumbers, cdr.MaxNumberLen, cdr.Chars},
	} {
		if v := p.Get(s.name); v != "" {
			if err := boundString(s.name, v, s.max, s.unit); err != nil {
				return err
			}
			*s.to = []string{v}
		}
	}
	if c := p.Get("Criteria"); c != "" {
		var crit struct {
			PhoneNumber string `json:"phoneNumber"`
		}
		if err := json.Unmarshal([]byte(c), &crit); err != nil {
			return badFormat("Criteria", "It must be a JSON object such as {\"phoneNumber\":\"0735\"}.")
		}
		if digits := strings.Trim(crit.PhoneNumber, " "); digits != "" {
			if err := boundString("Criteria", digits, cdr.MaxNumberLen, cdr.Chars); err != nil {
				return err
			}
			if len(cdr.Digits(digits)) < 3 {
				return badFormat("Criteria", "phoneNumber needs at least 3 digits.")
			}
			f.PhoneContains = digits
		}
	}
	for _, n := range append(f.CallerNumbers, f.CalleeNumbers...) {
		if cdr.Digits(n) == "" {
			return badFormat("CallingNumber", "A phone number needs digits.")
		}
	}
	return nil
}

// bounded returns vs without duplicates, or Parameter.Format naming param
// when it holds a value over max or more distinct values than the bounds of
// every filter allow (docs/design.md#bounds).
func bounded(param string, vs []string, max int, unit cdr.Unit) ([]string, error) {
	out, err := cdr.CheckStrings(param, vs, max, unit)
	if err != nil {
		return nil, boundError(param, err)
	}
	return out, nil
}

// boundString is bounded for one value.
func boundString(param, v string, max int, unit cdr.Unit) error {
	if err := cdr.CheckString(param, v, max, unit); err != nil {
		return boundError(param, err)
	}
	return nil
}

func boundError(param string, err error) error {
	why := strings.TrimPrefix(cdr.ErrorMessage(err), param+": ")
	return badFormat(param, strings.ToUpper(why[:1])+why[1:]+".")
}

// listParam reads a *List parameter: a JSON array of strings when it
// starts with "[", else a comma list (docs/record-model.md §4.C).
func listParam(p url.Values, name string) ([]string, error) {
	v := strings.TrimSpace(p.Get(name))
	if v == "" {
		return nil, nil
	}
	if strings.HasPrefix(v, "[") {
		var l []string
		if err := json.Unmarshal([]byte(v), &l); err != nil {
			return nil, badFormat(name, "It must be a JSON array of strings.")
		}
		return l, nil
	}
	var l []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			l = append(l, s)
		}
	}
	return l, nil
}

// intParam reads a required integer parameter within [lo, hi].
func intParam(p url.Values, name string, lo, hi int) (int, error) {
	v := p.Get(name)
	if v == "" {
		return 0, missing(name)
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, badFormat(name, "It must be an integer.")
	case n < lo:
		return 0, errorf(http.StatusBadRequest, "Parameter.Minimum", "The value of parameter %s must be at least %d.", name, lo)
	case n > hi:
		return 0, errorf(http.StatusBadRequest, "Parameter.Maximum", "The value of parameter %s must be at most %d.", name, hi)
	}
	return n, nil
}

// msParam reads an optional Unix time in milliseconds.
func msParam(p url.Values, name string, def int64) (int64, error) {
	v := p.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n >= cdr.MaxTime {
		return 0, badFormat(name, "It must be a Unix time in milliseconds.")
	}
	if n < cdr.MinTime {
		return 0, badFormat(name, "It must not be before 2000-01-01T00:00:00Z.")
	}
	return n, nil
}
