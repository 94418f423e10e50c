package mailtest

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to a server and can cut one after a
// given number of bytes, to break a protocol exchange at every point.
type Proxy struct {
	Addr   string
	Host   string
	Port   int
	target string
	ln     net.Listener

	mu   sync.Mutex
	cuts []int64 // byte counts for the next connections; <0: no cut
	// Conns counts the connections accepted, Bytes the bytes relayed in
	// both directions.
	Conns atomic.Int64
	Bytes atomic.Int64
	cut   atomic.Bool
	live  map[net.Conn]bool
}

// NewProxy listens on 127.0.0.1 and forwards to target.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: target, ln: ln, Addr: ln.Addr().String(), live: map[net.Conn]bool{}}
	host, port, _ := net.SplitHostPort(p.Addr)
	p.Host = host
	p.Port, _ = strconv.Atoi(port)
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	return p
}

// CutNext makes the next connection break after n bytes (counting both
// directions). Later connections pass unharmed.
func (p *Proxy) CutNext(n int64) {
	p.mu.Lock()
	p.cuts = []int64{n}
	p.mu.Unlock()
	p.cut.Store(false)
}

// DidCut reports whether the connection set up by CutNext was cut (false
// when the exchange needed fewer bytes).
func (p *Proxy) DidCut() bool { return p.cut.Load() }

// Break cuts every open connection, as a dropped network would.
func (p *Proxy) Break() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.live {
		c.Close()
	}
}

func (p *Proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.live[c] = true
	} else {
		delete(p.live, c)
	}
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.Conns.Add(1)
		p.mu.Lock()
		limit := int64(-1)
		if len(p.cuts) > 0 {
			limit, p.cuts = p.cuts[0], p.cuts[1:]
		}
		p.mu.Unlock()
		go p.relay(c, limit)
	}
}

func (p *Proxy) relay(client net.Conn, limit int64) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	var budget atomic.Int64
	budget.Store(limit)
	p.track(client, true)
	p.track(server, true)
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			client.Close()
			server.Close()
			p.track(client, false)
			p.track(server, false)
		})
	}
	pipe := func(dst, src net.Conn) {
		defer closeBoth()
		buf := make([]byte, 4096)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				w := n
				if limit >= 0 {
					left := budget.Add(-int64(n)) + int64(n)
					if left <= 0 {
						p.cut.Store(true)
						return
					}
					if int64(n) >= left {
						w = int(left)
					}
				}
				if _, werr := dst.Write(buf[:w]); werr != nil {
					return
				}
				p.Bytes.Add(int64(w))
				if w < n {
					p.cut.Store(true)
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(server, client)
	pipe(client, server)
}
