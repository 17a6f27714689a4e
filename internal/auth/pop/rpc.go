package pop

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
)

// requiredRPC are the RPC v1 parameters a request must carry, in the order
// they are checked.
var requiredRPC = []string{
	"AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce",
	"Timestamp", "Action", "Version",
}

func verifyRPC(r *http.Request, params url.Values, keys Keys, now time.Time, opt Options) (Result, error) {
	for k, vs := range params {
		if commonParams[k] && len(vs) != 1 {
			return Result{}, errRepeated(k)
		}
	}
	for _, k := range requiredRPC {
		if params.Get(k) == "" {
			return Result{}, errMissing(k, k)
		}
	}
	if params.Get("SignatureMethod") != "HMAC-SHA1" {
		return Result{}, errSignatureMethod("method")
	}
	if params.Get("SignatureVersion") != "1.0" {
		return Result{}, errSignatureMethod("version")
	}
	ts, err := checkTime(params.Get("Timestamp"), now, opt)
	if err != nil {
		return Result{}, err
	}
	id := params.Get("AccessKeyId")
	secret, ok := keys.Lookup(id)
	if !ok {
		return Result{}, errAccessKey()
	}
	sts := stringToSignRPC(r.Method, params)
	want := signRPC(secret, sts)
	if !hmac.Equal([]byte(want), []byte(params.Get("Signature"))) {
		return Result{}, errSignature(sts)
	}
	return admit(opt, result(SchemeRPC, id, params.Get("Action"), params.Get("Version"), params), params.Get("SignatureNonce"), ts, now)
}

// stringToSignRPC is METHOD&%2F&pct(canonical parameters), the parameters
// being every one but Signature, keys and values pct-encoded: values are
// thus encoded twice (":" becomes %253A).
func stringToSignRPC(method string, params url.Values) string {
	signed := make(url.Values, len(params))
	for k, vs := range params {
		if k != "Signature" {
			signed[k] = vs
		}
	}
	return method + "&" + pct("/") + "&" + pct(canonicalParams(signed))
}

func signRPC(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignRPC signs params for an RPC v1 request sent with method (GET or
// POST) at time now: it sets Timestamp, SignatureNonce (a random one when
// nonce is ""), SignatureMethod HMAC-SHA1, SignatureVersion 1.0,
// AccessKeyId, Format JSON when unset, and Signature. The caller sets
// Action, Version and the API's parameters first, and may send the result
// in the query, a form body, or split between the two.
func SignRPC(params url.Values, method, id, secret string, now time.Time, nonce string) {
	if nonce == "" {
		nonce = newNonce()
	}
	if params.Get("Format") == "" {
		params.Set("Format", "JSON")
	}
	params.Set("Timestamp", now.UTC().Format(timeLayout))
	params.Set("SignatureNonce", nonce)
	params.Set("SignatureMethod", "HMAC-SHA1")
	params.Set("SignatureVersion", "1.0")
	params.Set("AccessKeyId", id)
	params.Del("Signature")
	params.Set("Signature", signRPC(secret, stringToSignRPC(method, params)))
}
