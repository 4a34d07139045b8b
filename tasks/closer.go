package tasks

import "sync"

// closer drops the store's reference to evicted results on a few
// goroutines. It is safe for concurrent use.
type closer[T Releaser] struct {
	obs     Observer
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*entry[T]
	stopped bool
	wg      sync.WaitGroup
}

func newCloser[T Releaser](threads int, obs Observer) *closer[T] {
	c := &closer[T]{obs: obs}
	c.cond = sync.NewCond(&c.mu)
	c.wg.Add(threads)
	for range threads {
		go c.work()
	}
	return c
}

// add queues en to be closed. After stop it closes en at once.
func (c *closer[T]) add(en *entry[T]) {
	c.obs.ResultEvicted()
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		en.unref()
		c.obs.ResultClosed()
		return
	}
	c.queue = append(c.queue, en)
	c.cond.Signal()
	c.mu.Unlock()
}

// stop closes what is queued and waits for the closer goroutines to end.
func (c *closer[T]) stop() {
	c.mu.Lock()
	c.stopped = true
	c.cond.Broadcast()
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *closer[T]) work() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		for len(c.queue) == 0 && !c.stopped {
			c.cond.Wait()
		}
		if len(c.queue) == 0 { // stopped and drained
			c.mu.Unlock()
			return
		}
		en := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.mu.Unlock()
		en.unref()
		c.obs.ResultClosed()
	}
}
