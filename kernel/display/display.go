// Package display gives Go cells rich output: HTML, Markdown, images, SVG, JSON,
// LaTeX and plain text, shown in the notebook as display_data, updated in place
// through display ids, and cleared with ClearOutput.
//
// A constructor such as [HTML] returns a [Bundle]. As the last expression of a
// cell, a Bundle becomes the cell's result (Out[n]); passed to [Display] it is
// shown at once, and a cell may show many:
//
//	import "github.com/goparallel/goparallel/kernel/display"
//
//	display.HTML("<b>bold</b>")            // the cell's result
//	display.Display(display.Markdown("# Title"), img) // shown now; img is an image.Image
//	h := display.New(display.Text("0%"))   // shown now, with a display id
//	h.Update(display.Text("50%"))          // replaces it in place
//	display.ClearOutput(true)              // clears the cell's output before the next one
//
// Inside the goparallel kernel the package functions are bound to the kernel that
// runs the cell: the kernel puts a [Funcs] bound to its own [Publisher] into the
// interpreter's symbol table, so no package state is shared between kernels.
// Called from compiled Go code outside a kernel they return [ErrNoKernel].
package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
)

// MIME types of the bundles this package builds.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMELaTeX    = "text/latex"
	MIMESVG      = "image/svg+xml"
	MIMEPNG      = "image/png"
	MIMEJPEG     = "image/jpeg"
	MIMEJSON     = "application/json"
)

// Bundle is one rich output: data keyed by MIME type, with optional metadata (for
// example {"image/png": {"width": 200}}). Text types hold strings, images hold
// base64 strings, application/json holds any JSON-encodable value.
type Bundle struct {
	Data     map[string]any
	Metadata map[string]any
}

// Displayer is implemented by values that know how to show themselves. The kernel
// uses it for a cell's result and for values passed to [Display].
type Displayer interface {
	DisplayBundle() Bundle
}

// DisplayBundle returns b itself, so a Bundle is a Displayer.
func (b Bundle) DisplayBundle() Bundle { return b }

// WithText returns b with a text/plain fallback, which every frontend (and `jupyter
// console`) can show. Existing text/plain data is kept.
func (b Bundle) WithText(s string) Bundle {
	if _, ok := b.Data[MIMEText]; ok {
		return b
	}
	data := make(map[string]any, len(b.Data)+1)
	for k, v := range b.Data {
		data[k] = v
	}
	data[MIMEText] = s
	return Bundle{Data: data, Metadata: b.Metadata}
}

func one(mime string, v any, text string) Bundle {
	return Bundle{Data: map[string]any{mime: v, MIMEText: text}}
}

// Text is plain text.
func Text(s string) Bundle { return Bundle{Data: map[string]any{MIMEText: s}} }

// HTML is an HTML fragment.
func HTML(s string) Bundle { return one(MIMEHTML, s, "<HTML>") }

// Markdown is Markdown text; its plain-text form is the source itself.
func Markdown(s string) Bundle { return one(MIMEMarkdown, s, s) }

// LaTeX is a LaTeX formula or fragment, usually delimited by $...$ or $$...$$.
func LaTeX(s string) Bundle { return one(MIMELaTeX, s, s) }

// SVG is an SVG document.
func SVG(s string) Bundle { return one(MIMESVG, s, "<SVG image>") }

// PNG is PNG-encoded image data.
func PNG(b []byte) Bundle {
	return one(MIMEPNG, base64.StdEncoding.EncodeToString(b), "<PNG image>")
}

// JPEG is JPEG-encoded image data.
func JPEG(b []byte) Bundle {
	return one(MIMEJPEG, base64.StdEncoding.EncodeToString(b), "<JPEG image>")
}

// JSON is any JSON-encodable value, shown by frontends as a JSON tree. A value that
// cannot be encoded becomes a text bundle saying why.
func JSON(v any) Bundle {
	raw, err := json.Marshal(v)
	if err != nil {
		return Text(fmt.Sprintf("display.JSON: %v", err))
	}
	indented, _ := json.MarshalIndent(v, "", "  ")
	// The data field holds the decoded value so that it is embedded as JSON,
	// not as a string holding JSON.
	var decoded any
	_ = json.Unmarshal(raw, &decoded)
	return one(MIMEJSON, decoded, string(indented))
}

// Image encodes img as PNG.
func Image(img image.Image) Bundle {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Text(fmt.Sprintf("display.Image: %v", err))
	}
	b := PNG(buf.Bytes())
	r := img.Bounds()
	b.Data[MIMEText] = fmt.Sprintf("<image %dx%d>", r.Dx(), r.Dy())
	return b
}

// Of returns the bundle of a value that has a rich form: a [Displayer] (including a
// [Bundle]) or an [image.Image]. Other values report false; the kernel shows them as
// text.
func Of(v any) (Bundle, bool) {
	switch x := v.(type) {
	case Bundle:
		return x, true
	case *Bundle:
		if x != nil {
			return *x, true
		}
	case Displayer:
		return x.DisplayBundle(), true
	case image.Image:
		return Image(x), true
	}
	return Bundle{}, false
}

// ErrNoKernel is returned by the package-level functions when they are called
// outside a goparallel kernel, where there is no notebook to show anything in.
var ErrNoKernel = errors.New("display: not running in a goparallel kernel")
