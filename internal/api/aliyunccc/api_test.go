package aliyunccc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

const (
	acmeID, acmeSecret     = "LTAIacme", "acme-secret"
	globexID, globexSecret = "LTAIglobex", "globex-secret"
)

var base = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type env struct {
	srv   *httptest.Server
	store cdr.Store
	api   *aliyunccc.API
}

func newEnv(t *testing.T, rps float64, burst int) *env {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4, Terms: alimap.Terms})
	api, err := aliyunccc.New(store, []aliyunccc.Tenant{
		{ID: cdr.MustTenantID("acme"), InstanceID: "ccc-acme", RPS: rps, Burst: burst, Credentials: []aliyunccc.Credential{{acmeID, acmeSecret}}},
		{ID: cdr.MustTenantID("globex"), InstanceID: "ccc-globex", RPS: rps, Burst: burst, Credentials: []aliyunccc.Credential{{globexID, globexSecret}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{AliyunCCC: api}))
	t.Cleanup(srv.Close)
	e := &env{srv: srv, store: store, api: api}
	for _, tn := range []string{"acme", "globex"} {
		var recs []*cdr.Record
		for i := range 10 {
			r := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("n%d", i),
				StartAt: base.Add(time.Duration(i) * time.Hour).UnixMilli(), Direction: cdr.DirectionInbound,
				Disposition: cdr.DispositionAnswered, Caller: cdr.Party{Address: fmt.Sprintf("+86 139 0000 %04d", i)},
				Callee: cdr.Party{Address: "057188880000"}, Note: tn, TalkS: new(int64(10 * i))}
			if i%3 == 0 {
				r.Direction, r.Disposition = cdr.DirectionOutbound, cdr.DispositionNoAnswer
			}
			recs = append(recs, r)
		}
		raw := fmt.Sprintf(`{"ContactId":"job-1","InstanceId":"ccc-%s","ContactType":"Outbound","ContactDisposition":"Success","CallingNumber":"057188880000","CalledNumber":"13800001111","StartTime":%d,"EstablishedTime":%d,"ReleaseTime":%d,"CallDuration":"195","TalkTime":180,"AgentIds":"agent01@%s","AgentNames":"Wang Fang","SkillGroupIds":"sg@ccc","SkillGroupNames":"Sales","SatisfactionIndex":1,"SatisfactionDescription":"满意","SatisfactionSurveyChannel":"SMS","SatisfactionSurveyOffered":true}`,
			tn, base.UnixMilli()+1800_000, base.UnixMilli()+1815_000, base.UnixMilli()+1995_000, tn)
		rec, err := alimap.Ingest(json.RawMessage(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
		if _, err := store.UpsertRecords(context.Background(), cdr.MustTenantID(tn), recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// call sends action through the official SDK: V3 by default, RPC v1 with
// algorithm "v2".
func (e *env) call(t *testing.T, id, secret, algorithm, action string, q map[string]string) (map[string]any, error) {
	t.Helper()
	cfg := &openapi.Config{AccessKeyId: tea.String(id), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(strings.TrimPrefix(e.srv.URL, "http://")), Protocol: tea.String("http")}
	if algorithm != "" {
		cfg.SignatureAlgorithm = tea.String(algorithm)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	params := &openapi.Params{Action: tea.String(action), Version: tea.String("2020-07-01"), Protocol: tea.String("HTTP"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
		ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
	query := map[string]*string{}
	for k, v := range q {
		query[k] = tea.String(v)
	}
	resp, err := c.CallApi(params, &openapi.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := resp["body"].(map[string]any)
	return body, nil
}

func list(extra map[string]string) map[string]string {
	q := map[string]string{"InstanceId": "ccc-acme", "PageNumber": "1", "PageSize": "100",
		"StartTime": fmt.Sprint(base.UnixMilli()), "EndTime": fmt.Sprint(base.UnixMilli() + 86400_000)}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

type listBody struct {
	Code           string
	HttpStatusCode int
	Data           struct {
		PageNumber, PageSize, TotalCount int
		List                             []struct {
			ContactId, ContactType, CallingNumber, CallDuration, InstanceId string
			StartTime                                                       int64
			TalkTime                                                        int64
		}
	}
}

func decode(t *testing.T, body map[string]any) listBody {
	t.Helper()
	b, _ := json.Marshal(body)
	var lb listBody
	if err := json.Unmarshal(b, &lb); err != nil {
		t.Fatal(err)
	}
	return lb
}

func contactIDs(lb listBody) []string {
	var ids []string
	for _, r := range lb.Data.List {
		ids = append(ids, r.ContactId)
	}
	return ids
}

func TestListCallDetailRecords(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	for _, alg := range []string{"", "v2"} {
		body, err := e.call(t, acmeID, acmeSecret, alg, "ListCallDetailRecords", list(nil))
		if err != nil {
			t.Fatalf("%q: %v", alg, err)
		}
		lb := decode(t, body)
		if lb.Code != "OK" || lb.HttpStatusCode != 200 || lb.Data.TotalCount != 11 || len(lb.Data.List) != 11 {
			t.Fatalf("%q: %+v", alg, lb)
		}
		for i := 1; i < len(lb.Data.List); i++ {
			if lb.Data.List[i].StartTime > lb.Data.List[i-1].StartTime {
				t.Errorf("not newest first")
			}
		}
		for _, r := range lb.Data.List {
			if r.InstanceId != "ccc-acme" {
				t.Errorf("InstanceId %q", r.InstanceId)
			}
		}
	}
	// Page 2 has no TotalCount.
	body, _ := e.call(t, acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"PageSize": "4", "PageNumber": "2"}))
	if lb := decode(t, body); lb.Data.TotalCount != 0 || len(lb.Data.List) != 4 || lb.Data.PageNumber != 2 {
		t.Errorf("page 2: %+v", lb.Data)
	}
	for _, tc := range []struct {
		name  string
		extra map[string]string
		want  int
	}{
		{"contact id overrides the window", map[string]string{"ContactId": "job-1", "StartTime": "1", "EndTime": "2"}, 1},
		{"criteria phone substring", map[string]string{"Criteria": `{"phoneNumber":"00000003"}`}, 1},
		{"calling number", map[string]string{"CallingNumber": "13900000005"}, 1},
		{"called number", map[string]string{"CalledNumber": "13800001111"}, 1},
		{"contact type list", map[string]string{"ContactTypeList": `["Outbound"]`}, 5},
		{"contact type", map[string]string{"ContactType": "Inbound"}, 6},
		{"disposition list, commas", map[string]string{"ContactDispositionList": "Success,NoAnswer"}, 11},
		{"agent", map[string]string{"AgentId": "agent01@acme"}, 1},
		{"skill group", map[string]string{"SkillGroupId": "sg@ccc"}, 1},
		{"satisfaction index", map[string]string{"SatisfactionList": `["1"]`}, 1},
		{"survey channel", map[string]string{"SatisfactionSurveyChannel": "SMS"}, 1},
		{"satisfaction label", map[string]string{"SatisfactionDescriptionList": `["满意"]`}, 1},
		{"early media state", map[string]string{"EarlyMediaStateList": "NoAnswer"}, 4}, // outbound no-answer renders EMS NoAnswer
	} {
		body, err := e.call(t, acmeID, acmeSecret, "", "ListCallDetailRecords", list(tc.extra))
		if lb := decode(t, body); err != nil || lb.Data.TotalCount != tc.want {
			t.Errorf("%s: %v total %d, want %d", tc.name, err, lb.Data.TotalCount, tc.want)
		}
	}
	body, _ = e.call(t, acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"OrderByField": "talkTime", "SortOrder": "ASC"}))
	lb := decode(t, body)
	for i := 1; i < len(lb.Data.List); i++ {
		if lb.Data.List[i].TalkTime < lb.Data.List[i-1].TalkTime {
			t.Errorf("talkTime ASC: %v", lb.Data.List)
		}
	}
}

func TestGetCallDetailRecord(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	body, err := e.call(t, acmeID, acmeSecret, "", "GetCallDetailRecord", map[string]string{"InstanceId": "ccc-acme", "ContactId": "job-1"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := body["Data"].(map[string]any)
	if data["ContactId"] != "job-1" || data["ContactType"] != "OUTBOUND" || data["CallDuration"] != "195" {
		t.Errorf("data %v", data)
	}
	_, err = e.call(t, acmeID, acmeSecret, "", "GetCallDetailRecord", map[string]string{"InstanceId": "ccc-acme", "ContactId": "nope"})
	wantError(t, err, "NotExists.ContactId", 404)
}

func wantError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var e *tea.SDKError
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v, want *tea.SDKError %s", err, err, code)
	}
	if tea.StringValue(e.Code) != code || tea.IntValue(e.StatusCode) != status {
		t.Errorf("SDK error %s %d (%s), want %s %d", tea.StringValue(e.Code), tea.IntValue(e.StatusCode), tea.StringValue(e.Message), code, status)
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	for _, tc := range []struct {
		name, id, secret, alg, action string
		q                             map[string]string
		code                          string
		status                        int
	}{
		{"wrong secret", acmeID, "wrong", "", "ListCallDetailRecords", list(nil), "SignatureDoesNotMatch", 400},
		{"wrong secret rpc", acmeID, "wrong", "v2", "ListCallDetailRecords", list(nil), "SignatureDoesNotMatch", 400},
		{"unknown key", "LTAInobody", acmeSecret, "", "ListCallDetailRecords", list(nil), "InvalidAccessKeyId.NotFound", 404},
		{"unknown action", acmeID, acmeSecret, "", "ListSkillGroups", list(nil), "InvalidApi.NotFound", 404},
		{"missing instance", acmeID, acmeSecret, "", "ListCallDetailRecords", map[string]string{"PageNumber": "1", "PageSize": "1"}, "MissingInstanceId", 400},
		{"missing page number", acmeID, acmeSecret, "", "ListCallDetailRecords", map[string]string{"InstanceId": "ccc-acme", "PageSize": "1"}, "MissingPageNumber", 400},
		{"page 101", acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"PageNumber": "101"}), "Parameter.Maximum", 400},
		{"page size 0", acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"PageSize": "0"}), "Parameter.Minimum", 400},
		{"bad criteria", acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"Criteria": "{phone"}), "Parameter.Format", 400},
		{"bad list", acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"ContactTypeList": `["a"`}), "Parameter.Format", 400},
		{"start after end", acmeID, acmeSecret, "", "ListCallDetailRecords", list(map[string]string{"StartTime": "2", "EndTime": "1"}), "Parameter.Format", 400},
		{"other tenant's instance", globexID, globexSecret, "", "ListCallDetailRecords", list(nil), "NotExists.InstanceId", 404},
		{"unknown instance", globexID, globexSecret, "", "ListCallDetailRecords", list(map[string]string{"InstanceId": "ccc-nobody"}), "NotExists.InstanceId", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call(t, tc.id, tc.secret, tc.alg, tc.action, tc.q)
			wantError(t, err, tc.code, tc.status)
		})
	}
	// Isolation: globex lists only its own records.
	body, err := e.call(t, globexID, globexSecret, "", "ListCallDetailRecords", list(map[string]string{"InstanceId": "ccc-globex"}))
	if lb := decode(t, body); err != nil || lb.Data.TotalCount != 11 {
		t.Fatalf("globex: %v %+v", err, lb.Data)
	}
}

func TestThrottling(t *testing.T) {
	e := newEnv(t, 1, 2)
	var codes []string
	for range 4 {
		_, err := e.call(t, acmeID, acmeSecret, "", "ListCallDetailRecords", list(nil))
		var se *tea.SDKError
		if errors.As(err, &se) {
			codes = append(codes, tea.StringValue(se.Code))
		} else {
			codes = append(codes, fmt.Sprint(err))
		}
	}
	if strings.Join(codes, ",") != "<nil>,<nil>,Throttling.User,Throttling.User" {
		t.Errorf("codes %v", codes)
	}
}
