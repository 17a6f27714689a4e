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

func (a *API) handler(action string, v3 bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r.Context(), "laaffic", action)
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
		}
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	})
}

func param(reason string) error { return fail(statusParameter, reason) }

// serve authenticates, validates and answers one query.
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

// filter validates a query (record model §4.D(c), §4.F).
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
	if startText == "" {
		return f, param(startName + " is required")
	}
	if p.EndTime == "" {
		return f, param("endTime is required")
	}
	start, err := lafmap.ParseTime(startText, t.Location)
	if err != nil {
		return f, param(startName + " must be ISO 8601 or yyyy-MM-dd HH:mm:ss")
	}
	end, err := lafmap.ParseTime(p.EndTime, t.Location)
	if err != nil {
		return f, param("endTime must be ISO 8601 or yyyy-MM-dd HH:mm:ss")
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
	f = cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice}, From: start.UnixMilli(), To: end.Add(time.Second).UnixMilli(),
		Limit: int(*q.Size), Offset: int((*q.Current - 1) * *q.Size), Count: true, WithRaw: true}
	if p.SipGroupName != "" {
		f.QueueNames = []string{p.SipGroupName}
	}
	f.AgentNames, f.CountryCodes, f.Tags = p.SeatNameList, p.Ccode, p.LabelNames
	for _, e := range []struct {
		field string
		vals  []int64
	}{{lafmap.FieldCallType, p.CallType}, {lafmap.FieldHangupReason, p.HangupReason}, {lafmap.FieldHangingDirection, p.HangingDirection}} {
		if len(e.vals) > 0 {
			ve := cdr.VendorEnum{Source: cdr.SourceLaaffic, Field: e.field}
			for _, v := range e.vals {
				ve.Values = append(ve.Values, strconv.FormatInt(v, 10))
			}
			f.VendorEnums = append(f.VendorEnums, ve)
		}
	}
	if p.CalledOrCaller != "" {
		if len(cdr.Digits(p.CalledOrCaller)) < 3 {
			return f, param("calledOrCaller needs at least 3 digits")
		}
		f.PhoneContains = p.CalledOrCaller
	}
	if v3 {
		if p.VoiceGroupID != "" {
			f.QueueIDs = []string{p.VoiceGroupID}
		}
		f.AgentIDs = p.SeatID
	}
	return f, nil
}
