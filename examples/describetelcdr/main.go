// Command describetelcdr queries cdrhub's Tencent Cloud CCC API with
// Tencent's official Go SDK, exactly as it would query Tencent Cloud: only
// the endpoint differs. Start the demo, then pass the credentials it
// prints:
//
//	go run ./cmd/cdrhub serve --demo
//	go run ./examples/describetelcdr -endpoint localhost:8080 \
//	  -secret-id AKID... -secret-key ... -sdk-app-id 1400000000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

func main() {
	endpoint := flag.String("endpoint", "localhost:8080", "cdrhub host:port")
	secretID := flag.String("secret-id", "", "SecretId printed by serve --demo")
	secretKey := flag.String("secret-key", "", "SecretKey printed by serve --demo")
	sdkAppID := flag.Int64("sdk-app-id", 1400000000, "SdkAppId printed by serve --demo")
	days := flag.Int("days", 30, "how many days back to query")
	flag.Parse()

	prof := profile.NewClientProfile()
	prof.HttpProfile.Endpoint = *endpoint
	prof.HttpProfile.Scheme = "http" // the demo serves plain HTTP on loopback
	client := common.NewCommonClient(common.NewCredential(*secretID, *secretKey), "ap-guangzhou", prof)

	req := tchttp.NewCommonRequest("ccc", "2020-02-10", "DescribeTelCdr")
	end := time.Now()
	if err := req.SetActionParameters(map[string]any{
		"SdkAppId":       *sdkAppID,
		"StartTimeStamp": end.AddDate(0, 0, -*days).Unix(),
		"EndTimeStamp":   end.Unix(),
		"PageSize":       5,
		"PageNumber":     0,
	}); err != nil {
		log.Fatal(err)
	}
	resp := tchttp.NewCommonResponse()
	if err := client.Send(req, resp); err != nil {
		log.Fatal(err) // an SDK error carries the API 3.0 code, e.g. AuthFailure.SignatureFailure
	}
	var out struct {
		Response struct {
			TotalCount int64
			TelCdrList []struct {
				SessionId      string
				Caller, Callee string
				Time           int64
				Duration       int64
				EndStatus      int64
			}
		}
	}
	if err := json.Unmarshal(resp.GetBody(), &out); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d calls in the last %d days; the newest:\n", out.Response.TotalCount, *days)
	for _, c := range out.Response.TelCdrList {
		fmt.Printf("  %s  %s → %s  %3ds  EndStatus %d  %s\n", time.Unix(c.Time, 0).Format(time.DateTime), c.Caller, c.Callee, c.Duration, c.EndStatus, c.SessionId)
	}
}
