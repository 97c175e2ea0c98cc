//go:build ignore

// genlogo draws the kernel's logos: a Go-blue disc crossed by three white bars, for
// code running in parallel. Run it with `go generate ./kernelspec`.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"strconv"
)

var (
	goBlue = color.NRGBA{0x00, 0xAD, 0xD8, 0xFF}
	white  = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

func main() {
	for _, size := range []int{32, 64} {
		if err := write(size); err != nil {
			log.Fatal(err)
		}
	}
}

func write(size int) error {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	c, r := s/2, s/2-0.5
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			if math.Hypot(fx-c, fy-c) > r {
				continue
			}
			img.Set(x, y, goBlue)
			// Three horizontal bars, each a fifth of the width in from the edge.
			for i := 0; i < 3; i++ {
				top := s * (0.28 + 0.17*float64(i))
				if fy >= top && fy < top+s*0.09 && fx >= s*0.22 && fx < s*0.78 {
					img.Set(x, y, white)
				}
			}
		}
	}
	f, err := os.Create("logo-" + strconv.Itoa(size) + "x" + strconv.Itoa(size) + ".png")
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
