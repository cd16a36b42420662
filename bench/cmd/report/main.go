// Command report runs sift's benchmark suite against its peers and writes
// BENCHMARKS.md: the median of each measurement, the ratio of sift's time
// to each peer's in the same run, and SVG plots of the time per lookup
// against the set size.
//
//	cd bench
//	go run ./cmd/report           # 10k, 1M and 10M indicators, 5 counts (an hour or more)
//	go run ./cmd/report -short    # 10k and 100k, 1 count: under 5 minutes
//	go run ./cmd/report -in results.txt   # render saved output again
//
// The raw output of go test is kept (-raw, results.txt by default) in the
// format benchstat reads:
//
//	benchstat -col /impl results.txt
//
// A ratio below 1 means sift takes less time than the peer. Nothing here
// asserts a speed: the numbers are for people to read.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("report: ")
	short := flag.Bool("short", false, "small sets (10k, 100k), one count, short bench times: under 5 minutes")
	count := flag.Int("count", 5, "runs of each benchmark (the table shows medians); -short makes it 1")
	bench := flag.String("bench", ".", "benchmarks to run (go test -bench)")
	in := flag.String("in", "", "render this saved go test output instead of running the suite")
	out := flag.String("out", "../BENCHMARKS.md", "the report to write")
	plots := flag.String("plots", "plots", "directory for the SVG plots")
	raw := flag.String("raw", "results.txt", "file that keeps the raw go test output")
	flag.Parse()

	var output []byte
	if *in != "" {
		var err error
		if output, err = os.ReadFile(*in); err != nil {
			log.Fatal(err)
		}
	} else {
		if _, err := os.Stat("go.mod"); err != nil {
			log.Fatal("run it in the bench directory (cd bench; go run ./cmd/report)")
		}
		output = run(*bench, *count, *short)
		if err := os.WriteFile(*raw, output, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	results, env := parse(bytes.NewReader(output))
	if len(results) == 0 {
		log.Fatal("no benchmark results in the output")
	}
	// The command that reproduces the run; with -in, the flags given
	// beside it say how the saved output was produced.
	cmd := "cd bench && go run ./cmd/report"
	if *short {
		cmd += " -short"
	} else if *count != 5 {
		cmd += " -count " + strconv.Itoa(*count)
	}
	if *bench != "." {
		cmd += " -bench '" + *bench + "'"
	}
	md, err := render(results, env, cmd, *out, *plots)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, md, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s (%d measurements) and plots in %s", *out, len(results), *plots)
}

// run runs the suite twice: every benchmark but BenchmarkParallel at the
// default GOMAXPROCS, then BenchmarkParallel at 1 and 2 procs.
func run(bench string, count int, short bool) []byte {
	args := []string{"test", "-run", "^$", "-benchmem", "-timeout", "0"}
	env := os.Environ()
	if short {
		count = 1
		args = append(args, "-short", "-benchtime", "200ms")
		env = append(env, "SIFT_BENCH_SIZES=10k,100k")
	}
	args = append(args, "-count", strconv.Itoa(count))
	cpus := "1," + strconv.Itoa(runtime.GOMAXPROCS(0))
	if runtime.GOMAXPROCS(0) == 1 {
		cpus = "1"
	}
	var all bytes.Buffer
	for _, pass := range [][]string{
		{"-bench", bench, "-skip", "^BenchmarkParallel$"},
		{"-bench", "^BenchmarkParallel$", "-cpu", cpus},
	} {
		if bench != "." && pass[1] == "^BenchmarkParallel$" && !strings.Contains(bench, "Parallel") {
			continue
		}
		c := exec.Command("go", append(slices.Clone(args), append(pass, ".")...)...)
		c.Env = env
		c.Stdout = io.MultiWriter(&all, os.Stdout)
		c.Stderr = os.Stderr
		log.Printf("go %s", strings.Join(c.Args[1:], " "))
		start := time.Now()
		if err := c.Run(); err != nil {
			log.Fatalf("go test: %v", err)
		}
		log.Printf("done in %s", time.Since(start).Round(time.Second))
	}
	return all.Bytes()
}

// A result is one benchmark's measurements over every count.
type result struct {
	fn      string   // the benchmark function without "Benchmark": "Hashes"
	elems   []string // the sub-benchmark elements but impl=: "n=1M", "data=real"
	impl    string   // the impl= element's value
	procs   int      // GOMAXPROCS of the run
	metrics map[string][]float64
}

// aliases put the benchmarks of one comparison that live in separate
// functions into one table.
var aliases = map[string]string{"ACPetar": "ACPeers"}

// parse reads go test -bench output: the results and the goos/goarch/cpu
// lines.
func parse(r io.Reader) ([]*result, []string) {
	var env []string
	byKey := map[string]*result{}
	var order []*result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, p := range []string{"goos: ", "goarch: ", "cpu: "} {
			if strings.HasPrefix(line, p) && !slices.Contains(env, line) {
				env = append(env, line)
			}
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name, procs := f[0], 1
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if p, err := strconv.Atoi(name[i+1:]); err == nil {
				name, procs = name[:i], p
			}
		}
		parts := strings.Split(strings.TrimPrefix(name, "Benchmark"), "/")
		res := &result{fn: parts[0], procs: procs, metrics: map[string][]float64{}}
		if a, ok := aliases[res.fn]; ok {
			res.fn = a
		}
		for _, e := range parts[1:] {
			if v, ok := strings.CutPrefix(e, "impl="); ok {
				res.impl = v
			} else {
				res.elems = append(res.elems, e)
			}
		}
		if res.impl == "" {
			continue // not a comparison
		}
		key := fmt.Sprint(res.fn, res.elems, res.impl, res.procs)
		if old, ok := byKey[key]; ok {
			res = old
		} else {
			byKey[key] = res
			order = append(order, res)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				res.metrics[f[i+1]] = append(res.metrics[f[i+1]], v)
			}
		}
	}
	return order, env
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func isSift(impl string) bool { return impl == "sift" || strings.HasPrefix(impl, "sift-") }

// memUnits are the metrics that give a structure's size, in the order
// they are preferred.
var memUnits = []string{"B/indicator", "B/prefix", "B/rule", "heap-B"}

// group is the results of one case (one function, elements and procs),
// one per implementation.
type group struct {
	fn, label string
	data      string // the data= element, shown apart
	size      float64
	sizeKey   string // the case without its size, for plots
	impls     []*result
}

func groups(results []*result) []*group {
	multiProcs := map[string]bool{}
	procsOf := map[string]int{}
	for _, r := range results {
		if p, ok := procsOf[r.fn]; ok && p != r.procs {
			multiProcs[r.fn] = true
		}
		procsOf[r.fn] = r.procs
	}
	byCase := map[string]*group{}
	var out []*group
	for _, r := range results {
		var label, rest []string
		data := ""
		size := 0.0
		for _, e := range r.elems {
			if v, ok := strings.CutPrefix(e, "data="); ok {
				data = v
				continue
			}
			label = append(label, e)
			if k, v, ok := strings.Cut(e, "="); ok && (k == "n" || k == "patterns") && size == 0 {
				if n, err := parseSize(v); err == nil {
					size = float64(n)
					continue
				}
			}
			rest = append(rest, e)
		}
		if multiProcs[r.fn] {
			label = append(label, "cpu="+strconv.Itoa(r.procs))
			rest = append(rest, "cpu="+strconv.Itoa(r.procs))
		}
		key := r.fn + "/" + strings.Join(label, "/")
		g, ok := byCase[key]
		if !ok {
			g = &group{fn: r.fn, label: strings.Join(label, "/"), data: data, size: size,
				sizeKey: strings.Join(append([]string{r.fn}, rest...), "/")}
			byCase[key] = g
			out = append(out, g)
		}
		g.impls = append(g.impls, r)
	}
	return out
}

func parseSize(s string) (int, error) {
	mul := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mul, s = 1_000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mul, s = 1_000_000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, errors.New("not a size")
	}
	return n * mul, nil
}

func render(results []*result, env []string, cmd, out, plotDir string) ([]byte, error) {
	gs := groups(results)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Benchmarks\n\nsift against its peers on the same data, in the same run. Produced by\n\n    %s\n\n", cmd)
	fmt.Fprintf(&b, "on %s, %s. Each time is the median over the runs; **ratio** is sift's time divided by the peer's (below 1: sift is faster). ", strings.Join(env, ", "), time.Now().UTC().Format("2006-01-02"))
	b.WriteString("Sizes are bytes per indicator of each structure as its benchmark measures it (see the doc comment of each benchmark in `bench/`). ")
	b.WriteString("The data column says where the indicators came from: `real` (the shared corpus), `real+derived` (all the real ones, then seeded data derived from them to reach the size), `sample` (the committed sample stood in for the corpus), `derived`.\n\n")
	b.WriteString("The raw output is in `bench/results.txt`; compare runs with `benchstat -col /impl bench/results.txt`.\n\n")

	// Plots first: one per case measured at several sizes.
	bySizeKey := map[string][]*group{}
	var keys []string
	for _, g := range gs {
		if g.size == 0 {
			continue
		}
		if _, ok := bySizeKey[g.sizeKey]; !ok {
			keys = append(keys, g.sizeKey)
		}
		bySizeKey[g.sizeKey] = append(bySizeKey[g.sizeKey], g)
	}
	var plotLinks []string
	if err := os.MkdirAll(plotDir, 0o755); err != nil {
		return nil, err
	}
	for _, k := range keys {
		series := bySizeKey[k]
		if len(series) < 2 {
			continue
		}
		svg := plot(k, series)
		name := strings.NewReplacer("/", "-", "=", "", ",", "").Replace(k) + ".svg"
		p := filepath.Join(plotDir, name)
		if err := os.WriteFile(p, svg, 0o644); err != nil {
			return nil, err
		}
		rel, err := relPath(filepath.Dir(out), p)
		if err != nil {
			return nil, err
		}
		plotLinks = append(plotLinks, fmt.Sprintf("![%s](%s)", k, filepath.ToSlash(rel)))
	}
	if len(plotLinks) > 0 {
		b.WriteString("## Time per operation against set size\n\n")
		for _, l := range plotLinks {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
	}

	fn := ""
	for _, g := range gs {
		if g.fn != fn {
			fn = g.fn
			fmt.Fprintf(&b, "\n## %s\n\n| case | data | sift | ns/op | size | peer | ns/op | size | ratio |\n|---|---|---|--:|--:|---|--:|--:|--:|\n", fn)
		}
		var sifts, peers []*result
		for _, r := range g.impls {
			if isSift(r.impl) {
				sifts = append(sifts, r)
			} else {
				peers = append(peers, r)
			}
		}
		if len(peers) == 0 {
			for _, s := range sifts {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | | | | |\n", g.label, g.data, s.impl, num(median(s.metrics["ns/op"])), mem(s))
			}
			continue
		}
		for _, s := range sifts {
			for _, p := range peers {
				sn, pn := median(s.metrics["ns/op"]), median(p.metrics["ns/op"])
				ratio := "–"
				if pn > 0 {
					ratio = fmt.Sprintf("**%.2f×**", sn/pn)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					g.label, g.data, s.impl, num(sn), mem(s), p.impl, num(pn), mem(p), ratio)
			}
		}
		if len(sifts) == 0 {
			for _, p := range peers {
				fmt.Fprintf(&b, "| %s | %s | | | | %s | %s | %s | |\n", g.label, g.data, p.impl, num(median(p.metrics["ns/op"])), mem(p))
			}
		}
	}
	return b.Bytes(), nil
}

func mem(r *result) string {
	for _, u := range memUnits {
		if v, ok := r.metrics[u]; ok {
			if u == "heap-B" {
				return fmt.Sprintf("%s B", num(median(v)))
			}
			return fmt.Sprintf("%.1f %s", median(v), u)
		}
	}
	return ""
}

// num prints a time or size with three significant digits.
func num(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.3gG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.3gk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// relPath is filepath.Rel for paths relative to the working directory.
func relPath(base, target string) (string, error) {
	b, err := filepath.Abs(base)
	if err != nil {
		return "", err
	}
	t, err := filepath.Abs(target)
	if err != nil {
		return "", err
	}
	return filepath.Rel(b, t)
}
