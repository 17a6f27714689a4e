module github.com/cdrhub/cdrhub

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	go.yaml.in/yaml/v3 v3.0.4 // indirect
)
