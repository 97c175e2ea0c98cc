// Command gen writes the yaegi symbol tables of package gonum: one file per
// import path, made by github.com/traefik/yaegi/extract (the code behind
// `yaegi extract`), so cells run by yaegi can import gonum and gonum/plot.
//
// It is run by the go:generate lines in ../../gonum.go, from that directory:
//
//	go run ./internal/gen [-exclude path=regexp,...] importpath...
//
// Unlike `yaegi extract`, it fails (exit 1) when a package cannot be extracted,
// so a broken table is never written silently. Files go to the current
// directory, or to $GONUM_GEN_OUT when set (check-generated.sh uses that to
// regenerate into a temporary directory and diff). The output depends only on
// the module versions in go.mod: the extractor walks names in sorted order and
// gofmts its output.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/traefik/yaegi/extract"
)

// exclusions lists, per import path, the regexps (anchored by gen) of exported
// names left out of the tables, each with the reason.
type exclusions map[string][]string

func (e exclusions) String() string { return fmt.Sprint(map[string][]string(e)) }

func (e exclusions) Set(s string) error {
	for _, item := range strings.Split(s, ",") {
		path, re, ok := strings.Cut(item, "=")
		if !ok || path == "" || re == "" {
			return fmt.Errorf("-exclude %q: want importpath=regexp", item)
		}
		e[path] = append(e[path], "^(?:"+re+")$")
	}
	return nil
}

func main() {
	excl := exclusions{}
	flag.Var(excl, "exclude", "comma-separated `importpath=regexp` pairs: exported names of importpath to leave out")
	name := flag.String("name", "gonum", "package `name` of the generated files")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "gen: no import paths")
		os.Exit(2)
	}
	out := os.Getenv("GONUM_GEN_OUT")
	if out == "" {
		out = "."
	}
	for path := range excl {
		found := false
		for _, p := range flag.Args() {
			found = found || p == path
		}
		if !found {
			fmt.Fprintf(os.Stderr, "gen: -exclude names %s, which is not generated\n", path)
			os.Exit(2)
		}
	}
	for _, path := range flag.Args() {
		if err := write(out, *name, path, excl[path]); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

// write extracts the symbols of the package at import path and writes them to
// dir under the file name `yaegi extract` would use.
func write(dir, name, path string, exclude []string) error {
	e := extract.Extractor{Dest: name, Exclude: exclude}
	var buf bytes.Buffer
	ipath, err := e.Extract(path, "", &buf)
	if err != nil {
		return err
	}
	file := strings.NewReplacer("/", "-", ".", "_", "~", "_").Replace(ipath) + ".go"
	return os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644)
}
