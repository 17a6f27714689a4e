package recordings

import (
	"bytes"
	"net/http"
	"strings"
)

// SniffLen is how many leading bytes decide a file's media type.
const SniffLen = 512

// sniffAudio returns the media type of an audio file starting with b, or
// "" with the type it looks like instead when it is not audio (nor video:
// a recording may come in a video container). It knows the call-recording
// formats http.DetectContentType does not: MP3 without an ID3 tag, AAC in
// ADTS, AMR, M4A, FLAC.
func sniffAudio(b []byte) (ct, other string) {
	switch {
	case bytes.HasPrefix(b, []byte("#!AMR-WB\n")):
		return "audio/amr-wb", ""
	case bytes.HasPrefix(b, []byte("#!AMR\n")):
		return "audio/amr", ""
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "audio/flac", ""
	case bytes.HasPrefix(b, []byte("OggS")):
		return "audio/ogg", ""
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WAVE":
		return "audio/wav", ""
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch brand := string(b[8:12]); {
		case brand == "M4A " || brand == "M4B " || brand == "M4P " || brand == "F4A ":
			return "audio/mp4", ""
		case strings.HasPrefix(brand, "3gp"):
			return "audio/3gpp", ""
		}
		return "video/mp4", ""
	case bytes.HasPrefix(b, []byte{0x1a, 0x45, 0xdf, 0xa3}): // EBML
		if bytes.Contains(b, []byte("webm")) {
			return "audio/webm", ""
		}
		return "audio/x-matroska", ""
	case bytes.HasPrefix(b, []byte("ID3")) && len(b) >= 10:
		return "audio/mpeg", ""
	case mpegFrame(b):
		return "audio/mpeg", ""
	case adtsFrame(b):
		return "audio/aac", ""
	}
	ct = http.DetectContentType(b)
	switch {
	case strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "video/"):
		if ct == "audio/wave" {
			ct = "audio/wav"
		}
		return ct, ""
	case ct == "application/ogg":
		return "audio/ogg", ""
	}
	if looksJSON(b) {
		ct = "application/json"
	}
	return "", ct
}

// mpegFrame reports whether b starts with an MPEG audio frame header
// (MP3 without an ID3 tag, as many PBXs write it): 11 sync bits, a valid
// version, layer, bitrate and sample rate.
func mpegFrame(b []byte) bool {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return false
	}
	version := b[1] >> 3 & 3
	layer := b[1] >> 1 & 3
	bitrate := b[2] >> 4
	rate := b[2] >> 2 & 3
	return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3
}

// adtsFrame reports whether b starts with an AAC ADTS frame header.
func adtsFrame(b []byte) bool {
	return len(b) >= 7 && b[0] == 0xff && b[1]&0xf6 == 0xf0 && b[2]>>2&0xf < 13
}

// looksJSON reports whether b starts, after white space, like a JSON
// object or array.
func looksJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		b = b[3:]
	}
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// sniffTranscript returns the media type of a transcript starting with b
// (text or JSON), or "" with the type it looks like instead. An HTML page
// is refused: a transcript URL answering one is an error page.
func sniffTranscript(b []byte) (ct, other string) {
	ct = http.DetectContentType(b)
	switch {
	case strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/xml"):
		return "", ct
	case strings.HasPrefix(ct, "text/plain") && looksJSON(b):
		return "application/json", ""
	case strings.HasPrefix(ct, "text/") || ct == "application/json":
		return ct, ""
	}
	return "", ct
}
