package aliyunccc

import (
	"errors"
	"testing"
	"time"
)

func TestDecodeMono(t *testing.T) {
	ok := `{"RequestId":"r1","Code":"OK","HttpStatusCode":200,"Data":{"FileUrl":"https://h.example/a.wav?x=1","FileName":"job-1.wav","Duration":30000}}`
	m, err := decodeMono(200, []byte(ok))
	if err != nil || m.FileURL != "https://h.example/a.wav?x=1" || m.FileName != "job-1.wav" || m.Duration != 30*time.Second {
		t.Fatalf("%+v %v", m, err)
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   Kind
		code   string
	}{
		{"not JSON", 200, `<html>`, Transient, ""},
		{"no Data", 200, `{"RequestId":"r","Code":"OK"}`, Transient, ""},
		{"no address", 200, `{"RequestId":"r","Code":"OK","Data":{"FileUrl":""}}`, Transient, ""},
		{"not http", 200, `{"RequestId":"r","Code":"OK","Data":{"FileUrl":"javascript:alert(1)"}}`, Transient, ""},
		{"no contact", 404, `{"RequestId":"r","Code":"NotExists.ContactId","Message":"The specified contact job-9 does not exist.","HttpStatusCode":404}`, Invalid, "NotExists.ContactId"},
		{"throttled", 400, `{"RequestId":"r","Code":"Throttling.User","Message":"denied","HttpStatusCode":400}`, Throttled, "Throttling.User"},
		{"5xx without envelope", 502, `bad gateway`, Transient, ""},
	} {
		_, err := decodeMono(tc.status, []byte(tc.body))
		var e *Error
		if !errors.As(err, &e) || e.Kind != tc.kind || e.Code != tc.code {
			t.Errorf("%s: %v (%+v), want kind %v code %q", tc.name, err, e, tc.kind, tc.code)
		}
	}
}
