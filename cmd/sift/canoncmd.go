package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sift-intel/sift/canon"
)

func cmdCanon(e *env, args []string) int {
	fs := e.flagSet("canon", "[--json] [--expressions] URL...   (URL \"-\" or none: read stdin, one a line)")
	asJSON := fs.Bool("json", false, "print one JSON object per URL")
	exprs := fs.Bool("expressions", false, "also print the Safe Browsing lookup expressions")
	urls, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	status = exitClean
	emit := func(raw string) {
		type result struct {
			Input       string   `json:"input"`
			Canonical   string   `json:"canonical,omitempty"`
			Expressions []string `json:"expressions,omitempty"`
			Error       string   `json:"error,omitempty"`
		}
		r := result{Input: raw}
		u, err := canon.Parse(nil, raw)
		if err != nil {
			status = exitError
			r.Error = err.Error()
		} else {
			r.Canonical = u.String()
			if *exprs || *asJSON {
				r.Expressions = []string{}
				u.Expressions(func(x []byte) bool {
					r.Expressions = append(r.Expressions, string(x))
					return true
				})
			}
		}
		switch {
		case *asJSON:
			enc.Encode(r)
		case r.Error != "":
			out.Flush()
			fmt.Fprintf(e.stderr, "sift: %q: %s\n", raw, r.Error)
		default:
			fmt.Fprintln(out, r.Canonical)
			if *exprs {
				for _, x := range r.Expressions {
					fmt.Fprintf(out, "\t%s\n", x)
				}
			}
		}
	}
	if len(urls) == 0 || len(urls) == 1 && urls[0] == "-" {
		sc := bufio.NewScanner(e.stdin)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
				emit(line)
			}
		}
		if err := sc.Err(); err != nil {
			out.Flush()
			return e.errorf("reading stdin: %v", err)
		}
		return status
	}
	for _, u := range urls {
		emit(u)
	}
	return status
}
