package demo

import "time"

// protection is how a seeded message is (or fails to be) secured; each
// one gives an article one of the states of DESIGN.md §3.
type protection int

const (
	plain       protection = iota // none / none
	signed                        // signature valid
	sealed                        // signed and encrypted: decrypted / valid
	tampered                      // signed, then the text changed: tampered
	unknownCert                   // signed without the certificate, which the store lacks: cert-not-found
	selfSigned                    // signed with a self-made certificate: untrusted
	otherSigner                   // signed by somebody else than the From address: sender-mismatch
	expiredCert                   // signed with an expired certificate: expired
	sha1Digest                    // signed with SHA-1: weak
	revokedCert                   // signed with a certificate the CA revoked (its OCSP responder says so): revoked
	clockSkew                     // signing time three hours before the Date: date-mismatch
	brokenSig                     // the signature is cut short: malformed
	oldKey                        // encrypted to a certificate whose key is gone: no-key
	damaged                       // encrypted to us, the ciphertext damaged: failed
)

// when is the time of a message: days before today at a clock time, or a
// duration before now (for today's mail).
type when struct {
	days, hour, minute int
	ago                time.Duration
}

func day(days, hour, minute int) when { return when{days: days, hour: hour, minute: minute} }
func ago(d time.Duration) when        { return when{ago: d} }

func (w when) at(now time.Time) time.Time {
	if w.ago != 0 {
		return now.Add(-w.ago).Truncate(time.Second)
	}
	y, m, d := now.AddDate(0, 0, -w.days).Date()
	return time.Date(y, m, d, w.hour, w.minute, 0, 0, now.Location())
}

// article is one message of a seeded ticket.
type article struct {
	from *person // the helpdesk's answers go to the Sent folder
	when when
	how  protection
	// signer signs an otherSigner or brokenSig message instead of the
	// sender.
	signer *person
	// tamper replaces tamper[0] by tamper[1] after signing.
	tamper [2]string
	text   string
	// html, when set, is sent beside text as the article's HTML
	// rendering (newsletter.go).
	html *htmlPart
}

// ticket is a seeded ticket: a customer's first message and what
// followed, oldest first.
type ticket struct {
	key      string // makes the Message-IDs
	customer *person
	subject  string
	articles []article
	// read: the agent has read it; closed: the ticket is done; pending:
	// the agent waits for the customer.
	read, closed, pending bool
}

// correspondence is the demo mailbox: every state of DESIGN.md §3, in
// German and English, three threads with several articles, and one HTML
// mail.
var correspondence = []ticket{
	{
		key: "portal", customer: anna, subject: "Zugang zum Mandantenportal gesperrt",
		articles: []article{
			{from: anna, when: day(4, 9, 14), how: sealed, text: `Guten Morgen,

seit gestern Nachmittag kann ich mich nicht mehr im Mandantenportal anmelden. Nach der Eingabe des Passworts erscheint nur noch die Meldung „Ihr Konto ist vorübergehend gesperrt“.

Unsere Mandantennummer ist 48213. Wir müssen bis Freitag die Unterlagen für den Jahresabschluss hochladen – können Sie das Konto bitte prüfen?

Mit freundlichen Grüßen
Anna Schmidt
Kanzlei Schmidt & Partner`},
			{from: helpdesk, when: day(4, 10, 2), how: sealed, text: `Sehr geehrte Frau Schmidt,

vielen Dank für Ihre Nachricht. Ihr Konto wurde nach fünf fehlgeschlagenen Anmeldeversuchen automatisch gesperrt; das schützt es vor dem Erraten von Passwörtern.

Wir haben die Sperre soeben aufgehoben. Bitte setzen Sie Ihr Passwort über „Passwort vergessen“ neu; der Link in der E-Mail ist 24 Stunden gültig.

Mit freundlichen Grüßen
Ihr Siegel-Helpdesk`},
			{from: anna, when: day(3, 8, 31), how: sealed, text: `Hallo,

vielen Dank, die Anmeldung klappt wieder und die Unterlagen sind hochgeladen.

Eine Frage noch: Kann meine Kollegin Frau Yılmaz einen eigenen Zugang bekommen, damit wir uns nicht ein Konto teilen müssen?

Viele Grüße
Anna Schmidt`},
		},
	},
	{
		key: "vatid", customer: james, subject: "Invoice 2024-117 is missing our VAT ID", read: true,
		articles: []article{
			{from: james, when: day(4, 15, 40), how: signed, text: `Hello,

the invoice 2024-117 we received yesterday does not show our VAT identification number (GB 123 4567 89). Our accounts payable team cannot book it without it.

Could you please send us a corrected invoice?

Kind regards,
James Miller
Purchasing, Northwind Traders`},
			{from: helpdesk, when: day(4, 16, 5), how: sealed, text: `Dear Mr Miller,

thank you for pointing this out. We have added your VAT ID to your customer record and issued a corrected invoice, 2024-117-K, which you will receive by separate e-mail within the hour.

The original invoice has been cancelled; there is nothing else you need to do.

Kind regards,
Siegel Demo Helpdesk`},
			{from: james, when: day(2, 11, 20), how: signed, text: `Hi,

the corrected invoice arrived, thank you. From next month on, could you please send invoices directly to our accounts payable team at accounts@northwind.example? They will also confirm the payments from that address.

Best,
James`},
		},
	},
	{
		key: "lastschrift", customer: klaus, subject: "Lastschrift doppelt abgebucht", read: true, closed: true,
		articles: []article{
			{from: klaus, when: day(3, 7, 45), how: plain, text: `Sehr geehrte Damen und Herren,

auf unserem Kontoauszug sehe ich, dass die Monatsgebühr diesen Monat zweimal abgebucht wurde, jeweils 49,90 Euro.

Bitte überweisen Sie uns den doppelten Betrag zurück.

Mit freundlichen Grüßen
Klaus Weber
Bäckerei Weber`},
			{from: helpdesk, when: day(3, 9, 10), how: signed, text: `Sehr geehrter Herr Weber,

Sie haben recht: Die Lastschrift wurde versehentlich zweimal eingereicht. Wir haben die 49,90 Euro heute zurücküberwiesen; der Betrag ist in ein bis zwei Werktagen auf Ihrem Konto.

Diese Antwort ist signiert, aber nicht verschlüsselt, weil uns für Ihre Adresse kein Zertifikat vorliegt.

Mit freundlichen Grüßen
Ihr Siegel-Helpdesk`},
			{from: klaus, when: day(1, 17, 2), how: plain, text: `Guten Tag,

das Geld ist angekommen. Vielen Dank für die schnelle Erledigung!

Klaus Weber`},
		},
	},
	{
		key: "feier", customer: klaus, subject: "Bestellung für die Weihnachtsfeier",
		articles: []article{
			{from: klaus, when: day(1, 6, 50), how: plain, text: `Guten Morgen,

für Ihre Weihnachtsfeier am 18. Dezember liefern wir wie besprochen:

  40 Brezeln
  40 belegte Brötchen, gemischt
  3 Bleche Apfelkuchen
  2 Bleche Streuselkuchen
  60 Vanillekipferl
  2 Christstollen, je 1 kg

Lieferung um 15:30 Uhr an den Empfang im Erdgeschoss.
Geschirr und Servietten bringen wir mit.
Die Rechnung kommt wie immer mit der Lieferung.

Bitte geben Sie uns bis Montag Bescheid, ob es dabei bleibt.

Mit freundlichen Grüßen
Klaus Weber
Bäckerei Weber, Hauptstraße 12`},
		},
	},
	{
		key: "sftp", customer: priya, subject: "SFTP access for our new backup server", read: true,
		articles: []article{
			{from: priya, when: day(3, 13, 5), how: expiredCert, text: `Hello,

we are moving our nightly backups to a new server next week. Could you please allow SFTP logins from its address, 198.51.100.24, in addition to the old one?

The host key fingerprint of the new server is SHA256:q3Yd0Wk9m2cO7L1vFz8pXe4tJbR6uN5sHgA0iKyQw1E.

Thanks,
Priya Patel
IT Operations, Contoso`},
			{from: helpdesk, when: day(3, 14, 30), how: sealed, text: `Hello Ms Patel,

before we change any access rule we must be sure that the request comes from you. The signature of your message could not be confirmed: it was made with a certificate that expired two weeks ago.

Could you please send the request again, signed with your current certificate? Your new certificate is already in our certificate store, so this answer is encrypted for it.

Kind regards,
Siegel Demo Helpdesk`},
			{from: priya, when: day(2, 9, 12), how: sealed, text: `Hello,

sorry about that – my mail client still had the old certificate selected. This message is signed with the new one.

Please allow SFTP logins from 198.51.100.24 (host key SHA256:q3Yd0Wk9m2cO7L1vFz8pXe4tJbR6uN5sHgA0iKyQw1E).

Thanks,
Priya`},
			{from: helpdesk, when: day(2, 11, 40), how: sealed, text: `Hello Ms Patel,

thank you, the signature is valid now. SFTP logins from 198.51.100.24 are allowed from today; the host key is recorded as you sent it.

Could you please let us know once the first nightly backup has arrived?

Kind regards,
Siegel Demo Helpdesk`},
		},
		// We wait for Priya to confirm the first backup.
		pending: true,
	},
	{
		key: "zaehler", customer: jonas, subject: "Zählerfernauslesung liefert keine Werte",
		articles: []article{
			{from: jonas, when: day(2, 10, 48), how: unknownCert, text: `Hallo zusammen,

seit drei Tagen kommen aus dem Gateway in der Umspannstation Nord keine Zählerwerte mehr bei uns an. Das Gateway selbst ist erreichbar, im Protokoll steht nur „TLS handshake failed“.

Kann es sein, dass auf Ihrer Seite ein Zertifikat ausgetauscht wurde?

Mit freundlichen Grüßen
Jonas Becker
Stadtwerke Nord, Netzleitstelle`},
		},
	},
	{
		key: "wartung", customer: mustermann, subject: "Angebot: Wartungsvertrag für Ihren Serverraum",
		articles: []article{
			{from: mustermann, when: day(2, 14, 3), how: selfSigned, text: `Sehr geehrte Damen und Herren,

wie telefonisch besprochen erhalten Sie nachfolgend unser Angebot für die Wartung der Klimatisierung und der USV-Anlage in Ihrem Serverraum:

  - vier Wartungstermine pro Jahr, jeweils nach Absprache
  - Sichtprüfung und Reinigung der beiden Klimageräte
  - Kältemittel-Dichtheitsprüfung nach F-Gase-Verordnung
  - Kapazitätstest der USV-Batterien einmal jährlich
  - Notdienst innerhalb von vier Stunden, rund um die Uhr
  - Ersatzteile zum Listenpreis abzüglich 15 %
  - ein Wartungsprotokoll nach jedem Termin

Preis: 2.380,00 Euro netto jährlich, zahlbar quartalsweise.
Laufzeit: zwölf Monate, danach jährlich kündbar.

Bitte bestätigen Sie den Auftrag bis Ende der Woche per Antwort auf diese E-Mail.

Mit freundlichen Grüßen
Max Mustermann
Mustermann Gebäudetechnik
Amtsgericht Musterstadt, HRB 4711`},
		},
	},
	{
		key: "remittance", customer: accounts, subject: "Remittance advice: this week's payment run", read: true,
		articles: []article{
			{from: accounts, when: day(1, 9, 30), how: otherSigner, signer: james, text: `Dear Sir or Madam,

please find below the invoices settled in this week's payment run:

  2024-109      1,250.00 EUR
  2024-117-K      980.00 EUR

Total transferred: 2,230.00 EUR.

Accounts Payable
Northwind Traders`},
		},
	},
	{
		key: "zugang", customer: lena, subject: "Bitte Zugangsdaten an unsere neue Adresse",
		articles: []article{
			{from: lena, when: ago(95 * time.Minute), how: revokedCert, text: `Guten Tag,

wegen der Umstellung unserer IT senden Sie die Zugangsdaten für das Mandantenportal bitte ab sofort an buchhaltung@hoffmann-steuer-service.example. Die alte Adresse wird nicht mehr gelesen.

Bitte erledigen Sie das heute noch, unsere Frist läuft morgen ab.

Mit freundlichen Grüßen
Lena Hoffmann
Hoffmann Steuerberatung`},
		},
	},
	{
		key: "iban", customer: james, subject: "New bank details for your refund",
		articles: []article{
			{from: james, when: day(1, 11, 15), how: tampered,
				tamper: [2]string{"GB33 BUKB 2020 1555 5555 55", "GB94 BARC 1020 1530 0934 59"}, text: `Hello,

for the credit note of 980.00 EUR, please transfer the refund to our new account:

  Northwind Traders Ltd
  IBAN GB33 BUKB 2020 1555 5555 55
  BIC  BUKBGB22

Our old account will be closed at the end of the month.

Regards,
James Miller`},
		},
	},
	{
		key: "vertrag", customer: anna, subject: "Unterlagen zur Vertragsverlängerung",
		articles: []article{
			{from: anna, when: day(1, 15, 40), how: oldKey, text: `Sehr geehrte Damen und Herren,

wie besprochen erhalten Sie hiermit die unterschriebenen Unterlagen zur Vertragsverlängerung. Ich habe die Nachricht mit Ihrem Zertifikat von Ihrer Webseite verschlüsselt.

Mit freundlichen Grüßen
Anna Schmidt`},
		},
	},
	{
		key: "agenda", customer: james, subject: "Agenda for Thursday's review call",
		articles: []article{
			{from: james, when: day(1, 16, 45), how: clockSkew, text: `Hi,

for our quarterly review call on Thursday I would suggest:

  1. Open tickets and response times
  2. The new invoice address
  3. Renewing our certificates in the autumn

Let me know if you want to add anything.

James`},
		},
	},
	{
		key: "scan", customer: scanner, subject: "Scan: Vollmacht Mandant 48213",
		articles: []article{
			{from: scanner, when: ago(2*time.Hour + 10*time.Minute), how: brokenSig, signer: anna, text: `Dieses Dokument wurde am Multifunktionsgerät „Empfang-2“ gescannt.

Seiten: 2
Auflösung: 300 dpi

Bitte antworten Sie nicht auf diese automatisch erzeugte Nachricht.`},
		},
	},
	{
		key: "forecast", customer: priya, subject: "Q3 volume forecast",
		articles: []article{
			{from: priya, when: ago(80 * time.Minute), how: damaged, text: `Hi,

here is our volume forecast for the third quarter: about 1,400 orders a month, with a peak in September.

Priya`},
		},
	},
	{
		key: "newsletter", customer: news, subject: "Northwind Partner News: autumn price list",
		articles: []article{
			{from: news, when: ago(50 * time.Minute), how: signed, text: newsletterText, html: newsletter},
		},
	},
	{
		key: "delivery", customer: priya, subject: "Delivery schedule for next week",
		articles: []article{
			{from: priya, when: ago(35 * time.Minute), how: sha1Digest, text: `Hi,

here is the delivery schedule for next week, sent from our warehouse system:

  Monday     2 pallets   (order 5531)
  Wednesday  5 pallets   (order 5536)
  Friday     1 pallet    (order 5540)

Please confirm the time slots.

Priya Patel
IT Operations, Contoso`},
		},
	},
	{
		key: "rechnung", customer: anna, subject: "Rückfrage zur Rechnung 2024-121",
		articles: []article{
			{from: anna, when: ago(12 * time.Minute), how: sealed, text: `Guten Tag,

in der Rechnung 2024-121 ist die Position „Zusatzspeicher 50 GB“ doppelt aufgeführt. Wir haben den Speicher nur einmal gebucht.

Können Sie die Rechnung bitte korrigieren?

Freundliche Grüße
Anna Schmidt`},
		},
	},
}
