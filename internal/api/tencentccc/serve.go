package tencentccc

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/httpx"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
)

// Actions served.
const (
	actionDescribe          = "DescribeTelCdr"
	actionDescribeProtected = "DescribeProtectedTelCdr"
)

// listResponse is the Response object of both actions. TelCdrs is the
// deprecated twin of TelCdrList; both are sent, identical.
type listResponse struct {
	TotalCount int64             `json:"TotalCount"`
	TelCdrList []json.RawMessage `json:"TelCdrList"`
	TelCdrs    []json.RawMessage `json:"TelCdrs"`
	RequestID  string            `json:"RequestId"`
}

// serve authenticates, validates and answers one request.
func (a *API) serve(r *http.Request) (*listResponse, error) {
	action := r.Header.Get("X-TC-Action")
	if action == "" {
		action = r.URL.Query().Get("Action")
	}
	label := action
	if label != actionDescribe && label != actionDescribeProtected {
		label = "unknown"
	}
	httpx.SetRoute(r.Context(), "tencent_ccc", label)
	now := a.now()
	opt := tc3.Options{Service: "ccc", AllowToken: true}
	if err := tc3.CheckHeaders(r, a, now, opt); err != nil {
		return nil, err // before a byte of the body is read
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errorf(codeInvalidParameter, "The request body could not be read.")
	}
	if len(body) > maxBody {
		return nil, errorf(codeRequestTooLarge, "The request body exceeds 1 MiB.")
	}
	res, err := tc3.Verify(r, body, a, now, opt)
	if err != nil {
		return nil, err
	}
	t := a.keys[res.SecretID].tenant
	httpx.SetPrincipal(r.Context(), t.ID.String(), res.SecretID)
	if res.Token != "" && !t.AllowToken {
		return nil, errorf(codeTokenFailure, "Temporary credentials (X-TC-Token) are not accepted here.")
	}
	if res.Version != Version {
		return nil, errorf(codeNoSuchVersion, "The API version `"+res.Version+"` does not exist.")
	}
	if res.Action != actionDescribe && res.Action != actionDescribeProtected {
		return nil, errorf(codeInvalidAction, "The action `"+res.Action+"` does not exist.")
	}
	if t.ProtectedOnly && res.Action != actionDescribeProtected {
		// Under TC3 the action is not signed: this is what keeps a
		// replayed DescribeProtectedTelCdr from showing the numbers.
		return nil, errorf(codeUnauthorizedOp, msgProtectedOnly)
	}
	if !t.limiter.Allow(now) {
		return nil, errorf(codeRequestLimit, "The request frequency has exceeded the limit.")
	}
	var q *request
	if res.Scheme == tc3.SchemeTC3 && r.Method == http.MethodPost {
		q, err = parseJSON(body)
	} else {
		q, err = parseForm(r, body) // v1, and TC3 GET: the query or a form
	}
	if err != nil {
		return nil, err
	}
	f, err := a.filter(q, t, now)
	if err != nil {
		return nil, err
	}
	recs, total, err := a.store.FindRecords(r.Context(), t.ID, f)
	if err != nil {
		return nil, err
	}
	resp := &listResponse{TotalCount: int64(total), TelCdrList: make([]json.RawMessage, 0, len(recs))}
	for _, rec := range recs {
		if a.Rewrite != nil {
			if err := a.Rewrite(r.Context(), t.ID, httpx.Origin(r), rec); err != nil {
				return nil, err
			}
		}
		var out json.RawMessage
		if res.Action == actionDescribeProtected {
			out, err = tcmap.RenderProtected(rec, t.SdkAppID)
		} else {
			out, err = tcmap.Render(rec, t.SdkAppID)
		}
		if err != nil {
			return nil, err
		}
		resp.TelCdrList = append(resp.TelCdrList, out)
	}
	resp.TelCdrs = resp.TelCdrList
	return resp, nil
}

// maxBody is the most a request may carry: API 3.0 allows 10 MB, but a
// record query needs a few kB, so cdrhub allows 1 MiB (MaxClaimedBody of
// the listener).
const maxBody = 1 << 20
