package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var flatCases = []string{
	`{"msg_id":"a1","username":"u","session":"s","date":"2026-01-02T03:04:05.000006Z","msg_type":"apply_request","version":"5.3"}`,
	` { "msg_type" : "x_reply" , "msg_id":"b" } `,
	"{\n\t\"msg_type\":\"x\",\r\n\"msg_id\":\"b\"\n}",
	`{}`,
	` {} `,
	`{"msg_id":"a","msg_id":"b"}`,
	`{"msg_id":"a","subshell_id":"z"}`,
	`{"msg_id":"a","MSG_ID":"b"}`,
	`{"Msg_Type":"t"}`,
	`{"msg_id":"a\"b"}`,
	`{"msg_id":"a\u0041"}`,
	`{"msg_id":"é"}`,
	`{"msg_\u0069d":"x"}`,
	"{\"msg_id\":\"\xff\"}",
	`{"msg_id":1}`,
	`{"msg_id":null}`,
	`{"msg_id":"a",}`,
	`{"msg_id":"a"} x`,
	`{"msg_id":"a"`,
	`{"msg_id" "a"}`,
	`[]`,
	``,
	`null`,
	`{"msg_id":"a","x":{"y":"z"}}`,
	`{"msg_id":"a","x":[1,{"y":["z"]}]}`,
	"{\"msg_id\":\"a\tb\"}",
	"{\"msg_id\":\"a\"}\f",
}

// TestUnmarshalHeaderMatchesJSON checks UnmarshalHeader and HeaderMsgID against
// encoding/json, and that the fast path takes the usual headers.
func TestUnmarshalHeaderMatchesJSON(t *testing.T) {
	fast := 0
	for _, c := range flatCases {
		checkHeader(t, []byte(c))
		var h Header
		if flatHeader([]byte(c), &h) {
			fast++
		}
	}
	if fast < 7 {
		t.Errorf("fast path took only %d of %d cases", fast, len(flatCases))
	}
}

func checkHeader(t *testing.T, b []byte) {
	t.Helper()
	got := Header{MsgID: "stale", Date: "stale"}
	err := UnmarshalHeader(b, &got)
	var want Header
	werr := json.Unmarshal(b, &want)
	if (err == nil) != (werr == nil) || got != want {
		t.Errorf("UnmarshalHeader(%q) = %+v, %v; json: %+v, %v", b, got, err, want, werr)
	}
	id, err := HeaderMsgID(b)
	var p struct {
		MsgID string `json:"msg_id"`
	}
	werr = json.Unmarshal(b, &p)
	if (err == nil) != (werr == nil) || id != p.MsgID {
		t.Errorf("HeaderMsgID(%q) = %q, %v; json: %q, %v", b, id, err, p.MsgID, werr)
	}
}

func FuzzUnmarshalHeader(f *testing.F) {
	for _, c := range flatCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkHeader(t, b) })
}

// objectCases are objects and near-objects that ScanObject and validObject must
// judge as json.Valid does whenever they answer.
var objectCases = []string{
	`{"status":"ok","result":{"v":1,"values":[null],"types":[]},"engine_info":{"engine_id":3,"started":"2026-01-02T03:04:05.1Z","completed":"2026-01-02T03:04:05.2Z"}}`,
	`{"engine":0,"status":"ok","engine_info":{"engine_id":0,"started":"a","completed":"b"}}`,
	` { "a" : [ 1 , 2.5 , -0 , 1e3 , 1E-3 , 0.5e+7 ] , "b" : { } , "c" : [ ] } `,
	`{"a":"\"\\\/\b\f\n\r\t\u00e9\uD834\uDD1E"}`,
	`{"a":"日本語","b":"` + "\xff\xfe" + `"}`,
	`{"a":true,"b":false,"c":null}`,
	`{"a":01}`,
	`{"a":1.}`,
	`{"a":.5}`,
	`{"a":1e}`,
	`{"a":-}`,
	`{"a":+1}`,
	`{"a":"\x"}`,
	`{"a":"\u12"}`,
	`{"a":"\u12G4"}`,
	"{\"a\":\"x\ny\"}",
	`{"a":tru}`,
	`{"a":nul}`,
	`{"a":[1,]}`,
	`{"a":[1 2]}`,
	`{"a":{"b"}}`,
	`{"a":{"b":1,}}`,
	`{"a":1}}`,
	`{"a":1`,
	`{"a" 1}`,
	`{a:1}`,
	`{"a":1,"a":2}`,
	`{"\u0061":1}`,
	`{"é":1}`,
	`[1]`,
	`"x"`,
	`{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	`{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 69) + `}`,
}

// TestScanObjectMatchesValid checks that ScanObject and validObject never vouch
// for what json.Valid rejects, hand the callback each value verbatim, and take
// the usual objects.
func TestScanObjectMatchesValid(t *testing.T) {
	for _, c := range objectCases[:6] {
		if !validObject([]byte(c)) {
			t.Errorf("validObject(%q) = false, want the fast path", c)
		}
		if !ScanObject([]byte(c), func(k, v []byte) bool { return true }) {
			t.Errorf("ScanObject(%q) = false, want the fast path", c)
		}
	}
	for _, c := range objectCases {
		checkObject(t, []byte(c))
	}
}

func checkObject(t *testing.T, b []byte) {
	t.Helper()
	valid := json.Valid(b)
	if validObject(b) && !valid {
		t.Errorf("validObject(%q) vouches for invalid JSON", b)
	}
	if valid && !validObject(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) && depth(b) < maxScanDepth {
		t.Errorf("validObject(%q) = false for a valid object", b)
	}
	var raw map[string]json.RawMessage
	jerr := json.Unmarshal(b, &raw)
	got := map[string][]byte{}
	ok := ScanObject(b, func(k, v []byte) bool {
		if !json.Valid(v) {
			t.Errorf("ScanObject(%q) passed invalid value %q", b, v)
		}
		got[string(k)] = v
		return true
	})
	if !ok {
		return
	}
	if !valid || jerr != nil {
		t.Fatalf("ScanObject(%q) accepted what json rejects", b)
	}
	if len(got) != len(raw) {
		t.Errorf("ScanObject(%q) saw keys %q, json %q", b, got, raw)
	}
	for k, v := range raw {
		if !bytes.Equal(got[k], v) {
			t.Errorf("ScanObject(%q)[%q] = %q, json %q", b, k, got[k], v)
		}
	}
}

// depth returns how deeply b's arrays and objects nest.
func depth(b []byte) int {
	d := json.NewDecoder(bytes.NewReader(b))
	n, most := 0, 0
	for {
		tok, err := d.Token()
		if err != nil { // io.EOF, or an error after which depth no longer matters
			return most
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			n++
			most = max(most, n)
		case json.Delim('}'), json.Delim(']'):
			n--
		}
	}
}

func FuzzScanObject(f *testing.F) {
	for _, c := range objectCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkObject(t, b) })
}

func TestPlainString(t *testing.T) {
	for in, want := range map[string]string{`"abc"`: "abc", `""`: "", `"a\nb"`: "", `"a" `: "", `"é"`: "", `1`: "", `"a`: ""} {
		got, ok := PlainString([]byte(in))
		if ok != (want != "" || in == `""`) || string(got) != want {
			t.Errorf("PlainString(%q) = %q, %v", in, got, ok)
		}
		var s string
		if ok && (json.Unmarshal([]byte(in), &s) != nil || s != string(got)) {
			t.Errorf("PlainString(%q) = %q, json %q", in, got, s)
		}
	}
}

func BenchmarkHeaderDecode(b *testing.B) {
	h := []byte(`{"msg_id":"0b9f7c1e-5d4a-4f0e-9a51-2c7d3e8f6a10_1234_5","username":"user","session":"0b9f7c1e-5d4a-4f0e-9a51-2c7d3e8f6a10","date":"2026-01-02T03:04:05.000006Z","msg_type":"apply_request","version":"5.3"}`)
	b.Run("flat", func(b *testing.B) {
		for b.Loop() {
			var x Header
			_ = UnmarshalHeader(h, &x)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var x Header
			_ = json.Unmarshal(h, &x)
		}
	})
}

func BenchmarkValidObject(b *testing.B) {
	o := []byte(objectCases[0])
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			validObject(o)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			json.Valid(o)
		}
	})
}
