// Quickstart builds a Set from a few indicators and looks values up in it:
// the program the README's 30-second example is taken from.
package main

import (
	"fmt"
	"log"
	"net/netip"
	"strings"

	"github.com/sift-intel/sift/match"
)

func main() {
	var b match.Builder // the zero Builder is ready
	b.Add(match.Indicator{Value: "evil.example", Meta: match.Meta{Source: "urlhaus", Severity: match.SeverityHigh}})
	b.Add(match.Indicator{Value: "203.0.113.0/24", Action: match.ActionMonitor})
	b.Add(match.Indicator{Value: "http://phish.example/login/"})
	b.Add(match.Indicator{Value: "44d88612fea8a8f36de82e1278abb02f", Meta: match.Meta{Source: "eicar"}})
	b.Add(match.Indicator{Value: "good.evil.example", Action: match.ActionAllow}) // an administrator's override

	set, err := b.Build() // immutable, safe for concurrent use
	if err != nil {
		log.Fatal(err)
	}

	v := set.LookupURL("HTTPS://cdn.Evil.example:8443/a/../x.exe") // no allocation, no lock
	fmt.Println(v.Action, set.Label(v.Source))                     // block urlhaus
	ind, _ := set.Indicator(v.ID)                                  // the deciding indicator, with its metadata
	fmt.Println(ind.Value)                                         // evil.example

	// Lookup detects the kind of value; an allow entry wins over a block.
	for _, q := range []string{"http://phish.example/login/reset?u=1", "www.good.evil.example",
		"44D88612FEA8A8F36DE82E1278ABB02F", "192.0.2.1"} {
		v := set.Lookup(q)
		ind, _ := set.Indicator(v.ID)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-38s %-7s %s", q, v.Action, ind.Value)))
	}
	v = set.LookupAddr(netip.MustParseAddr("::ffff:203.0.113.9")) // IPv4-mapped IPv6 is IPv4
	fmt.Println(v.Action, v.Kind)

	engine := match.NewEngine(set) // lookups read the current Set atomically
	old := engine.Swap(set)        // while a refresher replaces it
	fmt.Println(old == set, engine.Set().Len())
}
