package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sift-intel/sift/match"
)

// cmdScan scans files for the byte and string pattern indicators of the
// feeds, streaming each one in chunks, and prints every match.
func cmdScan(e *env, args []string) int {
	fs := e.flagSet("scan", "[--feed FILE]... [--pubkey PUB]... [--json] FILE...   (FILE \"-\": stdin)")
	loadSet := e.feedFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per match")
	files, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if len(files) == 0 {
		fs.Usage()
		return exitError
	}
	set, err := loadSet()
	if err != nil {
		return e.errorf("%v", err)
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	status = exitClean
	buf := make([]byte, 256<<10)
	for _, name := range files {
		var r io.Reader = e.stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				out.Flush()
				e.errorf("%v", err)
				status = exitError
				continue
			}
			r = f
			defer f.Close()
		}
		sc := set.Scanner()
		report := func(m match.Match) bool {
			ind, _ := set.Indicator(m.ID)
			if m.Action == match.ActionBlock || m.Action == match.ActionMonitor {
				if status == exitClean {
					status = exitMatched
				}
			}
			if *asJSON {
				enc.Encode(struct {
					File     string `json:"file"`
					Offset   int    `json:"offset"`
					End      int    `json:"end"`
					Pattern  string `json:"pattern"`
					Verdict  string `json:"verdict"`
					Source   string `json:"source"`
					Category string `json:"category,omitempty"`
					Severity string `json:"severity,omitempty"`
				}{name, m.Start, m.End, ind.Value, m.Action.String(), ind.Source, ind.Category, ind.Severity.String()})
			} else {
				fmt.Fprintf(out, "%s:%d: %s %s (%s)\n", name, m.Start, m.Action, ind.Value, dash(ind.Source))
			}
			return true
		}
		// Streamed in chunks: a file larger than memory is scanned in
		// bounded memory, and a match across two chunks is found.
		for {
			n, rerr := r.Read(buf)
			if n > 0 {
				sc.Write(buf[:n], report)
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				out.Flush()
				e.errorf("%s: %v", name, rerr)
				status = exitError
				break
			}
		}
	}
	return status
}
