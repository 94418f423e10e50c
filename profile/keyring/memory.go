package keyring

import "sync"

// Memory is a Backend in memory: the tests' secret service, which keeps
// nothing beyond the process.
type Memory struct {
	mu      sync.Mutex
	secrets map[[2]string]string
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{secrets: map[[2]string]string{}} }

func (m *Memory) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[[2]string{service, user}]
	if !ok {
		return "", ErrNotFound
	}
	return s, nil
}

func (m *Memory) Set(service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets[[2]string{service, user}] = secret
	return nil
}

func (m *Memory) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{service, user}
	if _, ok := m.secrets[k]; !ok {
		return ErrNotFound
	}
	delete(m.secrets, k)
	return nil
}
