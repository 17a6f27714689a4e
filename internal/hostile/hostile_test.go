package hostile

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"time"
)

// Cases are built concurrently, round after round, by the binary tests and
// the load tool, so Build must not change the case: a case built a second
// time, later, carries the later time wherever it carries one.
func TestBuildDoesNotChangeTheCase(t *testing.T) {
	target := Target{Base: "http://127.0.0.1:1", NativeToken: "t", TencentSecretID: "id", TencentSecretKey: "k",
		TencentSdkAppID: 1, AliyunAccessKeyID: "a", AliyunSecret: "s", AliyunInstance: "i",
		IMSdkAppID: 1400000001, IMKey: "key", IMIdentifier: "admin", LaafficKey: "lk", LaafficSecret: "ls"}
	first := time.Unix(1_700_000_000, 0)
	later := first.Add(1000 * time.Hour)
	for _, c := range Cases() {
		if _, err := c.Build(target, first); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		a, err := c.Build(target, first)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Build(target, later)
		if err != nil {
			t.Fatal(err)
		}
		if a.Body == nil {
			continue
		}
		bodyA, _ := io.ReadAll(a.Body)
		bodyB, _ := io.ReadAll(b.Body)
		if bytes.Contains(bodyA, []byte(strconv.FormatInt(first.Unix(), 10))) &&
			!bytes.Contains(bodyB, []byte(strconv.FormatInt(later.Unix(), 10))) {
			t.Errorf("%s: built again at a later time, its body still carries the first time", c.Name)
		}
	}
}
