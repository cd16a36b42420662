package main

import (
	"strings"
	"testing"

	"github.com/sift-intel/sift/match"
)

// Lines in the formats of the shared corpus's benign/logs/apache_logs and
// zeek-dns.log; the addresses and names are documentation ranges.
const apacheLog = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36"
203.0.113.7 - - [17/May/2015:10:05:43 +0000] "GET /wp-login.php HTTP/1.1" 404 321 "-" "Mozilla/5.0"
198.51.100.2 - - [17/May/2015:10:05:47 +0000] "GET /index.html HTTP/1.1" 200 100 "http://phish.example/login/" "Mozilla/5.0"
`

const zeekLog = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\n" +
	"1521911721.255387\tC8DRTq362Fty5b4dJ4\t10.47.7.154\t51176\t10.47.7.10\t53\tudp\t1\tcdn.evil.example\n" +
	"1521911722.255387\tC8DRTq362Fty5b4dJ5\t10.47.7.154\t51177\t10.47.7.10\t53\tudp\t2\twww.example.org\n"

func TestScan(t *testing.T) {
	var b match.Builder
	b.Add(match.Indicator{Value: "203.0.113.0/24", Meta: match.Meta{Source: "scanners"}})
	b.Add(match.Indicator{Value: "phish.example/login/", Meta: match.Meta{Source: "phishtank"}})
	b.Add(match.Indicator{Value: "evil.example", Action: match.ActionMonitor})
	b.Add(match.Indicator{Value: "http://localhost/wp-login.php"})
	set, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	collect := func(h Hit) { got = append(got, h.Field+" "+h.Action.String()+" "+h.Match) }
	if err := Scan(strings.NewReader(apacheLog), set, "localhost", collect); err != nil {
		t.Fatal(err)
	}
	if err := Scan(strings.NewReader(zeekLog), set, "localhost", collect); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"client block 203.0.113.0/24",
		"url block localhost/wp-login.php",
		"referrer block phish.example/login/",
		"query monitor evil.example",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
