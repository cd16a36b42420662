package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"slices"
)

// plot draws ns/op against set size on log-log axes, one line per
// implementation, sift's drawn thicker.
func plot(title string, gs []*group) []byte {
	const w, h, left, right, top, bottom = 640, 360, 70, 150, 30, 45
	type point struct{ x, y float64 }
	series := map[string][]point{}
	var impls []string
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, g := range gs {
		for _, r := range g.impls {
			y := median(r.metrics["ns/op"])
			if y <= 0 {
				continue
			}
			if _, ok := series[r.impl]; !ok {
				impls = append(impls, r.impl)
			}
			series[r.impl] = append(series[r.impl], point{g.size, y})
			xmin, xmax = math.Min(xmin, g.size), math.Max(xmax, g.size)
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
	}
	// Whole decades on the y axis, the measured sizes on the x axis.
	ylo, yhi := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
	if yhi == ylo {
		yhi++
	}
	xlo, xhi := math.Log10(xmin), math.Log10(xmax)
	if xhi == xlo {
		xlo, xhi = xlo-0.5, xhi+0.5
	}
	px := func(x float64) float64 { return left + (math.Log10(x)-xlo)/(xhi-xlo)*(w-left-right) }
	py := func(y float64) float64 { return h - bottom - (math.Log10(y)-ylo)/(yhi-ylo)*(h-top-bottom) }

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">%s</text>`+"\n", left, html.EscapeString(title))
	for e := ylo; e <= yhi; e++ {
		y := py(math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, left, y, w-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+4, num(math.Pow(10, e)))
	}
	var sizes []float64
	for _, g := range gs {
		if !slices.Contains(sizes, g.size) {
			sizes = append(sizes, g.size)
		}
	}
	for _, s := range sizes {
		x := px(s)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`, x, top, x, h-bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, h-bottom+16, num(s))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">set size (log)</text>`+"\n", left+(w-left-right)/2, h-8)
	fmt.Fprintf(&b, `<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">ns/op (log)</text>`+"\n", top+(h-top-bottom)/2, top+(h-top-bottom)/2)
	colors := []string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"}
	// sift's implementations first, so they take the first colours.
	slices.SortStableFunc(impls, func(a, b string) int {
		switch {
		case isSift(a) && !isSift(b):
			return -1
		case !isSift(a) && isSift(b):
			return 1
		}
		return 0
	})
	for i, impl := range impls {
		pts := series[impl]
		slices.SortFunc(pts, func(a, b point) int { return int(math.Copysign(1, a.x-b.x)) })
		c := colors[i%len(colors)]
		width := 1.5
		if isSift(impl) {
			width = 3
		}
		b.WriteString(`<polyline fill="none" stroke="` + c + `" stroke-width="` + fmt.Sprint(width) + `" points="`)
		for _, p := range pts {
			fmt.Fprintf(&b, "%.1f,%.1f ", px(p.x), py(p.y))
		}
		b.WriteString(`"/>` + "\n")
		for _, p := range pts {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, px(p.x), py(p.y), c)
		}
		ly := top + 10 + i*18
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%v"/>`, w-right+12, ly, w-right+32, ly, c, width)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", w-right+38, ly+4, html.EscapeString(impl))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
