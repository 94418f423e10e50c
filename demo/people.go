package demo

import "strings"

// HelpdeskAddress is the demo helpdesk's address: the account's, and the
// one its certificate carries. All demo addresses are in the .example
// domain reserved by RFC 2606, so nothing can ever be delivered to them.
const HelpdeskAddress = "support@helpdesk.example"

// HelpdeskName is the display name of the demo account.
const HelpdeskName = "Siegel Demo Helpdesk"

// person is somebody who writes in the demo's correspondence.
type person struct {
	name, email string
	lang        string // "de" or "en": the language they write in
	slug        string // file name stem for the demo folder
}

// The people of the demo. Five customers have certificates from the demo
// CA (Anna, James, Priya, Jonas, and Lena, whose certificate the CA
// revoked after her key was stolen), one has none (Klaus); Max signs with a
// certificate he made himself; the scanner and the accounts department
// have no certificate of their own. Northwind's newsletter signs with a
// certificate of its own address from the demo CA, as a partner's mailing
// system would.
var (
	helpdesk   = &person{name: HelpdeskName, email: HelpdeskAddress, lang: "en", slug: "helpdesk"}
	anna       = &person{name: "Anna Schmidt", email: "anna.schmidt@kanzlei-schmidt.example", lang: "de", slug: "anna-schmidt"}
	james      = &person{name: "James Miller", email: "james.miller@northwind.example", lang: "en", slug: "james-miller"}
	priya      = &person{name: "Priya Patel", email: "priya.patel@contoso.example", lang: "en", slug: "priya-patel"}
	jonas      = &person{name: "Jonas Becker", email: "j.becker@stadtwerke-nord.example", lang: "de", slug: "jonas-becker"}
	klaus      = &person{name: "Klaus Weber", email: "info@baeckerei-weber.example", lang: "de", slug: "klaus-weber"}
	mustermann = &person{name: "Max Mustermann", email: "angebote@mustermann-gebaeudetechnik.example", lang: "de", slug: "max-mustermann"}
	scanner    = &person{name: "Scanner Kanzlei Schmidt", email: "scanner@kanzlei-schmidt.example", lang: "de", slug: "scanner"}
	lena       = &person{name: "Lena Hoffmann", email: "l.hoffmann@hoffmann-steuer.example", lang: "de", slug: "lena-hoffmann"}
	accounts   = &person{name: "Northwind Accounts Payable", email: "accounts@northwind.example", lang: "en", slug: "northwind-accounts"}
	news       = &person{name: "Northwind Partner News", email: "news@northwind.example", lang: "en", slug: "northwind-news"}
)

// customers are the people who answer the helpdesk's mail (thanks.go).
var customers = []*person{anna, james, priya, jonas, klaus, mustermann}

// address is the person as a From or To value.
func (p *person) address() string { return p.name + " <" + p.email + ">" }

// domain is the part of the address after "@".
func (p *person) domain() string {
	_, d, _ := strings.Cut(p.email, "@")
	return d
}

// identity is the person's current certificate and key in the demo PKI,
// or nil for somebody without one.
func (k *PKI) identity(p *person) *Identity {
	switch p {
	case helpdesk:
		return k.Helpdesk
	case anna:
		return k.Anna
	case james:
		return k.James
	case priya:
		return k.Priya
	case jonas:
		return k.Jonas
	case mustermann:
		return k.Max
	case lena:
		return k.Lena
	case news:
		return k.News
	}
	return nil
}

// personByAddress finds a customer by address (case-insensitive).
func personByAddress(addr string) *person {
	for _, p := range customers {
		if strings.EqualFold(p.email, addr) {
			return p
		}
	}
	return nil
}
