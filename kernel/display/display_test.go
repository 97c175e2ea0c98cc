package display

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"testing"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		b    Bundle
		mime string
		data any
	}{
		{HTML("<b>x</b>"), MIMEHTML, "<b>x</b>"},
		{Markdown("# T"), MIMEMarkdown, "# T"},
		{LaTeX("$x$"), MIMELaTeX, "$x$"},
		{SVG("<svg/>"), MIMESVG, "<svg/>"},
		{Text("plain"), MIMEText, "plain"},
		{PNG([]byte{1, 2}), MIMEPNG, "AQI="},
		{JPEG([]byte{3}), MIMEJPEG, "Aw=="},
		{JSON(map[string]int{"a": 1}), MIMEJSON, map[string]any{"a": 1.0}},
	}
	for _, tt := range tests {
		got := tt.b.Data[tt.mime]
		if m, ok := tt.data.(map[string]any); ok {
			if g, ok := got.(map[string]any); !ok || g["a"] != m["a"] {
				t.Errorf("%s: %v", tt.mime, got)
			}
		} else if got != tt.data {
			t.Errorf("%s: %v, want %v", tt.mime, got, tt.data)
		}
		if _, ok := tt.b.Data[MIMEText]; !ok {
			t.Errorf("%s: no text/plain fallback", tt.mime)
		}
	}
}

func TestImageIsPNG(t *testing.T) {
	b, ok := Of(image.NewRGBA(image.Rect(0, 0, 3, 2)))
	if !ok {
		t.Fatal("an image has no bundle")
	}
	raw, err := base64.StdEncoding.DecodeString(b.Data[MIMEPNG].(string))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 3 || img.Bounds().Dy() != 2 {
		t.Fatalf("decoded %v, %v", img, err)
	}
	if b.Data[MIMEText] != "<image 3x2>" {
		t.Errorf("text %v", b.Data[MIMEText])
	}
}

type custom struct{}

func (custom) DisplayBundle() Bundle { return HTML("custom") }

func TestOf(t *testing.T) {
	if b, ok := Of(custom{}); !ok || b.Data[MIMEHTML] != "custom" {
		t.Errorf("Displayer: %v %v", b, ok)
	}
	if _, ok := Of(42); ok {
		t.Error("an int has a rich form")
	}
	if b := HTML("x").WithText("alt"); b.Data[MIMEText] != "<HTML>" {
		t.Errorf("WithText replaced existing text: %v", b.Data)
	}
}

type recorder struct {
	shown   []Bundle
	ids     []string
	updates []bool
	cleared []bool
}

func (r *recorder) Display(b Bundle, id string, update bool) error {
	r.shown, r.ids, r.updates = append(r.shown, b), append(r.ids, id), append(r.updates, update)
	return nil
}

func (r *recorder) ClearOutput(wait bool) error {
	r.cleared = append(r.cleared, wait)
	return nil
}

func TestBoundFuncs(t *testing.T) {
	r := &recorder{}
	f := Bind(r)
	if err := f.Display(HTML("a"), "text", 3); err != nil {
		t.Fatal(err)
	}
	h := f.New(Text("0%"))
	h.Update(Text("100%"))
	f.ClearOutput(true)
	if len(r.shown) != 5 || r.shown[2].Data[MIMEText] != "3" || r.shown[1].Data[MIMEText] != "text" {
		t.Fatalf("shown %v", r.shown)
	}
	if r.ids[3] == "" || r.ids[4] != r.ids[3] || !r.updates[4] || r.updates[3] {
		t.Errorf("ids %v updates %v", r.ids, r.updates)
	}
	if len(r.cleared) != 1 || !r.cleared[0] {
		t.Errorf("cleared %v", r.cleared)
	}
}

func TestUnboundReportsNoKernel(t *testing.T) {
	if err := Display(HTML("x")); !errors.Is(err, ErrNoKernel) {
		t.Errorf("Display: %v", err)
	}
	if err := New(Text("x")).Update(Text("y")); !errors.Is(err, ErrNoKernel) {
		t.Errorf("Update: %v", err)
	}
	if err := ClearOutput(false); !errors.Is(err, ErrNoKernel) {
		t.Errorf("ClearOutput: %v", err)
	}
}
