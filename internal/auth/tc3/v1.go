package tc3

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

func verifyV1(r *http.Request, body []byte, keys Keys, now time.Time, opt Options) (Result, error) {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		raw = string(body) // a form POST carries everything in its body
	}
	params, err := flatParams(raw)
	if err != nil {
		return Result{}, err
	}
	for _, name := range []string{"Action", "Version", "Timestamp", "Nonce", "SecretId", "Signature"} {
		if params[name] == "" {
			return Result{}, errMissing(name)
		}
	}
	newHash, scheme, ok := v1Hash(params["SignatureMethod"])
	if !ok {
		return Result{}, errSignatureMethod()
	}
	if _, err := strconv.ParseUint(params["Nonce"], 10, 64); err != nil {
		return Result{}, errTypeError("Nonce")
	}
	res := Result{
		Scheme:        scheme,
		Action:        params["Action"],
		Version:       params["Version"],
		Region:        params["Region"],
		Token:         params["Token"],
		Language:      params["Language"],
		RequestClient: params["RequestClient"],
		Nonce:         params["Nonce"],
	}
	if res.Token != "" && !opt.AllowToken {
		return Result{}, errToken()
	}
	if res.Timestamp, err = checkTime(params["Timestamp"], now, opt); err != nil {
		return Result{}, err
	}
	key, ok := keys.Lookup(params["SecretId"])
	if !ok {
		return Result{}, errSecretID()
	}
	want := v1Signature(newHash, key, v1StringToSign(r.Method, host(r), path(r), params))
	if !hmac.Equal([]byte(want), []byte(params["Signature"])) {
		return Result{}, errSignature()
	}
	res.SecretID = params["SecretId"]
	res.Params = ownParams(params)
	return res, nil
}

// v1Hash maps a SignatureMethod to its hash; absent means HmacSHA1.
func v1Hash(method string) (func() hash.Hash, Scheme, bool) {
	switch method {
	case "", string(SchemeHmacSHA1):
		return sha1.New, SchemeHmacSHA1, true
	case string(SchemeHmacSHA256):
		return sha256.New, SchemeHmacSHA256, true
	}
	return nil, "", false
}

// v1StringToSign is METHOD + host + path + "?" + k=v pairs sorted by key
// and joined with "&", over every parameter but Signature, with the values
// decoded (not URL-encoded) and empty ones kept.
func v1StringToSign(method, host, path string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(method + host + path + "?")
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + params[k])
	}
	return b.String()
}

func v1Signature(newHash func() hash.Hash, key, stringToSign string) string {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignV1 signs params with the legacy v1 signature for a request of method
// to host (port included) and path ("/" for the SDKs): it sets SecretId
// and SignatureMethod (algo "" means HmacSHA1), then Signature. The caller
// puts Action, Version, Region, Timestamp, Nonce and the API's own
// parameters in params first and sends them as the query (GET) or a form
// body (POST).
func SignV1(params url.Values, method, host, path string, cred Credential, algo string) error {
	if algo == "" {
		algo = string(SchemeHmacSHA1)
	}
	newHash, _, ok := v1Hash(algo)
	if !ok {
		return errors.New("tc3: SignV1: unsupported algorithm " + strconv.Quote(algo))
	}
	params.Set("SecretId", cred.SecretID)
	params.Set("SignatureMethod", algo)
	params.Del("Signature")
	flat := make(map[string]string, len(params))
	for k, v := range params {
		if len(v) != 1 {
			return errors.New("tc3: SignV1: parameter " + strconv.Quote(k) + " must have exactly one value")
		}
		flat[k] = v[0]
	}
	params.Set("Signature", v1Signature(newHash, cred.SecretKey, v1StringToSign(method, host, path, flat)))
	return nil
}
