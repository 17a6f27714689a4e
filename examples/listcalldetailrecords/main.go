// Command listcalldetailrecords queries cdrhub's Alibaba Cloud CCC API with
// Alibaba's official Go SDK (darabonba-openapi), exactly as it would query
// Alibaba Cloud: only the endpoint differs. Start the demo, then pass the
// credentials it prints:
//
//	go run ./cmd/cdrhub serve --demo
//	go run ./examples/listcalldetailrecords -endpoint localhost:8080 \
//	  -access-key-id LTAI... -access-key-secret ... -instance-id ccc-demo
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

func main() {
	endpoint := flag.String("endpoint", "localhost:8080", "cdrhub host:port")
	id := flag.String("access-key-id", "", "AccessKeyId printed by serve --demo")
	secret := flag.String("access-key-secret", "", "AccessKeySecret printed by serve --demo")
	instance := flag.String("instance-id", "ccc-demo", "InstanceId printed by serve --demo")
	days := flag.Int("days", 30, "how many days back to query")
	flag.Parse()

	client, err := openapi.NewClient(&openapi.Config{AccessKeyId: tea.String(*id), AccessKeySecret: tea.String(*secret),
		Endpoint: tea.String(*endpoint), Protocol: tea.String("http")}) // the demo serves plain HTTP on loopback
	if err != nil {
		log.Fatal(err)
	}
	params := &openapi.Params{Action: tea.String("ListCallDetailRecords"), Version: tea.String("2020-07-01"),
		Protocol: tea.String("HTTP"), Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
	end := time.Now()
	query := map[string]*string{
		"InstanceId": tea.String(*instance),
		"StartTime":  tea.String(fmt.Sprint(end.AddDate(0, 0, -*days).UnixMilli())),
		"EndTime":    tea.String(fmt.Sprint(end.UnixMilli())),
		"PageNumber": tea.String("1"),
		"PageSize":   tea.String("5"),
	}
	resp, err := client.CallApi(params, &openapi.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		log.Fatal(err) // a *tea.SDKError carries the POP code and HTTP status, e.g. SignatureDoesNotMatch, 400
	}
	b, _ := json.Marshal(resp["body"])
	var out struct {
		Data struct {
			TotalCount int
			List       []struct {
				ContactId, ContactType, ContactDisposition string
				CallingNumber, CalledNumber, CallDuration  string
				StartTime                                  int64
			}
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d calls in the last %d days; the newest:\n", out.Data.TotalCount, *days)
	for _, c := range out.Data.List {
		fmt.Printf("  %s  %s → %s  %4ss  %-9s %-16s %s\n", time.UnixMilli(c.StartTime).Format(time.DateTime),
			c.CallingNumber, c.CalledNumber, c.CallDuration, c.ContactType, c.ContactDisposition, c.ContactId)
	}
}
