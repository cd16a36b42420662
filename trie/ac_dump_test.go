package trie_test

import (
	"os"
	"testing"
)

func TestACDump(t *testing.T) {
	b := &testing.B{}
	_ = b
	d := acLoadData(t)
	var out []byte
	for _, v := range d.pool[:10000] {
		out = append(out, v...)
		out = append(out, '\n')
	}
	os.WriteFile("/tmp/ac10k.txt", out, 0o644)
	var out2 []byte
	for _, v := range d.pool[:100000] {
		out2 = append(out2, v...)
		out2 = append(out2, '\n')
	}
	os.WriteFile("/tmp/ac100k.txt", out2, 0o644)
	t.Logf("pool %d", len(d.pool))
}
