package aliyunccc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
)

// MonoAction is the action that answers a call's recording
// (docs/wire-contracts.md §4.5).
const MonoAction = "GetMonoRecording"

// MonoRecording is GetMonoRecording's Data: where to download the call's
// recording (for a while), its file name and its duration.
type MonoRecording struct {
	FileURL  string
	FileName string
	Duration time.Duration
}

// monoExpire is the lifetime asked of a recording's address: enough to
// download it at once.
const monoExpire = time.Hour

// MonoRecording asks GetMonoRecording for the recording of contactID.
// Errors are *Error: NotExists.ContactId (the call has no recording, or
// not yet) is Invalid, as the vendor's other 4xx.
func (c *Client) MonoRecording(ctx context.Context, contactID string) (MonoRecording, error) {
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	q := url.Values{"InstanceId": {c.instance}, "ContactId": {contactID},
		"ExpireSeconds": {strconv.Itoa(int(monoExpire / time.Second))}}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url+"?"+q.Encode(), nil)
	if err != nil {
		return MonoRecording{}, &Error{Kind: Invalid, Message: "the request cannot be built", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "cdrhub-sync")
	req.Header.Set("x-acs-action", MonoAction)
	req.Header.Set("x-acs-version", Version)
	if err := pop.SignV3(req, nil, c.id, c.secret, c.now(), ""); err != nil {
		return MonoRecording{}, &Error{Kind: Invalid, Message: "the request cannot be signed", Err: err}
	}
	a, err := vendorhttp.Do(ctx, c.http, req, MaxBody, c.now)
	if err != nil {
		return MonoRecording{}, fromFailure(err)
	}
	return decodeMono(a.Status, a.Body)
}

// decodeMono reads GetMonoRecording's answer: the envelope's error, or a
// Data with an http(s) FileUrl.
func decodeMono(status int, body []byte) (MonoRecording, error) {
	malformed := func(format string, args ...any) (MonoRecording, error) {
		kind := Transient
		if status != http.StatusOK {
			kind = statusKind(status)
		}
		return MonoRecording{}, &Error{Kind: kind, Status: status, Message: fmt.Sprintf("the answer is not GetMonoRecording's: "+format, args...)}
	}
	var env struct {
		RequestId, Code, Message json.RawMessage
		Data                     *struct {
			FileUrl, FileName string
			Duration          int64
		}
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("%v", err)
	}
	code := str(env.Code)
	if status != http.StatusOK || (env.Data == nil && code != "" && code != "OK") {
		if code == "" {
			return malformed("an error without a Code")
		}
		return MonoRecording{}, &Error{Kind: errorKind(code, status), Code: code, Message: str(env.Message), RequestID: str(env.RequestId), Status: status}
	}
	if env.Data == nil {
		return malformed("no Data object")
	}
	u, err := url.Parse(env.Data.FileUrl)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return malformed("FileUrl is not an http(s) address")
	}
	return MonoRecording{FileURL: env.Data.FileUrl, FileName: env.Data.FileName, Duration: time.Duration(env.Data.Duration) * time.Millisecond}, nil
}

// RecordingResolver finds where the recording of an archived file is for
// the archive (recordings.Resolver): the record's ContactId (its
// source_id) asked of GetMonoRecording with clients' tenant's client. A
// tenant without one (it does not sync from Alibaba) is an error: its
// files wait for an upload.
func RecordingResolver(store cdr.Store, clients map[cdr.TenantID]*Client) func(ctx context.Context, t cdr.TenantID, f cdr.ArchiveFile) (string, error) {
	return func(ctx context.Context, t cdr.TenantID, f cdr.ArchiveFile) (string, error) {
		c := clients[t]
		if c == nil {
			return "", fmt.Errorf("tenant %s does not sync from Alibaba: its recordings wait for an upload", t)
		}
		rec, err := store.FindRecordByID(ctx, t, f.RecordID)
		if err != nil {
			return "", err
		}
		m, err := c.MonoRecording(ctx, rec.SourceID)
		if err != nil {
			return "", err
		}
		return m.FileURL, nil
	}
}
