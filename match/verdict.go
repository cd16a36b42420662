package match

// Verdict is the answer to a lookup: what to do and which indicator decided
// it. It is a small comparable value; the strings behind it (the matched
// value, the source's name, tags) are read from the [Set] that produced it,
// by ID, only when asked for.
//
// The zero Verdict means nothing matched. IDs and label numbers refer to
// the Set that produced the Verdict; resolve them with that Set (an
// [Engine] may have swapped in another one since).
type Verdict struct {
	Action     Action   // ActionNone when nothing matched
	Kind       Kind     // kind of the deciding indicator
	Severity   Severity // its severity
	Confidence uint8    // its confidence, 0–100; 0 when unknown
	Category   uint16   // its category, see [Set.Label]
	Source     uint16   // the feed it came from, see [Set.Label]
	ID         uint32   // its ID, from 1; see [Set.Indicator]
}

// Matched reports whether an indicator decided the verdict, which is when
// its Action is not ActionNone.
func (v Verdict) Matched() bool { return v.Action != ActionNone }
