// Package gonum holds the yaegi symbol tables that let notebook cells import
// gonum (numbers) and gonum/plot (pictures), in the kernel and on engines:
//
//	gonum.org/v1/gonum/mat, floats, floats/scalar, stat, stat/distuv, stat/combin
//	gonum.org/v1/plot, plot/plotter, plot/plotutil, plot/vg, plot/vg/draw,
//	plot/vg/vgimg, plot/vg/vgsvg
//
// Load them next to the standard library's:
//
//	i := interp.New(interp.Options{})
//	i.Use(stdlib.Symbols)
//	i.Use(gonum.Symbols)
//
// math/rand/v2, whose Source the distuv distributions take as Src, comes with
// yaegi's stdlib.Symbols. Plots render with the Liberation fonts that gonum/plot
// embeds: no system fonts and no network are needed.
//
// The tables are the generated files of this directory, made by `yaegi extract`
// through ./internal/gen: run `go generate ./kernel/gonum` after changing the
// gonum or plot versions in go.mod, and check-generated.sh (run by CI) fails when
// the committed files differ from a fresh generation. Generic functions and types
// are left out by the extractor, as yaegi cannot take them from compiled code.
package gonum

import "github.com/traefik/yaegi/interp"

//go:generate go run ./internal/gen gonum.org/v1/gonum/mat gonum.org/v1/gonum/floats gonum.org/v1/gonum/floats/scalar gonum.org/v1/gonum/stat gonum.org/v1/gonum/stat/distuv gonum.org/v1/gonum/stat/combin
//go:generate go run ./internal/gen gonum.org/v1/plot gonum.org/v1/plot/plotter gonum.org/v1/plot/plotutil gonum.org/v1/plot/vg gonum.org/v1/plot/vg/draw gonum.org/v1/plot/vg/vgimg gonum.org/v1/plot/vg/vgsvg

// Symbols maps each package's yaegi key ("gonum.org/v1/gonum/mat/mat", …) to
// its exported symbols; pass it to (*interp.Interpreter).Use. It is filled by
// the generated files' init functions and must not be modified afterwards.
var Symbols = interp.Exports{}
