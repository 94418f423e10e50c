package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
	"siegel/mail/mailtest"
)

// wrote is the attribution line the fixtures' article at arrived gets
// in language l, written out here by hand.
func wrote(l string, at time.Time, name string) string {
	d := at.Local()
	if l == langGerman {
		months := []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
		return fmt.Sprintf("Am %d. %s %d um %02d:%02d schrieb %s:", d.Day(), months[d.Month()-1], d.Year(), d.Hour(), d.Minute(), name)
	}
	return fmt.Sprintf("On %d %s %d at %02d:%02d, %s wrote:", d.Day(), d.Month(), d.Year(), d.Hour(), d.Minute(), name)
}

// An answer quotes the article answered below an attribution in the
// agent's language, and the cursor stands above the quote: what the
// agent types goes on top.
func TestReplyQuotesArticle(t *testing.T) {
	for _, l := range []string{langEnglish, langGerman} {
		t.Run(l, func(t *testing.T) {
			c := newCores(t, nil)
			standardTickets(t, c)
			u := newTestUIIn(t, c, l)
			u.win.Resize(fyne.NewSize(1280, 860))
			u.jobs.drain()
			v := openReply(t, u, 10003)
			cp := v.composer
			date := c.articles(c.ticket(10003).ID)[0].Date
			want := "\n\n" + wrote(l, date, "Carol") + "\n> Please reset my password.\n"
			if cp.body.Text != want {
				t.Fatalf("the answer starts as %q, want %q", cp.body.Text, want)
			}
			if cp.body.CursorRow != 0 || cp.body.CursorColumn != 0 {
				t.Errorf("the cursor is at row %d column %d, want the top", cp.body.CursorRow, cp.body.CursorColumn)
			}
			test.Type(cp.body, "Done.")
			if !strings.HasPrefix(cp.body.Text, "Done.\n\n") || !strings.HasSuffix(cp.body.Text, "> Please reset my password.\n") {
				t.Errorf("typed text and quote read %q", cp.body.Text)
			}
		})
	}
}

// forwardButton finds the Forward button of the article cards on screen.
func forwardButton(t *testing.T, w fyne.Window) *ttwidget.Button {
	t.Helper()
	for _, o := range onScreen(w) {
		if b, ok := o.(*ttwidget.Button); ok && b.ToolTip() == tr("article.forward.tip") {
			return b
		}
	}
	t.Fatal("no Forward button on the article")
	return nil
}

// Forward opens the composer with the article's header, text and
// attachments, To empty and the cursor in it.
func TestForwardWithAttachments(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	test.Tap(forwardButton(t, u.win))
	cp := v.composer
	if !v.replying {
		t.Fatal("Forward did not open the composer")
	}
	if cp.to.Text != "" || u.win.Canvas().Focused() != cp.to {
		t.Errorf("To holds %q, focus on %T; want To empty and focused", cp.to.Text, u.win.Canvas().Focused())
	}
	for _, want := range []string{"\n\n---------- Forwarded message ----------\n", "From: Alice Example <alice@example.org>\n",
		"Subject: Contract renewal\n", "To: " + mailtest.DeskAddress, "The signed contract is attached.\nBest regards, Alice"} {
		if !strings.Contains(cp.body.Text, want) {
			t.Errorf("the forward's text lacks %q:\n%s", want, cp.body.Text)
		}
	}
	if !strings.HasPrefix(cp.subject.Text, "Fwd: [Ticket#10000]") {
		t.Errorf("subject %q", cp.subject.Text)
	}
	if len(cp.attachments) != 1 || cp.attachments[0].Name != "contract.txt" {
		t.Fatalf("the forward's attachments: %+v", cp.attachments)
	}
	wantText(t, u.win, "contract.txt  (")

	test.Type(cp.to, "carol@example.com")
	cp.save()
	drafts, err := c.desk.Drafts(c.ctx, v.ticket.ID)
	if err != nil || len(drafts) != 1 || len(drafts[0].Attachments) != 1 || !drafts[0].Confidential {
		t.Errorf("the kept forward: %+v, %v; want one confidential draft with the attachment", drafts, err)
	}
}

// overlayButton finds a button in a window's dialogs.
func overlayButton(t *testing.T, w fyne.Window, label string) fyne.Tappable {
	t.Helper()
	for _, ov := range w.Canvas().Overlays().List() {
		for _, o := range objects(ov) {
			if b, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
				return b
			}
		}
	}
	t.Fatalf("no button %q in a dialog; the window shows:\n%s", label, text(w))
	return nil
}

// Sending with Encrypt off to a customer who wrote encrypted asks first;
// Cancel keeps the draft, Send anyway sends it as it is.
func TestEncryptedCustomerAsks(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10000)
	cp := v.composer
	if !cp.encrypt.on {
		t.Fatal("Encrypt is off in the answer to Alice")
	}
	test.Tap(cp.encrypt)
	test.Type(cp.body, "Fine.")
	tap(t, u.win, "Send")
	wantText(t, u.win, "The customer wrote encrypted. Send unencrypted?")
	test.Tap(overlayButton(t, u.win, "Cancel"))
	if items, _ := c.desk.Outbox(c.ctx, mail.OutboxQuery{}); len(items) != 0 || disabled(cp.sendBtn) {
		t.Fatalf("after Cancel: outbox %+v, Send disabled %v", items, disabled(cp.sendBtn))
	}

	tap(t, u.win, "Send")
	test.Tap(overlayButton(t, u.win, "Send anyway"))
	items, _ := c.desk.Outbox(c.ctx, mail.OutboxQuery{})
	if len(items) != 1 {
		t.Fatalf("after Send anyway the outbox holds %d messages, want 1", len(items))
	}
	if err := c.desk.DeliverOutbox(c.ctx); err != nil {
		t.Fatal(err)
	}
	got := c.smtp.Received()
	if len(got) != 1 || strings.Contains(string(got[0].Data), "enveloped-data") {
		t.Errorf("the server got %d messages; want one, not encrypted", len(got))
	}
}

// When the settings require encryption, Send refuses and says why.
func TestEncryptedCustomerRequired(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	if err := c.side.Profile.SetSetting(c.ctx, mail.SettingEncryptedReplies, "require"); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, c)
	v := openReply(t, u, 10000)
	test.Tap(v.composer.encrypt)
	tap(t, u.win, "Send")
	wantText(t, u.win, "The customer wrote encrypted: the answer must be encrypted too.")
	if n := len(u.win.Canvas().Overlays().List()); n != 0 {
		t.Errorf("%d dialogs open; the rule leaves nothing to ask", n)
	}
	if items, _ := c.desk.Outbox(c.ctx, mail.OutboxQuery{}); len(items) != 0 {
		t.Errorf("the outbox holds %+v", items)
	}
}

// withUndoDelay runs the cores' desk as the window does: a sent message
// waits five seconds for Undo.
func withUndoDelay(t *testing.T, c *cores) {
	t.Helper()
	c.desk.Close()
	d, err := mail.Open(c.ctx, c.side.Profile, c.side.Store, c.side.Engine,
		&mail.Options{RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond, PollInterval: time.Hour, UndoDelay: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	c.desk = d
}

// After Send, "Sending… Undo" shows; Undo brings the draft back as it
// was, and an Undo that comes too late says the message was sent.
func TestUndoSend(t *testing.T) {
	c := newCores(t, nil)
	withUndoDelay(t, c)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10003)
	cp := v.composer
	test.Type(cp.body, "Oops, the wrong ticket.")
	written := cp.body.Text
	tap(t, u.win, "Send")
	wantText(t, u.win, "Sending…")
	undo := buttonOn(t, u.win, "Undo")
	if cp.body.Text == written {
		t.Fatal("the composer still holds the message sent")
	}
	test.Tap(undo.(fyne.Tappable))
	u.jobs.drain()
	if cp.body.Text != written {
		t.Errorf("after Undo the composer holds %q, want %q", cp.body.Text, written)
	}
	wantText(t, u.win, "Sending undone")
	if items, _ := c.desk.Outbox(c.ctx, mail.OutboxQuery{}); len(items) != 0 {
		t.Errorf("after Undo the outbox holds %+v", items)
	}
	if drafts, _ := c.desk.Drafts(c.ctx, v.ticket.ID); len(drafts) != 1 || drafts[0].Text != written {
		t.Errorf("drafts after Undo: %+v", drafts)
	}

	// Too late: the outbox took it in the meantime (here: taken back
	// elsewhere, which the desk answers the same way).
	tap(t, u.win, "Send")
	items, _ := c.desk.Outbox(c.ctx, mail.OutboxQuery{})
	if len(items) != 1 {
		t.Fatalf("outbox after the second Send: %+v", items)
	}
	if _, err := c.desk.Undo(c.ctx, items[0].ID); err != nil {
		t.Fatal(err)
	}
	tap(t, u.win, "Undo")
	wantText(t, u.win, "Already sent.")
}

// "::" and the start of a name offers the text modules; Enter puts the
// text in place of "::name".
func TestTextModuleInsert(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	for _, m := range []mail.TextModule{{Name: "greeting", Text: "Dear customer,\nthank you for writing."}, {Name: "bye", Text: "Kind regards"}} {
		if _, err := c.desk.SaveTextModule(c.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	u := newTestUI(t, c)
	v := openReply(t, u, 10003)
	cp := v.composer
	u.win.Canvas().Focus(cp.body)
	test.Type(cp.body, "Hello ::gr")
	if !cp.moduleList.shown() {
		t.Fatal("typing ::gr offers no text module")
	}
	wantText(t, u.win, "::greeting")
	notText(t, u.win, "::bye")
	list, ok := u.win.Canvas().Focused().(*suggestions)
	if !ok {
		t.Fatalf("the keyboard is with %T, not the list", u.win.Canvas().Focused())
	}
	list.TypedRune('e') // typing goes on through the list
	list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !strings.HasPrefix(cp.body.Text, "Hello Dear customer,\nthank you for writing.\n\n") || strings.Contains(cp.body.Text, "::") {
		t.Errorf("after Enter the text reads %q", cp.body.Text)
	}
	if cp.moduleList.shown() || u.win.Canvas().Focused() != cp.body {
		t.Errorf("after choosing: list shown %v, focus on %T", cp.moduleList.shown(), u.win.Canvas().Focused())
	}
	// An address with "::" offers nothing.
	cp.body.SetText("")
	test.Type(cp.body, "fe80::b")
	if cp.moduleList.shown() {
		t.Error("fe80::b offers text modules")
	}
}

// Settings → Text modules adds, changes and deletes modules, and words
// the desk's refusals.
func TestTextModulesSettings(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	u.showSettings()
	s := u.settings
	s.tabs.SelectIndex(len(s.tabs.Items) - 1)
	if s.tabs.Selected().Text != "Text modules" {
		t.Fatalf("the last tab is %q", s.tabs.Selected().Text)
	}
	p := s.modules
	test.Tap(p.newBtn)
	p.name.SetText("kind regards")
	p.text.SetText("Kind regards")
	test.Tap(p.save)
	wantText(t, s.win, "The name may hold letters, digits, - and _ only")
	p.name.SetText("regards")
	test.Tap(p.save)
	notText(t, s.win, "The name may hold")
	mods, _ := c.desk.TextModules(c.ctx, "")
	if len(mods) != 1 || mods[0].Name != "regards" {
		t.Fatalf("modules after Save: %+v", mods)
	}
	wantText(t, s.win, "::regards")

	test.Tap(p.newBtn)
	p.name.SetText("regards")
	p.text.SetText("Other")
	test.Tap(p.save)
	wantText(t, s.win, "There is a text module of that name already.")

	p.list.Select(0)
	p.text.SetText("Best regards")
	test.Tap(p.save)
	if mods, _ := c.desk.TextModules(c.ctx, ""); len(mods) != 1 || mods[0].Text != "Best regards" {
		t.Fatalf("modules after the change: %+v", mods)
	}
	test.Tap(p.delete)
	test.Tap(overlayButton(t, s.win, "Delete"))
	if mods, _ := c.desk.TextModules(c.ctx, ""); len(mods) != 0 {
		t.Errorf("modules after Delete: %+v", mods)
	}
	notText(t, s.win, "::regards")
}

// Typing in To offers the known contacts, a lock by those with a
// certificate; choosing one puts "Name <address>" in place.
func TestAddressCompletion(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	cp := newTicketComposer(t, u)
	test.Type(cp.to, "ali")
	if !cp.toList.shown() || len(cp.toList.items) == 0 {
		t.Fatal("typing ali offers no contact")
	}
	if it := cp.toList.items[0]; it.insert != "Alice Example <alice@example.org>" || it.icon != iconLock {
		t.Errorf("the first offer is %+v, want Alice with the lock", it)
	}
	wantText(t, u.win, "Alice Example <alice@example.org>  · certificate")
	cp.toList.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})

	cp.to.SetText("")
	test.Type(cp.to, "car")
	if len(cp.toList.items) != 1 || cp.toList.items[0].icon == iconLock {
		t.Fatalf("offers for car: %+v, want Carol without a lock", cp.toList.items)
	}
	notText(t, u.win, "· certificate")
	u.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if cp.to.Text != "Carol <carol@example.com>" {
		t.Errorf("To reads %q after choosing Carol", cp.to.Text)
	}
	// Cc too, after an address already there.
	u.win.Canvas().Focus(cp.cc)
	test.Type(cp.cc, "bob@example.org, ali")
	cp.ccList.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if cp.cc.Text != "bob@example.org, Alice Example <alice@example.org>" {
		t.Errorf("Cc reads %q", cp.cc.Text)
	}
}

// Tab goes To → Cc → Subject → the text → Attach → Encrypt → Sign →
// Send; in the text, Tab moves on rather than typing a tab.
func TestComposerTabOrder(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	cp := openReply(t, u, 10000).composer
	cv := u.win.Canvas()
	cv.Focus(cp.to)
	want := []fyne.Focusable{cp.cc, cp.subject, cp.body, cp.attach, cp.encrypt, cp.sign, cp.sendBtn}
	names := []string{"Cc", "Subject", "text", "Attach", "Encrypt", "Sign", "Send"}
	for i, w := range want {
		if cv.Focused() == cp.body {
			// Fyne hands Tab to a multi-line entry itself.
			text := cp.body.Text
			cp.body.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
			if cp.body.Text != text {
				t.Fatalf("Tab in the text typed into it: %q", cp.body.Text)
			}
		} else {
			cv.FocusNext()
		}
		if cv.Focused() != w {
			t.Fatalf("Tab %d goes to %T (%s), want %s", i+1, cv.Focused(), textOf(cv.Focused().(fyne.CanvasObject)), names[i])
		}
	}
}

// The Security page's "Require encryption …" switch stores the rule the
// desk's Send enforces ("require", else "ask") and shows it again.
func TestRequireEncryptedRepliesSwitch(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	stored := func() string {
		t.Helper()
		v, err := c.side.Profile.Setting(c.ctx, mail.SettingEncryptedReplies, "unset")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s := openSettings(t, u, 2)
	wantText(t, s.win, "Require encryption when answering a customer who wrote encrypted")
	if s.security.require.Checked || stored() != "unset" {
		t.Fatalf("at first: checked %v, stored %q; want off and nothing stored", s.security.require.Checked, stored())
	}
	test.Tap(s.security.require)
	if got := stored(); got != "require" {
		t.Errorf("switched on: stored %q, want require", got)
	}
	s.win.Close()
	s = openSettings(t, u, 2)
	if !s.security.require.Checked {
		t.Error("a new window shows the stored rule as off")
	}
	test.Tap(s.security.require)
	if got := stored(); got != "ask" {
		t.Errorf("switched off: stored %q, want ask", got)
	}
	s.win.Close()
}

// movingOnDesk is the desk of an agent who moves on while a look-up
// runs: moveOn runs before each contact look-up answers.
type movingOnDesk struct {
	Desk
	moveOn func()
}

func (d *movingOnDesk) Contacts(ctx context.Context, prefix string, limit int) ([]mail.Contact, error) {
	if d.moveOn != nil {
		d.moveOn()
	}
	return d.Desk.Contacts(ctx, prefix, limit)
}

// A completion that answers after the agent pressed Tab stays closed and
// leaves the keyboard where the agent went: what they type next goes into
// the next field, not into To (seen end to end under Xvfb).
func TestLateCompletionKeepsFocus(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	md := &movingOnDesk{Desk: c.desk}
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, langEnglish)
	u := newUI(a, Cores{Desk: md, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{}, &jobs{inline: true})
	t.Cleanup(func() { u.Close(); SetLanguage(langEnglish) })
	u.win.Resize(fyne.NewSize(1280, 860))
	u.jobs.drain()
	cp := newTicketComposer(t, u)
	cv := u.win.Canvas()
	cv.Focus(cp.to)
	md.moveOn = func() { cv.Focus(cp.cc) }
	test.Type(cp.to, "ali")
	if cv.Focused() != cp.cc || cp.toList.shown() {
		t.Fatalf("after the late answer: focus on %T (To's list shown %v), want Cc", cv.Focused(), cp.toList.shown())
	}
	md.moveOn = nil
	cv.Focused().TypedRune('x')
	if cp.to.Text != "ali" || cp.cc.Text != "x" {
		t.Errorf("To %q, Cc %q; want ali and x", cp.to.Text, cp.cc.Text)
	}
}
