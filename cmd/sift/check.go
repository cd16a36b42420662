package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sift-intel/sift/match"
)

func cmdCheck(e *env, args []string) int {
	fs := e.flagSet("check", "[--feed FILE]... [--pubkey PUB]... [--json] VALUE...   (VALUE \"-\" or none: read stdin, one a line)")
	loadSet := e.feedFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per value")
	values, status, ok := parse(fs, args)
	if !ok {
		return status
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
	emit := func(value string) {
		r := checkValue(set, value)
		switch {
		case r.Error != "":
			status = exitError
		case r.Verdict == "block" || r.Verdict == "monitor":
			if status == exitClean {
				status = exitMatched
			}
		}
		if *asJSON {
			if r.Error != "" {
				enc.Encode(struct {
					Input string `json:"input"`
					Error string `json:"error"`
				}{r.Input, r.Error})
			} else {
				enc.Encode(r)
			}
			return
		}
		if r.Error != "" {
			out.Flush()
			fmt.Fprintf(e.stderr, "sift: %s\n", r.Error)
			return
		}
		fmt.Fprintf(out, "%s\t%s", r.Input, r.Verdict)
		if r.Matched != "" {
			fmt.Fprintf(out, "\t%s:%s\t%s\t%s\t%s", r.MatchedKind, r.Matched, dash(*r.Source), dash(*r.Category), r.Severity)
		}
		fmt.Fprintln(out)
	}
	if len(values) == 0 || len(values) == 1 && values[0] == "-" {
		sc := bufio.NewScanner(e.stdin)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				emit(line)
			}
		}
		if err := sc.Err(); err != nil {
			out.Flush()
			return e.errorf("reading stdin: %v", err)
		}
		return status
	}
	for _, v := range values {
		emit(v)
	}
	return status
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkResult is the answer for one value, as `sift check --json` prints
// it and the verdict service returns it.
type checkResult struct {
	Input       string   `json:"input"`
	Kind        string   `json:"kind"`
	Verdict     string   `json:"verdict"`
	Matched     string   `json:"matched"`
	MatchedKind string   `json:"matched_kind,omitempty"`
	Source      *string  `json:"source,omitempty"`
	Category    *string  `json:"category,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	Confidence  uint8    `json:"confidence,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Reference   string   `json:"reference,omitempty"`
	Expires     string   `json:"expires,omitempty"`
	Error       string   `json:"-"`
}

// queryPrefixes force the kind of a value to check, as in plain lists.
var queryPrefixes = map[string]match.Kind{
	"domain": match.KindDomain, "url": match.KindURL, "ip": match.KindIP, "hash": match.KindUnknown,
	"email": match.KindEmail, "ja3": match.KindJA3, "ua": match.KindUserAgent,
}

// checkValue looks one value up in set.
func checkValue(set *match.Set, input string) checkResult {
	r := checkResult{Input: input}
	value := strings.TrimSpace(input)
	forced := match.KindUnknown
	if i := strings.IndexByte(value, ':'); i > 0 {
		if k, ok := queryPrefixes[strings.ToLower(value[:i])]; ok {
			forced, value = k, value[i+1:]
		}
	}
	kind := match.KindOf(value)
	switch {
	case forced == match.KindJA3 && kind == match.KindMD5:
		kind = match.KindJA3 // a JA3 fingerprint has the shape of an MD5
	case forced == match.KindUserAgent:
		kind = match.KindUserAgent // any text can be a User-Agent
	}
	switch {
	case value == "":
		r.Error = fmt.Sprintf("%q: empty value", input)
		return r
	case kind == match.KindUnknown:
		r.Error = fmt.Sprintf("%q: not a domain, URL, IP address, e-mail address or hash", input)
		return r
	case kind == match.KindCIDR:
		r.Error = fmt.Sprintf("%q: a prefix cannot be checked; give an address", input)
		return r
	case forced != match.KindUnknown && forced != kind:
		r.Error = fmt.Sprintf("%q: not a valid %s", input, forced)
		return r
	}
	r.Kind = kind.String()
	var v match.Verdict
	switch kind {
	case match.KindJA3:
		v = set.LookupJA3(value)
	case match.KindUserAgent:
		v = set.LookupUserAgent(value)
	default:
		v = set.Lookup(value)
	}
	r.Verdict = v.Action.String()
	if !v.Matched() {
		return r
	}
	ind, ok := set.Indicator(v.ID)
	if !ok {
		return r
	}
	src, cat := ind.Source, ind.Category
	r.Matched, r.MatchedKind = ind.Value, ind.Kind.String()
	r.Source, r.Category = &src, &cat
	r.Severity = ind.Severity.String()
	r.Confidence = ind.Confidence
	r.Tags = ind.Tags
	r.Reference = ind.Reference
	if !ind.Expires.IsZero() {
		r.Expires = ind.Expires.Format(time.RFC3339)
	}
	return r
}
