package gooddata

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // zones work without /usr/share/zoneinfo
)

// zones caches loaded time zones by name. Only names that load are kept,
// so the cache is bounded by the time-zone database.
var zones sync.Map

// loadZone loads an IANA time zone, "UTC" included. "Local" (the server's
// zone) is refused: a context names the user's zone.
func loadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	zones.Store(name, l)
	return l, nil
}
