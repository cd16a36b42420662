// Service keeps a threat feed current while it answers: a feed.Refresher
// fetches signed snapshots from a URL (or a file), checks them against
// pinned keys and swaps each new version into a match.Engine, which the
// service's lookups read without locking. It keeps the last good snapshot
// in a state directory, so a restart answers at once.
//
//	go run ./service -feed https://feeds.example/demo.sift -feed-id demo -pubkey demo.pub -state /var/lib/sift
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
)

// Serve answers one query a line from in on out ("value<TAB>verdict"),
// against whatever Set the engine holds at the time.
func Serve(e *match.Engine, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		v := e.Lookup(sc.Text())
		fmt.Fprintf(out, "%s\t%s\n", sc.Text(), v.Action)
	}
	return sc.Err()
}

func main() {
	loc := flag.String("feed", "", "URL or path of the snapshot")
	feedID := flag.String("feed-id", "", "the feed's id")
	pubPath := flag.String("pubkey", "", "the publisher's public key file")
	state := flag.String("state", "", "directory that keeps the last good snapshot")
	every := flag.Duration("interval", 5*time.Minute, "time between checks")
	flag.Parse()
	pubData, err := os.ReadFile(*pubPath)
	if err != nil {
		log.Fatal(err)
	}
	pub, err := minisign.ParsePublicKey(pubData)
	if err != nil {
		log.Fatal(err)
	}
	engine := new(match.Engine)
	r, err := feed.NewRefresher(feed.Config{
		Location: *loc, FeedID: *feedID, Keys: []*minisign.PublicKey{pub},
		Engine: engine, StateDir: *state, Interval: *every,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go r.Run(ctx)
	go func() {
		for range time.Tick(time.Minute) {
			s := r.Status()
			log.Printf("feed %s version %d, age %s, stale %v, last error %v", s.FeedID, s.Version, s.Age(time.Now()).Round(time.Second), s.Stale, s.LastError)
		}
	}()
	if err := Serve(engine, os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
