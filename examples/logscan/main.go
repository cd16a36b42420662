// Logscan reads a web server access log (Apache/nginx combined format) or
// a Zeek dns.log and prints every line whose client address, requested URL,
// referrer, User-Agent or queried name a threat feed lists.
//
//	go run ./logscan -feed feed.sift < access.log
//	zcat dns.log.gz | go run ./logscan -feed feed.sift
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"strings"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// combined matches the Apache/nginx combined log format.
var combined = regexp.MustCompile(`^(\S+) \S+ \S+ \[[^\]]*\] "(?:[A-Z]+) (\S+)[^"]*" \d{3} \S+(?: "([^"]*)" "([^"]*)")?`)

// Hit is one listed value found in a log line.
type Hit struct {
	Line   int
	Field  string // client, url, referrer, useragent, query
	Value  string
	Action match.Action
	Source string
	Match  string // the indicator that decided
}

// Scan reads a log and calls hit for every listed value. A Zeek dns.log is
// recognised by its #fields header; other lines are read as combined
// format, with the request path taken relative to host (the log does not
// name the virtual host).
func Scan(r io.Reader, set *match.Set, host string, hit func(Hit)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	queryCol := -1
	report := func(line int, field, value string, v match.Verdict) {
		if v.Action == match.ActionBlock || v.Action == match.ActionMonitor {
			ind, _ := set.Indicator(v.ID)
			hit(Hit{Line: line, Field: field, Value: value, Action: v.Action, Source: ind.Source, Match: ind.Value})
		}
	}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#fields") {
			for i, f := range strings.Split(line, "\t")[1:] {
				if f == "query" {
					queryCol = i
				}
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if queryCol >= 0 {
			f := strings.Split(line, "\t")
			if queryCol < len(f) && f[queryCol] != "-" {
				report(n, "query", f[queryCol], set.LookupDomain(f[queryCol]))
			}
			continue
		}
		m := combined.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		report(n, "client", m[1], set.Lookup(m[1]))
		report(n, "url", m[2], set.LookupURL("http://"+host+m[2]))
		if ref := m[3]; ref != "" && ref != "-" {
			report(n, "referrer", ref, set.LookupURL(ref))
		}
		if ua := m[4]; ua != "" && ua != "-" {
			report(n, "useragent", ua, set.LookupUserAgent(ua))
		}
	}
	return sc.Err()
}

func main() {
	feedPath := flag.String("feed", "", "a snapshot file")
	host := flag.String("host", "localhost", "the host the log's request paths belong to")
	flag.Parse()
	if *feedPath == "" {
		log.Fatal("logscan: -feed is required")
	}
	s, err := feed.OpenFile(*feedPath, 0)
	if err != nil {
		log.Fatal(err)
	}
	in := io.Reader(os.Stdin)
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		in = f
	}
	hits := 0
	err = Scan(in, s.Set, *host, func(h Hit) {
		hits++
		fmt.Printf("%d\t%s\t%s\t%s\t%s\t%s\n", h.Line, h.Field, h.Action, h.Value, h.Match, h.Source)
	})
	if err != nil {
		log.Fatal(err)
	}
	if hits > 0 {
		os.Exit(1)
	}
}
