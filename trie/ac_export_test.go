package trie

// BuildAutomatonLayout builds with explicit layout choices, so that tests
// exercise dense-only, sparse-heavy and mixed automata.
func BuildAutomatonLayout(patterns []Pattern, cfg AutomatonConfig, maxDenseDepth, denseBudget int) (*Automaton, error) {
	return buildAutomaton(patterns, cfg, acParams{maxDenseDepth: uint32(maxDenseDepth), denseBudget: uint32(denseBudget)})
}
