package parallel

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/goparallel/goparallel/protocol"
)

const okReply = `{"status":"ok","result":{"v":1,"values":[null],"types":[]},"engine_info":{"engine_id":3,"started":"2026-01-02T03:04:05.000001Z","completed":"2026-01-02T03:04:05.000002Z"}}`

// replyCases are reply contents, most as engines and the controller write them,
// the rest odd; fast says whether the fast path should take them.
var replyCases = []struct {
	content string
	fast    bool
}{
	{okReply, true},
	{`{"status":"ok","values":[1,"two",{"x":[3]}],"execution_count":7}`, true},
	{`{"status":"error","ename":"NameError","evalue":"x undefined","engine_info":{"engine_id":0,"started":"a","completed":"b"}}`, true},
	{`{"status":"aborted"}`, true},
	{`{"status":"ok","execution_count":-2}`, true},
	{` { "status" : "ok" , "result" : { "v" : 1 } } `, true},
	{"{\n\t\"status\":\"ok\",\r\n\"execution_count\":1\n}", true},
	{`{}`, true},
	{`{"status":"ok","extra":{"nested":[{"deep":true}]},"more":null}`, true},
	{`{"status":"ok","result":null}`, true},
	{`{"status":"ok","result":"a string"}`, true},
	{`{"status":"ok","status":"error"}`, true},
	{`{"engine_info":{"engine_id":1},"engine_info":{"started":"s"}}`, true},
	{`{"status":"ok","result":{"s":"日本語 \u00e9 \"q\""}}`, true},
	{`{"status":"ok","engine_info":{"engine_id":2,"extra":[1]}}`, true},
	// What the fast path leaves to encoding/json.
	{`{"status":"error","ename":"E","evalue":"line\nbreak","traceback":["a","b"]}`, false},
	{`{"status":"error","evalue":"é"}`, false},
	{`{"status":"ok","traceback":null}`, false},
	{`{"Status":"ok"}`, false},
	{`{"STATUS":"ok","status":"error"}`, false},
	{`{"status":"ok","engine_info":{"Engine_ID":4}}`, false},
	{`{"status":"ok","engine_info":null}`, false},
	{`{"status":"ok","engine_info":[]}`, false},
	{`{"status":"ok","engine_info":{"engine_id":1.5}}`, false},
	{`{"status":"ok","engine_info":{"engine_id":"1"}}`, false},
	{`{"status":"ok","execution_count":1e2}`, false},
	{`{"status":"ok","execution_count":12345678901234567890}`, false},
	{`{"status":"ok","execution_count":null}`, false},
	{`{"status":null}`, false},
	{`{"status":1}`, false},
	{`{"st\u0061tus":"ok"}`, false},
	{`{"status":"ok",}`, false},
	{`{"status":"ok"`, false},
	{`{"status":"ok"} {}`, false},
	{`{"status":"ok","result":{"a":01}}`, false},
	{`{"status":"ok","result":` + strings.Repeat("[", 80) + strings.Repeat("]", 80) + `}`, false},
	{`[]`, false},
	{`null`, false},
	{``, false},
}

// TestReplyContentFastMatchesJSON checks that the fast path decodes what it takes
// exactly as encoding/json does, takes the shapes engines write, and leaves the
// rest to encoding/json.
func TestReplyContentFastMatchesJSON(t *testing.T) {
	for _, tc := range replyCases {
		var rc replyContent
		if got := fastReplyContent([]byte(tc.content), &rc); got != tc.fast {
			t.Errorf("fastReplyContent(%q) = %v, want %v", tc.content, got, tc.fast)
		}
		checkReplyContent(t, []byte(tc.content))
	}
}

// checkReplyContent compares decodeReplyContent with json.Unmarshal on b.
func checkReplyContent(t *testing.T, b []byte) {
	t.Helper()
	m := &protocol.Message{Header: protocol.Header{MsgType: "apply_reply"}, Content: b}
	var got, want replyContent
	err := decodeReplyContent(m, &got)
	werr := json.Unmarshal(b, &want)
	if (err == nil) != (werr == nil) {
		t.Fatalf("decodeReplyContent(%q): err %v, json %v", b, err, werr)
	}
	// RawMessage fields compare by content: the fast path aliases b.
	if !bytes.Equal(got.Result, want.Result) || !bytes.Equal(got.Values, want.Values) ||
		(got.Result == nil) != (want.Result == nil) || (got.Values == nil) != (want.Values == nil) {
		t.Fatalf("decodeReplyContent(%q): result %q values %q, json %q %q", b, got.Result, got.Values, want.Result, want.Values)
	}
	got.Result, got.Values, want.Result, want.Values = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeReplyContent(%q) = %+v (stamp %+v), json %+v (stamp %+v)", b, got, got.EngineInfo, want, want.EngineInfo)
	}
}

func FuzzReplyContent(f *testing.F) {
	for _, tc := range replyCases {
		f.Add([]byte(tc.content))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkReplyContent(t, b) })
}

func BenchmarkReplyContent(b *testing.B) {
	m := &protocol.Message{Header: protocol.Header{MsgType: "apply_reply"}, Content: []byte(okReply)}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			var rc replyContent
			_ = decodeReplyContent(m, &rc)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var rc replyContent
			_ = m.DecodeContent(&rc)
		}
	})
}
