package message

import "testing"

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello,\r\n\r\nthe printer is broken.\r\n", "> Hello,\n>\n> the printer is broken.\n"},
		{"\n\nAnswer.\n> earlier\n>> older\n", "> Answer.\n>> earlier\n>>> older\n"},
		{"Thanks.\n-- \nAnna Schmidt\nKanzlei\n", "> Thanks.\n"},
		{"trailing   \n", "> trailing\n"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
