package laaffic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx"
	lafmap "github.com/cdrhub/cdrhub/internal/mapping/laaffic"
)

// queryBody is the body of both queries; params differ in their names.
type queryBody struct {
	Current *int64      `json:"current"`
	Size    *int64      `json:"size"`
	Params  *queryParam `json:"params"`
}

type queryParam struct {
	StrTime          string   `json:"strTime"`   // ccRecordQuery
	StartTime        string   `json:"startTime"` // cc/record/query
	EndTime          string   `json:"endTime"`
	SipGroupName     string   `json:"sipGroupName"`
	SeatNameList     []string `json:"seatNameList"`
	CallType         []int64  `json:"callType"`
	HangupReason     []int64  `json:"hangupReason"`
	CalledOrCaller   string   `json:"calledOrCaller"`
	Ccode            []string `json:"ccode"`
	HangingDirection []int64  `json:"hangingDirection"`
	LabelNames       []string `json:"labelNames"`
	VoiceGroupID     string   `json:"voiceGroupId"` // cc/record/query
	SeatID           []string `json:"seatId"`       // cc/record/query
}

type queryData struct {
	Records []json.RawMessage `json:"records"`
	Total   int               `json:"total"`
	Size    int64             `json:"size"`
	Current int64             `json:"current"`
	Pages   int64             `json:"pages"`
}

// maxBody bounds a request body.
const maxBody = 1 << 20

// handler answers a query in the family's envelope; v3 takes the
// parameters and renders the records of /v3/cc/record/query.
func (a *API) handler(v3 bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := a.serve(r, v3)
		body := map[string]any{"status": statusOK, "reason": "success", "data": data}
		if err != nil {
			var se *statusError
			if !errors.As(err, &se) {
				logger(r).Error("request failed", "db", cdr.ErrorCode(err), "err", err)
				se = &statusError{statusInternal, "Port program unusual"}
			}
			body = map[string]any{"status": se.status, "reason": se.reason}
			outcome := httpx.OutcomeClientError
			if se.status == statusInternal {
				outcome = httpx.OutcomeServerError
			}
			httpx.SetOutcome(r.Context(), outcome)
			// An error answered before the body was read to its end (a
			// refused Sign, a body over the limit) closes the connection
			// (httpx.CloseIfUnread, applied by the listener).
		}
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	})
}

func param(reason string) error { return fail(statusParameter, reason) }

// bound is the -22 of a value over the bounds of every filter (cdr.Check*),
// with its message, which names the parameter.
func bound(err error) error { return param(cdr.ErrorMessage(err)) }

// serve authenticates, validates and answers one query. Nothing of the
// body is read before the headers are authenticated and the rate limit
// passed.
func (a *API) serve(r *http.Request, v3 bool) (*queryData, error) {
	if r.Method != http.MethodPost {
		return nil, param("the query takes POST requests")
	}
	t, err := a.authenticate(r)
	if err != nil {
		return nil, err
	}
	if !t.limiter.Allow(a.now()) {
		return nil, fail(statusTooFrequent, "Query too frequently")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return nil, param("the request body cannot be read")
	}
	var q queryBody
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&q); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, param(fmt.Sprintf("%s has the wrong type", te.Field))
		}
		return nil, param("the request body is not valid JSON")
	}
	f, err := a.filter(&q, t, v3)
	if err != nil {
		return nil, err
	}
	recs, total, err := a.store.FindRecords(r.Context(), t.ID, f)
	if err != nil {
		return nil, err
	}
	d := &queryData{Total: total, Size: *q.Size, Current: *q.Current, Pages: (int64(total) + *q.Size - 1) / *q.Size,
		Records: make([]json.RawMessage, 0, len(recs))}
	for _, rec := range recs {
		if a.Rewrite != nil {
			if err := a.Rewrite(r.Context(), t.ID, httpx.Origin(r), rec); err != nil {
				return nil, err
			}
		}
		render := lafmap.Render
		if v3 {
			render = lafmap.RenderV3
		}
		out, err := render(rec, t.Location)
		if err != nil {
			return nil, err
		}
		d.Records = append(d.Records, out)
	}
	return d, nil
}

// maxTimeText bounds the text of a time parameter: the longest accepted
// form, 2006-01-02T15:04:05.999999999+07:00, has 35 bytes.
const maxTimeText = 64

// parseTime parses the time parameter name (lafmap.ParseTime) and refuses,
// as -22, a time before 2000-01-01T00:00:00Z (cdr.MinTime) or from
// 10000-01-01T00:00:00Z (cdr.MaxTime) on, which no record may have.
func parseTime(name, text string, loc *time.Location) (time.Time, error) {
	if text == "" {
		return time.Time{}, param(name + " is required")
	}
	var t time.Time
	err := errors.New("too long")
	if len(text) <= maxTimeText {
		t, err = lafmap.ParseTime(text, loc)
	}
	if err != nil {
		return time.Time{}, param(name + " must be ISO 8601 or yyyy-MM-dd HH:mm:ss")
	}
	if ms := t.UnixMilli(); ms < cdr.MinTime || ms >= cdr.MaxTime {
		return time.Time{}, param(name + " must be from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z")
	}
	return t, nil
}

// filter validates a query (docs/record-model.md §4.D, §4.F). Every filter
// value is bounded here, before any store call: numbers at most
// cdr.MaxNumberLen characters, names and ids of queues and agents, country
// codes and labels at most cdr.MaxNameLen bytes, every list at most
// cdr.MaxListLen distinct elements (duplicates dropped), times from 2000.
func (a *API) filter(q *queryBody, t *tenant, v3 bool) (cdr.Filter, error) {
	var f cdr.Filter
	switch {
	case q.Current == nil:
		return f, param("current is required")
	case *q.Current < 1 || *q.Current > 1<<30:
		return f, param("current must be 1 or more")
	case q.Size == nil:
		return f, param("size is required")
	case *q.Size < 1 || *q.Size > 100:
		return f, param("size must be from 1 to 100")
	case q.Params == nil:
		return f, param("params is required")
	}
	p := q.Params
	startName, startText := "strTime", p.StrTime
	if v3 {
		startName, startText = "startTime", p.StartTime
	}
	start, err := parseTime(startName, startText, t.Location)
	if err != nil {
		return f, err
	}
	end, err := parseTime("endTime", p.EndTime, t.Location)
	if err != nil {
		return f, err
	}
	now := a.now().In(t.Location)
	switch {
	case end.Before(start):
		return f, param(startName + " must not be after endTime")
	case end.Sub(start) > 31*24*time.Hour:
		return f, fail(statusTimeRange, "Out of time range")
	case a.EnforceLookback && start.Before(time.Date(now.Year(), now.Month()-2, 1, 0, 0, 0, 0, t.Location)):
		return f, fail(statusTimeRange, "Out of time range")
	}
	// The window is inclusive to the second. No record starts at or after
	// cdr.MaxTime, so To stops there.
	f = cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice}, From: start.UnixMilli(), To: min(end.Add(time.Second).UnixMilli(), cdr.MaxTime),
		Limit: int(*q.Size), Offset: int((*q.Current - 1) * *q.Size), Count: true, WithRaw: true}
	if err := cdr.CheckString("sipGroupName", p.SipGroupName, cdr.MaxNameLen, cdr.Bytes); err != nil {
		return f, bound(err)
	}
	if p.SipGroupName != "" {
		f.QueueNames = []string{p.SipGroupName}
	}
	for _, l := range []struct {
		name string
		vs   []string
		dst  *[]string
	}{{"seatNameList", p.SeatNameList, &f.AgentNames}, {"ccode", p.Ccode, &f.CountryCodes}, {"labelNames", p.LabelNames, &f.Tags}} {
		vs, err := cdr.CheckStrings(l.name, l.vs, cdr.MaxNameLen, cdr.Bytes)
		if err != nil {
			return f, bound(err)
		}
		*l.dst = vs
	}
	for _, e := range []struct {
		name, field string
		vals        []int64
	}{{"callType", lafmap.FieldCallType, p.CallType}, {"hangupReason", lafmap.FieldHangupReason, p.HangupReason},
		{"hangingDirection", lafmap.FieldHangingDirection, p.HangingDirection}} {
		vals, err := cdr.CheckList(e.name, e.vals)
		if err != nil {
			return f, bound(err)
		}
		if len(vals) > 0 {
			ve := cdr.VendorEnum{Source: cdr.SourceLaaffic, Field: e.field}
			for _, v := range vals {
				ve.Values = append(ve.Values, strconv.FormatInt(v, 10))
			}
			f.VendorEnums = append(f.VendorEnums, ve)
		}
	}
	if p.CalledOrCaller != "" {
		if err := cdr.CheckString("calledOrCaller", p.CalledOrCaller, cdr.MaxNumberLen, cdr.Chars); err != nil {
			return f, bound(err)
		}
		if len(cdr.Digits(p.CalledOrCaller)) < 3 {
			return f, param("calledOrCaller needs at least 3 digits")
		}
		f.PhoneContains = p.CalledOrCaller
	}
	if v3 {
		if err := cdr.CheckString("voiceGroupId", p.VoiceGroupID, cdr.MaxNameLen, cdr.Bytes); err != nil {
			return f, bound(err)
		}
		if p.VoiceGroupID != "" {
			f.QueueIDs = []string{p.VoiceGroupID}
		}
		if f.AgentIDs, err = cdr.CheckStrings("seatId", p.SeatID, cdr.MaxNameLen, cdr.Bytes); err != nil {
			return f, bound(err)
		}
	}
	return f, nil
}
