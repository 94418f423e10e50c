package revocation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
)

// Bounds on what is read from the network.
const (
	maxOCSPResponse = 1 << 20
	maxCRL          = 32 << 20
)

// get fetches u (a POST when body is not nil) with the checker's bounds:
// a token of the Parallel ones, Timeout, and at most limit bytes. Errors
// are short, to be read by a person after the URL: "connection refused",
// "404 Not Found".
func (c *Checker) get(ctx context.Context, u string, body []byte, contentType string, limit int64) ([]byte, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	method := http.MethodGet
	var rd io.Reader
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return nil, c.netError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.netError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// netError shortens what net/http says to its cause.
func (c *Checker) netError(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no answer within %v", c.o.Timeout)
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err // "connection refused"
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// flights runs one call per key at a time; callers that come while it
// runs wait for its result (or for their own context).
type flights[T any] struct {
	mu sync.Mutex
	m  map[string]*flight[T]
}

type flight[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func (g *flights[T]) do(ctx context.Context, key string, f func() (T, error)) (T, error) {
	g.mu.Lock()
	if fl, ok := g.m[key]; ok {
		g.mu.Unlock()
		select {
		case <-fl.done:
			return fl.val, fl.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	if g.m == nil {
		g.m = map[string]*flight[T]{}
	}
	fl := &flight[T]{done: make(chan struct{})}
	g.m[key] = fl
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.m, key)
		g.mu.Unlock()
		close(fl.done)
	}()
	fl.val, fl.err = f()
	return fl.val, fl.err
}
