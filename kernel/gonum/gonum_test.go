package gonum_test

import (
	"bytes"
	"flag"
	"image/png"
	"math"
	"math/cmplx"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/goparallel/goparallel/kernel/gonum"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/plotter"
)

var plotOut = flag.String("plot.out", "", "also write the PNG rendered by TestPlotPNG to this `file`")

// newInterp returns an interpreter set up as the kernel and engines set up theirs:
// the standard library and the gonum tables.
func newInterp(t testing.TB) *interp.Interpreter {
	t.Helper()
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(gonum.Symbols); err != nil {
		t.Fatal(err)
	}
	return i
}

// eval runs the cells in order (imports, declarations and statements must be
// separate cells in yaegi v0.16.1) and returns the value of the last one.
func eval(t *testing.T, i *interp.Interpreter, cells ...string) reflect.Value {
	t.Helper()
	var v reflect.Value
	for _, c := range cells {
		var err error
		if v, err = i.Eval(c); err != nil {
			t.Fatalf("cell %q: %v", c, err)
		}
	}
	return v
}

func get[T any](t *testing.T, i *interp.Interpreter, expr string) T {
	t.Helper()
	v := eval(t, i, expr)
	x, ok := v.Interface().(T)
	if !ok {
		t.Fatalf("%s: got %T, want %T", expr, v.Interface(), *new(T))
	}
	return x
}

func TestSymbolsCoverPackages(t *testing.T) {
	want := []string{
		"gonum.org/v1/gonum/floats/floats",
		"gonum.org/v1/gonum/floats/scalar/scalar",
		"gonum.org/v1/gonum/mat/mat",
		"gonum.org/v1/gonum/stat/combin/combin",
		"gonum.org/v1/gonum/stat/distuv/distuv",
		"gonum.org/v1/gonum/stat/stat",
		"gonum.org/v1/plot/plot",
		"gonum.org/v1/plot/plotter/plotter",
		"gonum.org/v1/plot/plotutil/plotutil",
		"gonum.org/v1/plot/vg/draw/draw",
		"gonum.org/v1/plot/vg/vg",
		"gonum.org/v1/plot/vg/vgimg/vgimg",
		"gonum.org/v1/plot/vg/vgsvg/vgsvg",
	}
	var got []string
	for k := range gonum.Symbols {
		got = append(got, k)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Symbols keys:\n got %q\nwant %q", got, want)
	}
	for _, k := range []string{"mat/mat.Dense", "mat/mat.NewDense", "mat/mat.Eigen", "mat/mat._Matrix", "stat/distuv/distuv.Normal", "plot/plotter/plotter._XYer"} {
		pkg, name, _ := strings.Cut(k, ".")
		path := "gonum.org/v1/gonum/" + pkg
		if strings.HasPrefix(pkg, "plot") {
			path = "gonum.org/v1/" + pkg
		}
		if _, ok := gonum.Symbols[path][name]; !ok {
			t.Errorf("Symbols[%q] has no %s", path, name)
		}
	}
}

// The lecture's %px cells: a random 2×2 matrix and its eigenvalues.
func TestEigenvaluesOfRandomMatrix(t *testing.T) {
	i := newInterp(t)
	eval(t, i, `import (
		"math/rand/v2"
		"gonum.org/v1/gonum/mat"
	)`, `
	rng := rand.New(rand.NewPCG(1, 2))
	a := mat.NewDense(2, 2, []float64{rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()})
	var eig mat.Eigen
	ok := eig.Factorize(a, mat.EigenNone)
	vals := eig.Values(nil)`)
	if !get[bool](t, i, "ok") {
		t.Fatal("Factorize failed")
	}
	a := get[*mat.Dense](t, i, "a")
	vals := get[[]complex128](t, i, "vals")
	if len(vals) != 2 {
		t.Fatalf("got %d eigenvalues, want 2", len(vals))
	}
	// The eigenvalues of [[p q] [r s]] are the roots of λ² - (p+s)λ + (ps-qr).
	p, q, r, s := a.At(0, 0), a.At(0, 1), a.At(1, 0), a.At(1, 1)
	tr, det := p+s, p*s-q*r
	d := cmplx.Sqrt(complex(tr*tr-4*det, 0))
	want := []complex128{(complex(tr, 0) + d) / 2, (complex(tr, 0) - d) / 2}
	for _, w := range want {
		if cmplx.Abs(vals[0]-w) > 1e-12 && cmplx.Abs(vals[1]-w) > 1e-12 {
			t.Errorf("eigenvalues %v of %v: missing %v", vals, mat.Formatted(a), w)
		}
	}

	// A matrix whose eigenvalues are known: [[2 1] [1 2]] has 1 and 3.
	eval(t, i, `
	m2 := mat.NewDense(2, 2, []float64{2, 1, 1, 2})
	var e2 mat.Eigen
	e2.Factorize(m2, mat.EigenNone)
	v2 := e2.Values(nil)`)
	v2 := get[[]complex128](t, i, "v2")
	sort.Slice(v2, func(a, b int) bool { return real(v2[a]) < real(v2[b]) })
	if cmplx.Abs(v2[0]-1) > 1e-12 || cmplx.Abs(v2[1]-3) > 1e-12 {
		t.Errorf("eigenvalues of [[2 1] [1 2]] = %v, want [1 3]", v2)
	}
}

// The lecture's 640×48 random array, here multiplied element-wise.
func TestMulElem(t *testing.T) {
	i := newInterp(t)
	eval(t, i, `import (
		"math/rand/v2"
		"gonum.org/v1/gonum/mat"
	)`, `
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]float64, 640*48)
	for k := range data {
		data[k] = rng.Float64()
	}
	A := mat.NewDense(640, 48, data)
	var B mat.Dense
	B.MulElem(A, A)
	r, c := B.Dims()`)
	if r, c := get[int](t, i, "r"), get[int](t, i, "c"); r != 640 || c != 48 {
		t.Fatalf("dims %d×%d, want 640×48", r, c)
	}
	A := get[*mat.Dense](t, i, "A")
	B := get[mat.Dense](t, i, "B")
	for r := 0; r < 640; r++ {
		for c := 0; c < 48; c++ {
			if a, b := A.At(r, c), B.At(r, c); b != a*a || a < 0 || a >= 1 {
				t.Fatalf("B[%d,%d] = %v, want %v²", r, c, b, a)
			}
		}
	}
}

// x = linspace(0, 20, 1000), y = sin(x), and statistics of y.
func TestLinspaceSinStat(t *testing.T) {
	i := newInterp(t)
	eval(t, i, `import (
		"math"
		"gonum.org/v1/gonum/floats"
		"gonum.org/v1/gonum/stat"
	)`, `
	x := floats.Span(make([]float64, 1000), 0, 20)
	y := make([]float64, len(x))
	for k, v := range x {
		y[k] = math.Sin(v)
	}
	mean, variance := stat.Mean(y, nil), stat.Variance(y, nil)
	maxIdx := floats.MaxIdx(y)`)
	x := get[[]float64](t, i, "x")
	y := get[[]float64](t, i, "y")
	if len(x) != 1000 || x[0] != 0 || x[999] != 20 || math.Abs(x[1]-20.0/999) > 1e-15 {
		t.Fatalf("x = [%v %v … %v] (len %d), want linspace(0, 20, 1000)", x[0], x[1], x[len(x)-1], len(x))
	}
	var sum float64
	for k := range y {
		if y[k] != math.Sin(x[k]) {
			t.Fatalf("y[%d] = %v, want sin(%v)", k, y[k], x[k])
		}
		sum += y[k]
	}
	mean := sum / 1000
	var ss float64
	for _, v := range y {
		ss += (v - mean) * (v - mean)
	}
	if got := get[float64](t, i, "mean"); math.Abs(got-mean) > 1e-12 {
		t.Errorf("stat.Mean = %v, want %v", got, mean)
	}
	if got := get[float64](t, i, "variance"); math.Abs(got-ss/999) > 1e-12 {
		t.Errorf("stat.Variance = %v, want %v", got, ss/999)
	}
	// sin peaks at π/2 + 2kπ; on [0, 20] the highest sample is near 5π/2 or 13π/2 or 9π/2.
	if k := get[int](t, i, "maxIdx"); 1-y[k] > 1e-3 {
		t.Errorf("floats.MaxIdx → y[%d] = %v, want ≈ 1", k, y[k])
	}
}

// distuv.Normal with a math/rand/v2 source, as a cell would draw random numbers.
func TestNormalRandomNumbers(t *testing.T) {
	i := newInterp(t)
	eval(t, i, `import (
		"math/rand/v2"
		"gonum.org/v1/gonum/stat"
		"gonum.org/v1/gonum/stat/distuv"
	)`, `
	n := distuv.Normal{Mu: 10, Sigma: 2, Src: rand.NewPCG(5, 6)}
	xs := make([]float64, 100000)
	for k := range xs {
		xs[k] = n.Rand()
	}
	m, sd := stat.MeanStdDev(xs, nil)
	cdf := n.CDF(12)`)
	// 100000 samples: the mean's standard error is 2/√1e5 ≈ 0.0063.
	if m := get[float64](t, i, "m"); math.Abs(m-10) > 0.05 {
		t.Errorf("sample mean %v, want ≈ 10", m)
	}
	if sd := get[float64](t, i, "sd"); math.Abs(sd-2) > 0.05 {
		t.Errorf("sample std dev %v, want ≈ 2", sd)
	}
	if cdf := get[float64](t, i, "cdf"); math.Abs(cdf-0.8413447460685429) > 1e-9 {
		t.Errorf("CDF(μ+σ) = %v, want Φ(1)", cdf)
	}
	// The same seed gives the same numbers: a cell's results are reproducible.
	eval(t, i, `
	n2 := distuv.Normal{Mu: 10, Sigma: 2, Src: rand.NewPCG(5, 6)}
	first := n2.Rand()`)
	if a, b := get[float64](t, i, "first"), get[[]float64](t, i, "xs")[0]; a != b {
		t.Errorf("same seed, different numbers: %v, %v", a, b)
	}
}

func TestCombin(t *testing.T) {
	i := newInterp(t)
	eval(t, i, `import "gonum.org/v1/gonum/stat/combin"`)
	if got := get[int](t, i, "combin.Binomial(10, 3)"); got != 120 {
		t.Errorf("Binomial(10, 3) = %d, want 120", got)
	}
}

// plotCells draw sin(x) on [0, 20] as the lecture's pylab.plot(x, y) does, with
// both a native plotter.XYs and an interpreted type implementing plotter.XYer.
var plotCells = []string{
	`import (
		"bytes"
		"math"
		"gonum.org/v1/gonum/floats"
		"gonum.org/v1/plot"
		"gonum.org/v1/plot/plotter"
		"gonum.org/v1/plot/plotutil"
		"gonum.org/v1/plot/vg"
		"gonum.org/v1/plot/vg/draw"
		"gonum.org/v1/plot/vg/vgimg"
		"gonum.org/v1/plot/vg/vgsvg"
	)`,
	`type cosXY struct{ xs []float64 }`,
	`func (c cosXY) Len() int { return len(c.xs) }`,
	`func (c cosXY) XY(i int) (float64, float64) { return c.xs[i], math.Cos(c.xs[i]) / 2 }`,
	`
	x := floats.Span(make([]float64, 1000), 0, 20)
	pts := make(plotter.XYs, len(x))
	for k, v := range x {
		// Not "pts[k].X, pts[k].Y = v, math.Sin(v)": yaegi v0.16.1 drops all but
		// the last value of a tuple assignment whose last value is a call.
		pts[k].X = v
		pts[k].Y = math.Sin(v)
	}
	p := plot.New()
	p.Title.Text = "y = sin(x)"
	p.X.Label.Text = "x"
	p.Y.Label.Text = "y"
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(pts)
	if err != nil {
		panic(err)
	}
	line.Color = plotutil.Color(0)
	line.Width = vg.Points(1.5)
	p.Add(line)
	p.Legend.Add("sin(x)", line)
	half, err := plotter.NewLine(cosXY{x})
	if err != nil {
		panic(err)
	}
	half.Color = plotutil.Color(1)
	half.Dashes = plotutil.Dashes(1)
	p.Add(half)
	p.Legend.Add("cos(x)/2", half)
	w, err := p.WriterTo(4*vg.Inch, 3*vg.Inch, "png")
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		panic(err)
	}
	pngBytes := buf.Bytes()

	c := vgimg.New(4*vg.Inch, 3*vg.Inch)
	p.Draw(draw.New(c))
	var buf2 bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf2); err != nil {
		panic(err)
	}
	pngBytes2 := buf2.Bytes()

	sc := vgsvg.New(4*vg.Inch, 3*vg.Inch)
	p.Draw(draw.New(sc))
	var buf3 bytes.Buffer
	if _, err := sc.WriteTo(&buf3); err != nil {
		panic(err)
	}
	svg := buf3.String()`,
}

func TestPlotPNG(t *testing.T) {
	i := newInterp(t)
	eval(t, i, plotCells...)
	pts := get[plotter.XYs](t, i, "pts")
	if len(pts) != 1000 || pts[999].X != 20 || pts[500].Y != math.Sin(pts[500].X) || pts[500].X != 20*500.0/999 {
		t.Fatalf("plotted points wrong: %d points, pts[500] = %+v, pts[999] = %+v", len(pts), pts[500], pts[999])
	}
	for _, name := range []string{"pngBytes", "pngBytes2"} {
		b := get[[]byte](t, i, name)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// 4×3 inches at vgimg's default 96 dpi.
		if size := img.Bounds().Size(); size.X != 384 || size.Y != 288 {
			t.Errorf("%s: %v, want 384×288", name, size)
		}
		// The picture is not blank: the curves and text are drawn in colour and black.
		colours := map[uint32]bool{}
		for y := 0; y < 288; y += 2 {
			for x := 0; x < 384; x += 2 {
				r, g, b, _ := img.At(x, y).RGBA()
				colours[r>>12<<8|g>>12<<4|b>>12] = true
			}
		}
		if len(colours) < 4 {
			t.Errorf("%s: only %d colours; the plot looks blank", name, len(colours))
		}
		if name == "pngBytes" && *plotOut != "" {
			if err := os.WriteFile(*plotOut, b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", *plotOut, len(b))
		}
	}
	svg := get[string](t, i, "svg")
	for _, s := range []string{"<svg", "y = sin(x)", "cos(x)/2"} {
		if !strings.Contains(svg, s) {
			t.Errorf("SVG has no %q", s)
		}
	}
}

// BenchmarkUse measures what a session pays for the tables at start-up, beyond
// the standard library's: (*interp.Interpreter).Use(gonum.Symbols).
func BenchmarkUse(b *testing.B) {
	for b.Loop() {
		i := interp.New(interp.Options{})
		if err := i.Use(gonum.Symbols); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstImport measures the first cell importing mat and plot.
func BenchmarkFirstImport(b *testing.B) {
	for b.Loop() {
		i := newInterp(b)
		if _, err := i.Eval(`import (
			"gonum.org/v1/gonum/mat"
			"gonum.org/v1/plot"
		)`); err != nil {
			b.Fatal(err)
		}
	}
}
