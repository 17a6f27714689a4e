module github.com/cdrhub/cdrhub

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	github.com/mattn/go-sqlite3 v1.14.53
	go.yaml.in/yaml/v3 v3.0.4
)

require github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.209
