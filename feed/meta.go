package feed

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sift-intel/sift/match"
)

// timeLayouts are the timestamp forms feeds write, tried in order.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02",
}

// parseTime reads a timestamp in one of the forms feeds use, or Unix
// seconds. It returns the zero Time for an empty, unknown or "-" value:
// a bad timestamp costs an indicator its metadata, never the indicator.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" || s == "0" {
		return time.Time{}
	}
	if len(s) >= 9 && len(s) <= 11 && strings.Trim(s, "0123456789") == "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// scoreSeverity maps a LOKI/THOR score (0–100 and above) onto a
// severity: LOKI alerts from 100, warns from 60 and notes from 40.
func scoreSeverity(score int) match.Severity {
	switch {
	case score >= 100:
		return match.SeverityHigh
	case score >= 60:
		return match.SeverityMedium
	case score > 0:
		return match.SeverityLow
	}
	return match.SeverityUnknown
}

// firstURL returns the first http(s) URL in free text, or "".
func firstURL(s string) string {
	i := strings.Index(s, "http://")
	if j := strings.Index(s, "https://"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return ""
	}
	u := s[i:]
	if j := strings.IndexAny(u, " \t\"'<>()[]{},;"); j >= 0 {
		u = u[:j]
	}
	return strings.TrimRight(u, ".")
}

// addTags appends the tags not yet in tags. It copies tags first, so the
// caller's defaults are never written through.
func addTags(tags []string, add ...string) []string {
	out := tags
	copied := false
	for _, t := range add {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if !copied {
			out = slices.Clip(slices.Clone(tags))
			copied = true
		}
		out = append(out, t)
	}
	return out
}

// splitTags splits a list of tags at commas, semicolons and spaces.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '|' })
}

// confidence reads a confidence of 0–100; ok is false for anything else.
func confidence(s string) (uint8, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 100 {
		return 0, false
	}
	return uint8(f + 0.5), true
}
