package match_test

import (
	"fmt"
	"net/netip"

	"github.com/sift-intel/sift/match"
)

func Example() {
	var b match.Builder
	b.Add(match.Indicator{Value: "198.51.100.0/24", Meta: match.Meta{Source: "scanners", Severity: match.SeverityMedium}})
	b.Add(match.Indicator{Value: "198.51.100.7", Action: match.ActionAllow, Meta: match.Meta{Source: "admin"}})
	b.Add(match.Indicator{Value: "44d88612fea8a8f36de82e1278abb02f", Meta: match.Meta{Source: "eicar", Category: "test-file"}})
	set, err := b.Build()
	if err != nil {
		panic(err)
	}

	for _, q := range []string{"198.51.100.9", "198.51.100.7", "44D88612FEA8A8F36DE82E1278ABB02F", "192.0.2.1"} {
		v := set.Lookup(q)
		if !v.Matched() {
			fmt.Printf("%-34s %s\n", q, v.Action)
			continue
		}
		ind, _ := set.Indicator(v.ID)
		fmt.Printf("%-34s %-5s %s %s\n", q, v.Action, set.Label(v.Source), ind.Value)
	}
	fmt.Println(set.LookupAddr(netip.MustParseAddr("::ffff:198.51.100.9")).Action)
	// Output:
	// 198.51.100.9                       block scanners 198.51.100.0/24
	// 198.51.100.7                       allow admin 198.51.100.7
	// 44D88612FEA8A8F36DE82E1278ABB02F   block eicar 44d88612fea8a8f36de82e1278abb02f
	// 192.0.2.1                          none
	// block
}

// An Engine swaps in new Sets while lookups go on in other goroutines.
func ExampleEngine() {
	var b match.Builder
	b.Add(match.Indicator{Value: "203.0.113.5"})
	v1, _ := b.Build()
	e := match.NewEngine(v1)

	b.Add(match.Indicator{Value: "203.0.113.6"})
	v2, _ := b.Build()
	old := e.Swap(v2)

	fmt.Println(old.Len(), e.Set().Len(), e.Lookup("203.0.113.6").Action)
	// Output: 1 2 block
}
