package controller

import (
	"encoding/json"
	"testing"

	"github.com/goparallel/goparallel/protocol"
)

var flatCases = []string{
	`{"msg_id":"a1","username":"u","session":"s","date":"2026-01-02T03:04:05.000006Z","msg_type":"apply_request","version":"5.3"}`,
	` { "msg_type" : "x_reply" , "msg_id":"b" } `,
	`{}`,
	` {} `,
	`{"msg_id":"a","msg_id":"b"}`,
	`{"msg_id":"a","subshell_id":"z"}`,
	`{"msg_id":"a","MSG_ID":"b"}`,
	`{"Msg_Type":"t"}`,
	`{"msg_id":"a\"b"}`,
	`{"msg_id":"a\u0041"}`,
	`{"msg_id":"é"}`,
	"{\"msg_id\":\"\xff\"}",
	`{"msg_id":1}`,
	`{"msg_id":null}`,
	`{"msg_id":"a",}`,
	`{"msg_id":"a"} x`,
	`{"msg_id":"a"`,
	`{"msg_id" "a"}`,
	`[]`,
	``,
	`{"msg_id":"a","x":{"y":"z"}}`,
	"{\"msg_id\":\"a\tb\"}",
}

// TestFlatHeaderMatchesJSON checks that whenever the fast path answers, it agrees
// with encoding/json.
func TestFlatHeaderMatchesJSON(t *testing.T) {
	fast := 0
	for _, c := range flatCases {
		if checkFlat(t, []byte(c)) {
			fast++
		}
	}
	if fast < 6 {
		t.Errorf("fast path took only %d of %d cases", fast, len(flatCases))
	}
}

func checkFlat(t *testing.T, b []byte) bool {
	t.Helper()
	var got protocol.Header
	ok := flatHeader(b, &got)
	if ok {
		var want protocol.Header
		if err := json.Unmarshal(b, &want); err != nil {
			t.Errorf("flatHeader(%q) accepted what json rejects: %v", b, err)
		} else if got != want {
			t.Errorf("flatHeader(%q) = %+v, json = %+v", b, got, want)
		}
	}
	if id, ok := flatMsgID(b); ok {
		var p struct {
			MsgID string `json:"msg_id"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("flatMsgID(%q) accepted what json rejects: %v", b, err)
		} else if id != p.MsgID {
			t.Errorf("flatMsgID(%q) = %q, json = %q", b, id, p.MsgID)
		}
	}
	return ok
}

func FuzzFlatHeader(f *testing.F) {
	for _, c := range flatCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkFlat(t, b) })
}

func BenchmarkHeaderDecode(b *testing.B) {
	h := []byte(`{"msg_id":"0b9f7c1e-5d4a-4f0e-9a51-2c7d3e8f6a10_1234_5","username":"user","session":"0b9f7c1e-5d4a-4f0e-9a51-2c7d3e8f6a10","date":"2026-01-02T03:04:05.000006Z","msg_type":"apply_request","version":"5.3"}`)
	b.Run("flat", func(b *testing.B) {
		for b.Loop() {
			var x protocol.Header
			flatHeader(h, &x)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var x protocol.Header
			json.Unmarshal(h, &x)
		}
	})
}
