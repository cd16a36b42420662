// Quickstart builds a Set from a few indicators and looks values up in it.
package main

import (
	"fmt"
	"log"
	"net/netip"
	"strings"

	"github.com/sift-intel/sift/match"
)

func main() {
	var b match.Builder
	for _, ind := range []match.Indicator{
		{Value: "203.0.113.0/24", Meta: match.Meta{Source: "scanners", Severity: match.SeverityMedium}},
		{Value: "203.0.113.7", Action: match.ActionAllow, Meta: match.Meta{Source: "admin"}},
		{Value: "44d88612fea8a8f36de82e1278abb02f", Meta: match.Meta{Source: "eicar", Category: "test-file"}},
	} {
		if err := b.Add(ind); err != nil {
			log.Fatal(err)
		}
	}
	set, err := b.Build()
	if err != nil {
		log.Fatal(err)
	}

	for _, q := range []string{"203.0.113.9", "203.0.113.7", "44D88612FEA8A8F36DE82E1278ABB02F", "192.0.2.1"} {
		v := set.Lookup(q)            // no allocation, no lock
		ind, _ := set.Indicator(v.ID) // the deciding indicator, if any
		fmt.Printf("%-34s %s\n", q, strings.TrimSpace(v.Action.String()+" "+ind.Value))
	}
	v := set.LookupAddr(netip.MustParseAddr("::ffff:203.0.113.9")) // IPv4-mapped is IPv4
	fmt.Println(v.Action, set.Label(v.Source), v.Severity)
}
