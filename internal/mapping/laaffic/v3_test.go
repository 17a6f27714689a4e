package laaffic

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

func TestMaskCalled(t *testing.T) {
	for s, want := range map[string]string{
		"918612345978737": "918********8737", "13800001111": "138****1111", "12345678": "123*5678",
		"1234567": "1234567", "": "", "+86 139-1234-5678": "+86**********5678", "会话号码一二三四五": "会话号**二三四五",
	} {
		if got := MaskCalled(s); got != want {
			t.Errorf("MaskCalled(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestRenderV3Raw(t *testing.T) {
	r := mustIngest(t, `{ "callSessionId" : "s-1", "called":"13800001111", "callStartTime":"2024-01-02 03:04:05","remark":"é\u00e9"}`)
	want := `{"callSessionId":"s-1","called":"13800001111","callStartTime":"2024-01-02 03:04:05","remark":"é\u00e9","keyId":"s-1","encryptCalled":"138****1111"}`
	for _, stage := range []string{"ingested", "prepared"} {
		if got, err := RenderV3(r, nil); err != nil || string(got) != want {
			t.Errorf("%s: RenderV3 raw:\n got %s %v\nwant %s", stage, got, err, want)
		}
		mustPrepare(t, r)
	}
	// A v3 raw keeps its own keyId and encryptCalled.
	r = mustIngest(t, `{"keyId":"k-7","callSessionId":"s-2","called":"13800001111","encryptCalled":"138xxxx1111","callStartTime":"2024-01-02 03:04:05"}`)
	if got, _ := RenderV3(r, nil); string(got) != string(r.Raw) {
		t.Errorf("a v3 raw was changed: %s", got)
	}
	// called not a string: encryptCalled "".
	r = mustIngest(t, `{"callSessionId":"s-3","callStartTime":"2024-01-02 03:04:05","called":null}`)
	if got, _ := RenderV3(r, nil); string(got) != `{"callSessionId":"s-3","callStartTime":"2024-01-02 03:04:05","called":null,"keyId":"s-3","encryptCalled":""}` {
		t.Errorf("null called: %s", got)
	}
	if _, err := RenderV3(nil, nil); err == nil {
		t.Error("nil rendered")
	}
	if _, err := RenderV3(&cdr.Record{Channel: cdr.ChannelRTC}, nil); err == nil {
		t.Error("rtc rendered")
	}
}
