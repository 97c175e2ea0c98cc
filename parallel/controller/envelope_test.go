package controller

import (
	"errors"
	"testing"

	"github.com/goparallel/goparallel/protocol"
)

func TestDecodeTaskMetadata(t *testing.T) {
	good := []string{``, `{}`, ` {"scheduler":"direct","targets":[0,1]} `, `{"scheduler":"balanced","retries":2,"timeout":1.5,"after":["a"],"follow":["b"],"extra":{"x":1}}`}
	for _, s := range good {
		if _, err := decodeTaskMetadata([]byte(s)); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	bad := []string{`[]`, `{"targets":"all"}`, `{"targets":[-1]}`, `{"retries":-1}`, `{"timeout":-2}`, `{"timeout":1e300}`, `{`}
	for _, s := range bad {
		if _, err := decodeTaskMetadata([]byte(s)); !errors.Is(err, errBadMetadata) {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestReplyStatus(t *testing.T) {
	for content, want := range map[string]string{
		`{"status":"ok","result":1}`: "ok",
		`{"status":"aborted"}`:       "aborted",
		`{"result":1,"status":"ok"}`: "ok",
		`{ "status" : "error" }`:     "error",
		`{"status":"o\"k"}`:          `o"k`,
		`{}`:                         "error",
		`garbage`:                    "error",
	} {
		if got := replyStatus([]byte(content)); got != want {
			t.Errorf("%s: %q, want %q", content, got, want)
		}
	}
}

// FuzzDecodeTaskMetadata: any bytes either decode to metadata the schedulers can
// use safely or are refused with errBadMetadata; nothing panics.
func FuzzDecodeTaskMetadata(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"scheduler":"direct","targets":[0,1]}`, `{"timeout":1e999}`, `{"targets":[1,-1]}`, `{"after":["x"],"follow":[1]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := decodeTaskMetadata(b)
		if err != nil {
			if !errors.Is(err, errBadMetadata) {
				t.Fatalf("error %v does not wrap errBadMetadata", err)
			}
			return
		}
		if md.Retries < 0 || md.Timeout < 0 || len(md.Targets) > maxTargets {
			t.Fatalf("accepted %+v", md)
		}
		for _, id := range md.Targets {
			if id < 0 {
				t.Fatalf("accepted target %d", id)
			}
		}
		replyStatus(b)
	})
}

// FuzzOpenEnvelope: arbitrary frames never panic the router-side parser, and only
// correctly signed ones get through.
func FuzzOpenEnvelope(f *testing.F) {
	codec, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("k"))
	m, _ := protocol.NewMessage(protocol.MsgApplyRequest, "s", nil, nil)
	m.SetMetadata(protocol.TaskMetadata{Scheduler: "direct", Targets: []int{0}})
	frames, _ := codec.Encode(m)
	f.Add([]byte("id"), frames[0], frames[1], frames[2], frames[3], frames[4], frames[5])
	f.Add([]byte("id"), []byte("x"), []byte(""), []byte("{}"), []byte("{}"), []byte("{}"), []byte("{}"))
	f.Fuzz(func(t *testing.T, id, delim, sig, header, parent, md, content []byte) {
		fresh, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("k"))
		env, err := openEnvelope(fresh, [][]byte{id, delim, sig, header, parent, md, content})
		if err != nil {
			return
		}
		if fresh.Signer.Verify(sig, header, parent, md, content) != nil {
			t.Fatal("accepted a bad signature")
		}
		env.parentID()
		decodeTaskMetadata(env.raw.Metadata)
	})
}
