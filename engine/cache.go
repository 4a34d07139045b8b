package engine

import "sync"

// Cache holds values shared by the loads of one pass, such as helper
// modules evaluated once for every function that loads them.
// A Cache is safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]any
}

// NewCache returns an empty Cache.
func NewCache() *Cache { return &Cache{m: make(map[string]any)} }

// Get returns the value stored under key.
func (c *Cache) Get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// Put stores v under key.
func (c *Cache) Put(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = v
}
