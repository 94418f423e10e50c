package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"siegel/message"
)

// Open hands an attachment to the system's application for its type. That
// application reads a file, so Siegel writes a copy into a folder of its
// own: made private (0700) at the first Open, and removed with everything
// in it when the window's UI closes. Folders a crashed Siegel left behind
// are removed at the next start. A decrypted attachment is written only
// after the agent agreed, told where it goes.

// openedPrefix starts the names of the folders of opened attachments; the
// process ID follows, so a start can tell its own from a dead one's.
const openedPrefix = "siegel-open-"

// openedFiles is the private folder of the opened attachments.
type openedFiles struct {
	mu   sync.Mutex
	base string // where the folder goes ("": the system's temporary folder)
	dir  string // made at the first write
}

// write puts a copy of data into the folder under a file name made safe
// from name, and returns its path.
func (o *openedFiles) write(name string, data []byte) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dir == "" {
		base := o.where()
		sweepOpened(base)
		dir, err := os.MkdirTemp(base, openedPrefix+strconv.Itoa(os.Getpid())+"-")
		if err != nil {
			return "", err
		}
		o.dir = dir
	}
	return writeUnique(o.dir, name, data)
}

// where is the folder the private folder goes in.
func (o *openedFiles) where() string {
	if o.base != "" {
		return o.base
	}
	return os.TempDir()
}

// folder is where the copies go (after the first write).
func (o *openedFiles) folder() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dir
}

// remove deletes the folder and the copies in it.
func (o *openedFiles) remove() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dir == "" {
		return nil
	}
	err := os.RemoveAll(o.dir)
	o.dir = ""
	return err
}

// sweepOpened removes the folders of opened attachments that Siegels no
// longer running left in base.
func sweepOpened(base string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), openedPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(pidText); err == nil && pid != os.Getpid() && !processAlive(pid) {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}

// processAlive reports whether a process with that ID runs (and so may
// still be using its folder).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if runtime.GOOS == "windows" {
		// FindProcess opened it: it exists.
		p.Release()
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// safeFileName is an attachment's name as a file name in a folder of our
// choosing: no folders, no separators, no names the system reserves.
func safeFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f, strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if name == "" {
		name = tr("article.unnamed-attachment")
	}
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	return name
}

// writeUnique writes data into dir under name, or "name (2).ext" and so on
// when the name is taken: nothing there is overwritten.
func writeUnique(dir, name string, data []byte) (string, error) {
	name = safeFileName(name)
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i < 1000; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		path := filepath.Join(dir, n)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("%s: %w", name, fs.ErrExist)
}

// openAttachment hands an attachment to the system's application, asking
// first for one that came out of a decrypted layer.
func (u *UI) openAttachment(name string, data []byte, decrypted bool) {
	run := func() {
		u.jobs.run(func() {
			path, err := u.opened.write(name, data)
			if err == nil {
				var target *url.URL
				if target, err = url.Parse(storage.NewFileURI(path).String()); err == nil {
					err = openURL(target)
				}
			}
			u.jobs.do(func() { showError(u.win, err) })
		})
	}
	if !decrypted {
		run()
		return
	}
	text := wrapLabel(trf("article.open.decrypted", map[string]any{"Name": name, "Folder": u.opened.where()}))
	d := dialog.NewCustomConfirm(tr("article.open.decrypted.title"), tr("article.open"), tr("dialog.cancel"),
		container.NewVBox(text), func(ok bool) {
			if ok {
				run()
			}
		}, u.win)
	d.Resize(dialogSize(u.win, 520, d.MinSize().Height))
	showModal(u.win, d, nil)
}

// saveAll asks for a folder and saves every attachment into it, each
// under its own name (numbered where names repeat or a file is there).
func (u *UI) saveAll(atts []message.Attachment) {
	d := u.newFolderOpen(u.win, taskSaveAll, func(dir fyne.ListableURI, err error) {
		if err != nil {
			showError(u.win, err)
			return
		}
		if dir == nil {
			return // cancelled
		}
		u.saveAllTo(dir.Path(), atts)
	})
	d.Resize(dialogSize(u.win, 800, 600))
	showModal(u.win, d, nil)
}

// saveAllTo writes the attachments into dir and says how it went.
func (u *UI) saveAllTo(dir string, atts []message.Attachment) {
	u.jobs.run(func() {
		var err error
		n := 0
		for _, a := range atts {
			if _, err = writeUnique(dir, a.Name, a.Data); err != nil {
				break
			}
			n++
		}
		u.jobs.do(func() {
			if err != nil {
				showError(u.win, err)
				return
			}
			u.main.status.say(func() string {
				return trn("article.saved-all", n, map[string]any{"Count": n, "Folder": dir})
			})
		})
	})
}
